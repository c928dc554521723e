"""The graphs no client request may write: the bundle's (only `qantar load` writes them) and the
provenance graph (the audit trail of imports and uploads, written only by Qantar itself).

Two checks, so that the engine has the last word: a request that names one of these graphs is
refused before it runs (``names_protected_graph``, from the update's parse), and the writer
compares the graphs before and after every client update (service.store.embedded.writer), because
an update can reach a graph without naming it (``GRAPH ?g`` with a computed IRI, ``DROP ALL``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator

import pyoxigraph as ox
from rdflib.term import URIRef, Variable

from service.errors import ProtectedGraph
from service.namespaces import (
    ARTICLE_GRAPH,
    EDITORIAL_GRAPH,
    FINDINGS_GRAPH,
    GRAPH,
    METADATA_GRAPH,
    ONTOLOGY_GRAPH,
    QUERIES_GRAPH,
)
from service.store.rdflib_parse import decode_escapes, parse_update

PROVENANCE = str(GRAPH["provenance"])
BUNDLE_GRAPHS = frozenset(str(g) for g in (
    ARTICLE_GRAPH, EDITORIAL_GRAPH, METADATA_GRAPH, ONTOLOGY_GRAPH))
QUERIES = str(QUERIES_GRAPH)
FINDINGS = str(FINDINGS_GRAPH)
#: the service's own records, which no client writes
SERVICE_GRAPHS = frozenset({PROVENANCE, QUERIES, FINDINGS})
PROTECTED_GRAPHS = BUNDLE_GRAPHS | SERVICE_GRAPHS


def refusal(graph: str) -> ProtectedGraph:
    if graph == PROVENANCE:
        return ProtectedGraph(f"<{graph}> is the provenance record of imports and uploads; no "
                              "request may write it, so nothing was written")
    if graph == FINDINGS:
        return ProtectedGraph(f"<{graph}> holds what the shapes say of the data, kept by the "
                              "service after every write; no request may write it, so nothing "
                              "was written")
    if graph == QUERIES:
        return ProtectedGraph(f"<{graph}> holds the saved queries that permalinks open; only "
                              "POST /queries adds to it, so nothing was written")
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


class Reach(enum.Enum):
    """Which graphs an update can write beyond those it names, from its parse."""

    #: only the graphs it names (and the default graph)
    NAMED = "named"
    #: it can delete from graphs it does not name (DROP or CLEAR ALL or NAMED, a variable
    #: graph in a DELETE template), but create none
    EMPTIES = "empties"
    #: it can insert into graphs it does not name (a variable graph in an INSERT template),
    #: so it can create any graph; also an update that cannot be parsed
    INSERTS = "inserts"


def update_reach(update: str) -> Reach:
    """How far the update can write beyond the graphs it names, from its parse, for stores
    where the effect cannot be checked afterwards (the remote store). Slow on long texts
    (rdflib), so it runs in a check worker (service.sparql.checks). A text without the
    keywords ``GRAPH``, ``DROP`` and ``CLEAR`` (escapes decoded, as the grammar decodes them)
    cannot name a graph by a variable or drop all graphs, so only the others are parsed."""
    lowered = decode_escapes(update).lower()
    if not any(word in lowered for word in ("graph", "drop", "clear")):
        return Reach.NAMED
    try:
        tree = parse_update(update)
    except Exception:  # noqa: BLE001 - cannot be proved harmless
        return Reach.INSERTS
    return _reach(tree)


def _reach(tree: list) -> Reach:
    reach = Reach.NAMED
    for operation in tree:
        if operation.name in ("Drop", "Clear") and operation.get("graphiri") in ("ALL",
                                                                                 "NAMED"):
            reach = Reach.EMPTIES
        if _variable_graph(operation.get("insert")):
            return Reach.INSERTS
        # a DELETE template, or DELETE WHERE (INSERT DATA has no variables)
        if _variable_graph(operation.get("delete")) or _variable_graph(operation):
            reach = Reach.EMPTIES
    return reach


def _variable_graph(clause: object) -> bool:
    quads = clause.get("quads") if isinstance(clause, dict) else None
    return isinstance(quads, dict) and any(isinstance(g, Variable) for g in quads)


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
    if _reach(tree) is not Reach.NAMED:
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


def clear_dataset(graphs: list[str]) -> str:
    """SPARQL Update operations that empty the dataset but for the protected graphs."""
    drops = "".join(f"DROP SILENT GRAPH {ox.NamedNode(g)} ;\n" for g in graphs
                    if g not in PROTECTED_GRAPHS)
    return f"DROP SILENT DEFAULT ;\n{drops}"
