"""using-graph-uri / using-named-graph-uri: written into the update, or refused with 400."""

from __future__ import annotations

import pytest
import requests

from service.errors import BadQuery
from service.sparql.using import apply_dataset
from tests.live import WRITE_TOKEN, LiveServer

G1, G2 = "http://example.org/g1", "http://example.org/g2"


def test_using_goes_before_every_top_level_where_and_nowhere_else() -> None:
    update = (
        'PREFIX : <http://example.org/#where>\n'
        '# a WHERE in a comment {\n'
        'INSERT DATA { GRAPH <http://g> { :a :b "WHERE }" } } ;\n'
        'INSERT { ?s a :where } where { ?s a :WHERE FILTER(?s < ?x) } ;\n'
        'DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }'
    )
    rewritten = apply_dataset(update, [G1], [G2])
    clause = f"USING <{G1}> USING NAMED <{G2}>"
    assert rewritten.count(clause) == 2
    assert f"{clause} where {{ ?s a :WHERE" in rewritten
    assert f"{clause} WHERE {{ ?s ?p ?o }}" in rewritten
    assert apply_dataset(update, [], []) == update


@pytest.mark.parametrize("update", [
    "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "INSERT { ?s ?p ?o } USING <http://example.org/g> WHERE { ?s ?p ?o }",
    "DELETE WHERE { ?s ?p ?o }",
])
def test_a_dataset_given_twice_or_without_a_place_is_refused(update: str) -> None:
    with pytest.raises(BadQuery):
        apply_dataset(update, [G1], [])


def test_a_bad_graph_iri_is_refused() -> None:
    with pytest.raises(BadQuery):
        apply_dataset("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", ["not an iri"], [])


def test_using_graph_uri_over_http_copies_only_that_graph(live_empty: LiveServer) -> None:
    auth = {"Authorization": f"Bearer {WRITE_TOKEN}"}
    setup = (f"INSERT DATA {{ GRAPH <{G1}> {{ <http://e/a> <http://e/p> 1 }} "
             f"GRAPH <{G2}> {{ <http://e/b> <http://e/p> 2 }} }}")
    requests.post(live_empty.sparql, data=setup,
                  headers={**auth, "Content-Type": "application/sparql-update"})
    copy = "INSERT { GRAPH <http://e/out> { ?s ?p ?o } } WHERE { ?s ?p ?o }"
    response = requests.post(live_empty.sparql, params={"using-graph-uri": G1}, data=copy,
                             headers={**auth, "Content-Type": "application/sparql-update"})
    assert response.status_code == 204, response.text
    rows = requests.get(live_empty.sparql, params={
        "query": "SELECT ?s { GRAPH <http://e/out> { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    assert [r["s"]["value"] for r in rows] == ["http://e/a"]
    conflict = requests.post(
        live_empty.sparql, params={"using-graph-uri": G1},
        data=f"WITH <{G2}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
        headers={**auth, "Content-Type": "application/sparql-update"})
    assert conflict.status_code == 400


def test_relative_iris_resolve_against_the_endpoint(live_empty: LiveServer) -> None:
    auth = {"Authorization": f"Bearer {WRITE_TOKEN}", "Content-Type": "application/sparql-update"}
    response = requests.post(live_empty.sparql, data="INSERT DATA { <s> <p> <o> }", headers=auth)
    assert response.status_code == 204, response.text
    answer = requests.get(live_empty.sparql, params={"query": "SELECT ?o { <s> <p> ?o }"},
                          headers={"Accept": "application/sparql-results+json"}).json()
    # the base is the endpoint URL <http://host/sparql>, so <o> is <http://host/o>
    assert answer["results"]["bindings"][0]["o"]["value"] == live_empty.url + "/o"
