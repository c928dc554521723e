"""Query permalinks (service.saved_queries): a query saved on a version of the data opens later
saying whether, and which, graphs changed since, with the answer as of now; the saved queries
are the service's own graph, which no client writes and no query sees unless it names it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

from service.namespaces import QUERIES_GRAPH
from tests.apps import make_app
from tests.live import AUTH, WRITE_TOKEN, copy_store, serve

EX = "http://example.org/saved/"
QUERY = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
         "SELECT ?name WHERE { ?p a <https://w3id.org/qantar/ontology#Person> ; "
         "skos:prefLabel ?name FILTER(LANG(?name) = \"en\") } ORDER BY ?name LIMIT 3")
JSON = {"Accept": "application/json"}


@pytest.fixture
def saving(store_dir: Path) -> Iterator[FlaskClient]:
    app = make_app(store_dir, testing=True, QANTAR_WRITE_TOKEN=WRITE_TOKEN)
    yield app.test_client()
    app.extensions["qantar"].close()


def _save(client: FlaskClient, text: str, **headers: str):
    return client.post("/queries", data={"query": text}, headers={**JSON, **headers})


def test_a_saved_query_opens_with_its_version_and_its_answer(saving: FlaskClient) -> None:
    saved = _save(saving, QUERY)  # no token: a reader saves what they cite
    assert saved.status_code == 201, saved.text
    link = saved.headers["Location"]
    assert link == saved.get_json()["url"] and link.startswith("/queries/")
    assert len(link.rsplit("/", 1)[1]) == 12
    again = _save(saving, QUERY)
    assert again.status_code == 200 and again.headers["Location"] == link
    twin = saving.get(link + ".json").get_json()
    assert twin["query"] == QUERY
    assert twin["savedOnVersion"] == twin["currentVersion"] == saved.get_json()["savedOnVersion"]
    assert twin["changedSince"] is False and twin["changedGraphs"] == []
    answer = twin["answer"]
    assert answer["kind"] == "solutions" and answer["variables"] == ["name"]
    assert len(answer["rows"]) == 3 and answer["truncated"] is False
    # the rows /sparql gives
    rows = saving.get("/sparql", query_string={"query": QUERY}, headers={
        "Accept": "application/sparql-results+json"}).get_json()["results"]["bindings"]
    assert [r["name"]["value"] for r in rows] == [r[0]["value"] for r in answer["rows"]]
    page = saving.get(link, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "every graph is as it was" in page.text
    assert rows[0]["name"]["value"] in page.text
    assert saving.get("/queries/0123456789ab").status_code == 404


def test_after_a_write_the_link_says_the_data_and_which_graphs_changed(
    saving: FlaskClient,
) -> None:
    link = _save(saving, QUERY).headers["Location"]
    graph = f"{EX}new"
    put = saving.put(f"/store?graph={graph}", data=f"<{EX}a> <{EX}p> 1 .",
                     headers={"Content-Type": "text/turtle", **AUTH})
    assert put.status_code == 201
    twin = saving.get(link, headers=JSON).get_json()
    assert twin["changedSince"] is True and twin["changedGraphs"] == [graph]
    assert twin["savedOnVersion"] != twin["currentVersion"]
    page = saving.get(link).text
    assert "the data changed after this query was saved" in page and graph in page
    later = _save(saving, QUERY)
    assert later.status_code == 201 and later.headers["Location"] != link
    assert saving.get(later.headers["Location"] + ".json").get_json()["changedSince"] is False


def test_what_is_not_a_query_is_refused_with_where(saving: FlaskClient) -> None:
    broken = _save(saving, "SELECT ?x WHERE {\n  ?x ?y }")
    assert broken.status_code == 400 and "line 2" in broken.text
    update = _save(saving, f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}")
    assert update.status_code == 400
    assert saving.post("/queries", data={}).status_code == 400


def test_the_saved_queries_are_the_services_own_graph(saving: FlaskClient) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def total() -> str:
        return saving.get("/sparql", query_string={"query": count}, headers={
            "Accept": "application/sparql-results+json"}).get_json()[
            "results"]["bindings"][0]["n"]["value"]

    before = total()
    saved = _save(saving, QUERY, Authorization=f"Bearer {WRITE_TOKEN}")
    assert saved.status_code == 201
    assert total() == before  # not in the dataset a query sees
    named = saving.get("/sparql", query_string={
        "query": f"SELECT ?o FROM NAMED <{QUERIES_GRAPH}> "
                 f"WHERE {{ GRAPH <{QUERIES_GRAPH}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "text/csv"}).text
    assert QUERY.splitlines()[0] in named.replace('""', '"')
    assert WRITE_TOKEN not in named  # no token is ever stored
    written = saving.post("/sparql", headers=AUTH, data={
        "update": f"INSERT DATA {{ GRAPH <{QUERIES_GRAPH}> {{ <{EX}a> <{EX}b> 1 }} }}"})
    assert written.status_code == 403
    cleared = saving.post("/sparql", headers=AUTH,
                          data={"update": f"CLEAR GRAPH <{QUERIES_GRAPH}>"})
    assert cleared.status_code == 403 and "POST /queries" in cleared.text
    assert saving.get(saved.headers["Location"]).status_code == 200  # kept


def test_a_read_only_service_or_a_full_one_saves_nothing(store_dir: Path) -> None:
    app = make_app(store_dir, testing=True)
    try:
        assert _save(app.test_client(), QUERY).status_code == 403
    finally:
        app.extensions["qantar"].close()
    app = make_app(store_dir, testing=True, QANTAR_WRITE_TOKEN=WRITE_TOKEN,
                   QANTAR_SAVED_QUERIES="1")
    try:
        client = app.test_client()
        assert _save(client, QUERY).status_code == 201
        assert _save(client, QUERY).status_code == 200  # the same: nothing more to keep
        full = _save(client, QUERY + " ")
        assert full.status_code == 507 and "QANTAR_SAVED_QUERIES" in full.text
    finally:
        app.extensions["qantar"].close()


@pytest.mark.slow
def test_permalinks_through_qantar_serve(tmp_path: Path, bundle_store_template: Path) -> None:
    store = copy_store(bundle_store_template, tmp_path / "store")
    with serve(store, QANTAR_WRITE_TOKEN=WRITE_TOKEN) as live:
        saved = requests.post(live.url + "/queries", data=QUERY.encode(), timeout=60,
                              headers={"Content-Type": "application/sparql-query", **JSON})
        assert saved.status_code == 201, saved.text
        link = live.url + saved.headers["Location"]
        graph = f"{EX}live"
        put = requests.put(live.store, params={"graph": graph}, data=f"<{EX}a> <{EX}p> 1 .",
                           headers={"Content-Type": "text/turtle", **AUTH}, timeout=60)
        assert put.status_code == 201, put.text
        twin = requests.get(link + ".json", timeout=60).json()
        assert twin["changedGraphs"] == [graph] and len(twin["answer"]["rows"]) == 3
        page = requests.get(link, headers={"Accept": "text/html"}, timeout=60)
        assert page.status_code == 200 and graph in page.text
        form = requests.post(live.url + "/queries", data={"query": QUERY}, timeout=60,
                             headers={"Accept": "text/html"}, allow_redirects=False)
        assert form.status_code == 303 and form.headers["Location"].startswith("/queries/")
