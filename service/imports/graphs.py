"""The named graphs of the store with their size and provenance; dropping an imported one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from service.anchors import graph_anchor, graph_href  # noqa: F401 (the pages' links to /graphs)
from service.errors import InvalidData, NotFound
from service.imports.importer import RESERVED_GRAPHS
from service.namespaces import GRAPH, PROVENANCE_GRAPH, QANTAR
from service.store import Store

LISTING = f"PREFIX qantar: <{QANTAR}>\nPREFIX graph: <{GRAPH}>\n" + """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?g (COUNT(*) AS ?triples) (SAMPLE(?when) AS ?imported) (SAMPLE(?outcome) AS ?validation)
       (GROUP_CONCAT(DISTINCT ?label; SEPARATOR=" | ") AS ?sources)
       (SAMPLE(?version) AS ?current) (SAMPLE(?agent) AS ?by)
WHERE {
  GRAPH ?g { ?s ?p ?o }
  OPTIONAL {
    GRAPH graph:provenance {
      ?g dcat:hasCurrentVersion ?version .
      ?version prov:generatedAtTime ?when ; qantar:validationOutcome ?outcome ;
               prov:wasGeneratedBy/prov:wasAssociatedWith/rdfs:label ?agent .
      OPTIONAL { ?version prov:wasDerivedFrom/rdfs:label ?label }
    }
  }
}
GROUP BY ?g ORDER BY ?g
"""


@dataclass(frozen=True)
class GraphInfo:
    iri: str
    triples: int
    origin: str  # "bundle", "import" or "other" (written through SPARQL Update or the GSP)
    imported: str | None = None
    sources: str | None = None
    validation: str | None = None
    version: str | None = None
    agent: str | None = None


def list_graphs(store: Store) -> list[GraphInfo]:
    rows = store.query(LISTING)
    infos = []
    for row in rows:
        iri = row["g"].value
        current = row["current"]
        origin = "bundle" if iri in RESERVED_GRAPHS else ("import" if current else "other")
        infos.append(GraphInfo(
            iri=iri, triples=int(row["triples"].value), origin=origin,
            imported=_value(row["imported"]), sources=_value(row["sources"]) or None,
            validation=_value(row["validation"]), version=_value(current),
            agent=_value(row["by"])))
    return infos


def drop_graph(store: Store, graph: str) -> int:
    """Remove an imported graph; its provenance stays, marked invalidated. Triples removed."""
    if graph in RESERVED_GRAPHS:
        raise InvalidData(f"<{graph}> belongs to the bundle; `qantar load` rebuilds it")
    node = ox.NamedNode(graph)
    if not store.graph_exists(graph):
        raise NotFound(f"no graph <{graph}> in the store")
    count = store.triple_count(graph)
    store.drop_graph(graph)
    now = datetime.now(UTC).isoformat()
    prov = ox.NamedNode(str(PROVENANCE_GRAPH))
    store.update(
        "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX prov: <http://www.w3.org/ns/prov#> "
        "DELETE { GRAPH ?prov { ?g dcat:hasCurrentVersion ?v } } "
        "INSERT { GRAPH ?prov { ?v prov:invalidatedAtTime ?now } } "
        "WHERE { GRAPH ?prov { ?g dcat:hasCurrentVersion ?v } }"
        .replace("?prov", str(prov)).replace("?g", str(node))
        .replace("?now", f'"{now}"^^<http://www.w3.org/2001/XMLSchema#dateTime>'))
    store.flush()
    return count


def _value(term: object) -> str | None:
    return None if term is None else term.value
