"""The SPARQL 1.1 Protocol at /sparql, end to end over HTTP: every success and error path."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import requests

from tests.live import AUTH, WRITE_TOKEN, LiveServer

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
TOKAYEV = "https://w3id.org/qantar/id/person/kassym-jomart-tokayev"
CONSTRUCT = f"CONSTRUCT {{ <{TOKAYEV}> ?p ?o }} WHERE {{ <{TOKAYEV}> ?p ?o }}"


def count(response: requests.Response) -> int:
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_get_post_form_and_post_body_give_the_same_answer(live_readonly: LiveServer) -> None:
    by_get = requests.get(live_readonly.sparql, params={"query": COUNT})
    by_form = requests.post(live_readonly.sparql, data={"query": COUNT})
    by_body = requests.post(live_readonly.sparql, data=COUNT.encode(),
                            headers={"Content-Type": "application/sparql-query"})
    assert [r.status_code for r in (by_get, by_form, by_body)] == [200, 200, 200]
    assert count(by_get) == count(by_form) == count(by_body) > 2000
    assert by_get.headers["Content-Type"] == "application/sparql-results+json"


@pytest.mark.parametrize(("accept", "expected_type", "first_bytes"), [
    ("application/sparql-results+json", "application/sparql-results+json", b'{"head"'),
    ("application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
    ("text/csv", "text/csv; charset=utf-8", b"n\r\n"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", b"?n\n"),
    ("application/json", "application/sparql-results+json", b'{"head"'),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml",
     b"<?xml"),
    ("*/*", "application/sparql-results+json", b'{"head"'),
    ("application/sparql-results+json; charset=utf-8", "application/sparql-results+json",
     b'{"head"'),
])
def test_select_results_are_negotiated_by_accept_with_q_values(
    live_readonly: LiveServer, accept: str, expected_type: str, first_bytes: bytes
) -> None:
    response = requests.get(live_readonly.sparql, params={"query": COUNT},
                            headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == expected_type
    assert response.content.startswith(first_bytes)
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize(("accept", "expected_type"), [
    ("text/turtle", "text/turtle; charset=utf-8"),
    ("application/n-triples", "application/n-triples; charset=utf-8"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-quads", "application/n-quads; charset=utf-8"),
    ("application/trig", "application/trig; charset=utf-8"),
])
def test_construct_results_are_negotiated_and_parse_back_to_the_same_graph(
    live_readonly: LiveServer, accept: str, expected_type: str
) -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    reference = Graph().parse(data=requests.get(
        live_readonly.sparql, params={"query": CONSTRUCT, "format": "nt"}).text, format="nt")
    response = requests.get(live_readonly.sparql, params={"query": CONSTRUCT},
                            headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == expected_type
    rdflib_format = {"text/turtle": "turtle", "application/n-triples": "nt",
                     "application/rdf+xml": "xml", "application/ld+json": "json-ld",
                     "application/n-quads": "nquads", "application/trig": "trig"}[accept]
    parsed = Graph().parse(data=response.content, format=rdflib_format)
    assert len(reference) > 10
    assert isomorphic(parsed, reference)


@pytest.mark.parametrize(("fmt", "expected_type"), [
    ("csv", "text/csv; charset=utf-8"), ("tsv", "text/tab-separated-values; charset=utf-8"),
    ("xml", "application/sparql-results+xml"), ("json", "application/sparql-results+json"),
    ("text/csv", "text/csv; charset=utf-8"),
])
def test_the_format_parameter_overrides_accept(
    live_readonly: LiveServer, fmt: str, expected_type: str
) -> None:
    response = requests.get(live_readonly.sparql, params={"query": COUNT, "format": fmt},
                            headers={"Accept": "application/sparql-results+json"})
    assert response.headers["Content-Type"] == expected_type


def test_ask_answers_a_boolean(live_readonly: LiveServer) -> None:
    response = requests.get(live_readonly.sparql, params={"query": f"ASK {{ <{TOKAYEV}> ?p ?o }}"})
    assert response.json() == {"head": {}, "boolean": True}


def test_an_unacceptable_format_is_406(live_readonly: LiveServer) -> None:
    response = requests.get(live_readonly.sparql, params={"query": COUNT},
                            headers={"Accept": "image/png"})
    assert response.status_code == 406
    # a SELECT asked for as Turtle: only graph formats acceptable, the answer is not a graph
    response = requests.get(live_readonly.sparql, params={"query": COUNT},
                            headers={"Accept": "text/turtle"})
    assert response.status_code == 406
    assert "query results" in response.text


def test_a_malformed_query_is_400_with_the_line_and_column(live_readonly: LiveServer) -> None:
    response = requests.get(live_readonly.sparql,
                            params={"query": "SELECT * WHERE {\n  ?s ?p \n}"})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    # the brace where an object should be (Oxigraph itself says column 2, past its read)
    assert response.text.startswith("SPARQL syntax error in the query at line 3, column 1: "
                                    "unexpected `}`")


def test_protocol_misuse_is_refused_clearly(live_readonly: LiveServer) -> None:
    two = requests.get(live_readonly.sparql + f"?query={quote(COUNT)}&query={quote(COUNT)}")
    assert two.status_code == 400
    update_by_get = requests.get(live_readonly.sparql, params={"update": "CLEAR ALL"})
    assert update_by_get.status_code == 400
    wrong_type = requests.post(live_readonly.sparql, data=COUNT.encode(),
                               headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    both = requests.post(live_readonly.sparql, data={"query": COUNT, "update": "CLEAR ALL"})
    assert both.status_code == 400
    put = requests.put(live_readonly.sparql, data=COUNT)
    assert put.status_code == 405


def test_default_and_named_graph_parameters_choose_the_dataset(live_readonly: LiveServer) -> None:
    graph = "https://w3id.org/qantar/graph/editorial"
    whole = count(requests.get(live_readonly.sparql, params={"query": COUNT}))
    editorial = count(requests.get(live_readonly.sparql,
                                   params={"query": COUNT, "default-graph-uri": graph}))
    assert 0 < editorial < whole
    named = requests.get(live_readonly.sparql, params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": graph})
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [graph]


def test_without_a_query_the_endpoint_describes_itself(live_readonly: LiveServer) -> None:
    from rdflib import Graph, Namespace, URIRef

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    response = requests.get(live_readonly.sparql, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    description = Graph().parse(data=response.text, format="turtle")
    service = URIRef(live_readonly.sparql)
    assert (service, sd.endpoint, service) in description
    names = {str(n) for n in description.objects(None, sd.name)}
    assert "https://w3id.org/qantar/graph/nrc-2022-01-15" in names
    browser = requests.get(live_readonly.sparql, allow_redirects=False,
                           headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 303
    assert browser.headers["Location"].endswith("/query")


def test_cors_lets_browser_clients_elsewhere_read_answers(live_readonly: LiveServer) -> None:
    response = requests.get(live_readonly.sparql, params={"query": COUNT},
                            headers={"Origin": "https://yasgui.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(live_readonly.sparql, headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_repeated_queries_carry_an_etag_and_revalidate_with_304(live_readonly: LiveServer) -> None:
    first = requests.get(live_readonly.sparql, params={"query": COUNT})
    etag = first.headers["ETag"]
    again = requests.get(live_readonly.sparql, params={"query": COUNT},
                         headers={"If-None-Match": etag})
    assert again.status_code == 304
    other_format = requests.get(live_readonly.sparql, params={"query": COUNT, "format": "csv"},
                                headers={"If-None-Match": etag})
    assert other_format.status_code == 200


def test_large_results_are_streamed_complete(live_readonly: LiveServer) -> None:
    query = "SELECT ?s ?p ?o ?x WHERE { ?s ?p ?o . VALUES ?x { 1 2 3 4 } }"
    with requests.get(live_readonly.sparql, params={"query": query, "format": "tsv"},
                      stream=True) as response:
        assert response.status_code == 200
        assert "Content-Length" not in response.headers  # chunked: not built in memory first
        lines = sum(chunk.count(b"\n") for chunk in response.iter_content(65536))
    total = count(requests.get(live_readonly.sparql, params={"query": COUNT}))
    assert lines == 4 * total + 1


def test_updates_are_refused_on_a_read_only_service(live_readonly: LiveServer) -> None:
    response = requests.post(live_readonly.sparql, data={"update": "CLEAR ALL"}, headers=AUTH)
    assert response.status_code == 403
    assert "read-only" in response.text
    assert count(requests.get(live_readonly.sparql, params={"query": COUNT})) > 2000


def test_updates_need_the_right_token(live_writable: LiveServer) -> None:
    before = count(requests.get(live_writable.sparql, params={"query": COUNT}))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": WRITE_TOKEN}):
        response = requests.post(live_writable.sparql, data={"update": "CLEAR ALL"},
                                 headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert count(requests.get(live_writable.sparql, params={"query": COUNT})) == before


def test_an_update_applies_and_the_cache_does_not_serve_stale_answers(
    live_writable: LiveServer,
) -> None:
    ask = "ASK { <urn:x:a> <urn:x:b> 'c' }"
    assert requests.get(live_writable.sparql, params={"query": ask}).json()["boolean"] is False
    by_form = requests.post(live_writable.sparql, headers=AUTH,
                            data={"update": "INSERT DATA { <urn:x:a> <urn:x:b> 'c' }"})
    assert by_form.status_code == 204
    assert requests.get(live_writable.sparql, params={"query": ask}).json()["boolean"] is True
    by_body = requests.post(live_writable.sparql, data=b"DELETE DATA { <urn:x:a> <urn:x:b> 'c' }",
                            headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert by_body.status_code == 204
    assert requests.get(live_writable.sparql, params={"query": ask}).json()["boolean"] is False


def test_a_failing_update_changes_nothing(live_writable: LiveServer) -> None:
    before = count(requests.get(live_writable.sparql, params={"query": COUNT}))
    bad_syntax = requests.post(live_writable.sparql, headers=AUTH,
                               data={"update": "CLEAR ALL ; INSERT DATA { <urn:a> <urn:b> }"})
    assert bad_syntax.status_code == 400
    # the first operations are valid, the last fails at run time: the whole request is undone
    # (not CLEAR ALL as before: with the bundle there, that is refused as a protected write)
    failing = requests.post(live_writable.sparql, headers=AUTH, data={
        "update": "INSERT DATA { GRAPH <urn:x:h> { <urn:a> <urn:b> <urn:c> } } ; "
                  "CREATE GRAPH <urn:x:g> ; CREATE GRAPH <urn:x:g>"})
    assert failing.status_code == 400, failing.text
    assert "already exists" in failing.text
    assert count(requests.get(live_writable.sparql, params={"query": COUNT})) == before


def test_an_oversized_body_is_413_and_writes_nothing(live_writable: LiveServer) -> None:
    limit = live_writable.settings.max_body
    payload = "INSERT DATA { " + "<urn:a> <urn:b> 'x' . " * (limit // 20) + "}"
    assert len(payload) > limit
    before = count(requests.get(live_writable.sparql, params={"query": COUNT}))
    response = requests.post(live_writable.sparql, data=payload.encode(),
                             headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert response.status_code == 413
    assert count(requests.get(live_writable.sparql, params={"query": COUNT})) == before


def test_json_errors_never_echo_markup_as_html(live_readonly: LiveServer) -> None:
    response = requests.get(live_readonly.sparql, params={"query": "<script>alert(1)</script>"})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    json.dumps(response.text)  # plain text, whatever it says


def test_a_browser_gets_the_first_rows_as_a_table_with_downloads(
    live_writable: LiveServer,
) -> None:
    insert = ("INSERT DATA { GRAPH <urn:x:g> { <urn:x:evil> <urn:x:says> "
              "'<script>alert(1)</script>' } }")  # a named graph: the union stays the default
    assert requests.post(live_writable.sparql, data={"update": insert},
                         headers=AUTH).status_code == 204
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = requests.get(live_writable.sparql, headers=browser, params={
        "query": "SELECT ?s ?o WHERE { ?s <urn:x:says> ?o }"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    assert "format=csv" in page.text
    cap = live_writable.settings.html_row_cap
    many = requests.get(live_writable.sparql, headers=browser, params={
        "query": "SELECT * WHERE { ?s ?p ?o }"})
    assert many.text.count("<tr>") == cap + 1  # the header row and the capped rows
    assert f"the first {cap} only" in many.text
    link = requests.get(live_writable.sparql, headers=browser, params={
        "query": f"SELECT ?p WHERE {{ <{TOKAYEV}> ?p ?o }} LIMIT 1"})
    assert link.status_code == 200
