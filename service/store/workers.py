"""SPARQL query evaluation in worker processes that can be killed at the time limit.

pyoxigraph has no query timeout and a running query cannot be interrupted from Python, so
each query runs in a worker process. The request thread waits with a deadline; past it, the
worker is killed and replaced, and the client gets an error while the other workers go on
serving. Each worker's memory is capped too (service.sandbox): a query that needs more is
answered 503 and its worker replaced, whether it raised MemoryError or was aborted.

The same processes check clients' texts (``CheckJob``: a parse can take as long as an
evaluation, or crash), for every backend. How a query is answered is the backend's: the pool is
given an evaluator (the embedded store's reads published snapshots,
service.store.embedded.evaluation); a pool without one only checks.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import multiprocessing as mp
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Protocol

import pyoxigraph as ox

from service.config import Settings
from service.errors import (
    Busy,
    OutOfMemory,
    QantarError,
    QueryTimeout,
    Unavailable,
)
from service.formats import Format
from service.processes import exit_with_parent, on_large_stack
from service.sandbox import (
    died_of_memory,
    forbid_network,
    limit_memory,
    memory_error,
)
from service.store.interface import Triples
from service.store.messages import (
    LAST,
    AnswerKind,
    Cell,
    Failure,
    Message,
    Returned,
    Rows,
)
from service.store.rdflib_parse import load_parser

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


@dataclass(frozen=True)
class ReadJob:
    """One read of the store for a page (service.store.embedded.page_reads): a ``Store``
    method by name and its arguments, answered with what it returns, in a worker so that the
    page's time limit can stop it (pyoxigraph cannot stop a query in the serving process)."""

    method: str
    args: tuple


#: What this thread waited for worker processes to start (service.store.workers ``starting``).
_STARTING = threading.local()


def starting_seconds(*, keep: bool = False) -> float:
    """Seconds the calling thread waited, since it last asked, for worker processes to start:
    Python's start (seconds on a busy machine), not a query's time. A request that runs a
    check and then a query in one limit (service.sparql.endpoint) gives that time back."""
    seconds = getattr(_STARTING, "seconds", 0.0)
    if not keep:
        _STARTING.seconds = 0.0
    return seconds


class Evaluator(Protocol):
    """What answers a ``QueryJob`` in a worker process, made there once (by the callable the
    pool was given: it crosses to the process by name), told each job and the version of the
    data it must see (the pool's ``generation`` when the job was sent); it sends the answer's
    messages (service.store.messages) on ``conn``."""

    def __call__(self, conn: Connection, job: QueryJob, version: int) -> None: ...


class _Worker:
    def __init__(self, context: mp.context.SpawnContext, sandboxed: bool, memory: int,
                 evaluator: Callable[[], Evaluator] | None, checks: bool) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=worker_main,
                                       args=(child, sandboxed, memory, evaluator, checks),
                                       daemon=True)
        self.process.start()
        child.close()
        self.holding: int | None = None  # the version of the data its last job read
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


def waiting_places(settings: Settings) -> int:
    """How many queries of one process may wait for a worker: ``QANTAR_THREADS``. The pool of
    threads that serves ``/sparql`` (``waiting_threads``) has room for them, those running and
    one more, always free to turn a query away at once or to take a write."""
    return max(1, settings.threads)


def waiting_threads(settings: Settings) -> int:
    """The threads of the pool that serves ``/sparql``, ``/store`` and ``/reconcile``
    (service.front): every query that may wait, every one that may run, and one more."""
    return waiting_places(settings) + max(settings.threads, settings.query_workers) + 1


