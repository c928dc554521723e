"""SPARQL query evaluation in worker processes that can be killed at the time limit.

pyoxigraph has no query timeout and a running query cannot be interrupted from Python, so
each query runs in a worker process holding a read-only view of the store. The request thread
waits with a deadline; past it, the worker is killed and replaced, and the client gets an
error while the other workers go on serving. Workers reopen their view after every write
(the pool's generation counter), so they never answer from stale data.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

#: Output is sent to the request thread in pieces of this size. The first piece is held back
#: until it is full or the answer is complete, so that most errors (and timeouts of queries that
#: compute before they output, like aggregates) still get a proper status code.
CHUNK = 64 * 1024


class QueryTimeout(Exception):
    """The query ran past the time limit and its worker was stopped."""


class PoolBusy(Exception):
    """No worker became free before the time limit."""


@dataclass(frozen=True)
class QueryJob:
    """One query to evaluate, with the dataset and the formats negotiated for each result kind."""

    query: str
    results_type: str | None
    graph_type: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    union_default: bool | None = None  # None: union when the store's default graph is empty
    base_iri: str | None = None
    row_cap: int = 0  # > 0: answer ("rows", ...) with at most this many rows (the HTML view)


class _Worker:
    def __init__(self, context: mp.context.SpawnContext, store: Path, generation: object) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(
            target=worker_main, args=(child, str(store), generation), daemon=True
        )
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """A fixed number of query workers, started on first use."""

    def __init__(self, store: Path, size: int) -> None:
        self.store = store
        self.size = max(1, size)
        self._context = mp.get_context("spawn")
        self._generation = self._context.Value("q", 0, lock=True)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._start_lock = threading.Lock()
        self._started = False

    @property
    def generation(self) -> int:
        return int(self._generation.value)

    def bump_generation(self) -> None:
        with self._generation.get_lock():
            self._generation.value += 1

    def _ensure_started(self) -> None:
        with self._start_lock:
            if not self._started:
                for _ in range(self.size):
                    self._idle.put(self._spawn())
                self._started = True

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self.store, self._generation)
        self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        self._all.discard(worker)
        worker.kill()
        self._idle.put(self._spawn())

    def execute(self, job: QueryJob, timeout: float) -> Iterator[tuple]:
        """Run ``job``; yields ("head", kind, media type), ("chunk", bytes)..., ("end",), or
        a single ("whole", kind, media type, bytes) for a small answer, or a single ("error",
        status, message). Raises QueryTimeout or PoolBusy."""
        self._ensure_started()
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=max(0.0, timeout))
        except queue.Empty:
            raise PoolBusy(f"all {self.size} query workers stayed busy for {timeout:g} s") from None
        finished = False
        try:
            worker.conn.send(job)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not worker.conn.poll(remaining):
                    raise QueryTimeout(f"the query ran longer than the limit of {timeout:g} s")
                try:
                    message = worker.conn.recv()
                except EOFError:
                    raise RuntimeError("the query worker died") from None
                if message[0] in ("end", "error", "whole", "rows"):
                    finished = True
                yield message
                if finished:
                    return
        finally:
            if finished:
                self._idle.put(worker)
            else:
                self._replace(worker)

    def close(self) -> None:
        for worker in list(self._all):
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.kill()
        self._all.clear()


class _ChunkWriter:
    """A binary file-like object that ships what pyoxigraph writes to the request thread."""

    def __init__(self, conn: Connection, kind: str, mime: str) -> None:
        self.conn = conn
        self.head = ("head", kind, mime)
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
            self.conn.send(("chunk", bytes(self.buffer)))
            self.buffer.clear()

    def finish(self) -> None:
        if not self.head_sent:  # a small answer: one message instead of three
            self.conn.send(("whole", *self.head[1:], bytes(self.buffer)))
            return
        self._ship()
        self.conn.send(("end",))


def first_rows(result: object, cap: int) -> tuple:
    """("rows", kind, variables, rows, truncated): at most ``cap`` rows of an answer, each a
    list of (type, value, language or datatype) cells, for the HTML view."""
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        return ("rows", "boolean", ["boolean"], [[("literal", str(bool(result)).lower(), "")]],
                False)
    if isinstance(result, ox.QueryTriples) or getattr(result, "is_triples", False):
        variables = ["subject", "predicate", "object"]
        source = ((t.subject, t.predicate, t.object) for t in result)
        kind = "triples"
    else:
        variables = [v.value for v in result.variables]
        source = (tuple(row[name] for name in variables) for row in result)
        kind = "solutions"
    rows, truncated = [], False
    for row in source:
        if len(rows) == cap:
            truncated = True
            break
        rows.append([_cell(term) for term in row])
    return ("rows", kind, variables, rows, truncated)


def _cell(term: object) -> tuple[str, str, str]:
    import pyoxigraph as ox

    if term is None:
        return ("unbound", "", "")
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value, "")
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value, "")
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.language or term.datatype.value)
    return ("literal", str(term), "")


def syntax_message(error: str) -> str:
    """Oxigraph says "error at 3:2: expected ..."; people read "line 3, column 2"."""
    match = re.match(r"error at (\d+):(\d+): (.*)", error, re.DOTALL)
    if match is None:
        return f"SPARQL syntax error: {error}"
    line, column, rest = match.groups()
    return f"SPARQL syntax error at line {line}, column {column}: {rest}"


def worker_main(conn: Connection, store_path: str, generation: object) -> None:
    """The loop of one worker process: open the store read-only, answer jobs until told to stop."""
    import pyoxigraph as ox

    store = None
    seen = -1
    default_is_empty = True
    while True:
        try:
            job = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if job is None:
            return
        current = generation.value
        try:
            if store is None or current != seen:
                store = None
                store, default_is_empty, visible = _open_view(ox, store_path)
                seen = current
            _answer(conn, store, job, default_is_empty, visible)
        except OSError as err:  # the view could not be read: answer, and reopen next time
            store = None
            conn.send(("error", 503, f"the store could not be read, try again: {err}"))


def _open_view(ox: object, store_path: str, attempts: int = 10) -> tuple[object, bool, object]:
    """A read-only view of the store, whether its default graph is empty, and the named graphs
    a query sees by default (see _visible_graphs).

    Opening races with the writer's compaction: a table file named in the manifest may be
    deleted before the view opens it ("IO error: No such file"). A fresh try reads the new
    manifest, so retry briefly instead of letting the worker die.
    """
    for attempt in range(attempts):
        try:
            store = ox.Store.read_only(store_path)
            empty = next(
                iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None
            ) is None
            return store, empty, _visible_graphs(ox, store)
        except (OSError, RuntimeError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


#: The provenance graph is the service's own record of imports and uploads; like a system
#: graph it stays out of the dataset a query sees unless named (FROM NAMED, named-graph-uri),
#: so a client's data comes back as it was written (the W3C suites check exactly that).
SYSTEM_GRAPHS = frozenset({"https://w3id.org/qantar/graph/provenance"})
_DATASET_CLAUSE = re.compile(r"\bFROM\b", re.IGNORECASE)


def _visible_graphs(ox: object, store: object) -> list | None:
    """The named graphs a query sees by default; None when there is no system graph to hide."""
    graphs = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
    if not any(g.value in SYSTEM_GRAPHS for g in graphs):
        return None
    return [g for g in graphs if g.value not in SYSTEM_GRAPHS]


def _answer(conn: Connection, store: object, job: QueryJob, default_is_empty: bool,
            visible: list | None = None) -> None:
    import pyoxigraph as ox

    from service.sparql.oxiformats import RDF_FORMATS, RESULTS_FORMATS

    kwargs: dict = {}
    union = job.union_default if job.union_default is not None else default_is_empty
    if job.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    elif job.named_graphs or _DATASET_CLAUSE.search(job.query):
        pass  # the request or the query (FROM, FROM NAMED) says what the dataset is
    elif visible is not None:
        if union:
            kwargs["default_graph"] = visible or [ox.DefaultGraph()]
        kwargs["named_graphs"] = visible
    elif union:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    try:
        result = store.query(job.query, base_iri=job.base_iri, **kwargs)
    except SyntaxError as err:
        conn.send(("error", 400, syntax_message(str(err))))
        return
    except (OSError, RuntimeError, ValueError) as err:
        conn.send(("error", 400, f"query failed: {err}"))
        return
    if job.row_cap:
        conn.send(first_rows(result, job.row_cap))
        return
    if isinstance(result, ox.QueryTriples):
        kind, mime = "triples", job.graph_type
        fmt = RDF_FORMATS.get(mime) if mime else None
    else:
        kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
        mime = job.results_type
        fmt = RESULTS_FORMATS.get(mime) if mime else None
    if fmt is None:
        what = "an RDF graph" if kind == "triples" else "query results"
        conn.send(("error", 406, f"the answer is {what}, and none of the acceptable formats fits"))
        return
    writer = _ChunkWriter(conn, kind, mime)
    try:
        result.serialize(writer, fmt)
    except (OSError, RuntimeError, ValueError, SyntaxError) as err:
        if writer.head_sent:
            conn.send(("error", 500, f"query failed while streaming: {err}"))
        else:
            conn.send(("error", 400, f"query failed: {err}"))
        return
    writer.finish()
