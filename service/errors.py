"""The one small exception family of Qantar, and its exit codes."""

from __future__ import annotations

from pathlib import Path


class QantarError(Exception):
    """Base of every error Qantar reports to a person instead of a traceback."""


class InvalidData(QantarError):
    """The data is readable but breaks the shapes or the manifest."""


class UnreadableInput(QantarError):
    """A file is not well-formed RDF; says where, like a compiler does."""

    def __init__(
        self, file: str | Path, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.file = str(file)
        self.line = line
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class BadQuery(QantarError):
    """The SPARQL text does not parse or cannot be run."""


class NotFound(QantarError):
    """A thing asked for (a store, a file, a graph) does not exist."""


class Forbidden(QantarError):
    """The operation is not allowed (e.g. an update without a token)."""


class FetchFailed(QantarError):
    """A SERVICE or LOAD to an allowed host failed (what the host answered is not repeated)."""


class Unavailable(QantarError):
    """The service cannot do it now (a time limit, a busy or restarting part); try again."""


class WriteTimeout(Unavailable):
    """A write ran past QANTAR_WRITE_TIMEOUT and was undone whole."""


def exit_code(err: QantarError) -> int:
    """The process exit code for ``err``: 1 invalid data, 2 unreadable input or query, else 3."""
    if isinstance(err, InvalidData):
        return 1
    if isinstance(err, UnreadableInput | BadQuery):
        return 2
    return 3
