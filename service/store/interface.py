"""The store interface Qantar uses, its result types, and the embedded Oxigraph implementation.

``Store`` is the whole interface: every caller outside the store modules (this one,
service.store.remote.store, and the factory service.store.open) uses only these methods, and gets
the same result types from every backend: pyoxigraph ``QuerySolutions`` and ``QueryBoolean``, and
``Triples`` for CONSTRUCT and DESCRIBE. RDF terms (``NamedNode``, ``Literal`` ...) are pyoxigraph's.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

import pyoxigraph as ox
from rdflib import Graph

from service.formats import Format
from service.store.messages import Message
from service.store.protected import Reach

if TYPE_CHECKING:
    from service.config import Settings


class Triples:
    """The triples of a CONSTRUCT or DESCRIBE answer, as every store gives them: iterable once
    (lazily, on the embedded store) and serialisable."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self._triples = triples

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self._triples)

    def serialize(self, output: BinaryIO | None = None,
                  format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> bytes | None:  # noqa: A002
        """Written by pyoxigraph, as ``QuerySolutions.serialize`` is (streamed when it can)."""
        if isinstance(self._triples, ox.QueryTriples):
            return self._triples.serialize(output, format)
        return ox.serialize(self._triples, output, format=format)


QueryResult = ox.QuerySolutions | ox.QueryBoolean | Triples


class QueryDataset(enum.Enum):
    """What one query sees: the one choice every way of querying a store makes."""

    #: every graph as the default graph (Qantar's own queries: pages, imports, the index)
    UNION = "union"
    #: the store's default graph as it is; named graphs through GRAPH
    DEFAULT = "default"
    #: as ``/sparql`` sees it (service.store.dataset): the query's FROM, else the union of the
    #: graphs without the system graphs (``qantar query``, the competency questions)
    ENDPOINT = "endpoint"


class Store(Protocol):
    """What the rest of Qantar may ask of a store; every backend implements all of it.

    ``graph=None`` names the default graph. Writes that the store cannot make one transaction
    (``add_graph``, ``load_graph``) are made all-or-nothing by the caller (service.store.journal).
    ``then`` (of ``replace_graph``, ``add_to_graph``): a SPARQL Update that commits in the same
    transaction as the graph change, or neither does (an upload's provenance record).
    """

    #: where the store is, for messages: a directory or a URL
    path: Path | str
    read_only: bool

    # reading
    def query(self, sparql: str, dataset: QueryDataset = QueryDataset.UNION) -> QueryResult:
        """Solutions, a boolean or triples; ``dataset`` says what the query sees. A syntax
        error is a BadQuery worded as the endpoint words it."""
        ...
    def graphs(self) -> list[str]: ...
    def triple_count(self, graph: str | None = None) -> int: ...
    def graph_exists(self, graph: str | None) -> bool: ...
    def default_graph_is_empty(self) -> bool: ...
    def dump(self, graph: str | None, fmt: Format,
             output: BinaryIO | None = None) -> bytes | None: ...
    def dump_dataset(self, fmt: Format, output: BinaryIO | None = None) -> bytes | None: ...

    # writing
    def update(self, sparql: str, base_iri: str | None = None) -> None: ...
    def client_update(self, sparql: str, base_iri: str | None = None,
                      reach: Reach | None = None) -> None:
        """A client's update, refused whole (ProtectedGraph) if it writes a protected graph;
        ``reach``: how far it writes beyond the graphs it names, from its parse, given to a
        store whose service does not ``checks_update_effects``."""
        ...

    def add_graph(self, iri: str, triples: Graph | Iterable[ox.Triple]) -> None: ...
    def create_graph(self, graph: str) -> None: ...
    def load_graph(self, source: BinaryIO, fmt: ox.RdfFormat, graph: str | None,
                   base_iri: str | None = None) -> None: ...
    def replace_graph(self, graph: str | None, triples: list[ox.Triple],
                      then: str | None = None) -> bool: ...
    def add_to_graph(self, graph: str | None, triples: list[ox.Triple],
                     then: str | None = None) -> bool: ...
    def add_quads(self, quads: list[ox.Quad]) -> None: ...
    def replace_dataset(self, quads: list[ox.Quad]) -> None: ...
    def drop_graph(self, graph: str | None) -> bool: ...
    def replace_graphs(self, graphs: dict[str, list[ox.Triple]]) -> None: ...

    # lifetime
    def flush(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(self, *exc: object) -> None: ...


class QueryRunner(Protocol):
    """Runs the SPARQL endpoint's queries within a time limit; each store service has its own:
    worker processes on snapshots for the embedded store, the server itself for a remote one."""

    def execute(self, job: Any, timeout: float, *, client: str = "") -> Iterator[Message]:
        """Answer ``job`` (a service.store.workers.QueryJob) as typed messages
        (service.store.messages) within ``timeout``, its wait for a worker included; raise
        what fails before the answer begins. ``client`` (the request's address) is who asks,
        for a fair share of the workers."""
        ...

    def publish(self, generation: int) -> None:
        """A write was published: later jobs must see it."""
        ...

    def held(self) -> set[int]:
        """The snapshot generations the runner still reads (they must not be removed)."""
        ...

    def close(self) -> None: ...


class StoreService(Protocol):
    """A store as ``qantar serve`` runs it: what requests read, the one way to write, and
    where the endpoint's queries run. One per app (service.state), from service.store.open."""

    #: counts the published writes; what was computed from an older one is stale
    generation: int
    #: whether its store compares the protected graphs before and after a client's update
    #: (then the update's reach need not be found from its parse, service.sparql.checks)
    checks_update_effects: bool
    #: whether a search index left by an earlier run may be kept: the embedded store says when
    #: it was written since (service.search_index); a server cannot
    keeps_search_index: bool

    @property
    def store(self) -> Store:
        """What requests read now (on the embedded store, the newest published snapshot)."""
        ...

    @property
    def announced(self) -> int:
        """The newest generation published, read without moving to it: never blocks (the
        front reads it on the event loop to replay recorded answers, service.front)."""
        ...

    def reader(self) -> Store:
        """What one request's pages read, from now until the page time limit
        (``QANTAR_PAGE_TIMEOUT``): reads that cannot hold a thread past it (on the embedded
        store, in page workers on the generation of now, service.store.embedded.page_reads)."""
        ...

    def runner_for(self, fetches: bool) -> QueryRunner:
        """Where a query runs: ``fetches``, it calls SERVICEs that are all allowed."""
        ...

    def check(self, job: Any, timeout: float, *, queued: bool = True,
              client: str = "") -> object:
        """What ``job`` (a service.store.workers.CheckJob: a check of a client's text)
        returns, run in a process of its own within ``timeout``; raises what it raised, or
        QueryTimeout, Busy, OutOfMemory, Unavailable. ``queued``: it takes one of the places
        of the queries waiting for a worker (turned away when they are full), as an anonymous
        query does; a write's check (``queued=False``) waits for a worker within ``timeout``."""
        ...

    def start_page_workers(self) -> None:
        """Start the processes that answer pages now rather than at the first page, and wait
        until they are ready (`qantar serve` does, before its worker serves: its first page
        does not wait for Python to start). Query workers still start at the first query,
        which is given back the time (service.store.workers ``starting_seconds``)."""
        ...

    def writing(self, deadline: float) -> AbstractContextManager[Store]:
        """A store to write through until ``deadline``; what the block wrote is published
        (every reader sees it) when the block ends. A write that raises or runs out of time
        leaves the store as it was: the embedded store rolls it back whole; on a server each
        write is one request, and an import is journalled (service.store.journal)."""
        ...

    def close(self) -> None: ...


def as_result(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> QueryResult:
    """pyoxigraph's answer as a store's result type (its triples wrapped in ``Triples``)."""
    return Triples(result) if isinstance(result, ox.QueryTriples) else result


class Backend(Protocol):
    """What differs between backends beyond ``Store`` and ``StoreService``: asked of the
    backend that ``service.store.open`` chooses, never branched on elsewhere."""

    def load_bundle(self, settings: Settings, graphs: Mapping[str, Graph]) -> dict[str, int]:
        """Put the bundle's ``graphs`` (validated already) into the store as ``qantar load``
        does, all or nothing, keeping every graph that is not the bundle's; the triple count
        of each bundle graph."""
        ...

    def claims(self, settings: Settings) -> bool:
        """Whether ``QANTAR_STORE`` names a store of this backend."""
        ...

    def open_store(self, settings: Settings, *, read_only: bool = False) -> Store:
        """The store itself (``read_only``: for a command that only reads)."""
        ...

    def open_service(self, settings: Settings) -> StoreService:
        """The store as ``qantar serve`` runs it (one per app)."""
        ...

    def exists(self, settings: Settings) -> bool:
        """Whether there is a store to open yet (a server always is; a directory may not be)."""
        ...

    def check_writable(self, settings: Settings) -> None:
        """Raise StoreFailure with one line when the store cannot be written; a server says
        so at each write instead."""
        ...

    def serving_processes(self, settings: Settings) -> int:
        """How many processes ``qantar serve`` may answer with."""
        ...

    def beside_server(self, settings: Settings) -> AbstractContextManager[Settings]:
        """What runs beside the serving processes while they serve (the embedded store's
        shared writer), and the settings they are given."""
        ...
