"""Validation of a graph as it will be after a write, against our shapes, where it describes
our classes.

Only nodes typed with a class of our ontology are focus nodes, so a Wikidata extract is not
held to shapes written for the article's data, and the bundled graph (already valid) is not
validated again. The data is the whole candidate graph, with the ontology and our own graphs
beside it so that references to our entities resolve, in the default graph of an in-memory
staging store (service.imports.pipeline); the shapes run compiled to SPARQL
(service.validate.validate_oxigraph), so a million-triple import validates in seconds.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph

from service.compiled_shapes import FOCUS_GRAPH
from service.namespaces import QANTAR
from service.store.interface import QueryDataset, Store
from service.validate import Finding, validate_oxigraph

# {where} is a graph pattern's opening: "" (a staging store's default graph) or "GRAPH <g>",
# filled in only with a pyoxigraph-serialised NamedNode (validated, escaped); {ours} is our
# ontology's namespace: our classes are those whose IRIs start with it.
FOCUS = """
SELECT DISTINCT ?node WHERE {{ {where} {{
  ?node a ?class
  FILTER(isIRI(?node) && STRSTARTS(STR(?class), "{ours}")) }}
}}"""


def focus_in_staging(data: ox.Store) -> list[ox.NamedNode]:
    """The nodes (IRIs) the default graph of the staging store ``data`` types with one of our
    classes (before the context is added to it)."""
    return [row["node"] for row in data.query(FOCUS.format(where="", ours=QANTAR))]


def focus_in_store(store: Store, graph: str) -> list[ox.NamedNode]:
    """The same, of ``graph`` in the store (a graph `qantar import` has loaded)."""
    query = FOCUS.format(where=f"GRAPH {ox.NamedNode(graph)}", ours=QANTAR)
    return [row["node"] for row in store.query(query, QueryDataset.DEFAULT)]


def judge_candidate(
    data: ox.Store, focus: list[ox.NamedNode], shapes: Graph
) -> list[Finding] | None:
    """Findings for the ``focus`` nodes of the candidate in the default graph of ``data``
    (with its context); None when nothing in it is of our classes."""
    if not focus:
        return None
    mark = ox.NamedNode(FOCUS_GRAPH)
    data.bulk_extend(ox.Quad(node, mark, mark, mark) for node in focus)
    return validate_oxigraph(data, shapes, focus_graph=True)
