"""Validation of an imported graph against our shapes, where it describes our classes.

Only nodes typed with a class of our ontology are focus nodes, so a Wikidata extract is not
held to shapes written for the article's data, and the bundled graph (already valid) is not
validated again. The data graph is those nodes' statements (and of what they point to inside
the import), with the ontology and our own graphs beside them so that references to our
entities resolve.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, URIRef

from service.namespaces import QANTAR
from service.store import Store
from service.validate import Finding, validate_graph

# {graph} is filled in only with a pyoxigraph-serialised NamedNode (validated, escaped), {ours}
# with our ontology's namespace: our classes are those whose IRIs start with it.
FOCUS = """
SELECT DISTINCT ?node WHERE {{
  GRAPH {graph} {{ ?node a ?class }}
  FILTER(STRSTARTS(STR(?class), "{ours}"))
}}"""

# Two steps out from each node of our classes, and a third through a blank node: a passage of
# evidence is node -> [specific resource] -> [selector] -> its words, and its source document.
NEIGHBOURHOOD = """
CONSTRUCT {{ ?node ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 }} WHERE {{
  GRAPH {graph} {{
    ?node a ?class . ?node ?p ?o
    OPTIONAL {{ ?o ?p2 ?o2 OPTIONAL {{ ?o2 ?p3 ?o3 FILTER(isBlank(?o)) }} }}
  }}
  FILTER(STRSTARTS(STR(?class), "{ours}"))
}}"""

CONTEXT = "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"


def focus_nodes(store: Store, graph: str) -> list[URIRef]:
    query = FOCUS.format(graph=ox.NamedNode(graph), ours=QANTAR)
    return [URIRef(row["node"].value) for row in store.query(query)
            if isinstance(row["node"], ox.NamedNode)]


def check_imported_graph(
    store: Store, graph: str, context_graphs: list[str], shapes: Graph
) -> tuple[list[Finding] | None, int]:
    """Findings for the imported ``graph`` (None when nothing in it is of our classes)."""
    focus = focus_nodes(store, graph)
    if not focus:
        return None, 0
    data = Graph()
    _add(data, store.query(NEIGHBOURHOOD.format(graph=ox.NamedNode(graph), ours=QANTAR)))
    for context in context_graphs:
        _add(data, store.query(CONTEXT.format(graph=ox.NamedNode(context))))
    return validate_graph(data, shapes, focus_nodes=focus), len(focus)


def _add(target: Graph, triples: object) -> None:
    payload = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    if payload:
        target.parse(data=payload, format="nt")


def check_triples(
    store: Store, triples: list[ox.Triple], context_graphs: list[str], shapes: Graph
) -> tuple[list[Finding] | None, int]:
    """Findings for triples about to be written (a Graph Store upload), before they are."""
    ours = str(QANTAR)
    typed = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    focus = sorted({t.subject.value for t in triples
                    if t.predicate.value == typed and isinstance(t.object, ox.NamedNode)
                    and t.object.value.startswith(ours) and isinstance(t.subject, ox.NamedNode)})
    if not focus:
        return None, 0
    data = Graph()
    data.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    for context in context_graphs:
        _add(data, store.query(CONTEXT.format(graph=ox.NamedNode(context))))
    return validate_graph(data, shapes, focus_nodes=[URIRef(f) for f in focus]), len(focus)
