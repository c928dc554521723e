"""The graphs no client request may write: the bundle's (only `qantar load` writes them) and the
provenance graph (the audit trail of imports and uploads, written only by Qantar itself).

Two checks, so that the engine has the last word: a request that names one of these graphs is
refused before it runs (``names_protected_graph``, from the update's parse), and the writer
compares the graphs before and after every client update (service.writer), because an update
can reach a graph without naming it (``GRAPH ?g`` with a computed IRI, ``DROP ALL``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from rdflib.term import URIRef, Variable

from service.errors import ProtectedGraph
from service.namespaces import ARTICLE_GRAPH, EDITORIAL_GRAPH, GRAPH, METADATA_GRAPH, ONTOLOGY_GRAPH
from service.sparql.rdflib_parse import parse_update

PROVENANCE = str(GRAPH["provenance"])
BUNDLE_GRAPHS = frozenset(str(g) for g in (
    ARTICLE_GRAPH, EDITORIAL_GRAPH, METADATA_GRAPH, ONTOLOGY_GRAPH))
PROTECTED_GRAPHS = BUNDLE_GRAPHS | {PROVENANCE}


def refusal(graph: str) -> ProtectedGraph:
    if graph == PROVENANCE:
        return ProtectedGraph(f"<{graph}> is the provenance record of imports and uploads; no "
                              "request may write it, so nothing was written")
    return ProtectedGraph(f"<{graph}> is a graph of the bundle, written only by `qantar load`; "
                          "nothing was written")


def names_protected_graph(update: str) -> str | None:
    """The first protected graph IRI the SPARQL Update mentions anywhere in its parse, or None
    (also when rdflib cannot parse it: the writer's check after the update still applies)."""
    lowered = update.lower()
    if "qantar" not in lowered and "\\u" not in lowered:
        return None  # no protected IRI can be spelled without these letters or an escape
    try:
        tree = parse_update(update)  # prefixes and BASE resolved
    except Exception:  # noqa: BLE001 - Oxigraph judges the syntax; the writer checks the effect
        return None
    for term in _terms(tree, set()):
        if isinstance(term, URIRef) and str(term) in PROTECTED_GRAPHS:
            return str(term)
    return None


def reaches_unnamed_graphs(update: str, base_iri: str | None = None) -> bool:
    """Whether the update can write graphs it does not name (DROP/CLEAR ALL or NAMED, a
    variable graph in a template), from its parse; True when it cannot be parsed. For stores
    where the effect cannot be checked afterwards (the remote store). The endpoint has had the
    engine parse the update before (a syntax error is a 400 there)."""
    try:
        tree = parse_update(update)
    except Exception:  # noqa: BLE001 - cannot be proved harmless
        return True
    for operation in tree:
        if operation.name in ("Drop", "Clear") and operation.get("graphiri") in ("ALL",
                                                                                 "NAMED"):
            return True
        for clause in (operation.get("insert"), operation.get("delete"), operation):
            quads = clause.get("quads") if isinstance(clause, dict) else None
            if isinstance(quads, dict) and any(isinstance(g, Variable) for g in quads):
                return True
    return False


#: The longest update whose graphs are found by parsing it (characters).
PARSE_LIMIT = 16_384


def graphs_named_by(update: str, base_iri: str | None = None) -> set[str] | None:
    """Every IRI the SPARQL Update mentions anywhere in its parse (a superset of the named
    graphs it can write), or None when it can write graphs it does not name (DROP/CLEAR ALL or
    NAMED, a variable graph in a template) or cannot be parsed: then it may change any graph.
    Writes to the default graph are not counted: they name no graph. Relative IRIs are
    resolved against ``base_iri``, as the engine resolves them. rdflib's parser is slow (minutes
    for a few thousand triples of INSERT DATA), so a longer update counts as one that may
    change any graph: the index is then rebuilt, instead of the write waiting on the parse."""
    if len(update) > PARSE_LIMIT:
        return None
    try:
        tree = parse_update(f"BASE {ox.NamedNode(base_iri)}\n{update}" if base_iri else update)
    except Exception:  # noqa: BLE001 - cannot be bounded
        return None
    for operation in tree:
        if operation.name in ("Drop", "Clear") and operation.get("graphiri") in ("ALL",
                                                                                 "NAMED"):
            return None
        for clause in (operation.get("insert"), operation.get("delete"), operation):
            quads = clause.get("quads") if isinstance(clause, dict) else None
            if isinstance(quads, dict) and any(isinstance(g, Variable) for g in quads):
                return None
    return {str(term) for term in _terms(tree, set()) if isinstance(term, URIRef)}


def _terms(node: object, seen: set[int]) -> Iterator[object]:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, dict):
        for key, value in node.items():  # quads are keyed by their graph
            yield from _terms(key, seen)
            yield from _terms(value, seen)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _terms(value, seen)
    else:
        yield node
