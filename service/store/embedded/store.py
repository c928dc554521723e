"""The embedded Oxigraph store: an on-disk pyoxigraph store behind the ``Store`` interface
(service.store.interface)."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import pyoxigraph as ox
from rdflib import Graph

from service.errors import BadQuery, NotFound, StoreBusy
from service.formats import Format
from service.search_records import mark_stale
from service.store.dataset import StoreView, query_dataset
from service.store.interface import QueryDataset, QueryResult, as_result
from service.store.protected import (
    PROTECTED_GRAPHS,
    SERVICE_GRAPHS,
    Reach,
    clear_dataset,
    refusal,
)
from service.store.syntax_errors import query_error, update_error

R = TypeVar("R")



def _changes(method: Callable[..., R]) -> Callable[..., R]:
    """Marks a method that writes: before it writes, a store says so to the search index kept
    beside it (service.search_index), whichever process or command writes (one unlink)."""
    @functools.wraps(method)
    def writing(self: EmbeddedStore, *args: Any, **kwargs: Any) -> R:
        mark_stale(self.path)
        return method(self, *args, **kwargs)

    return writing


class EmbeddedStore:
    """An on-disk pyoxigraph store.

    Open a path once per process: a second read-write ``Store(path)`` fails on the lock.
    ``read_only=True`` only where no process writes (a published snapshot,
    service.store.embedded.snapshots): beside a writer pyoxigraph calls it undefined behaviour.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            if not self.path.is_dir():
                raise NotFound(f"no store at {self.path} (run `qantar load` first)")
            self._store: ox.Store | None = ox.Store.read_only(str(self.path))
        else:
            try:
                self._store = ox.Store(str(self.path))
            except OSError as err:  # RocksDB's lock: decided here, once
                if "lock" not in str(err).lower():
                    raise
                raise StoreBusy(f"the store {self.path} is in use by another process (is "
                                "`qantar serve` running?)") from err

    @property
    def _oxi(self) -> ox.Store:
        if self._store is None:
            raise NotFound(f"the store at {self.path} is closed")
        return self._store

    def query(self, sparql: str, dataset: QueryDataset = QueryDataset.UNION) -> QueryResult:
        dataset = QueryDataset(dataset)  # a stray True or False is refused, not misread
        try:
            if dataset is QueryDataset.ENDPOINT:
                return self.evaluate(sparql)
            return as_result(self._oxi.query(
                sparql, use_default_graph_as_union=dataset is QueryDataset.UNION))
        except SyntaxError as err:
            raise query_error(sparql, err) from err

    def evaluate(self, sparql: str, *, base_iri: str | None = None,
                 default_graphs: tuple[str, ...] = (), named_graphs: tuple[str, ...] = (),
                 union_default: bool | None = None) -> QueryResult:
        """A query of the SPARQL endpoint, with the request's dataset (service.store.dataset).

        Raises pyoxigraph's SyntaxError as it is (the caller words it); evaluation errors
        (OSError, RuntimeError, ValueError) may also surface later, while the answer is read.
        """
        kwargs = query_dataset(self._view, sparql, default_graphs=default_graphs,
                               named_graphs=named_graphs, union_default=union_default)
        return as_result(self._oxi.query(sparql, base_iri=base_iri, **kwargs))

    @property
    def _view(self) -> StoreView:
        """What the dataset decision needs; a read-only view never changes, so once."""
        return self._frozen_view if self.read_only else StoreView.of(self._oxi)

    @cached_property
    def _frozen_view(self) -> StoreView:
        return StoreView.of(self._oxi)

    @_changes
    def add_graph(self, iri: str, triples: Graph | Iterable[ox.Triple]) -> None:
        """Add triples to the named graph ``iri`` with bulk_load (fast, no transaction)."""
        if isinstance(triples, Graph):
            data = triples.serialize(format="nt", encoding="utf-8")
        else:
            data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        self._oxi.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        return sorted(g.value for g in self._oxi.named_graphs() if isinstance(g, ox.NamedNode))

    def triple_count(self, graph: str | None = None) -> int:
        """Triples in ``graph``, or in the whole store (every graph) when ``graph`` is None."""
        if graph is None:
            return len(self._oxi)
        node = ox.NamedNode(graph)  # validates the IRI before it goes into the query text
        row = next(iter(self.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH {node} {{ ?s ?p ?o }} }}")))
        return int(row["n"].value)

    @_changes
    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """Run a SPARQL Update in one transaction: it applies whole or not at all."""
        try:
            self._oxi.update(sparql, base_iri=base_iri)
        except SyntaxError as err:
            raise update_error(sparql, err, base_iri) from err
        except RuntimeError as err:  # e.g. CREATE GRAPH of an existing graph: nothing applied
            raise BadQuery(f"the update failed and changed nothing: {err}") from err

    @_changes
    def client_update(self, sparql: str, base_iri: str | None = None,
                      reach: Reach | None = None) -> None:
        """A client's SPARQL Update, which must leave the protected graphs as they were
        (``reach`` is not needed: the effect is checked).

        The engine decides what an update touches, so the graphs are compared before and
        after: a change to a protected graph raises ProtectedGraph (the writer then rolls the
        whole write back, and the client is told: a write undone never answers 204). One
        change is not the client's doing to refuse: the service's own graphs (the provenance
        record, the saved queries) emptied whole, as ``DROP ALL``, ``CLEAR NAMED`` or a delete
        from every graph empty them, are put back as they were, since they are not among the
        graphs "all" means to a client (as they are not in the dataset a query sees), and the
        rest of the update stands.
        """
        before = {g: self._graph_content(g) for g in PROTECTED_GRAPHS}
        self.update(sparql, base_iri)
        for graph in sorted(PROTECTED_GRAPHS - SERVICE_GRAPHS):
            if self._graph_content(graph) != before[graph]:
                raise refusal(graph)
        for graph in sorted(SERVICE_GRAPHS):
            after = self._graph_content(graph)
            if after != before[graph]:
                if after:  # written into, or some of it deleted: refused whole
                    raise refusal(graph)
                self._restore_graph(graph, before[graph])

    def _graph_content(self, graph: str) -> frozenset[ox.Quad] | None:
        """The quads of ``graph``, or None when it does not exist."""
        name = ox.NamedNode(graph)
        if not self._oxi.contains_named_graph(name):
            return None
        return frozenset(self._oxi.quads_for_pattern(None, None, None, name))

    @_changes
    def _restore_graph(self, graph: str, content: frozenset[ox.Quad] | None) -> None:
        name = ox.NamedNode(graph)
        if self._oxi.contains_named_graph(name):
            self._oxi.remove_graph(name)
        if content is not None:
            self._oxi.add_graph(name)
            self._oxi.extend(content)

    def backup(self, target: Path) -> None:
        """Flush, then write a hard-linked copy of the committed state to ``target`` (a
        directory that must not exist): the snapshot service.store.embedded.snapshots publishes."""
        self._oxi.flush()
        self._oxi.backup(str(target))

    def flush(self) -> None:
        if not self.read_only:
            self._oxi.flush()

    def close(self) -> None:
        """Flush and release the store (and its lock) now rather than at garbage collection."""
        if self._store is not None:
            if not self.read_only:
                self._store.flush()
            self._store = None

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Operations the importer needs, which the remote store has too.

    @_changes
    def create_graph(self, graph: str) -> None:
        """Make the named graph exist (empty) if it does not."""
        self._oxi.add_graph(ox.NamedNode(graph))

    @_changes
    def load_graph(self, source: BinaryIO, fmt: ox.RdfFormat, graph: str | None,
                   base_iri: str | None = None) -> None:
        """Bulk-load RDF into ``graph``: fast, and not a transaction (the importer's journal
        makes it all-or-nothing). Quads' own graph names are folded into ``graph``."""
        target = _graph_name(graph)
        if fmt.supports_datasets:  # fold every graph of the file into ``target``
            with tempfile.TemporaryDirectory(dir=self.path.parent,
                                             prefix=self.path.name + ".fold-") as tmp:
                triples = Path(tmp) / "graphs.nt"
                _fold(source, fmt, base_iri, triples)
                self._oxi.bulk_load(path=triples, format=ox.RdfFormat.N_TRIPLES,
                                    to_graph=target)
        else:
            self._oxi.bulk_load(input=source, format=fmt, to_graph=target, base_iri=base_iri)

    def default_graph_is_empty(self) -> bool:
        return next(iter(self._oxi.quads_for_pattern(None, None, None, ox.DefaultGraph())),
                    None) is None

    # Graph-level operations for the Graph Store Protocol. ``graph=None`` is the default graph.
    # They take and give plain IRIs, media types and RDF terms, so that a remote SPARQL 1.1
    # store can implement them too (with ASK, CONSTRUCT and one SPARQL Update each).

    def graph_exists(self, graph: str | None) -> bool:
        """Whether ``graph`` exists; the default graph always does."""
        if graph is None:
            return True
        return self._oxi.contains_named_graph(ox.NamedNode(graph))

    def dump(self, graph: str | None, fmt: Format,
             output: BinaryIO | None = None) -> bytes | None:
        """The triples of ``graph`` serialised in ``fmt`` (a graph format such as Turtle).

        Returned as bytes, or written to ``output`` (a binary file-like object) and None.
        """
        return self._oxi.dump(output, format=fmt.rdf_format, from_graph=_graph_name(graph))

    def dump_dataset(self, fmt: Format, output: BinaryIO | None = None) -> bytes | None:
        """Every graph, default and named, serialised in ``fmt`` (TriG or N-Quads)."""
        return self._oxi.dump(output, format=fmt.rdf_format)

    @_changes
    def replace_graph(self, graph: str | None, triples: list[ox.Triple],
                      then: str | None = None) -> bool:
        """Make ``triples`` the whole content of ``graph`` in one transaction (with ``then``);
        True if created.

        A new graph is one ``extend`` (transactional). An existing one is changed by a single
        SPARQL Update that deletes and inserts only the difference, so a reader never sees it
        half replaced and a re-upload of a mostly unchanged graph costs little (deleting is the
        slow part in Oxigraph: about 8k quads/s against 20k/s for inserting). Triples with blank
        nodes cannot be matched between two uploads, so those are always deleted and inserted.
        """
        name = _graph_name(graph)
        if not self.graph_exists(graph):
            self._create(name, triples, then)
            return True
        old = [(q.subject, q.predicate, q.object)
               for q in self._oxi.quads_for_pattern(None, None, None, name)]
        old_ground = {ox.Triple(*t) for t in old if not _has_blank(t)}
        new_ground = {t for t in triples if not _has_blank((t.subject, t.predicate, t.object))}
        new_blank = [t for t in triples if _has_blank((t.subject, t.predicate, t.object))]
        in_graph = "{}" if graph is None else f"GRAPH {name} {{{{ {{}} }}}}"
        operations = []
        if len(old_ground) < len(old):
            pattern = "?s ?p ?o FILTER(isBlank(?s) || isBlank(?o))"
            operations.append(f"DELETE {{ {in_graph.format('?s ?p ?o')} }} "
                              f"WHERE {{ {in_graph.format(pattern)} }}")
        deleted = old_ground - new_ground
        if deleted:
            operations.append(f"DELETE DATA {{ {in_graph.format(_ntriples(deleted))} }}")
        inserted = [*(new_ground - old_ground), *new_blank]
        if inserted:
            operations.append(f"INSERT DATA {{ {in_graph.format(_ntriples(inserted))} }}")
        if then:
            operations.append(then)
        if operations:
            self.update(" ;\n".join(operations))
        return False

    @_changes
    def add_to_graph(self, graph: str | None, triples: list[ox.Triple],
                     then: str | None = None) -> bool:
        """Add ``triples`` to ``graph`` (created if absent) in one transaction (with ``then``);
        True if created."""
        name = _graph_name(graph)
        existed = self.graph_exists(graph)
        if not existed:
            self._create(name, triples, then)
        elif then:
            self.update(_inserted(name, triples) + then)
        else:
            self._oxi.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)
        return not existed

    @_changes
    def add_quads(self, quads: list[ox.Quad]) -> None:
        """Add quads to their graphs in one transaction."""
        self._oxi.extend(quads)

    @_changes
    def replace_dataset(self, quads: list[ox.Quad]) -> None:
        """Make ``quads`` the whole content of the store in one transaction (the protected
        graphs, which are not the client's, stay)."""
        by_graph: dict[str, list[str]] = {}
        for quad in quads:
            key = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
            by_graph.setdefault(key, []).append(str(ox.Triple(quad.subject, quad.predicate,
                                                              quad.object)) + " .")
        blocks = [
            "\n".join(lines) if not key else f"GRAPH {key} {{ " + "\n".join(lines) + " }"
            for key, lines in by_graph.items()
        ]
        creates = "".join(f"CREATE SILENT GRAPH {key} ;\n" for key in by_graph if key)
        self.update(f"{clear_dataset(self.graphs())}{creates}INSERT DATA {{ {' '.join(blocks)} }}")

    @_changes
    def drop_graph(self, graph: str | None) -> bool:
        """Remove ``graph`` (empty the default graph); False if there was no such graph."""
        if graph is None:
            self._oxi.clear_graph(ox.DefaultGraph())
            return True
        name = ox.NamedNode(graph)
        if not self._oxi.contains_named_graph(name):
            return False
        self._oxi.remove_graph(name)
        return True

    def replace_graphs(self, graphs: dict[str, list[ox.Triple]]) -> None:
        """Make each of ``graphs`` hold exactly its triples, in one transaction."""
        operations = [f"DROP SILENT GRAPH {ox.NamedNode(g)} ;\nCREATE GRAPH {ox.NamedNode(g)} ;\n"
                      f"INSERT DATA {{ GRAPH {ox.NamedNode(g)} {{ {_ntriples(triples)} }} }}"
                      for g, triples in graphs.items()]
        self.update(" ;\n".join(operations))

    def _create(self, name: ox.NamedNode | ox.DefaultGraph, triples: list[ox.Triple],
                then: str | None = None) -> None:
        if then:
            create = f"CREATE SILENT GRAPH {name} ;\n" if isinstance(name, ox.NamedNode) else ""
            self.update(create + _inserted(name, triples) + then)
        elif triples:
            self._oxi.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)
        elif isinstance(name, ox.NamedNode):
            self._oxi.add_graph(name)


