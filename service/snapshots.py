"""Immutable snapshots of the embedded store: the only thing other processes read.

pyoxigraph documents ``Store.read_only`` beside a writing process as undefined behaviour (we saw
a reader die on a vanished ``.sst`` file). ``Store.backup`` makes a hard-linked copy "usable
... like a regular database" that "operates independently from the original": a directory
nobody ever writes, which any number of processes may open read-only. The writer publishes one
after every committed write, under ``<store>.snapshots/<generation>``; readers open the newest;
the service removes a snapshot once no reader holds it.

A snapshot appears by an atomic rename of a completed backup, so a directory named by a number
is always whole. The newest one is also the state a write that never finished (a time limit, a
crash) is rolled back to.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import weakref
from pathlib import Path

from service.store import EmbeddedStore


def snapshots_dir(store_path: Path) -> Path:
    """Where the snapshots of ``store_path`` live (beside it: hard links need one file system)."""
    return store_path.with_name(store_path.name + ".snapshots")


def snapshot_path(store_path: Path, generation: int) -> Path:
    return snapshots_dir(store_path) / str(generation)


def generations(store_path: Path) -> list[int]:
    """The published generations, oldest first (unfinished ``.tmp`` backups are not listed)."""
    root = snapshots_dir(store_path)
    if not root.is_dir():
        return []
    return sorted(int(p.name) for p in root.iterdir() if p.name.isdigit() and p.is_dir())


def newest(store_path: Path) -> int | None:
    found = generations(store_path)
    return found[-1] if found else None


def publish(store: EmbeddedStore, store_path: Path, generation: int) -> Path:
    """Flush ``store`` and publish its committed state as ``generation``."""
    root = snapshots_dir(store_path)
    root.mkdir(parents=True, exist_ok=True)
    target = snapshot_path(store_path, generation)
    tmp = root / f"{generation}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    store.backup(tmp)
    tmp.rename(target)
    return target


def remove_except(store_path: Path, keep: set[int]) -> None:
    """Remove every snapshot not in ``keep`` (and leftovers of interrupted backups)."""
    root = snapshots_dir(store_path)
    if not root.is_dir():
        return
    for path in root.iterdir():
        if path.name.isdigit() and int(path.name) in keep:
            continue
        shutil.rmtree(path, ignore_errors=True)


def restore(store_path: Path, generation: int) -> None:
    """Make the store exactly the snapshot ``generation`` again (a write was cut short).

    Table files (``.sst``) are immutable in RocksDB, which only ever creates and unlinks them, so
    they are hard-linked as the backup itself does; every other file (manifest, options, logs)
    is copied, so the snapshot stays as it is for the readers that hold it. It costs little
    disk, which matters when a write was refused because the disk is full.
    """
    source = snapshot_path(store_path, generation)
    staging = store_path.with_name(store_path.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, copy_function=_link_or_copy)
    old = store_path.with_name(store_path.name + ".rolled-back")
    shutil.rmtree(old, ignore_errors=True)
    if store_path.exists():
        store_path.rename(old)
    staging.rename(store_path)
    shutil.rmtree(old, ignore_errors=True)


def _link_or_copy(source: str, target: str) -> None:
    if source.endswith(".sst"):
        try:
            os.link(source, target)
            return
        except OSError:
            pass  # another file system: copy
    shutil.copy2(source, target)


class Readers:
    """The service's own read-only views of published snapshots, and which ones may go.

    Request threads read through the newest view; a view a request still uses, a snapshot a
    query worker holds, and one superseded less than ``grace`` seconds ago (a lazy answer may
    still be reading it after its view object is gone) are kept; the rest are removed.
    """

    def __init__(self, store_path: Path, grace: float) -> None:
        self.store_path = store_path
        self.grace = grace
        self.generation = 0
        self.current: EmbeddedStore | None = None
        self._open: weakref.WeakValueDictionary[int, EmbeddedStore] = (
            weakref.WeakValueDictionary())
        self._superseded: dict[int, float] = {}
        self._lock = threading.Lock()

    def switch(self, generation: int) -> None:
        """Read ``generation`` from now on."""
        view = EmbeddedStore(snapshot_path(self.store_path, generation), read_only=True)
        with self._lock:
            if self.current is not None and self.generation != generation:
                self._superseded[self.generation] = time.monotonic()
            self.current, self.generation = view, generation
            self._open[generation] = view

    def collect(self, held: set[int]) -> None:
        """Remove the snapshots nobody can be reading (``held``: those query workers hold)."""
        now = time.monotonic()
        with self._lock:
            recent = {g for g, t in self._superseded.items() if now - t < self.grace}
            self._superseded = {g: t for g, t in self._superseded.items() if g in recent}
            keep = {self.generation, *held, *recent, *self._open.keys()}
        remove_except(self.store_path, keep)

    def close(self) -> None:
        with self._lock:
            self.current = None
