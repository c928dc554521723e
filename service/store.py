"""The store interface Qantar uses, and its embedded Oxigraph implementation.

The interface is small on purpose (query, add a graph, list graphs, count) so that a remote
SPARQL 1.1 server can stand in for the embedded store later.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import Graph

from service.errors import BadQuery, NotFound

QueryResult = ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean


class Store(Protocol):
    """What the rest of Qantar may ask of a store."""

    def query(self, sparql: str, use_default_graph_as_union: bool = True) -> QueryResult: ...

    def add_graph(self, iri: str, triples: Graph | Iterable[ox.Triple]) -> None: ...

    def graphs(self) -> list[str]: ...

    def triple_count(self, graph: str | None = None) -> int: ...

    def close(self) -> None: ...


class EmbeddedStore:
    """An on-disk pyoxigraph store.

    Open a path once per process: a second read-write ``Store(path)`` fails on the lock.
    ``read_only=True`` may sit beside a writer but sees a frozen snapshot.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            if not self.path.is_dir():
                raise NotFound(f"no store at {self.path} (run `qantar load` first)")
            self._store: ox.Store | None = ox.Store.read_only(str(self.path))
        else:
            self._store = ox.Store(str(self.path))

    @property
    def _oxi(self) -> ox.Store:
        if self._store is None:
            raise NotFound(f"the store at {self.path} is closed")
        return self._store

    def query(self, sparql: str, use_default_graph_as_union: bool = True) -> QueryResult:
        """Run a SPARQL query; by default the default graph is the union of all graphs."""
        try:
            return self._oxi.query(sparql, use_default_graph_as_union=use_default_graph_as_union)
        except SyntaxError as err:
            raise BadQuery(f"bad SPARQL query: {err.msg}") from err

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

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """Run a SPARQL Update in one transaction: it applies whole or not at all."""
        try:
            self._oxi.update(sparql, base_iri=base_iri)
        except SyntaxError as err:
            raise BadQuery(f"bad SPARQL update: {err.msg}") from err
        except RuntimeError as err:  # e.g. CREATE GRAPH of an existing graph: nothing applied
            raise BadQuery(f"the update failed and changed nothing: {err}") from err

    @property
    def oxigraph(self) -> ox.Store:
        """The pyoxigraph store itself, for bulk and streaming operations."""
        return self._oxi

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
