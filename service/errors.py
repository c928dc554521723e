"""The one exception family of Qantar: what went wrong, its HTTP status and its exit code.

Every error Qantar reports to a person (instead of a traceback) is a ``QantarError``. A class
carries its HTTP ``status``, the ``headers`` its answer needs (``Retry-After``,
``WWW-Authenticate``) and the CLI's ``exit_code``; the web app maps them in one error handler
(service.app) and the ``qantar`` command in one place (service.cli's group). Exit codes: 1
invalid data, 2 unreadable input or a malformed request or query, 3 anything else.

The classes pickle whatever their constructor (query workers and the process that prepares
the store send them to the service's process).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar


class QantarError(Exception):
    """Base of every error Qantar reports to a person instead of a traceback."""

    status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 3
    headers: Mapping[str, str] = {}

    def __init__(self, *args: object, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(*args)
        if headers:  # this answer's own, besides the class's (e.g. Vary on a negotiated page)
            self.headers = {**type(self).headers, **headers}

    def __reduce__(self) -> tuple:
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[QantarError], args: tuple, state: dict) -> QantarError:
    """An error as it was pickled, without calling its constructor (they differ)."""
    err = cls.__new__(cls, *args)
    err.args = args
    err.__dict__.update(state)
    return err


class InvalidData(QantarError):
    """The data is readable but breaks the shapes or the manifest."""

    status = 422
    exit_code = 1


class GraphExists(QantarError):
    """The target graph of an import holds data already and --replace was not asked for."""

    status = 409


# -- malformed input: 400 (415), exit code 2 --------------------------------------------------


class BadRequest(QantarError):
    """A request is malformed (parameters that contradict each other, a body cut short)."""

    status = 400
    exit_code = 2


class UnreadableInput(BadRequest):
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


class BadQuery(BadRequest):
    """The SPARQL text (or an RDF body, a graph IRI) does not parse or cannot be run; ``line``
    and ``column`` where the mistake is (service.store.syntax_errors words SPARQL's)."""

    def __init__(self, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class UnsupportedBody(BadRequest):
    """The body's media type (or charset) is not one we read."""

    status = 415


# -- refusals ---------------------------------------------------------------------------------


class NotFound(QantarError):
    """A thing asked for (a store, a file, a graph, a resource) does not exist."""

    status = 404


class NotAcceptable(QantarError):
    """None of the media types the client accepts is one we write."""

    status = 406


class Forbidden(QantarError):
    """The operation is not allowed (e.g. an update on a read-only service)."""

    status = 403


class Unauthorized(Forbidden):
    """A token is configured but the request did not present the right one."""

    status = 401
    headers = {"WWW-Authenticate": 'Bearer realm="qantar"'}


class ProtectedGraph(Forbidden):
    """A client request would write a protected graph (service.store.protected)."""


class TooLarge(QantarError):
    """A request body is over QANTAR_MAX_BODY; nothing of it was used."""

    status = 413

    def __init__(self, limit: int | None) -> None:
        super().__init__(f"request body too large (the limit is {limit} bytes)")
        self.limit = limit


class BatchTooLarge(QantarError):
    """A reconciliation batch holds more queries than the manifest's ``batchSize`` (the
    Reconciliation API's 413)."""

    status = 413


class BodyTimeout(QantarError):
    """A request body did not arrive whole within QANTAR_BODY_TIMEOUT; nothing of it was used."""

    status = 408

    def __init__(self, limit: float) -> None:
        super().__init__(f"the request body did not arrive whole within {limit:g} s")
        self.limit = limit


# -- not now: 503, try again ------------------------------------------------------------------


class Unavailable(QantarError):
    """The service cannot do it now (a time limit, a busy or restarting part); try again."""

    status = 503


class Busy(Unavailable):
    """Every worker (or every place for a body) is taken: turned away at once, with when to
    come back."""

    headers = {"Retry-After": "2"}


class QueryTimeout(Unavailable):
    """The query ran past the time limit and its worker was stopped."""

    def __init__(self, limit: float) -> None:
        # the limit a request's checks left its query, to the tenth of a second
        super().__init__(f"the query ran longer than the limit of {round(limit, 1):g} s; narrow "
                         "it down (LIMIT, more specific patterns)")
        self.limit = limit


class PageTimeout(Unavailable):
    """A page's reads of the store ran past QANTAR_PAGE_TIMEOUT; the page worker reading was
    stopped."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"this page took longer than the limit of {limit:g} s to read from the "
                         "store; try again in a moment, or open a later page of its links")
        self.limit = limit


class BatchTimeout(Unavailable):
    """A reconciliation batch ran past the query time limit: no answer is given for any of
    its queries, rather than some of them."""

    def __init__(self, limit: float, done: int, total: int) -> None:
        super().__init__(f"the reconciliation batch ran longer than the limit of {limit:g} s "
                         f"({done} of its {total} queries were done; none is answered); send "
                         "fewer queries or properties at a time")
        self.limit = limit


class WriteTimeout(Unavailable):
    """A write ran past QANTAR_WRITE_TIMEOUT and was undone whole."""


class OutOfMemory(Unavailable):
    """A query or a write needed more memory than QANTAR_WORKER_MEMORY allows its process;
    the process was stopped (a write undone whole) and replaced."""


class StoreBusy(Unavailable):
    """Another process (usually `qantar serve`) holds the store open for writing."""


class StoreFailure(Unavailable):
    """The store's disk could not be read or written; nothing was written."""

    @classmethod
    def of(cls, err: OSError) -> StoreFailure:
        """What an OSError from pyoxigraph ("IO error: ...") means: a full disk, a read-only
        one, or another failure to read or write."""
        text = str(err)
        if "No space left" in text or getattr(err, "errno", None) == 28:
            return DiskFull(f"the store's disk is full, so nothing was written ({text})")
        if "Read-only file system" in text or getattr(err, "errno", None) == 30:
            return cls(f"the store's disk is read-only, so nothing was written ({text})")
        return cls(f"the store could not be read or written: {text}")


class DiskFull(StoreFailure):
    """The store's disk is full."""

    status = 507


class SavedQueriesFull(QantarError):
    """The service keeps as many saved queries as it is configured to (QANTAR_SAVED_QUERIES)."""

    status = 507


def is_disk_error(err: BaseException) -> bool:
    """A full or read-only disk, as pyoxigraph reports it."""
    text = str(err)
    return ("No space left" in text or "Read-only file system" in text
            or getattr(err, "errno", None) in (28, 30))


# -- another server failed: 502 ---------------------------------------------------------------


class FetchFailed(QantarError):
    """A SERVICE or LOAD to an allowed host failed (what the host answered is not repeated)."""

    status = 502


class StoreUnavailable(QantarError):
    """The remote store is down, too slow or answered something that is not SPARQL."""

    status = 502


class RemoteTimeout(StoreUnavailable):
    """The remote store did not answer in time."""


class RemoteServerError(StoreUnavailable):
    """The remote store answered with a 5xx status."""


class RemoteNotAcceptable(StoreUnavailable):
    """The remote store has none of the formats asked for."""


# -- our own failure: 500 ---------------------------------------------------------------------


class AnswerFailed(QantarError):
    """A query failed after its answer had begun (while it was being written out)."""


def plain_text(status: int, message: str,
               headers: Mapping[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """An HTTP answer as status, headers and a plain-text body (for ``err``: ``err.status``,
    ``str(err)``, ``err.headers``).

    Plain text is what SPARQL clients show their users; it never echoes markup back as HTML.
    """
    return status, {"Content-Type": "text/plain; charset=utf-8",
                    "X-Content-Type-Options": "nosniff", **(headers or {})}, \
        (message.rstrip("\n") + "\n").encode("utf-8")