class Admission:
    """Who gets the next free worker, and who is told at once that there is no point waiting.

    A query waits for a worker within its own time limit, however many wait before it, up to
    ``queue_limit`` waiting; it is turned away at once (Busy) only when its wait would not fit
    in that limit: the queries ahead of it, shared among the workers, each taking as long as
    queries have lately taken. A flood of queries that run to the limit is refused at once; a
    burst of cheap ones is queued and answered. A freed worker goes to the waiting query
    whose client has the fewest queries running (then the earliest): one client's burst
    cannot starve another's single query.
    """

    #: how many of the latest jobs' durations the expected wait is drawn from
    LATEST = 16

    def __init__(self, size: int, queue_limit: int, kind: str = "query") -> None:
        self.size = size
        self.kind = kind  # what its workers do, for messages
        self.queue_limit = max(0, queue_limit)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._waiting: list[_Waiter] = []
        self._running: dict[str, int] = {}
        self._latest: collections.deque[float] = collections.deque(maxlen=self.LATEST)
        self._turn = itertools.count()
        self._closed = False

    def acquire(self, client: str, deadline: float, *, queued: bool) -> _Worker:
        with self._lock:
            if self._idle and not self._waiting:
                return self._given(self._idle.pop(), client)
            queue = [w for w in self._waiting if w.queued]
            if queued:
                if len(queue) >= self.queue_limit:
                    raise Busy(f"all {self.size} {self.kind} workers are busy and {len(queue)} "
                               "queries are waiting for them; try again in a moment")
                typical = sum(self._latest) / len(self._latest) if self._latest else 0.0
                expected = (len(queue) + 1) / self.size * typical
                if expected > deadline - time.monotonic():
                    raise Busy(f"all {self.size} {self.kind} workers are busy and the {len(queue)} "
                               f"queries waiting would take about {expected:.0f} s, longer "
                               "than this one's time limit; try again in a moment")
            # woken alone when it is given a worker (no herd of waiters woken at each release)
            waiter = _Waiter(client, next(self._turn), queued, threading.Condition(self._lock))
            self._waiting.append(waiter)
            try:
                while waiter.worker is None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self._closed:
                        raise Busy(f"all {self.size} {self.kind} workers stayed busy for the "
                                   "whole time limit; try again in a moment")
                    waiter.woken.wait(remaining)
            except BaseException:
                if waiter.worker is not None:  # given one just as it gave up: pass it on
                    self._lowered(client)
                    self._handed(waiter.worker)
                else:
                    self._waiting.remove(waiter)
                raise
            return waiter.worker

    def release(self, worker: _Worker, client: str | None) -> None:
        """``worker`` is free (``client``'s job ended; None: a new worker)."""
        with self._lock:
            if client is not None:
                self._lowered(client)
            self._handed(worker)

    def took(self, seconds: float) -> None:
        """A job held its worker ``seconds`` (to its end, or its time limit)."""
        with self._lock:
            self._latest.append(seconds)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for waiter in self._waiting:
                waiter.woken.notify()

    def _lowered(self, client: str) -> None:
        """One job of ``client`` less is running (the lock is held)."""
        self._running[client] -= 1
        if not self._running[client]:
            del self._running[client]

    def _handed(self, worker: _Worker) -> None:
        """Give ``worker`` to the fairest waiter, or keep it idle (the lock is held)."""
        if not self._waiting:
            self._idle.append(worker)
            return
        chosen = min(self._waiting, key=lambda w: (self._running.get(w.client, 0), w.turn))
        self._waiting.remove(chosen)
        chosen.worker = self._given(worker, chosen.client)
        chosen.woken.notify()

    def _given(self, worker: _Worker, client: str) -> _Worker:
        self._running[client] = self._running.get(client, 0) + 1
        return worker


@dataclass
class _Waiter:
    client: str
    turn: int
    queued: bool
    woken: threading.Condition  # on the admission's lock
    worker: _Worker | None = None


