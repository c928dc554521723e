"""``/graphs``, ``/conflicts`` and ``/.well-known/void`` on the running service."""

from __future__ import annotations

from pathlib import Path

import requests
from rdflib import Graph, Literal, Namespace, URIRef

from service.imports.importer import ImportOptions, import_sources
from service.imports.sources import collect_sources
from service.rdf_files import parse_file
from tests.live import LiveServer, copy_store, serve

VOID = Namespace("http://rdfs.org/ns/void#")
EXTERNAL = Path(__file__).parent / "fixtures" / "external"


def test_graphs_lists_every_graph_with_its_origin(live_readonly: LiveServer) -> None:
    listing = requests.get(live_readonly.url + "/graphs", headers={"Accept": "application/json"})
    assert listing.status_code == 200
    origins = {g["iri"].rsplit("/", 1)[1]: g["origin"] for g in listing.json()}
    assert origins["nrc-2022-01-15"] == "bundle"
    page = requests.get(live_readonly.url + "/graphs", headers={"Accept": "text/html"})
    assert page.headers["Content-Type"].startswith("text/html")
    assert "https://w3id.org/qantar/graph/nrc-2022-01-15" in page.text


def test_conflicts_page_shows_the_bundles_disputes(live_readonly: LiveServer) -> None:
    page = requests.get(live_readonly.url + "/conflicts", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Disputed claims" in page.text
    assert "Yevgeny Zhovtis" in page.text
    data = requests.get(live_readonly.url + "/conflicts",
                        headers={"Accept": "application/json"}).json()
    assert {c["kind"] for c in data} == {"dispute"}


def test_imported_disagreements_and_their_graphs_are_on_the_pages(
    tmp_path: Path, bundle_store_template: Path
) -> None:
    from service.store.embedded.store import EmbeddedStore

    store_dir = copy_store(bundle_store_template, tmp_path / "store")
    store = EmbeddedStore(store_dir)
    shapes = parse_file(Path(__file__).resolve().parents[1] / "shapes" / "qantar.ttl")
    import_sources(store, store_dir, collect_sources([EXTERNAL / "other-team.ttl"]),
                   ImportOptions(graph="https://example.org/other-team", agent="test"), shapes)
    store.close()  # releases the store's lock
    with serve(store_dir) as server:
        page = requests.get(server.url + "/conflicts", headers={"Accept": "text/html"}).text
        graphs = requests.get(server.url + "/graphs", headers={"Accept": "application/json"})
    assert "<strong>225</strong>" in page and "<strong>146</strong>" in page
    assert "https://example.org/other-team" in page
    imported = next(g for g in graphs.json() if g["iri"] == "https://example.org/other-team")
    assert imported["origin"] == "import" and imported["triples"] == 15
    assert imported["validation"].startswith("conforms")


def test_void_describes_the_dataset(live_readonly: LiveServer) -> None:
    response = requests.get(live_readonly.url + "/.well-known/void",
                            headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    void = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef("https://w3id.org/qantar/dataset")
    triples = int(void.value(dataset, VOID.triples))
    assert triples > 2500
    assert (dataset, VOID.sparqlEndpoint, URIRef(live_readonly.url + "/sparql")) in void
    assert (dataset, URIRef("http://purl.org/dc/terms/license"),
            URIRef("https://creativecommons.org/licenses/by/4.0/")) in void
    linkset = URIRef("https://w3id.org/qantar/dataset#wikidata-links")
    assert void.value(linkset, VOID.triples) == Literal(12)
    partitions = {void.value(p, VOID["class"]) for p in void.objects(dataset, VOID.classPartition)}
    assert URIRef("https://w3id.org/qantar/ontology#Person") in partitions
    jsonld = requests.get(live_readonly.url + "/.well-known/void",
                          headers={"Accept": "application/ld+json"})
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) == len(void)
    assert requests.get(live_readonly.url + "/.well-known/void",
                        headers={"Accept": "image/png"}).status_code == 406
