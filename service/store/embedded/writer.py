"""The one process that writes the embedded store, and the service's handle on it.

Why a process of its own:

- **A time limit on writes.** pyoxigraph cannot interrupt an update (a runaway ``INSERT ...
  WHERE`` runs to its end). A writer process can be killed; the store then goes back to the
  newest snapshot, which is exactly the state before the write began.
- **No store handle crosses a fork.** RocksDB's threads do not survive ``fork``; this process is
  started with ``spawn`` and opens the store itself, after any fork.
- **Readers never open the live store.** After every write the writer publishes a snapshot
  (service.store.embedded.snapshots) and only then is the write acknowledged, so every later read
  sees it.

Crash safety: before the first operation of a write the writer leaves a marker file; it removes
it once the write's snapshot is published. A writer that starts and finds the marker (a kill at
the time limit, ``kill -9``, a power cut) rolls the store back to the newest snapshot: a write
that was not acknowledged is undone whole, however many transactions it took.

Memory: the writer's address space is capped (``QANTAR_WORKER_MEMORY``, service.sandbox); a
write that needs more ends the process (Rust aborts on a failed allocation), and is then undone
like a write past its time limit; the client is told it needed too much memory.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import Graph

from service.errors import BadQuery, ProtectedGraph, QantarError, Unavailable, WriteTimeout
from service.formats import Format
from service.namespaces import PROVENANCE_GRAPH
from service.processes import exit_with_parent, on_large_stack
from service.sandbox import died_of_memory, forbid_network, limit_memory, memory_error
from service.store import journal
from service.store.embedded import snapshots
from service.store.embedded.store import EmbeddedStore
from service.store.interface import QueryDataset, QueryResult, Triples
from service.store.protected import Reach

#: Seconds a writer may take to start (roll back, recover an import, publish a snapshot).
STARTUP_LIMIT = 300.0


def ended_record(socket_path: str, pid: int) -> Path:
    """Where the host of a shared writer records how the writer ``pid`` ended: its exit code
    (what the service processes, not its parent, cannot learn otherwise)."""
    return Path(socket_path).with_name(f"ended-{pid}")


def marker_path(store_path: Path) -> Path:
    """Present while a write is under way and not yet published."""
    return store_path.with_name(store_path.name + ".writing")


@dataclass(frozen=True)
class _Terms:
    """Triples or quads sent to the writer as N-Triples / N-Quads (fast to send and parse)."""

    data: bytes
    quads: bool

    @classmethod
    def encode(cls, value: object) -> object:
        if isinstance(value, list) and value and isinstance(value[0], ox.Triple | ox.Quad):
            quads = isinstance(value[0], ox.Quad)
            fmt = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
            return cls(ox.serialize(value, format=fmt), quads)
        return value

    def decode(self) -> list:
        fmt = ox.RdfFormat.N_QUADS if self.quads else ox.RdfFormat.N_TRIPLES
        parsed = ox.parse(self.data, format=fmt)
        if self.quads:
            return list(parsed)
        return [ox.Triple(q.subject, q.predicate, q.object) for q in parsed]


@dataclass(frozen=True)
class _Answer:
    """A query's answer sent back from the writer, serialised; decoded into the very result
    types every store gives (service.store.interface), so a write session reads like any store."""

    data: bytes
    triples: bool

    @classmethod
    def encode(cls, value: object) -> object:
        if isinstance(value, Triples):
            return cls(value.serialize(format=ox.RdfFormat.N_TRIPLES) or b"", True)
        if isinstance(value, ox.QuerySolutions | ox.QueryBoolean):
            return cls(value.serialize(format=ox.QueryResultsFormat.JSON), False)
        return value

    def decode(self) -> QueryResult:
        if self.triples:
            return Triples([ox.Triple(q.subject, q.predicate, q.object)
                            for q in ox.parse(self.data, format=ox.RdfFormat.N_TRIPLES)])
        return ox.parse_query_results(self.data, format=ox.QueryResultsFormat.JSON)


class StoreWriter:
    """The service's side: starts the writer, sends it operations with a deadline, kills it."""

    def __init__(self, store_path: Path, *, sandboxed: bool = True, memory: int = 0) -> None:
        self.store_path = store_path
        self.sandboxed = sandboxed  # no network (service.sandbox): LOAD is refused
        self.memory = memory  # the writer's address space in bytes (0: no limit)
        self._context = mp.get_context("spawn")
        self._process: Any = None
        self._conn: Connection | None = None
        self.generation = 0

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self) -> int:
        """Start the writer (rolling back an unfinished write); the published generation."""
        self.stop()
        parent, child = self._context.Pipe(duplex=True)
        self._process = self._context.Process(
            target=writer_main, args=(child, str(self.store_path), self.sandboxed, None,
                                      self.memory),
            name="qantar-writer",
            daemon=True)
        self._process.start()
        child.close()
        self._conn = parent
        reply = self._receive(time.monotonic() + STARTUP_LIMIT, "starting the store's writer")
        if reply[0] == "raise":
            self.kill()
            raise reply[1]
        self.generation = reply[1]
        return self.generation

    def begin(self, deadline: float) -> None:
        """A write begins (this writer serves this process alone: nothing to wait for)."""

    def call(self, method: str, args: tuple, deadline: float) -> object:
        """Run ``EmbeddedStore.<method>(*args)`` in the writer before ``deadline`` (a
        write session's operation: ``OPERATIONS``)."""
        assert self._conn is not None
        self._conn.send(("call", method, tuple(_Terms.encode(a) for a in args)))
        reply = self._receive(deadline, "the write")
        if reply[0] == "raise":
            raise reply[1]
        return reply[1].decode() if isinstance(reply[1], _Answer) else reply[1]

    def commit(self, deadline: float) -> int:
        """Publish what the write changed; the generation readers must now see."""
        assert self._conn is not None
        self._conn.send(("commit",))
        reply = self._receive(deadline, "publishing the write")
        if reply[0] == "raise":
            raise reply[1]
        self.generation = reply[1]
        return self.generation

    def _receive(self, deadline: float, what: str) -> tuple:
        assert self._conn is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not self._conn.poll(remaining):
            self.kill()
            raise WriteTimeout(f"{what} did not finish within the time limit, so it was stopped "
                               "and the store is exactly as it was before")
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            code = self._exit_code()
            self.kill()
            if died_of_memory(code):
                raise memory_error(self.memory, what, " and the store is exactly as it was "
                                   "before") from None
            raise Unavailable(f"the store's writer stopped during {what}; the store is as it "
                              "was before, try again") from None

    def _exit_code(self) -> int | None:
        """How the writer ended, once its end has closed the pipe (None: unknown)."""
        if self._process is None:
            return None
        self._process.join(timeout=5)
        return self._process.exitcode

    def kill(self) -> None:
        """Stop the writer now; the next start rolls back whatever it had not published."""
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=10)
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        """Ask the writer to close the store cleanly; kill it if it does not."""
        if self._conn is not None and self.running:
            with contextlib.suppress(OSError, BrokenPipeError):
                self._conn.send(None)
            self._process.join(timeout=10)
        self.kill()


