"""The named graphs of the store with their size and provenance; dropping an imported one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pyoxigraph as ox

from service.anchors import graph_anchor, graph_href
from service.errors import InvalidData, NotFound
from service.imports.importer import RESERVED_GRAPHS
from service.namespaces import GRAPH, PROVENANCE_GRAPH, QANTAR
from service.pages.labels import fetch_labels
from service.store.interface import Store
from service.versions import current_version, recorded_digests

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
    label: str = ""  # what pages call the graph (see graph_names)
    anchor: str = ""  # the id of its entry on /graphs
    href: str = ""  # where pages link it: that entry
    digest: str | None = None  # its content's digest in the current version (service.versions)
    data_version: str | None = None  # the identifier of the current version of the data


def graph_short_name(iri: str) -> str:
    """A graph's name when nobody labelled it, read off its IRI: "other team (example.org)",
    never the IRI itself (pages show names, and link the IRI's provenance on /graphs)."""
    if iri.startswith(str(GRAPH)) and len(iri) > len(str(GRAPH)):
        return iri[len(str(GRAPH)):].strip("/").replace("-", " ").replace("_", " ")
    parts = urlsplit(iri)
    tail = parts.fragment or parts.path.rstrip("/").rsplit("/", 1)[-1]
    if not parts.netloc:  # urn:x:y, tag:…
        tail = tail.rsplit(":", 1)[-1]
    words = tail.replace("-", " ").replace("_", " ").strip()
    if parts.netloc:
        return f"{words} ({parts.netloc})" if words else parts.netloc
    return words or iri


def graph_names(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """What pages call each graph: its label (the metadata and provenance graphs give the
    bundle's graphs one), else a short form of its IRI."""
    wanted = set(iris)
    labels = fetch_labels(store, wanted)
    return {iri: labels[iri].text if iri in labels else graph_short_name(iri) for iri in wanted}


def list_graphs(store: Store) -> list[GraphInfo]:
    rows = list(store.query(LISTING))
    names = graph_names(store, [row["g"].value for row in rows])
    digests, version = recorded_digests(store), current_version(store)
    infos = []
    for row in rows:
        iri = row["g"].value
        current = row["current"]
        origin = "bundle" if iri in RESERVED_GRAPHS else ("import" if current else "other")
        infos.append(GraphInfo(
            iri=iri, triples=int(row["triples"].value), origin=origin,
            imported=_value(row["imported"]), sources=_value(row["sources"]) or None,
            validation=_value(row["validation"]), version=_value(current),
            agent=_value(row["by"]), label=names[iri], anchor=graph_anchor(iri),
            href=graph_href(iri), digest=digests.get(iri),
            data_version=version.id if version else None))
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
