"""``GET /sparql`` answered before Flask (service.sparql.direct) gives the answer Flask gives.

Each request is sent twice to the real `qantar serve` with the response cache off: plainly,
which the direct layer answers, and with an If-None-Match naming no ETag, which it leaves to
Flask (the endpoint then answers 200 all the same). Status, body and headers must be the same,
on both backends. In process, the Flask view is counted to show which layer answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from service.sparql.direct import DirectQueries
from tests.apps import make_app
from tests.live import BACKENDS, LiveServer, copy_store, serve_on

TOKAYEV = "https://w3id.org/qantar/id/person/kassym-jomart-tokayev"
#: Headers that differ between any two answers, or that belong to the transport.
TRANSPORT = {"date", "server", "connection", "keep-alive", "transfer-encoding"}
#: (query string parameters, Accept) of requests the direct layer answers.
REQUESTS = {
    "point lookup, JSON": ({"query": f"SELECT ?p ?o WHERE {{ <{TOKAYEV}> ?p ?o }}"},
                           "application/sparql-results+json"),
    "aggregate, CSV by format=": ({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                   "format": "csv"}, ""),
    "ASK, XML": ({"query": f"ASK {{ <{TOKAYEV}> ?p ?o }}"},
                 "application/sparql-results+xml"),
    "CONSTRUCT, Turtle": ({"query": f"CONSTRUCT {{ <{TOKAYEV}> ?p ?o }} "
                                    f"WHERE {{ <{TOKAYEV}> ?p ?o }}"}, "text/turtle"),
    "streamed, N-Triples over 256 KiB": (
        {"query": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"},
        "application/n-triples"),
    "a named graph as the default graph": (
        {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
         "default-graph-uri": "https://w3id.org/qantar/graph/nrc-2022-01-15"},
        "text/csv"),
    "a syntax error (400, its line and column)": (
        {"query": "SELECT ?s WHERE {\n  ?s ?p \n}"}, "application/sparql-results+json"),
    "an undefined prefix (400)": ({"query": "SELECT * WHERE { ?s nope:p ?o }"}, ""),
    "a graph answer no Accept type fits (406 from the worker)": (
        {"query": f"DESCRIBE <{TOKAYEV}>"}, "application/sparql-results+json"),
}


@pytest.fixture(scope="module", params=BACKENDS)
def uncached(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             bundle_store_template: Path) -> Iterator[LiveServer]:
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("direct") / "store")
    with serve_on(request.param, store, QANTAR_CACHE_BYTES="0") as server:
        yield server


def comparable(response: requests.Response) -> tuple[int, bytes, dict[str, str]]:
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() not in TRANSPORT}
    headers.pop("content-length", None)  # a streamed answer has none, either way
    return response.status_code, response.content, headers


@pytest.mark.parametrize("name", list(REQUESTS))
def test_the_direct_answer_is_the_one_flask_gives(uncached: LiveServer, name: str) -> None:
    params, accept = REQUESTS[name]
    headers = {"Accept": accept} if accept else {}
    direct = requests.get(uncached.sparql, params=params, headers=headers, timeout=30)
    flask = requests.get(uncached.sparql, params=params, timeout=30,
                         headers={**headers, "If-None-Match": '"not-this-one"'})
    assert comparable(direct) == comparable(flask)
    if name.startswith("streamed"):
        assert direct.status_code == 200 and len(direct.content) > 256 * 1024
        assert "content-length" not in {k.lower() for k in direct.headers}
    if "error" in name:
        assert direct.status_code == 400 and "line" in direct.text


@pytest.fixture
def counted(store_dir: Path) -> Iterator[tuple[Flask, list[str]]]:
    """The app in process, its SPARQL view counting the requests Flask answered."""
    app = make_app(store_dir, QANTAR_CACHE_BYTES="0")
    seen: list[str] = []
    view = app.view_functions["sparql.sparql"]

    def counting() -> object:
        from flask import request

        seen.append(request.full_path)
        return view()

    app.view_functions["sparql.sparql"] = counting
    yield app, seen
    app.extensions["qantar"].close()


def test_plain_queries_skip_flask_and_everything_else_reaches_it(
        counted: tuple[Flask, list[str]]) -> None:
    app, seen = counted
    client = app.test_client()
    query = f"SELECT ?p ?o WHERE {{ <{TOKAYEV}> ?p ?o }}"
    plain = client.get("/sparql", query_string={"query": query})
    assert plain.status_code == 200 and plain.json["results"]["bindings"]
    assert seen == []
    for params, headers in (
        ({"query": query}, {"Accept": "text/html"}),           # the HTML view
        ({"query": query}, {"If-None-Match": '"x"'}),          # a conditional request
        ({"query": query, "format": "nonsense"}, {}),          # an unknown format: 400
        ({"query": "SELECT * { SERVICE <http://x.example/> { ?s ?p ?o } }"}, {}),  # a fetch
        ({"query": query, "default-graph-uri": "not an iri"}, {}),
        ({"update": "CLEAR ALL"}, {}),
        ({}, {}),                                              # the service description
    ):
        client.get("/sparql", query_string=params, headers=headers)
    assert len(seen) == 7
    assert client.get("/sparql", query_string={"query": query, "format": "nonsense"}
                      ).status_code == 400


def test_a_rate_limit_keeps_every_query_in_flask(store_dir: Path) -> None:
    app = make_app(store_dir, QANTAR_QUERY_RATE="100/minute")
    try:
        layers, current = [], app.wsgi_app
        while current is not None:
            layers.append(type(current))
            current = getattr(current, "app", None)
        assert DirectQueries not in layers
    finally:
        app.extensions["qantar"].close()
