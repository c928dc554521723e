"""The SPARQL 1.1 Service Description the endpoint answers with when asked no query."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from service.formats import RDF_FORMATS, RESULTS_FORMATS
from service.imports.vocabulary import DCAT
from service.versions import Version

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")


def service_description(endpoint: str, graphs: list[str], read_only: bool,
                        version: Version | None = None) -> Graph:
    """Describe the endpoint: languages, formats, features, the dataset's named graphs and
    the version of the data it answers from (service.versions)."""
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
    for fmt in (*RESULTS_FORMATS, *RDF_FORMATS):
        g.add((service, SD.resultFormat, URIRef(fmt.iri)))
    dataset = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    if version is not None:
        g.add((dataset, DCAT.hasCurrentVersion, URIRef(version.iri)))
        g.add((URIRef(version.iri), DCTERMS.identifier, Literal(version.id)))
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
