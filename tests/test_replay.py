"""Repeated queries replayed before Flask (service.sparql.replay): the same bytes Flask gives,
never after a write, never for a request Flask must see."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from service.app import create_app
from service.config import REPO_ROOT, Settings
from service.sparql.replay import Replay
from tests.live import WRITE_TOKEN, copy_store, serve

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
INSERT = "INSERT DATA { GRAPH <urn:test:replay> { <urn:test:s> <urn:test:p> 'replayed' } }"


def _app(tmp_path: Path, template: Path, **env: str) -> Flask:
    store = copy_store(template, tmp_path / "store")
    app = create_app(Settings.from_env({"QANTAR_STORE": str(store),
                                        "QANTAR_DATA_DIR": str(REPO_ROOT),
                                        "QANTAR_QUERY_WORKERS": "1",
                                        "QANTAR_WRITE_TOKEN": WRITE_TOKEN, **env}))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def counted(tmp_path: Path, bundle_store_template: Path) -> Iterator[tuple[Flask, list]]:
    """An app that records every request that gets past the replay (to the direct layer of
    service.sparql.direct, or to Flask)."""
    app = _app(tmp_path, bundle_store_template)
    calls: list = []
    replay = app.wsgi_app
    assert isinstance(replay, Replay)
    behind = replay.app

    def counting(environ: dict, start_response: object) -> object:
        calls.append(1)
        return behind(environ, start_response)

    replay.app = counting
    yield app, calls
    app.extensions["qantar"].close()


def _count(client: FlaskClient, accept: str = "application/sparql-results+json") -> object:
    return client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": accept})


def test_a_repeated_query_is_replayed_with_the_same_status_headers_and_body(counted) -> None:
    app, calls = counted
    client = app.test_client()
    first, second, third = _count(client), _count(client), _count(client)
    assert len(calls) == 1, "the second and third requests must not get past the replay"
    assert first.status_code == second.status_code == third.status_code == 200
    assert first.data == second.data == third.data
    assert sorted(first.headers.items()) == sorted(second.headers.items())
    assert first.headers["ETag"] and first.headers["Vary"] == "Accept"
    assert first.headers["X-Content-Type-Options"] == "nosniff"


def test_the_key_holds_the_accept_header(counted) -> None:
    app, calls = counted
    client = app.test_client()
    as_json = _count(client)
    as_xml = _count(client, "application/sparql-results+xml")
    assert _count(client, "application/sparql-results+xml").data == as_xml.data
    assert as_json.mimetype == "application/sparql-results+json"
    assert as_xml.mimetype == "application/sparql-results+xml"
    assert len(calls) == 2


def test_a_write_ends_every_replay(counted) -> None:
    app, calls = counted
    client = app.test_client()
    ask = {"query": "SELECT ?o WHERE { GRAPH ?g { <urn:test:s> ?p ?o } }"}
    assert b"replayed" not in client.get("/sparql", query_string=ask).data
    assert b"replayed" not in client.get("/sparql", query_string=ask).data
    assert len(calls) == 1
    written = client.post("/sparql", data={"update": INSERT},
                          headers={"Authorization": f"Bearer {WRITE_TOKEN}"})
    assert written.status_code == 204
    after = client.get("/sparql", query_string=ask)
    assert b"replayed" in after.data
    assert len(calls) == 3


def test_errors_conditional_requests_and_posts_are_not_replayed(counted) -> None:
    app, calls = counted
    client = app.test_client()
    for _ in range(2):
        assert client.get("/sparql", query_string={"query": "SELECT WHERE {"}).status_code == 400
    assert len(calls) == 2
    etag = _count(client).headers["ETag"]
    unchanged = client.get("/sparql", query_string={"query": QUERY},
                           headers={"Accept": "application/sparql-results+json",
                                    "If-None-Match": etag})
    assert unchanged.status_code == 304
    posted = [client.post("/sparql", data={"query": QUERY}) for _ in range(2)]
    assert all(p.status_code == 200 for p in posted)
    assert len(calls) == 2 + 2 + 2


def test_no_replay_when_the_cache_is_off_or_queries_are_rate_limited(
        tmp_path: Path, bundle_store_template: Path) -> None:
    off = _app(tmp_path / "off", bundle_store_template, QANTAR_CACHE_BYTES="0")
    limited = _app(tmp_path / "limited", bundle_store_template,
                   QANTAR_QUERY_RATE="2 per minute")
    try:
        assert not isinstance(off.wsgi_app, Replay)
        client = limited.test_client()
        statuses = [_count(client).status_code for _ in range(3)]
        assert statuses == [200, 200, 429], "a replayed answer must still count against the limit"
    finally:
        off.extensions["qantar"].close()
        limited.extensions["qantar"].close()


def test_the_real_server_replays_and_reads_its_writes(tmp_path: Path,
                                                      bundle_store_template: Path) -> None:
    """Through `qantar serve`: a repeated query gives the same bytes; a write is seen at once."""
    store = copy_store(bundle_store_template, tmp_path / "store")
    ask = {"query": "SELECT ?o WHERE { GRAPH ?g { <urn:test:s> ?p ?o } }"}
    with serve(store, QANTAR_WRITE_TOKEN=WRITE_TOKEN) as server:
        answers = [requests.get(server.sparql, params={"query": QUERY}, timeout=30)
                   for _ in range(5)]
        assert {a.status_code for a in answers} == {200}
        assert len({a.content for a in answers}) == 1
        assert len({a.headers["ETag"] for a in answers}) == 1
        for round_ in range(3):
            before = requests.get(server.sparql, params=ask, timeout=30)
            assert before.status_code == 200
            update = INSERT.replace("'replayed'", f"'replayed {round_}'")
            written = requests.post(server.sparql, data={"update": update}, timeout=30,
                                    headers={"Authorization": f"Bearer {WRITE_TOKEN}"})
            assert written.status_code == 204
            after = requests.get(server.sparql, params=ask, timeout=30)
            assert f"replayed {round_}" in after.text
