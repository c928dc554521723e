"""How a query worker answers a query on the embedded store: on the published snapshot of the
generation the job must see (service.store.embedded.snapshots), streamed to the request thread
in pieces as pyoxigraph writes it; and a page's read of that snapshot
(service.store.embedded.page_reads), when the worker is a page worker.

Workers never open the live store (pyoxigraph calls ``read_only`` beside a writer undefined
behaviour): the worker opens the job's snapshot read-only when it holds another. The pool
(service.store.workers) runs this in its processes and knows which generation each holds, so
the service removes only snapshots nobody reads.
"""

from __future__ import annotations

from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from service.errors import (
    BadQuery,
    FetchFailed,
    Forbidden,
    NotAcceptable,
    NotFound,
    QantarError,
    StoreFailure,
)
from service.formats import Format
from service.sandbox import refused_by_sandbox
from service.store.embedded.page_reads import answer_read
from service.store.embedded.snapshots import snapshot_path
from service.store.embedded.store import EmbeddedStore
from service.store.interface import Triples
from service.store.messages import AnswerKind, Chunk, End, Failure, Head, Whole
from service.store.syntax_errors import query_error
from service.store.workers import QueryJob, ReadJob, first_rows

#: Output is sent to the request thread in pieces of this size. The first piece is held back
#: until it is full or the answer is complete, so that most errors (and timeouts of queries that
#: compute before they output, like aggregates) still get a proper status code.
CHUNK = 64 * 1024


class SnapshotEvaluator:
    """Made once in each query worker (service.store.workers ``QueryPool(evaluator=...)``): it
    keeps the snapshot it last read open, and answers each job on the one it names."""

    def __init__(self, store_path: str) -> None:
        self.store_path = Path(store_path)
        self._store: EmbeddedStore | None = None
        self._seen: int | None = None

    def __call__(self, conn: Connection, job: QueryJob | ReadJob, generation: int) -> None:
        try:
            if self._store is None or generation != self._seen:
                self._store = None
                # a snapshot: nobody writes it
                self._store = EmbeddedStore(snapshot_path(self.store_path, generation),
                                            read_only=True)
                self._seen = generation
            if isinstance(job, ReadJob):
                conn.send(answer_read(self._store, job))
            else:
                _answer(conn, self._store, job)
        except (OSError, NotFound) as err:  # the snapshot could not be read: answer, reopen
            self._store = None
            conn.send(Failure(StoreFailure(f"the store could not be read, try again: {err}")))
        except MemoryError:
            self._store = None
            raise  # the worker answers it and is replaced


class _ChunkWriter:
    """A binary file-like object that ships what pyoxigraph writes to the request thread."""

    def __init__(self, conn: Connection, kind: AnswerKind, fmt: Format) -> None:
        self.conn = conn
        self.head = Head(kind, fmt)
        self.buffer = bytearray()
        self.head_sent = False

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self._ship()
        return len(data)

    def flush(self) -> None:  # pyoxigraph may call it; shipping happens on size or at the end
        pass

    def _ship(self) -> None:
        if not self.head_sent:
            self.conn.send(self.head)
            self.head_sent = True
        if self.buffer:
            self.conn.send(Chunk(bytes(self.buffer)))
            self.buffer.clear()

    def finish(self) -> None:
        if not self.head_sent:  # a small answer: one message instead of three
            self.conn.send(Whole(self.head.kind, self.head.format, bytes(self.buffer)))
            return
        self._ship()
        self.conn.send(End())


def evaluation_error(err: BaseException, fetches: bool) -> QantarError:
    """What went wrong with a query that failed while being evaluated.

    A remote server's answer is never shown: it could be an internal service's page.
    """
    if refused_by_sandbox(err):
        return Forbidden("this query would make the server fetch a URL, which it does not do "
                         "(SERVICE and LOAD reach only the hosts in QANTAR_FETCH_ALLOW)")
    if fetches:
        return FetchFailed("a SERVICE request of this query failed; what the remote server "
                           "answered is not shown")
    return BadQuery(f"query failed: {err}")


def _answer(conn: Connection, store: EmbeddedStore, job: QueryJob) -> None:
    try:
        result = store.evaluate(job.query, base_iri=job.base_iri,
                                default_graphs=job.default_graphs,
                                named_graphs=job.named_graphs, union_default=job.union_default)
    except SyntaxError as err:
        conn.send(Failure(query_error(job.query, err, job.base_iri)))
        return
    except (OSError, RuntimeError, ValueError) as err:
        conn.send(Failure(evaluation_error(err, job.fetches)))
        return
    if job.row_cap:
        conn.send(first_rows(result, job.row_cap))
        return
    if isinstance(result, Triples):
        kind, chosen = AnswerKind.TRIPLES, job.graph_format
        written = chosen.rdf if chosen else None
    else:
        kind = (AnswerKind.BOOLEAN if isinstance(result, ox.QueryBoolean)
                else AnswerKind.SOLUTIONS)
        chosen = job.results_format
        written = chosen.results if chosen else None
    if chosen is None or written is None:
        what = "an RDF graph" if kind is AnswerKind.TRIPLES else "query results"
        conn.send(Failure(NotAcceptable(f"the answer is {what}, and none of the acceptable "
                                        "formats fits")))
        return
    writer = _ChunkWriter(conn, kind, chosen)
    try:
        result.serialize(writer, written)
    except (OSError, RuntimeError, ValueError, SyntaxError) as err:
        # after the Head, the endpoint answers it as an answer cut short
        conn.send(Failure(evaluation_error(err, job.fetches)))
        return
    writer.finish()
