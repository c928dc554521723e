"""A reproducible dump of the store (same data, same bytes), for archiving and diffing.

N-Quads lines are sorted; graphs with blank nodes get canonical labels first (RDFC-1.0),
since the store's own labels are internal and change from load to load. Turtle and TriG are
written by pyoxigraph from those sorted quads, so they are stable too.
"""

from __future__ import annotations

import pyoxigraph as ox

from service.errors import NotFound, UnreadableInput
from service.formats import N_TRIPLES
from service.imports.void import void_description
from service.namespaces import VOID_GRAPH, prefixes_used
from service.store.interface import Store

EXPORT_FORMATS = ("nquads", "trig", "turtle")


def export_dataset(store: Store, fmt: str = "nquads", graph: str | None = None,
                   extra: dict[str, bytes] | None = None) -> bytes:
    """The whole dataset, or the one named graph, in ``fmt``; byte-identical for the same data.

    ``extra`` adds graphs computed on the fly (graph IRI -> N-Triples), replacing any stored
    graph of the same name (the VoID description).
    """
    if fmt not in EXPORT_FORMATS:
        raise UnreadableInput(fmt, f"unknown export format (known: {', '.join(EXPORT_FORMATS)})")
    if graph is None and fmt == "turtle":
        raise UnreadableInput(fmt, "Turtle holds one graph: name it with --graph, or use trig")
    extra = extra or {}
    lines: list[bytes] = []
    for name in _graph_names(store, graph):
        if name is not None and name.value in extra:
            continue
        lines += _with_graph(_canonical_ntriples(store, name), name)
    for iri, data in extra.items():
        lines += _with_graph(_canonical(data), ox.NamedNode(iri))
    nquads = b"".join(sorted(lines))
    if fmt == "nquads":
        return nquads
    # pyoxigraph writes in input order, so sorted input gives the same bytes every time
    quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    if fmt == "turtle":
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes_used(triples))
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes_used(quads))


def with_void(store: Store, fmt: str, base_iri: str) -> bytes:
    """The whole-dataset export with the VoID description as its own graph."""
    void = void_description(store, base_iri).serialize(format="nt", encoding="utf-8")
    return export_dataset(store, fmt, extra={str(VOID_GRAPH): void})


def _graph_names(store: Store, graph: str | None) -> list[ox.NamedNode | None]:
    if graph is not None:
        if not store.graph_exists(graph):
            raise NotFound(f"no graph <{graph}> in the store")
        return [ox.NamedNode(graph)]
    named = [ox.NamedNode(g) for g in store.graphs()]
    return named if store.default_graph_is_empty() else [None, *named]


def _with_graph(ntriples: bytes, name: ox.NamedNode | None) -> list[bytes]:
    suffix = b" .\n" if name is None else f" {name} .\n".encode()
    return [line.rstrip()[:-1].rstrip() + suffix for line in ntriples.splitlines()
            if line.strip()]


def _canonical_ntriples(store: Store, name: ox.NamedNode | None) -> bytes:
    data = store.dump(None if name is None else name.value, N_TRIPLES)
    return _canonical(data or b"")


def _canonical(data: bytes) -> bytes:
    """N-Triples with canonical blank node labels (RDFC-1.0, by pyoxigraph)."""
    if b"_:" not in data:
        return data
    dataset = ox.Dataset(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in dataset),
                        format=ox.RdfFormat.N_TRIPLES)
