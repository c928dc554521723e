"""The SPARQL 1.1 Service Description the endpoint answers with when asked no query."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from service.sparql.formats import GRAPH_TYPES, RESULTS_TYPES

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
VOID = Namespace("http://rdfs.org/ns/void#")

_FORMAT_IRIS = {
    "application/sparql-results+json": FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS.SPARQL_Results_XML,
    "text/csv": FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS.SPARQL_Results_TSV,
    "text/turtle": FORMATS.Turtle,
    "application/n-triples": FORMATS["N-Triples"],
    "application/rdf+xml": FORMATS.RDF_XML,
    "application/ld+json": FORMATS["JSON-LD"],
    "application/n-quads": FORMATS["N-Quads"],
    "application/trig": FORMATS.TriG,
}


def service_description(endpoint: str, graphs: list[str], read_only: bool) -> Graph:
    """Describe the endpoint: languages, formats, features and the dataset's named graphs."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, RDFS.label, Literal("Qantar SPARQL endpoint", lang="en")))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if not read_only:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for feature in (SD.UnionDefaultGraph, SD.BasicFederatedQuery):
        g.add((service, SD.feature, feature))
    for mime in (*RESULTS_TYPES, *GRAPH_TYPES):
        if mime in _FORMAT_IRIS:
            g.add((service, SD.resultFormat, _FORMAT_IRIS[mime]))
    dataset = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode()
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, DCTERMS.description, Literal(
        "The union of all named graphs, unless triples were stored in the default graph itself.",
        lang="en")))
    for iri in graphs:
        named = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(iri)))
    return g
