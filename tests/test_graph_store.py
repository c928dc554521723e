"""The Graph Store HTTP Protocol at /store, over real HTTP: every status code and format."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from service.namespaces import PROVENANCE_GRAPH
from tests.live import AUTH, WRITE_TOKEN, LiveServer, serve

pytestmark = pytest.mark.slow

G = "http://example.org/graph/people"
PEOPLE = """
@prefix ex: <http://example.org/> .
ex:alice a ex:Person ; ex:name "Alice"@en ; ex:knows [ ex:name "Bob" ] .
"""
CAROL = '<http://example.org/carol> <http://example.org/name> "Carol" .\n'
MAX_BODY = 200_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One writable service on an empty store for this module; each test starts it empty."""
    store = tmp_path_factory.mktemp("gsp") / "store"
    with serve(store, bundle=False, QANTAR_WRITE_TOKEN=WRITE_TOKEN,
               QANTAR_MAX_BODY=str(MAX_BODY)) as live:
        yield live


@pytest.fixture
def gsp(server: LiveServer) -> LiveServer:
    response = requests.post(server.sparql, data="DROP ALL",
                             headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert response.status_code == 204, response.text
    return server


def put(server: LiveServer, body: str | bytes, ctype: str = "text/turtle", graph: str = G,
        headers: dict | None = None) -> requests.Response:
    return requests.put(server.store, params={"graph": graph}, data=body,
                        headers={**AUTH, "Content-Type": ctype, **(headers or {})})


def fetch(server: LiveServer, graph: str = G, accept: str = "text/turtle") -> Graph:
    response = requests.get(server.store, params={"graph": graph}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.content, format=_rdflib_format(accept))


def _rdflib_format(mime: str) -> str:
    return {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
            "application/ld+json": "json-ld", "application/n-quads": "nquads",
            "application/trig": "trig"}[mime]


def ask(server: LiveServer, query: str) -> bool:
    response = requests.get(server.sparql, params={"query": query},
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def test_put_of_a_new_graph_creates_it_201_and_get_returns_it(gsp: LiveServer) -> None:
    response = put(gsp, PEOPLE)
    assert response.status_code == 201
    got = requests.get(gsp.store, params={"graph": G}, headers={"Accept": "text/turtle"})
    assert got.status_code == 200
    assert got.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert isomorphic(Graph().parse(data=got.text, format="turtle"),
                      Graph().parse(data=PEOPLE, format="turtle"))


def test_put_of_an_existing_graph_replaces_it_204(gsp: LiveServer) -> None:
    assert put(gsp, PEOPLE).status_code == 201
    assert put(gsp, CAROL).status_code == 204
    assert isomorphic(fetch(gsp), Graph().parse(data=CAROL, format="turtle"))


def test_put_over_an_overlapping_graph_leaves_exactly_the_new_content(gsp: LiveServer) -> None:
    put(gsp, PEOPLE + CAROL)
    again = PEOPLE + '<http://example.org/alice> <http://example.org/age> 42 .\n'
    assert put(gsp, again).status_code == 204
    assert isomorphic(fetch(gsp), Graph().parse(data=again, format="turtle"))
    assert put(gsp, again).status_code == 204  # the same content once more changes nothing
    assert isomorphic(fetch(gsp), Graph().parse(data=again, format="turtle"))
    default = requests.put(gsp.store + "?default", data=again,
                           headers={**AUTH, "Content-Type": "text/turtle"})
    assert default.status_code in (201, 204)
    requests.put(gsp.store + "?default", data=PEOPLE,
                 headers={**AUTH, "Content-Type": "text/turtle"})
    got = Graph().parse(data=requests.get(gsp.store + "?default").text, format="turtle")
    assert isomorphic(got, Graph().parse(data=PEOPLE, format="turtle"))


def test_post_adds_to_a_graph_204_and_creates_a_missing_one_201(gsp: LiveServer) -> None:
    headers = {**AUTH, "Content-Type": "text/turtle"}
    first = requests.post(gsp.store, params={"graph": G}, data=PEOPLE, headers=headers)
    assert first.status_code == 201
    second = requests.post(gsp.store, params={"graph": G}, data=CAROL, headers=headers)
    assert second.status_code == 204
    expected = Graph().parse(data=PEOPLE, format="turtle").parse(data=CAROL, format="turtle")
    assert isomorphic(fetch(gsp), expected)


def test_post_keeps_blank_nodes_of_two_bodies_apart(gsp: LiveServer) -> None:
    body = '_:b <http://example.org/name> "one" .'
    headers = {**AUTH, "Content-Type": "text/turtle"}
    requests.post(gsp.store, params={"graph": G}, data=body, headers=headers)
    requests.post(gsp.store, params={"graph": G}, data=body.replace("one", "two"),
                  headers=headers)
    subjects = set(fetch(gsp).subjects())
    assert len(subjects) == 2


def test_get_and_head_of_a_missing_graph_are_404(gsp: LiveServer) -> None:
    assert requests.get(gsp.store, params={"graph": G}).status_code == 404
    assert requests.head(gsp.store, params={"graph": G}).status_code == 404


def test_head_of_an_existing_graph_has_the_headers_and_no_body(gsp: LiveServer) -> None:
    put(gsp, PEOPLE)
    response = requests.head(gsp.store, params={"graph": G}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert response.content == b""


def test_delete_removes_a_graph_204_then_404(gsp: LiveServer) -> None:
    put(gsp, PEOPLE)
    assert requests.delete(gsp.store, params={"graph": G}, headers=AUTH).status_code == 204
    assert requests.get(gsp.store, params={"graph": G}).status_code == 404
    assert requests.delete(gsp.store, params={"graph": G}, headers=AUTH).status_code == 404


def test_a_put_empty_graph_exists(gsp: LiveServer) -> None:
    assert put(gsp, "").status_code == 201
    response = requests.get(gsp.store, params={"graph": G})
    assert response.status_code == 200
    assert len(Graph().parse(data=response.text, format="turtle")) == 0


def test_malformed_body_is_400_with_line_and_column_and_changes_nothing(
    gsp: LiveServer,
) -> None:
    put(gsp, PEOPLE)
    partial = CAROL + "<http://example.org/dave> <http://example.org/name> \"Dave .\n"
    response = put(gsp, partial)
    assert response.status_code == 400
    assert "line 2" in response.text and "column" in response.text
    assert isomorphic(fetch(gsp), Graph().parse(data=PEOPLE, format="turtle"))
    post = requests.post(gsp.store, params={"graph": G}, data=partial,
                         headers={**AUTH, "Content-Type": "text/turtle"})
    assert post.status_code == 400
    assert isomorphic(fetch(gsp), Graph().parse(data=PEOPLE, format="turtle"))
    created = put(gsp, partial, graph="http://example.org/graph/new")
    assert created.status_code == 400
    assert requests.get(gsp.store, params={"graph": "http://example.org/graph/new"}
                        ).status_code == 404


def test_named_graphs_in_a_body_for_one_graph_are_refused(gsp: LiveServer) -> None:
    response = put(gsp, "<http://e/s> <http://e/p> <http://e/o> <http://e/g> .",
                   ctype="application/n-quads")
    assert response.status_code == 400
    assert requests.get(gsp.store, params={"graph": G}).status_code == 404


def test_unsupported_content_type_is_415(gsp: LiveServer) -> None:
    assert put(gsp, "<p>hello</p>", ctype="text/html").status_code == 415
    response = requests.put(gsp.store, params={"graph": G}, data=CAROL.encode(), headers=AUTH)
    assert response.status_code == 415  # no Content-Type at all
    utf16 = put(gsp, CAROL.encode("utf-16"), ctype="text/turtle; charset=utf-16")
    assert utf16.status_code == 415
    assert requests.get(gsp.store, params={"graph": G}).status_code == 404


def test_get_with_nothing_acceptable_is_406(gsp: LiveServer) -> None:
    put(gsp, PEOPLE)
    response = requests.get(gsp.store, params={"graph": G},
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 406
    whole = requests.get(gsp.store, headers={"Accept": "text/turtle"})
    assert whole.status_code == 406


def test_writes_without_the_token_are_401_and_change_nothing(gsp: LiveServer) -> None:
    put(gsp, PEOPLE)
    for method in ("put", "post", "delete"):
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = requests.request(method, gsp.store, params={"graph": G}, data=CAROL,
                                        headers={"Content-Type": "text/turtle", **headers})
            assert response.status_code == 401, (method, headers)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert isomorphic(fetch(gsp), Graph().parse(data=PEOPLE, format="turtle"))


def test_writes_on_a_read_only_service_are_403(live_readonly: LiveServer) -> None:
    for method in ("put", "post", "delete"):
        response = requests.request(method, live_readonly.store, params={"graph": G},
                                    data=CAROL, headers={**AUTH, "Content-Type": "text/turtle"})
        assert response.status_code == 403, method


def test_a_body_over_the_size_limit_is_413(gsp: LiveServer) -> None:
    body = CAROL * (MAX_BODY // len(CAROL) + 10)
    response = put(gsp, body, ctype="application/n-triples")
    assert response.status_code == 413
    assert requests.get(gsp.store, params={"graph": G}).status_code == 404


@pytest.mark.parametrize("mime", ["text/turtle", "application/n-triples", "application/rdf+xml",
                                  "application/ld+json", "application/n-quads",
                                  "application/trig"])
def test_every_format_goes_in_and_comes_out(gsp: LiveServer, mime: str) -> None:
    expected = Graph().parse(data=PEOPLE, format="turtle")
    if mime in ("application/n-quads", "application/trig"):
        body = expected.serialize(format="nt")  # a default-graph-only quad document
    else:
        body = expected.serialize(format=_rdflib_format(mime))
    assert put(gsp, body, ctype=mime).status_code == 201
    response = requests.get(gsp.store, params={"graph": G}, headers={"Accept": mime})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == mime
    if mime in ("application/n-quads", "application/trig"):
        got = Dataset().parse(data=response.text, format=_rdflib_format(mime))
        triples = Graph()
        for s, p, o, _ in got.quads((None, None, None, None)):
            triples.add((s, p, o))
        assert isomorphic(triples, expected)
    else:
        assert isomorphic(Graph().parse(data=response.text, format=_rdflib_format(mime)),
                          expected)


def test_the_default_graph_is_a_graph_of_its_own(gsp: LiveServer) -> None:
    put(gsp, PEOPLE)
    empty = requests.get(gsp.store, params={"default": ""})
    assert empty.status_code == 200 and len(Graph().parse(data=empty.text, format="turtle")) == 0
    response = requests.put(gsp.store + "?default", data=CAROL,
                            headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code in (201, 204)
    got = Graph().parse(data=requests.get(gsp.store + "?default").text, format="turtle")
    assert isomorphic(got, Graph().parse(data=CAROL, format="turtle"))
    assert requests.delete(gsp.store + "?default", headers=AUTH).status_code == 204
    assert len(Graph().parse(data=requests.get(gsp.store + "?default").text,
                             format="turtle")) == 0


def test_writes_are_visible_to_sparql_at_once(gsp: LiveServer) -> None:
    query = f'ASK {{ GRAPH <{G}> {{ ?s <http://example.org/name> "Carol" }} }}'
    assert ask(gsp, query) is False  # now cached as false
    put(gsp, CAROL)
    assert ask(gsp, query) is True
    requests.delete(gsp.store, params={"graph": G}, headers=AUTH)
    assert ask(gsp, query) is False


def test_post_to_the_store_creates_a_graph_with_a_location(gsp: LiveServer) -> None:
    response = requests.post(gsp.store, data=CAROL,
                             headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location.startswith(gsp.store + "/")
    direct = requests.get(location, headers={"Accept": "application/n-triples"})
    assert direct.status_code == 200
    assert isomorphic(Graph().parse(data=direct.text, format="nt"),
                      Graph().parse(data=CAROL, format="turtle"))
    indirect = requests.get(gsp.store, params={"graph": location})
    assert indirect.status_code == 200


def test_a_graph_can_be_named_by_its_url(gsp: LiveServer) -> None:
    url = gsp.store + "/people/1.ttl"
    response = requests.put(url, data=PEOPLE, headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 201
    assert requests.get(gsp.store, params={"graph": url}).status_code == 200
    assert requests.delete(url, headers=AUTH).status_code == 204
    assert requests.head(url).status_code == 404


def test_multipart_bodies_add_every_part(gsp: LiveServer) -> None:
    files = {
        "a": ("a.ttl", CAROL, "text/turtle; charset=utf-8"),
        "b": ("b.nt", CAROL.replace("carol", "dave"), "application/n-triples"),
    }
    response = requests.post(gsp.store, params={"graph": G}, files=files, headers=AUTH)
    assert response.status_code == 201
    assert len(fetch(gsp)) == 2


def test_bad_graph_parameters_are_400(gsp: LiveServer) -> None:
    both = requests.get(gsp.store + "?default&graph=" + G)
    assert both.status_code == 400
    relative = requests.get(gsp.store, params={"graph": "not an iri"})
    assert relative.status_code == 400
    two = requests.get(gsp.store, params={"graph": [G, G + "2"]})
    assert two.status_code == 400
    assert requests.delete(gsp.store, headers=AUTH).status_code == 400


def test_the_whole_dataset_goes_out_as_trig_or_nquads_and_in_again(gsp: LiveServer) -> None:
    put(gsp, PEOPLE)
    put(gsp, CAROL, graph=G + "2")
    trig = requests.get(gsp.store)
    assert trig.status_code == 200
    assert trig.headers["Content-Type"] == "application/trig; charset=utf-8"
    nquads = requests.get(gsp.store, headers={"Accept": "application/n-quads"})
    dataset = Dataset().parse(data=nquads.text, format="nquads")
    assert {URIRef(G), URIRef(G + "2")} <= {g.identifier for g in dataset.graphs()}
    replaced = requests.put(gsp.store, data="<http://e/g> { <http://e/s> <http://e/p> 1 }",
                            headers={**AUTH, "Content-Type": "application/trig"})
    assert replaced.status_code == 204
    assert requests.get(gsp.store, params={"graph": G}).status_code == 404
    assert requests.get(gsp.store, params={"graph": "http://e/g"}).status_code == 200
    one_graph = requests.put(gsp.store, data=CAROL, headers={**AUTH, "Content-Type": "text/turtle"})
    assert one_graph.status_code == 415


def test_the_bundled_dataset_downloads_whole(live_readonly: LiveServer, tmp_path: Path) -> None:
    response = requests.get(live_readonly.store, headers={"Accept": "application/n-quads"})
    assert response.status_code == 200
    dataset = Dataset().parse(data=response.text, format="nquads")
    graphs = {str(g.identifier) for g in dataset.graphs()}
    for name in ("nrc-2022-01-15", "editorial", "ontology", "metadata"):
        assert f"https://w3id.org/qantar/graph/{name}" in graphs
    count = requests.get(live_readonly.sparql, params={
        "query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"}).json()
    # the download is the whole store, the service's own records (service.versions) included;
    # a query sees them only when it names them (service.store.dataset)
    assert graphs - {str(PROVENANCE_GRAPH), "urn:x-rdflib:default"} <= {
        f"https://w3id.org/qantar/graph/{name}"
        for name in ("nrc-2022-01-15", "editorial", "ontology", "metadata")}
    data = [line for line in response.text.strip().splitlines()
            if not line.rstrip(" .").endswith(f"<{PROVENANCE_GRAPH}>")]
    assert len(data) == int(count["results"]["bindings"][0]["n"]["value"])


def test_downloads_are_streamed_and_an_abandoned_one_does_not_stall_the_service(
    gsp: LiveServer,
) -> None:
    for batch in range(10):
        lines = "".join(f'<http://example.org/s{batch}-{i}> <http://example.org/p> "{i}" .\n'
                        for i in range(2000))
        assert requests.post(gsp.store, params={"graph": G}, data=lines,
                             headers={**AUTH, "Content-Type": "application/n-triples"}
                             ).status_code in (201, 204)
    with requests.get(gsp.store, headers={"Accept": "application/n-quads"}, stream=True) as r:
        assert r.status_code == 200
        assert "Content-Length" not in r.headers  # sent as it is written, not built first
        first = next(r.iter_content(chunk_size=65536))
        assert first.startswith(b"<http") and b" .\n" in first  # N-Quads, from the start

    # walked away after one chunk; the service goes on answering, and a full read is whole
    whole = requests.get(gsp.store, params={"graph": G},
                         headers={"Accept": "application/n-triples"})
    assert whole.status_code == 200
    assert len(whole.content.splitlines()) == 20_000
    head = requests.head(gsp.store)
    assert head.status_code == 200 and head.content == b""
    deadline = time.monotonic() + 10  # the abandoned serialiser thread has stopped
    while any(t.name == "graph-store-dump" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "a download thread outlived its client"
        time.sleep(0.1)


def test_uploads_are_validated_and_recorded_like_imports(gsp: LiveServer) -> None:
    """A named graph written through the protocol gets a provenance record, and data of our
    classes that breaks the shapes is refused (422) unless ?lenient=true."""
    graph = "https://example.org/graph/uploaded"
    body = '<http://example.org/a> <http://example.org/p> "1" .\n'
    assert requests.put(gsp.store, params={"graph": graph}, data=body,
                        headers={**AUTH, "Content-Type": "application/n-triples"}
                        ).status_code == 201
    record = requests.get(gsp.sparql, params={"query": f"""
        PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?checksum ?agent FROM NAMED <https://w3id.org/qantar/graph/provenance>
        WHERE {{ GRAPH <https://w3id.org/qantar/graph/provenance> {{
          <{graph}> dcat:hasCurrentVersion ?v . ?v prov:wasDerivedFrom ?read ;
             prov:wasGeneratedBy/prov:wasAssociatedWith/rdfs:label ?agent .
          ?read spdx:checksum/spdx:checksumValue ?checksum }} }}"""}).json()
    row = record["results"]["bindings"][0]
    assert row["checksum"]["value"] == hashlib.sha256(body.encode()).hexdigest()
    assert "holding write token" in row["agent"]["value"]
    assert WRITE_TOKEN not in row["agent"]["value"]
    invalid = ('<https://example.org/f> a <https://w3id.org/qantar/ontology#Figure> ;\n'
               ' <http://www.w3.org/2000/01/rdf-schema#label> "A figure"@en .\n')
    refused = requests.put(gsp.store, params={"graph": graph + "-bad"}, data=invalid,
                           headers={**AUTH, "Content-Type": "text/turtle"})
    assert refused.status_code == 422
    assert "breaks the shapes" in refused.text
    assert requests.get(gsp.store, params={"graph": graph + "-bad"}).status_code == 404
    lenient = requests.put(gsp.store, params={"graph": graph + "-bad", "lenient": "true"},
                           data=invalid, headers={**AUTH, "Content-Type": "text/turtle"})
    assert lenient.status_code == 201
    # the provenance graph is the service's own: a query sees it only when it names it
    hidden = requests.get(gsp.sparql, params={
        "query": "SELECT * WHERE { GRAPH <https://w3id.org/qantar/graph/provenance> "
                 "{ ?s ?p ?o } }"}).json()
    assert hidden["results"]["bindings"] == []
    everything = requests.get(gsp.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o }"}).json()
    assert all("qantar/id/import" not in b["s"]["value"]
               for b in everything["results"]["bindings"])
