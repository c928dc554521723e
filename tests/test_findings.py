"""Findings on pages (service.findings): data accepted with leniency that breaks the shapes
shows what the shapes say on its entity's page, in the page's JSON twin and on /findings; a
write that corrects it removes them, whichever way the data came (an upload, an update,
`qantar import`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.apps import make_app
from tests.live import AUTH, WRITE_TOKEN, serve

EXTERNAL = Path(__file__).parent / "fixtures" / "external"
OTHER_TEAM = (EXTERNAL / "other-team.ttl").read_text(encoding="utf-8")
CLAIMANT = "    qantar:claimant orgn:government-of-kazakhstan ;\n"
# the claimant is no qantar:Agent
BREAKS = OTHER_TEAM.replace(CLAIMANT,
                            "    qantar:claimant <https://example.org/the-government> ;\n")
FIGURE = "/id/figure/other-team-government-killed"
FIGURE_IRI = "https://w3id.org/qantar" + FIGURE
CLAIMANT_PROPERTY = "https://w3id.org/qantar/ontology#claimant"
GRAPH = "https://example.org/graph/other-team"
TURTLE = {"Content-Type": "text/turtle", **AUTH}
assert CLAIMANT in OTHER_TEAM


@pytest.fixture
def writable(store_dir: Path) -> Iterator[Flask]:
    app = make_app(store_dir, testing=True, QANTAR_WRITE_TOKEN=WRITE_TOKEN)
    yield app
    app.extensions["qantar"].close()


def _findings(client: FlaskClient) -> list[dict]:
    twin = client.get(FIGURE, headers={"Accept": "application/json"}, follow_redirects=True)
    assert twin.status_code == 200, twin.text
    return twin.get_json()["entity"]["findings"]


def test_a_lenient_upload_shows_its_findings_until_a_correcting_put(writable: Flask) -> None:
    client = writable.test_client()
    assert "None: every graph meets the shapes" in client.get("/findings").text  # the bundle
    refused = client.put(f"/store?graph={GRAPH}", data=BREAKS, headers=TURTLE)
    assert refused.status_code == 422
    put = client.put(f"/store?graph={GRAPH}&lenient=true", data=BREAKS, headers=TURTLE)
    assert put.status_code == 201, put.text

    found = _findings(client)
    assert len(found) == 1
    finding = found[0]
    assert finding["severity"] == "Violation" and finding["message"]
    assert finding["path"]["iri"] == CLAIMANT_PROPERTY
    assert finding["value"]["iri"] == "https://example.org/the-government"
    assert finding["graph"]["iri"] == GRAPH and finding["graph"]["url"]
    assert [g["iri"] for g in finding["graphs"]] == [GRAPH]  # where the statement is
    page = client.get(FIGURE, headers={"Accept": "text/html"}, follow_redirects=True).text
    assert "This entity breaks the shapes" in page and finding["message"] in page
    listing = client.get("/findings.json").get_json()
    assert listing["total"] == 1
    assert listing["findings"][0]["focus"]["iri"] == FIGURE_IRI
    assert finding["message"] in client.get("/findings").text

    corrected = client.put(f"/store?graph={GRAPH}", data=OTHER_TEAM, headers=TURTLE)
    assert corrected.status_code == 204, corrected.text
    assert _findings(client) == []
    assert client.get("/findings.json").get_json()["total"] == 0


def test_an_update_that_breaks_an_imported_node_is_found_and_its_undoing_clears_it(
    writable: Flask,
) -> None:
    client = writable.test_client()
    assert client.put(f"/store?graph={GRAPH}", data=OTHER_TEAM, headers=TURTLE).status_code == 201
    swap = ("DELETE {{ GRAPH <{g}> {{ <{f}> <{p}> ?o }} }} INSERT {{ GRAPH <{g}> {{ <{f}> <{p}> "
            "<{v}> }} }} WHERE {{ GRAPH <{g}> {{ <{f}> <{p}> ?o }} }}")
    broken = swap.format(g=GRAPH, f=FIGURE_IRI, p=CLAIMANT_PROPERTY,
                         v="https://example.org/nobody")
    assert client.post("/sparql", data={"update": broken}, headers=AUTH).status_code == 204
    assert [f["value"]["iri"] for f in _findings(client)] == ["https://example.org/nobody"]
    fixed = swap.format(g=GRAPH, f=FIGURE_IRI, p=CLAIMANT_PROPERTY,
                        v="https://w3id.org/qantar/id/org/government-of-kazakhstan")
    assert client.post("/sparql", data={"update": fixed}, headers=AUTH).status_code == 204
    assert _findings(client) == []


def test_findings_are_the_services_own_graph(writable: Flask) -> None:
    client = writable.test_client()
    assert client.put(f"/store?graph={GRAPH}&lenient=true", data=BREAKS,
                      headers=TURTLE).status_code == 201
    count = client.get("/sparql", headers={"Accept": "text/csv"}, query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?r a <http://www.w3.org/ns/shacl#"
                 "ValidationResult> }"}).text
    assert count.split() == ["n", "0"]  # not in the dataset a query sees unless named
    written = client.post("/sparql", headers=AUTH, data={
        "update": "INSERT DATA { GRAPH <https://w3id.org/qantar/graph/findings> { "
                  "<https://example.org/a> <https://example.org/b> 1 } }"})
    assert written.status_code == 403


@pytest.mark.slow
def test_findings_of_qantar_import_through_qantar_serve(
    tmp_path: Path, store_dir: Path, run,
) -> None:
    data = tmp_path / "breaks.ttl"
    data.write_text(BREAKS, encoding="utf-8")
    imported = run("import", "--lenient", "--graph", GRAPH, str(data))
    assert imported.exit_code == 0, imported.output
    with serve(store_dir) as live:
        twin = requests.get(live.url + FIGURE + ".json", timeout=60)
        if twin.status_code == 404:  # the .json twin is on the page's URL
            twin = requests.get(live.url + FIGURE, headers={"Accept": "application/json"},
                                timeout=60)
        assert twin.status_code == 200
        assert [f["path"]["iri"] for f in twin.json()["entity"]["findings"]] == [
            CLAIMANT_PROPERTY]
        listing = requests.get(live.url + "/findings", timeout=60)
        assert listing.status_code == 200 and FIGURE in listing.text