class QueryPool:
    """A fixed number of worker processes, started on first use: they check clients' texts,
    and answer queries with the ``evaluator`` the backend gives (the embedded store's reads
    published snapshots, service.store.embedded.evaluation)."""

    def __init__(self, size: int, *, evaluator: Callable[[], Evaluator] | None = None,
                 sandboxed: bool = True, queue_limit: int = 2, memory: int = 0,
                 kind: str = "query", checks: bool = True) -> None:
        self.evaluator = evaluator
        self.checks = checks  # its workers check clients' texts: they build the parser first
        self.memory = memory  # each worker's address space in bytes (0: no limit)
        self.size = max(1, size)
        self.sandboxed = sandboxed  # no network (service.sandbox)
        self._context = mp.get_context("spawn")
        self.generation = 0
        self._all: set[_Worker] = set()
        self._start_lock = threading.Lock()
        self._holding_lock = threading.Lock()
        self._started = False
        self._admission = Admission(self.size, queue_limit, kind)

    def publish(self, generation: int) -> None:
        """Jobs from now on read the version ``generation`` of the data."""
        with self._holding_lock:
            self.generation = generation

    def held(self) -> set[int]:
        """The versions some worker read last (the embedded store keeps their snapshots)."""
        with self._holding_lock:
            return {w.holding for w in self._all if w.holding is not None}

    def start(self) -> None:
        """Start the worker processes now and wait until they are ready: started at the first
        job instead, that job waits for Python to start (a second; more on a busy machine).
        Only before the pool serves (a worker's readiness is read from its pipe); raises
        Unavailable if one does not start."""
        self._ensure_started()
        with self._holding_lock:
            workers = list(self._all)
        for worker in workers:
            worker.wait_ready()

    def _ensure_started(self) -> None:
        with self._start_lock:
            if not self._started:
                for _ in range(self.size):
                    self._admission.release(self._spawn(), None)
                self._started = True

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self.sandboxed, self.memory, self.evaluator,
                         self.checks)
        with self._holding_lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker, client: str) -> None:
        with self._holding_lock:
            self._all.discard(worker)
        worker.kill()
        self._admission.release(self._spawn(), client)

    def execute(self, job: QueryJob, timeout: float, *, queued: bool = True,
                client: str = "", version: int | None = None) -> Iterator[Message]:
        """Run ``job``: it waits for a worker at most ``timeout``, then runs at most
        ``timeout``; yields its messages (service.store.messages). Raises QueryTimeout, Busy
        (the wait would not fit in the time limit: ``Admission``), OutOfMemory when the
        worker ran out of memory, or Unavailable when it stops. Not ``queued`` (a write's
        check), it waits for a worker without taking a place of the queue. ``client``: who
        asks (the request's address), for a fair share of the workers. ``version``: the
        version of the data it reads (default: the newest published)."""
        self._ensure_started()
        started = time.monotonic()
        worker = self._admission.acquire(client, started + timeout, queued=queued)
        began = None
        finished = timed_out = False
        try:
            worker = self._sent(worker, job, version)
            # the job has its whole limit from now: starting a replaced worker (seconds on a
            # busy machine) is not the query's time
            began = time.monotonic()
            deadline = began + timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not worker.conn.poll(remaining):
                    timed_out = True
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
            # a job stopped at its limit would have run at least the whole limit, however
            # little of it was left when it got its worker
            if began is not None:
                self._admission.took(timeout if timed_out else time.monotonic() - began)
            if finished:
                self._admission.release(worker, client)
            else:
                self._replace(worker, client)

    def check(self, job: CheckJob, timeout: float, *, queued: bool = True,
              client: str = "") -> object:
        """What ``job`` returns, run in a worker within ``timeout``; raises what it raised, or
        QueryTimeout, Busy, OutOfMemory, Unavailable as ``execute`` does."""
        return self._value(job, timeout, queued=queued, client=client)

    def read(self, job: ReadJob, timeout: float, version: int) -> object:
        """What the store's method ``job`` names returns on the data of ``version`` (the
        evaluator answers it), within ``timeout``; raises as ``check`` does."""
        return self._value(job, timeout, version=version)

    def _value(self, job: CheckJob | ReadJob, timeout: float, *, queued: bool = True,
               client: str = "", version: int | None = None) -> object:
        messages = self.execute(job, timeout, queued=queued,  # type: ignore[arg-type]
                                client=client, version=version)
        try:
            message = next(messages)
        finally:
            messages.close()
        if isinstance(message, Failure):
            raise message.error
        assert isinstance(message, Returned)
        return message.value

    def _stopped(self, worker: _Worker) -> QantarError:
        """Why ``worker`` ended in the middle of a query: out of memory (aborted), or else."""
        worker.process.join(timeout=5)
        if died_of_memory(worker.process.exitcode):
            return memory_error(self.memory, "the query")
        return Unavailable("the query worker stopped (the service is stopping, or the worker "
                           "crashed); try again")

    def _sent(self, worker: _Worker, job: QueryJob, version: int | None) -> _Worker:
        """Send ``job`` to ``worker``, or to a fresh one if it died while idle (a dead worker
        is replaced before it is given a job, instead of answering "Broken pipe")."""
        if not worker.process.is_alive():
            worker = self._renewed(worker)
        try:
            self._send(worker, job, version)
        except OSError:
            worker = self._renewed(worker)
            self._send(worker, job, version)
        return worker

    def _send(self, worker: _Worker, job: QueryJob, version: int | None) -> None:
        if not worker.ready:
            started = time.monotonic()
            worker.wait_ready()
            _STARTING.seconds = starting_seconds(keep=True) + time.monotonic() - started
        with self._holding_lock:
            generation = worker.holding = self.generation if version is None else version
        worker.conn.send((job, generation))

    def _renewed(self, worker: _Worker) -> _Worker:
        with self._holding_lock:
            self._all.discard(worker)
        worker.kill()
        return self._spawn()

    def close(self) -> None:
        self._admission.close()
        with self._holding_lock:
            workers = list(self._all)
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.kill()
        self._all.clear()


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


def worker_main(conn: Connection, sandboxed: bool = True, memory: int = 0,
                evaluator: Callable[[], Evaluator] | None = None, checks: bool = True) -> None:
    """The loop of one worker process: answer jobs until told to stop. A sandboxed worker
    cannot open network sockets; ``memory`` caps its address space (service.sandbox);
    ``evaluator`` makes what answers its queries (a pool that only checks has none);
    ``checks``: it checks clients' texts, so it builds the parser before it says it is ready
    (not on the first check's clock)."""
    exit_with_parent()
    limit_memory(memory)
    if sandboxed:
        forbid_network()
    if checks:
        load_parser()
    # a deeply nested query parses there, not overflows the main thread's stack
    on_large_stack(_serve_jobs, conn, memory, evaluator() if evaluator else None)


def _serve_jobs(conn: Connection, memory: int, evaluate: Evaluator | None) -> None:
    conn.send(READY)
    while True:
        try:
            message = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if message is None:
            return
        job, version = message
        if isinstance(job, CheckJob):
            _check(conn, job, memory)
            continue
        if evaluate is None:
            conn.send(Failure(Unavailable("these workers only check requests")))
            continue
        try:
            evaluate(conn, job, version)
        except MemoryError:  # Python's share ran out (Rust's aborts the process instead)
            conn.send(Failure(memory_error(memory, "the query")))
            return  # the pool replaces this worker


def _check(conn: Connection, job: CheckJob, memory: int) -> None:
    try:
        conn.send(Returned(job.check(*job.args)))
    except QantarError as err:
        conn.send(Failure(err))
    except MemoryError:
        conn.send(Failure(memory_error(memory, "checking the request")))
