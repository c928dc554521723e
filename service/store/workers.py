"""SPARQL query evaluation in worker processes that can be killed at the time limit.

pyoxigraph has no query timeout and a running query cannot be interrupted from Python, so
each query runs in a worker process. The request thread waits with a deadline; past it, the
worker is killed and replaced, and the client gets an error while the other workers go on
serving. Each worker's memory is capped too (service.sandbox): a query that needs more is
answered 503 and its worker replaced, whether it raised MemoryError or was aborted.

Workers never open the live store (pyoxigraph calls ``read_only`` beside a writer undefined
behaviour): each job names the published snapshot of the generation it must see
(service.store.embedded.snapshots), and the worker opens that snapshot read-only if it holds
another. The
pool knows which generation each worker holds, so the service removes only snapshots nobody
reads.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from service.errors import (
    BadQuery,
    Busy,
    FetchFailed,
    Forbidden,
    NotAcceptable,
    NotFound,
    OutOfMemory,
    QantarError,
    QueryTimeout,
    StoreFailure,
    Unavailable,
)
from service.formats import Format
from service.processes import exit_with_parent, on_large_stack
from service.sandbox import (
    died_of_memory,
    forbid_network,
    limit_memory,
    memory_error,
    refused_by_sandbox,
)
from service.store.embedded.snapshots import snapshot_path
from service.store.embedded.store import EmbeddedStore
from service.store.interface import Triples
from service.store.messages import (
    LAST,
    AnswerKind,
    Cell,
    Checked,
    Chunk,
    End,
    Failure,
    Head,
    Message,
    Rows,
    Whole,
)
from service.store.rdflib_parse import load_parser
from service.store.syntax_errors import query_error

#: Output is sent to the request thread in pieces of this size. The first piece is held back
#: until it is full or the answer is complete, so that most errors (and timeouts of queries that
#: compute before they output, like aggregates) still get a proper status code.
CHUNK = 64 * 1024
#: Seconds a query worker may take to start; what it says once it has.
STARTUP_LIMIT = 120.0
READY = "ready"


@dataclass(frozen=True)
class QueryJob:
    """One query to evaluate, with the dataset and the formats negotiated for each result kind."""

    query: str
    results_format: Format | None  # None: no results format is acceptable
    graph_format: Format | None  # None: no RDF format is acceptable
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    union_default: bool | None = None  # None: union when the store's default graph is empty
    base_iri: str | None = None
    row_cap: int = 0  # > 0: answer with Rows, at most this many (the HTML view)
    fetches: bool = False  # the guard found allowed SERVICE targets: a remote answer may fail


@dataclass(frozen=True)
class CheckJob:
    """A check of a client's text (service.sparql.checks) to run in a worker: parsing a text
    can take as long as evaluating it (rdflib takes seconds per 100 KB) or crash (Oxigraph's
    parser overflows its stack on deep nesting), so it runs where the time limit, the memory
    limit and a crash cost one worker, never the service's process."""

    check: Callable[..., object]  # a module-level function: it crosses the pipe by name
    args: tuple


