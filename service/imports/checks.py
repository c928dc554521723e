"""Validation of an imported graph against our shapes, where it describes our classes.

Only nodes typed with a class of our ontology are focus nodes, so a Wikidata extract is not
held to shapes written for the article's data, and the bundled graph (already valid) is not
validated again. The data is the whole imported graph, with the ontology and our own graphs
beside it so that references to our entities resolve; the shapes run compiled to SPARQL
(service.validate.validate_focus), so a million-triple import validates in seconds.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, URIRef

from service.namespaces import QANTAR
from service.store import Store
from service.validate import Finding, validate_focus

NT = "application/n-triples"

# {graph} is filled in only with a pyoxigraph-serialised NamedNode (validated, escaped), {ours}
# with our ontology's namespace: our classes are those whose IRIs start with it.
FOCUS = """
SELECT DISTINCT ?node WHERE {{
  GRAPH {graph} {{ ?node a ?class }}
  FILTER(STRSTARTS(STR(?class), "{ours}"))
}}"""


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
    data = [store.dump(g, NT) or b"" for g in [graph, *context_graphs] if store.graph_exists(g)]
    return validate_focus(data, [str(f) for f in focus], shapes), len(focus)


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
    data = [ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""]
    data += [store.dump(g, NT) or b"" for g in context_graphs if store.graph_exists(g)]
    return validate_focus(data, focus, shapes), len(focus)