class SharedWriter(StoreWriter):
    """A service process's handle on the writer it shares with the others
    (service.store.embedded.writer_host).

    Each write is a session on the writer's socket: ``begin`` waits (within the write's
    deadline) until the writer accepts it, ``commit`` publishes and ends it. At the time limit
    the writer is killed as a lone one is; the host starts it again, rolling the write back.
    """

    def __init__(self, store_path: Path, socket_path: str, memory: int = 0) -> None:
        super().__init__(store_path, memory=memory)
        self.socket_path = socket_path
        self._pid = 0
        self._killed = False

    @property
    def running(self) -> bool:
        """False once this process killed it in a write (the host starts it again)."""
        return not self._killed

    def start(self) -> int:
        """The generation the shared writer published last."""
        watch = snapshots.Announcements(self.store_path)
        try:
            self.generation = watch.newest()
        finally:
            watch.close()
        return self.generation

    def begin(self, deadline: float) -> None:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WriteTimeout("other writes kept the store busy until the time limit, so "
                                   "nothing was written; try again")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(remaining)
                sock.connect(self.socket_path)
                sock.settimeout(None)
            except OSError:  # not listening (starting again), a full queue, or the timeout
                sock.close()
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
                continue
            conn = Connection(sock.detach())
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                conn.close()
                continue
            try:
                _, self.generation, self._pid = conn.recv()
            except (EOFError, OSError):
                conn.close()  # it died before our turn: wait for its successor
                continue
            self._conn = conn
            self._killed = False
            return

    def commit(self, deadline: float) -> int:
        try:
            return super().commit(deadline)
        finally:
            self._end()

    def kill(self) -> None:
        """Kill the shared writer (a write past its limit); the host starts it again."""
        if self._pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
        self._killed = True
        self._end()

    def stop(self) -> None:
        self._end()  # the host stops the writer itself

    def _exit_code(self) -> int | None:
        """The host's record of how the writer of this session ended
        (service.store.embedded.writer_host)."""
        record = ended_record(self.socket_path, self._pid)
        for _ in range(50):
            with contextlib.suppress(OSError, ValueError):
                return int(record.read_text())
            time.sleep(0.05)
        return None

    def _end(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._pid = 0


class WriteSession:
    """What a request writes through: each method of ``Store``, run in the writer. Every
    method is spelled out (no forwarding by name): the writer runs only the operations listed
    in ``OPERATIONS``, and a session is checked against the protocol like any store."""

    read_only = False

    def __init__(self, writer: StoreWriter, deadline: float) -> None:
        self._writer = writer
        self._deadline = deadline
        self.path = writer.store_path

    def _run(self, operation: str, *args: object) -> Any:
        return self._writer.call(operation, args, self._deadline)

    # reading (inside the write, so it sees what the write did so far)
    def query(self, sparql: str, dataset: QueryDataset = QueryDataset.UNION) -> QueryResult:
        return self._run("query", sparql, QueryDataset(dataset))

    def graphs(self) -> list[str]:
        return self._run("graphs")

    def triple_count(self, graph: str | None = None) -> int:
        return self._run("triple_count", graph)

    def graph_exists(self, graph: str | None) -> bool:
        return self._run("graph_exists", graph)

    def default_graph_is_empty(self) -> bool:
        return self._run("default_graph_is_empty")

    def dump(self, graph: str | None, fmt: Format,
             output: BinaryIO | None = None) -> bytes | None:
        return _written_to(output, self._run("dump", graph, fmt))

    def dump_dataset(self, fmt: Format, output: BinaryIO | None = None) -> bytes | None:
        return _written_to(output, self._run("dump_dataset", fmt))

    # writing
    def update(self, sparql: str, base_iri: str | None = None) -> None:
        self._run("update", sparql, base_iri)

    def client_update(self, sparql: str, base_iri: str | None = None,
                      reach: Reach | None = None) -> None:
        self._run("client_update", sparql, base_iri, reach)

    def add_graph(self, iri: str, triples: Graph | Iterable[ox.Triple]) -> None:
        self._run("add_graph", iri, _as_terms(triples))

    def create_graph(self, graph: str) -> None:
        self._run("create_graph", graph)

    def load_graph(self, source: BinaryIO, fmt: ox.RdfFormat, graph: str | None,
                   base_iri: str | None = None) -> None:
        self._run("load_graph", source, fmt, graph, base_iri)  # in memory: it is pickled

    def replace_graph(self, graph: str | None, triples: list[ox.Triple],
                      then: str | None = None) -> bool:
        return self._run("replace_graph", graph, triples, then)

    def add_to_graph(self, graph: str | None, triples: list[ox.Triple],
                     then: str | None = None) -> bool:
        return self._run("add_to_graph", graph, triples, then)

    def add_quads(self, quads: list[ox.Quad]) -> None:
        self._run("add_quads", quads)

    def replace_dataset(self, quads: list[ox.Quad]) -> None:
        self._run("replace_dataset", quads)

    def drop_graph(self, graph: str | None) -> bool:
        return self._run("drop_graph", graph)

    def replace_graphs(self, graphs: dict[str, list[ox.Triple]]) -> None:
        self._run("replace_graphs", graphs)

    # lifetime: the session ends with the write (StoreService.writing), not by itself
    def flush(self) -> None:
        """Every operation is durable once the writer answered it."""

    def close(self) -> None:
        """The write's end publishes or undoes it; a session has nothing of its own to close."""

    def __enter__(self) -> WriteSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: What a write session may ask the writer to run, and whether it only reads (then it does not
#: make the session publish a new generation).
OPERATIONS: dict[str, bool] = {
    **dict.fromkeys(("query", "graphs", "triple_count", "graph_exists",
                     "default_graph_is_empty", "dump", "dump_dataset"), True),
    **dict.fromkeys(("update", "client_update", "add_graph", "create_graph", "load_graph",
                     "replace_graph", "add_to_graph", "add_quads", "replace_dataset",
                     "drop_graph", "replace_graphs"), False),
}


def _written_to(output: BinaryIO | None, data: bytes | None) -> bytes | None:
    """A dump made in the writer, returned or written to ``output`` as ``Store.dump`` does."""
    if output is None:
        return data
    output.write(data or b"")
    return None


def _as_terms(triples: Graph | Iterable[ox.Triple]) -> object:
    """Triples to send to the writer: an rdflib graph as it is (it pickles), others as a list."""
    return triples if isinstance(triples, Graph) else list(triples)


# -- the writer process ---------------------------------------------------------------------


def writer_main(conn: Connection, store_path: str, sandboxed: bool = True,
                listen: str | None = None, memory: int = 0) -> None:
    """Open the store (after rolling back an unpublished write), publish it, serve writes.

    Alone (``listen`` None) it serves the one service process at the other end of ``conn``.
    Shared (service.store.embedded.writer_host), it says it is ready on ``conn``, then serves
    the service processes that connect to the Unix socket ``listen``, one write session at a
    time: a session ends with its commit, and one that ends without (its process died) is
    undone whole.
    A sandboxed writer cannot open network sockets; ``memory`` caps its address space
    (service.sandbox)."""
    exit_with_parent()
    limit_memory(memory)
    if sandboxed:
        forbid_network()
    # a deeply nested update parses there, not overflows the main thread's stack
    on_large_stack(_serve_writes, conn, store_path, listen)


def _serve_writes(conn: Connection, store_path: str, listen: str | None) -> None:
    try:
        writer = _Writer(Path(store_path))
        listener = _listen(listen) if listen else None
    except (QantarError, OSError, RuntimeError) as err:
        conn.send(_exception(err))
        return
    conn.send(("ready", writer.generation))
    if listener is None:
        writer.serve(conn, one_write=False)
    else:
        conn.close()
        while True:
            session = Connection(listener.accept()[0].detach())
            try:
                session.send(("ready", writer.generation, os.getpid()))
                writer.serve(session, one_write=True)
            except OSError:
                pass  # the service process gave up waiting, or died
            finally:
                session.close()
            writer.undo_unpublished()
    writer.close()


def _listen(path: str) -> socket.socket:
    """The shared writer's socket, in a directory only this user can enter."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    return listener


class _Writer:
    """The writer process's store, its published generation and its write marker."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.marker = marker_path(path)
        snapshots.remove_leftovers(path)
        newest = snapshots.newest(path)
        if self.marker.exists():
            if newest is not None:
                snapshots.restore(path, newest)
            self.marker.unlink()
        self.store = EmbeddedStore(path)
        # an import cut short by a crash is finished or undone before anything is published
        journal.recover(self.store, path, str(PROVENANCE_GRAPH))
        self.generation = (newest or 0) + 1
        self.dirty = False
        self._publish()

    def _publish(self) -> None:
        snapshots.publish(self.store, self.path, self.generation)
        snapshots.announce(self.path, self.generation)

    def serve(self, conn: Connection, *, one_write: bool) -> None:
        """Run what ``conn`` sends until it closes (or, with ``one_write``, commits)."""
        while True:
            try:
                message = conn.recv()
            except (EOFError, KeyboardInterrupt):
                return
            if message is None:
                return
            if message[0] == "commit":
                self.commit(conn)
                if one_write:
                    return
                continue
            self.call(conn, *message[1:])

    def commit(self, conn: Connection) -> None:
        try:
            if self.dirty:
                self.generation += 1
                self._publish()
                self.dirty = False
            self.marker.unlink(missing_ok=True)
            conn.send(("published", self.generation))
        except (OSError, RuntimeError) as err:
            conn.send(_exception(err))

    def call(self, conn: Connection, method: str, args: tuple) -> None:
        if method not in OPERATIONS:  # the writer runs a closed list, nothing named at will
            conn.send(("raise", TypeError(f"{method!r} is not an operation of a write")))
            return
        if not self.marker.exists():
            _touch_durably(self.marker)
        try:
            result = getattr(self.store, method)(*(_decoded(a) for a in args))
            self.dirty = self.dirty or not OPERATIONS[method]
            conn.send(("ok", _Answer.encode(result)))
        except ProtectedGraph as err:
            # the write reached a protected graph: undo the whole write, then refuse it
            self.roll_back()
            conn.send(_exception(err))
        except (QantarError, OSError, RuntimeError, ValueError, SyntaxError) as err:
            self.dirty = self.dirty or not OPERATIONS[method]  # a multi-step method did a part
            conn.send(_exception(err))

    def roll_back(self) -> None:
        """Make the store its newest snapshot again."""
        self.store.close()
        snapshots.restore(self.path, self.generation)
        self.store = EmbeddedStore(self.path)
        self.dirty = False

    def undo_unpublished(self) -> None:
        """A session ended without its commit: undo whatever it wrote."""
        if self.marker.exists():
            self.roll_back()
            self.marker.unlink()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.store.close()


def _decoded(value: object) -> object:
    return value.decode() if isinstance(value, _Terms) else value


def _exception(err: BaseException) -> tuple[str, BaseException]:
    """The error to raise on the service's side, itself (the family pickles faithfully, with
    its status and details); what pyoxigraph raises about a query or data is a BadQuery."""
    if isinstance(err, QantarError | OSError):
        return ("raise", err)
    return ("raise", BadQuery(str(err)))


def _touch_durably(path: Path) -> None:
    with open(path, "wb") as handle:
        os.fsync(handle.fileno())
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)