class _Worker:
    def __init__(self, context: mp.context.SpawnContext, sandboxed: bool, memory: int) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=worker_main, args=(child, sandboxed, memory),
                                       daemon=True)
        self.process.start()
        child.close()
        self.holding: int | None = None  # the snapshot generation its view is open on
        self.ready = False  # it said so once its imports were done

    def wait_ready(self) -> None:
        """Wait until the process has started (on a busy machine, seconds): the time limit of
        a query is for the query, not for starting Python. Raises Unavailable if it does not."""
        if self.ready:
            return
        try:
            if self.conn.poll(STARTUP_LIMIT) and self.conn.recv() == READY:
                self.ready = True
                return
        except (EOFError, OSError):
            pass
        raise Unavailable("a query worker did not start; try again")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """A fixed number of query workers, started on first use, reading published snapshots."""

    def __init__(self, store: Path, size: int, *, sandboxed: bool = True,
                 queue_limit: int = 2, memory: int = 0) -> None:
        self.store = store
        self.memory = memory  # each worker's address space in bytes (0: no limit)
        self.size = max(1, size)
        # queries that may wait for a busy worker; beyond them a query is turned away at once,
        # so that a flood of expensive queries cannot hold every request thread
        self.queue_limit = max(0, queue_limit)
        self._waiting = threading.BoundedSemaphore(self.queue_limit or 1)
        self.sandboxed = sandboxed  # no network (service.sandbox)
        self._context = mp.get_context("spawn")
        self.generation = 0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._start_lock = threading.Lock()
        self._holding_lock = threading.Lock()
        self._started = False

    def publish(self, generation: int) -> None:
        """Jobs from now on read the snapshot of ``generation``."""
        with self._holding_lock:
            self.generation = generation

    def held(self) -> set[int]:
        """The generations some worker has open (their snapshots must stay)."""
        with self._holding_lock:
            return {w.holding for w in self._all if w.holding is not None}

    def _ensure_started(self) -> None:
        with self._start_lock:
            if not self._started:
                for _ in range(self.size):
                    self._idle.put(self._spawn())
                self._started = True

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self.sandboxed, self.memory)
        with self._holding_lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        with self._holding_lock:
            self._all.discard(worker)
        worker.kill()
        self._idle.put(self._spawn())

    def execute(self, job: QueryJob, timeout: float, *, queued: bool = True
                ) -> Iterator[Message]:
        """Run ``job``; yields its messages (service.store.messages). Raises QueryTimeout,
        Busy, OutOfMemory when the worker ran out of memory, or Unavailable when it stops.
        Not ``queued``, it waits for a worker without taking a place of the queue."""
        self._ensure_started()
        worker = self._free_worker(timeout, queued)
        finished = False
        try:
            worker = self._sent(worker, job)
            deadline = time.monotonic() + timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not worker.conn.poll(remaining):
                    raise QueryTimeout(timeout)
                try:
                    message = worker.conn.recv()
                except EOFError:
                    raise self._stopped(worker) from None
                if isinstance(message, LAST):
                    # a worker that ran out of memory is replaced all the same
                    finished = not (isinstance(message, Failure)
                                    and isinstance(message.error, OutOfMemory))
                    if not finished:
                        yield message
                        return
                yield message
                if finished:
                    return
        finally:
            if finished:
                self._idle.put(worker)
            else:
                self._replace(worker)

    def check(self, job: CheckJob, timeout: float, *, queued: bool = True) -> object:
        """What ``job`` returns, run in a worker within ``timeout``; raises what it raised, or
        QueryTimeout, Busy, OutOfMemory, Unavailable as ``execute`` does."""
        messages = self.execute(job, timeout, queued=queued)  # type: ignore[arg-type]
        try:
            message = next(messages)
        finally:
            messages.close()
        if isinstance(message, Failure):
            raise message.error
        assert isinstance(message, Checked)
        return message.value

    def _stopped(self, worker: _Worker) -> QantarError:
        """Why ``worker`` ended in the middle of a query: out of memory (aborted), or else."""
        worker.process.join(timeout=5)
        if died_of_memory(worker.process.exitcode):
            return memory_error(self.memory, "the query")
        return Unavailable("the query worker stopped (the service is stopping, or the worker "
                           "crashed); try again")

    def _free_worker(self, timeout: float, queued: bool = True) -> _Worker:
        """An idle worker; waiting for one only in one of the ``queue_limit`` places, unless
        not ``queued`` (a write's check: writes require the token and wait for each other
        within their own limit, so they wait here too rather than being turned away)."""
        with contextlib.suppress(queue.Empty):
            return self._idle.get_nowait()
        if not queued:
            return self._wait_idle(timeout)
        if not self.queue_limit or not self._waiting.acquire(blocking=False):
            raise Busy(f"all {self.size} query workers are busy and {self.queue_limit} "
                           "queries are waiting for them; try again in a moment")
        try:
            return self._wait_idle(timeout)
        finally:
            self._waiting.release()

    def _wait_idle(self, timeout: float) -> _Worker:
        try:
            return self._idle.get(timeout=max(0.0, timeout))
        except queue.Empty:
            raise Busy(f"all {self.size} query workers stayed busy for {timeout:g} s; try "
                       "again in a moment") from None

    def _sent(self, worker: _Worker, job: QueryJob) -> _Worker:
        """Send ``job`` to ``worker``, or to a fresh one if it died while idle (a dead worker
        is replaced before it is given a job, instead of answering "Broken pipe")."""
        if not worker.process.is_alive():
            worker = self._renewed(worker)
        try:
            self._send(worker, job)
        except OSError:
            worker = self._renewed(worker)
            self._send(worker, job)
        return worker

    def _send(self, worker: _Worker, job: QueryJob) -> None:
        worker.wait_ready()
        with self._holding_lock:
            generation = worker.holding = self.generation
        worker.conn.send((job, str(snapshot_path(self.store, generation)), generation))

    def _renewed(self, worker: _Worker) -> _Worker:
        with self._holding_lock:
            self._all.discard(worker)
        worker.kill()
        return self._spawn()

    def close(self) -> None:
        with self._holding_lock:
            workers = list(self._all)
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.kill()
        self._all.clear()


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