def _fold(source: BinaryIO, fmt: ox.RdfFormat, base_iri: str | None, out: Path) -> None:
    """The triples of every graph of a dataset file, as one N-Triples file ``out``.

    Parsed into an in-memory store and written out graph by graph, all in Oxigraph: a Python
    loop over each quad cost most of a million-quad import. The blank nodes keep one name
    across the file's graphs here, and the one bulk load of ``out`` renames them together, so
    a node the file's graphs share stays one node.
    """
    parsed = ox.Store()
    parsed.bulk_load(input=source, format=fmt, base_iri=base_iri)
    with out.open("wb") as nt:
        for name in [ox.DefaultGraph(), *parsed.named_graphs()]:
            parsed.dump(nt, format=ox.RdfFormat.N_TRIPLES, from_graph=name)


def _graph_name(graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph is None else ox.NamedNode(graph)




def _inserted(name: ox.NamedNode | ox.DefaultGraph, triples: list[ox.Triple]) -> str:
    """``triples`` added to the graph ``name``, as SPARQL Update operations ending in ``;``."""
    if not triples:
        return ""
    data = _ntriples(triples)
    block = data if isinstance(name, ox.DefaultGraph) else f"GRAPH {name} {{ {data} }}"
    return f"INSERT DATA {{ {block} }} ;\n"


def _has_blank(terms: tuple) -> bool:
    return isinstance(terms[0], ox.BlankNode) or isinstance(terms[2], ox.BlankNode)


def _ntriples(triples: Iterable[ox.Triple]) -> str:
    """Triples as N-Triples lines, which are also valid SPARQL INSERT DATA content."""
    return "\n".join(f"{t} ." for t in triples)
