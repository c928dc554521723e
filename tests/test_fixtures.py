"""The fixtures of conftest.py as Flask's tutorial has them: ``app``, ``client``, ``runner``."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.apps import QantarRunner


def test_the_client_reads_the_apps_store(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.get_json()["boolean"] is True


def test_the_runner_reads_the_apps_store_beside_it(runner: QantarRunner) -> None:
    result = runner.invoke(["query", "ASK { ?s ?p ?o }"])
    assert result.exit_code == 0, result.output
    assert result.output == "true\n"
