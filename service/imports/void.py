"""The VoID description of the dataset: size, classes, properties, graphs, links, licence.

Computed from the store, so it describes what is loaded (imports included). It has no
timestamps of its own, so the export that includes it stays reproducible.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS, XSD

from service.imports.vocabulary import DCAT, VOID
from service.namespaces import ARTICLE_GRAPH, ID, ONTOLOGY_IRI, dataset_iri
from service.store.interface import QueryDataset, Store
from service.versions import current_version

WIKIDATA = URIRef("http://www.wikidata.org/entity/")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
ARTICLE = ID["source/nrc-2022-01-15-kazakhstan"]
TITLE = "Qantar: the January 2022 unrest in Kazakhstan"
DESCRIPTION = ("A knowledge graph of the January 2022 unrest in Kazakhstan (Qandy Qantar), "
               "modelled from an NRC article of 15 January 2022, with every figure and "
               "statement attributed to who states it.")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def void_description(store: Store, base_iri: str, service_url: str | None = None) -> Graph:
    """VoID for everything in ``store``; ``service_url`` (the running site) adds the endpoints."""
    g = Graph()
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    g.bind("sd", SD)
    dataset = dataset_iri(base_iri)
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((dataset, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((dataset, DCTERMS.license, LICENSE))
    g.add((dataset, DCTERMS.source, ARTICLE))
    g.add((dataset, VOID.vocabulary, URIRef(str(ONTOLOGY_IRI))))
    g.add((dataset, VOID.uriSpace, Literal(str(ID))))
    g.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Quads")))
    g.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/TriG")))
    g.add((dataset, FOAF.homepage, URIRef(base_iri)))
    if service_url:
        root = service_url.rstrip("/")
        g.add((dataset, VOID.sparqlEndpoint, URIRef(root + "/sparql")))
        g.add((dataset, VOID.dataDump, URIRef(root + "/store")))
        g.add((dataset, VOID.rootResource, URIRef(root + "/")))
    version = current_version(store)
    if version is not None:  # its identifier is its content's: the export stays reproducible
        g.add((dataset, DCAT.hasCurrentVersion, URIRef(version.iri)))
    _counts(g, dataset, store, "")
    for graph in store.graphs():
        subset = URIRef(graph)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, subset))
        count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"
        g.add((subset, VOID.triples, _int(_one(store, count))))
        if graph == str(ARTICLE_GRAPH):
            g.add((subset, DCTERMS.source, ARTICLE))
    links = _one(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://www.w3.org/2004/02/skos/core#"
                        "exactMatch> ?o FILTER(STRSTARTS(STR(?o), STR(<" + str(WIKIDATA) + ">))) }")
    if links:
        linkset = URIRef(str(dataset) + "#wikidata-links")
        g.add((dataset, VOID.subset, linkset))
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, VOID.linkPredicate, SKOS.exactMatch))
        g.add((linkset, VOID.subjectsTarget, dataset))
        g.add((linkset, VOID.objectsTarget, URIRef("http://www.wikidata.org/")))
        g.add((linkset, VOID.triples, _int(links)))
    return g


def _counts(g: Graph, dataset: URIRef, store: Store, _: str) -> None:
    g.add((dataset, VOID.triples, _int(store.triple_count())))
    g.add((dataset, VOID.entities, _int(_one(
        store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
               f'FILTER(STRSTARTS(STR(?s), "{ID}")) }}'))))
    g.add((dataset, VOID.distinctSubjects, _int(_one(
        store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"))))
    g.add((dataset, VOID.distinctObjects, _int(_one(
        store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"))))
    classes = list(store.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } "
                               "GROUP BY ?c ORDER BY ?c", QueryDataset.UNION))
    g.add((dataset, VOID.classes, _int(len(classes))))
    _partitions(g, dataset, classes, "c", "class", VOID.classPartition, VOID["class"],
                VOID.entities)
    properties = list(store.query("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } "
                                  "GROUP BY ?p ORDER BY ?p", QueryDataset.UNION))
    g.add((dataset, VOID.properties, _int(len(properties))))
    _partitions(g, dataset, properties, "p", "property", VOID.propertyPartition, VOID.property,
                VOID.triples)


def _partitions(g: Graph, dataset: URIRef, rows: list, variable: str, kind: str,
                link: URIRef, key: URIRef, size: URIRef) -> None:
    """One partition per row (a class or a property) with its count."""
    for row in rows:
        iri = row[variable].value
        part = URIRef(f"{dataset}#{kind}-{_slug(iri)}")
        g.add((dataset, link, part))
        g.add((part, key, URIRef(iri)))
        g.add((part, size, _int(int(row["n"].value))))


def _one(store: Store, query: str) -> int:
    row = next(iter(store.query(query, QueryDataset.UNION)))
    return int(row["n"].value)


def _int(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def _slug(iri: str) -> str:

    return hashlib.sha1(iri.encode("utf-8")).hexdigest()[:12]
