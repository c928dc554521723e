"""A reproducible dump of the store (same data, same bytes), for archiving and diffing.

N-Quads lines are sorted; graphs with blank nodes get canonical labels first (RDFC-1.0),
since the store's own labels are internal and change from load to load.
Turtle and TriG are written by pyoxigraph from those sorted quads, so they are stable too.
"""

from __future__ import annotations

import pyoxigraph as ox

from service.errors import NotFound, UnreadableInput
from service.namespaces import prefixes_used

EXPORT_FORMATS = ("nquads", "trig", "turtle")


def export_dataset(store: ox.Store, fmt: str = "nquads", graph: str | None = None) -> bytes:
    """The whole dataset, or the one named graph, in ``fmt``; byte-identical for the same data."""
    if fmt not in EXPORT_FORMATS:
        raise UnreadableInput(fmt, f"unknown export format (known: {', '.join(EXPORT_FORMATS)})")
    if graph is None and fmt == "turtle":
        raise UnreadableInput(fmt, "Turtle holds one graph: name it with --graph, or use trig")
    lines: list[bytes] = []
    for name in _graph_names(store, graph):
        suffix = b" .\n" if name is None else f" {name} .\n".encode()
        for line in _canonical_ntriples(store, name).splitlines():
            if line.strip():
                lines.append(line.rstrip()[:-1].rstrip() + suffix)
    nquads = b"".join(sorted(lines))
    if fmt == "nquads":
        return nquads
    # pyoxigraph writes in input order, so sorted input gives the same bytes every time
    quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    if fmt == "turtle":
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes_used(triples))
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes_used(quads))


def _graph_names(store: ox.Store, graph: str | None) -> list[ox.NamedNode | None]:
    if graph is not None:
        node = ox.NamedNode(graph)
        if not store.contains_named_graph(node):
            raise NotFound(f"no graph <{graph}> in the store")
        return [node]
    named = sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)),
                   key=lambda g: g.value)
    has_default = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None)
    return ([None] if has_default else []) + named


def _canonical_ntriples(store: ox.Store, name: ox.NamedNode | None) -> bytes:
    """The graph as N-Triples with canonical blank node labels (RDFC-1.0, by pyoxigraph)."""
    data = store.dump(format=ox.RdfFormat.N_TRIPLES,
                      from_graph=ox.DefaultGraph() if name is None else name)
    if b"_:" not in data:
        return data
    dataset = ox.Dataset(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in dataset),
                        format=ox.RdfFormat.N_TRIPLES)


def with_void(store: ox.Store, data: bytes, fmt: str, base_iri: str) -> bytes:
    """The whole-dataset export with the VoID description added as its own graph."""
    from service.imports.void import VOID_GRAPH, void_description

    scratch = ox.Store()
    scratch.bulk_load(data, format=ox.RdfFormat.N_QUADS if fmt == "nquads"
                      else ox.RdfFormat.TRIG)
    if scratch.contains_named_graph(ox.NamedNode(str(VOID_GRAPH))):  # a stale copy
        scratch.remove_graph(ox.NamedNode(str(VOID_GRAPH)))
    void = void_description(store, base_iri).serialize(format="nt", encoding="utf-8")
    scratch.bulk_load(void, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(VOID_GRAPH)))
    return export_dataset(scratch, fmt)
