"""Validation of a graph as it will be after a write, against our shapes, where it describes
our classes.

Only nodes typed with a class of our ontology are focus nodes, so a Wikidata extract is not
held to shapes written for the article's data, and the bundled graph (already valid) is not
validated again. The data is the whole candidate graph, with the ontology and our own graphs
beside it so that references to our entities resolve; the shapes run compiled to SPARQL
(service.validate.validate_oxigraph) on the in-memory staging store of
service.imports.pipeline, so a million-triple import validates in seconds.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph

from service.compiled_shapes import FOCUS_GRAPH
from service.namespaces import QANTAR
from service.store import Store
from service.validate import Finding, validate_oxigraph

# {ours} is our ontology's namespace: our classes are those whose IRIs start with it.
FOCUS = """
SELECT DISTINCT ?node WHERE {{
  ?node a ?class
  FILTER(isIRI(?node) && STRSTARTS(STR(?class), "{ours}"))
}}"""
# {graph} is filled in only with a pyoxigraph-serialised NamedNode (validated, escaped)
HAS_FOCUS = """
ASK {{ GRAPH {graph} {{ ?node a ?class
  FILTER(isIRI(?node) && STRSTARTS(STR(?class), "{ours}")) }} }}"""


def has_focus(store: Store, graph: str) -> bool:
    """Whether ``graph`` in the store types a node (an IRI) with a class of our ontology."""
    query = HAS_FOCUS.format(graph=ox.NamedNode(graph), ours=QANTAR)
    return bool(store.query(query, False))


def focus_nodes(data: ox.Store, candidate: list[ox.NamedNode]) -> list[ox.NamedNode]:
    """The nodes (IRIs) the candidate types with a class of our ontology."""
    rows = data.query(FOCUS.format(ours=QANTAR), default_graph=candidate)
    return [row["node"] for row in rows]


def judge_candidate(
    data: ox.Store, candidate: list[ox.NamedNode], context: ox.NamedNode, shapes: Graph
) -> tuple[list[Finding] | None, int]:
    """Findings for the candidate graph (the union of ``candidate`` in the staging store
    ``data``), with ``context`` beside it; None when nothing in it is of our classes."""
    focus = focus_nodes(data, candidate)
    if not focus:
        return None, 0
    mark = ox.NamedNode(FOCUS_GRAPH)
    data.bulk_extend(ox.Quad(node, mark, mark, mark) for node in focus)
    findings = validate_oxigraph(data, shapes, focus_graph=True,
                                 default_graph=[*candidate, context])
    return findings, len(focus)