def first_rows(result: object, cap: int) -> Rows:
    """At most ``cap`` rows of an answer, for the HTML view."""
    if isinstance(result, ox.QueryBoolean):
        return Rows(AnswerKind.BOOLEAN, ["boolean"], [[("literal", str(bool(result)).lower(), "")]],
                    False)
    if isinstance(result, Triples):
        variables = ["subject", "predicate", "object"]
        source = ((t.subject, t.predicate, t.object) for t in result)
        kind = AnswerKind.TRIPLES
    else:
        variables = [v.value for v in result.variables]
        source = (tuple(row[name] for name in variables) for row in result)
        kind = AnswerKind.SOLUTIONS
    rows, truncated = [], False
    for row in source:
        if len(rows) == cap:
            truncated = True
            break
        rows.append([_cell(term) for term in row])
    return Rows(kind, variables, rows, truncated)


def _cell(term: object) -> Cell:
    if term is None:
        return ("unbound", "", "")
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value, "")
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value, "")
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.language or term.datatype.value)
    return ("literal", str(term), "")


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


def worker_main(conn: Connection, sandboxed: bool = True, memory: int = 0) -> None:
    """The loop of one worker process: answer jobs on the snapshot each names, until told to
    stop. A sandboxed worker cannot open network sockets; ``memory`` caps its address space
    (service.sandbox)."""
    exit_with_parent()
    limit_memory(memory)
    if sandboxed:
        forbid_network()
    load_parser()  # for the checks of clients' texts: not on the first one's clock
    on_large_stack(_serve_jobs, conn, memory)  # a deeply nested query parses there, not overflows


def _serve_jobs(conn: Connection, memory: int) -> None:
    conn.send(READY)
    store: EmbeddedStore | None = None
    seen = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if message is None:
            return
        job, path, generation = message
        if isinstance(job, CheckJob):
            _check(conn, job, memory)
            continue
        try:
            if store is None or generation != seen:
                store = None
                store = EmbeddedStore(path, read_only=True)  # a snapshot: nobody writes it
                seen = generation
            _answer(conn, store, job)
        except (OSError, NotFound) as err:  # the snapshot could not be read: answer, reopen
            store = None
            conn.send(Failure(StoreFailure(f"the store could not be read, try again: {err}")))
        except MemoryError:  # Python's share ran out (Rust's aborts the process instead)
            store = None
            conn.send(Failure(memory_error(memory, "the query")))
            return  # the pool replaces this worker


def _check(conn: Connection, job: CheckJob, memory: int) -> None:
    try:
        conn.send(Checked(job.check(*job.args)))
    except QantarError as err:
        conn.send(Failure(err))
    except MemoryError:
        conn.send(Failure(memory_error(memory, "checking the request")))


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
