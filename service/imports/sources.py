"""What an import reads: files (a directory means every RDF file in it) and their formats."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from service.errors import UnreadableInput
from service.formats import RDF_FORMATS, by_extension, by_name, extensions, short_names


@dataclass(frozen=True)
class Source:
    """One input: where it came from, its format and size."""

    name: str  # file path or URL, as recorded in the provenance
    format: ox.RdfFormat
    size: int
    path: Path | None = None
    data: bytes | None = None  # for bodies received over HTTP

    def open(self) -> BinaryIO:
        if self.path is not None:
            return self.path.open("rb")
        return io.BytesIO(self.data or b"")


def format_named(name: str) -> ox.RdfFormat:
    """The format ``--format`` names: a short name or a media type."""
    fmt = by_name(name, RDF_FORMATS, legacy=True)
    if fmt is None:
        known = ", ".join(short_names(RDF_FORMATS))
        raise UnreadableInput(name, f"unknown RDF format (known: {known})")
    return fmt.rdf


def collect_sources(paths: list[Path], format_name: str | None = None) -> list[Source]:
    """The files to import: each path, or every RDF file (by extension) under a directory."""
    override = format_named(format_name) if format_name else None
    sources: list[Source] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file()
                           and (override or by_extension(p.suffix) is not None))
            if not files:
                raise UnreadableInput(path, "the directory holds no RDF file")
        elif path.is_file():
            files = [path]
        else:
            raise UnreadableInput(path, "no such file or directory")
        for file in files:
            fmt = override or _format_of(file)
            sources.append(Source(str(file), fmt, file.stat().st_size, path=file))
    return sources


def _format_of(path: Path) -> ox.RdfFormat:
    fmt = by_extension(path.suffix)
    if fmt is None:
        known = ", ".join(extensions())
        raise UnreadableInput(path, f"unknown RDF file extension (known: {known}; or say --format)")
    return fmt.rdf


class CountingReader:
    """A binary reader that hashes what passes through and reports progress in bytes."""

    def __init__(self, raw: BinaryIO, progress: Callable[[int], None] | None = None) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.bytes_read = 0
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.bytes_read += len(data)
        if self.progress is not None and data:
            self.progress(len(data))
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def drain(self) -> None:
        """Read what the parser left (e.g. trailing bytes) so the checksum covers the file."""
        while self.read(1 << 20):
            pass
