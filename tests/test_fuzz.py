"""Property-based tests of the HTTP surface on a live server: no 500, ever.

schemathesis reads ``/openapi.json`` from the running service and sends, for every operation it
describes, requests built from the description (valid and invalid parameters, arbitrary bodies
in every RDF media type, writes with the token); hypothesis then sends what no description
covers: arbitrary paths, Accept headers, content types and bytes. Each answer must be one the
description lists (status, media type, JSON shape) and never a server error.

``QANTAR_FUZZ_EXAMPLES`` (default 15) sets the examples per operation; the file stays well under
a minute at the default. Raise it for a deeper run: ``QANTAR_FUZZ_EXAMPLES=300 pytest
tests/test_fuzz.py``.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.openapi import description
from tests.live import AUTH, WRITE_TOKEN, LiveServer, copy_store, serve

EXAMPLES = int(os.environ.get("QANTAR_FUZZ_EXAMPLES", "15"))
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
RDF_TYPES = ["text/turtle", "application/n-triples", "application/n-quads", "application/trig",
             "application/rdf+xml", "application/ld+json", "text/n3"]
# Request bodies in the RDF media types the description lists (and SPARQL queries to save) go
# out as they are generated.
for _mime in [*RDF_TYPES, "application/sparql-query"]:
    schemathesis.serializer(_mime)(
        lambda ctx, value: value if isinstance(value, bytes) else str(value).encode("utf-8"))


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory,
           bundle_store_template: Path) -> Iterator[LiveServer]:
    """A writable service of this module's own (fuzzed writes change its data, not others')."""
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("fuzz") / "store")
    with serve(store, QANTAR_WRITE_TOKEN=WRITE_TOKEN, QANTAR_QUERY_TIMEOUT="5",
               QANTAR_MAX_BODY="200000") as server:
        yield server


# The description the service publishes (the same file; test_the_description_is_served checks
# that), loaded at collection so that each operation is a test of its own; the requests go to the
# module's live server through base_url.
schema = schemathesis.openapi.from_dict(description("http://127.0.0.1"))


@pytest.mark.slow
@schema.parametrize()
@FUZZ_SETTINGS
def test_every_described_operation_answers_as_described_and_never_500(
    case: schemathesis.Case, fuzzed: LiveServer
) -> None:
    case.call_and_validate(base_url=fuzzed.url, headers=AUTH, checks=CHECKS, timeout=30)


def test_the_description_is_served(fuzzed: LiveServer) -> None:
    response = requests.get(fuzzed.url + "/openapi.json")
    assert response.status_code == 200
    assert response.json() == description(fuzzed.url)
    assert response.json()["openapi"].startswith("3.")


def test_the_description_names_every_route_but_the_sparql_endpoint(
    fuzzed: LiveServer,
) -> None:
    """A route added without a line in openapi.json fails here (and is then fuzzed too)."""
    described = requests.get(fuzzed.url + "/openapi.json").json()
    assert described["servers"] == [{"url": fuzzed.url}]
    paths = set(described["paths"])
    shapes = {re.sub(r"\{[^}]*\}", "{}", p) for p in paths}
    undocumented = []
    for rule in _routes().iter_rules():
        if rule.endpoint in ("static", "sparql.sparql"):
            continue
        template = re.sub(r"<[^>]*>", "{}", rule.rule)
        catch_all = rule.endpoint in ("pages.resolve", "pages.page", "pages.data")
        if template not in shapes and not catch_all:
            undocumented.append(rule.rule)
    assert undocumented == []
    # the catch-all routes are described by the shape of the IRIs they serve
    assert {"/id/{kind}/{slug}", "/page/id/{kind}/{slug}", "/data/id/{kind}/{document}"} <= paths


# --- what the description does not cover ------------------------------------------------------

PATH_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
PREFIXES = ["", "id/", "id/person/", "page/", "page/id/event/", "data/id/person/", "classes/",
            "ontology.", "store/", "assets/", "search?q=", "timeline?page=", "graphs?x=",
            "store?graph=", "query/", ".well-known/"]
ACCEPTS = st.one_of(
    st.sampled_from(["text/html", "application/json", "text/turtle", "application/ld+json",
                     "*/*", "", "text/*;q=0", "application/n-quads;q=0.5, text/html;q=0.4",
                     "application/sparql-results+json", "image/png", ";;;", "text/turtle;q=x"]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=30).map(str.strip),
)


@pytest.mark.slow
@FUZZ_SETTINGS
@given(prefix=st.sampled_from(PREFIXES), rest=PATH_TEXT, accept=ACCEPTS)
def test_any_get_with_any_accept_is_never_a_server_error(
    fuzzed: LiveServer, prefix: str, rest: str, accept: str
) -> None:
    url = f"{fuzzed.url}/{prefix}{urllib.parse.quote(rest, safe='/?=&')}"
    response = requests.get(url, headers={"Accept": accept}, allow_redirects=False, timeout=30)
    assert response.status_code < 500, (url, accept, response.text[:300])


BODIES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(str.encode),
    st.sampled_from([b"@prefix : <", b"<a> <b> <c>", b'{"@context": 5}', b'{"@id": []}',
                     b"<?xml version='1.0'?><rdf:RDF", b"[] <http://e/p> \"\\uD800\" .",
                     b'{"@graph": [{"@id": "http://e/s", "http://e/p": {"@value": {}}}]}',
                     b"GRAPH <http://e/g> { <http://e/s> <http://e/p> 1 . ",
                     b"\xff\xfe\x00<", b"<http://e/s> <http://e/p> \"x\"@-- .",
                     b"<s> <p> <o> <g> <h> ."]),
)
CONTENT_TYPES = st.one_of(
    st.sampled_from([*RDF_TYPES, "text/plain", "application/xml", "multipart/form-data",
                     "text/turtle; charset=latin-1", "application/json", "", "text/turtle;;",
                     "multipart/form-data; boundary=x"]),
    # (a header value cannot start or end with spaces: requests refuses to send it)
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=30).map(str.strip),
)
TARGETS = st.sampled_from(["/store?graph=http://example.org/fuzz", "/store?default",
                           "/store", "/store/fuzz", "/store?graph=relative",
                           "/store?graph=http://example.org/a&graph=http://example.org/b"])


@pytest.mark.slow
@FUZZ_SETTINGS
@given(method=st.sampled_from(["PUT", "POST"]), target=TARGETS, ctype=CONTENT_TYPES,
       body=BODIES)
def test_any_write_body_is_accepted_or_refused_never_a_server_error(
    fuzzed: LiveServer, method: str, target: str, ctype: str, body: bytes
) -> None:
    headers = {**AUTH, "Content-Type": ctype} if ctype else AUTH
    response = requests.request(method, fuzzed.url + target, data=body, headers=headers,
                                timeout=30)
    assert response.status_code < 500, (method, target, ctype, body, response.text[:300])
    if response.status_code >= 400:
        assert response.headers["Content-Type"].startswith("text/plain")


# --- the second probe's categories (issue 26): long text, deep nesting, heavy batches ---------

#: Text of any length up to 12,000 characters, made of a piece that is repeated: characters
#: special to tantivy's query and regex syntax, wide ones, ones that folding lengthens.
LONG_TEXT = st.builds(lambda piece, times: (piece * times)[:12_000],
                      st.text(st.sampled_from(list("a+*()[]{}|^$.?\\~-&#\":/ 中ж😀éﷺß")),
                              min_size=1, max_size=8),
                      st.integers(min_value=1, max_value=3_000))
SEARCHES = st.sampled_from([("/search", "q"), ("/search.json", "q"),
                            ("/reconcile/suggest/entity", "prefix"), ("/id/person/", None)])


@pytest.mark.slow
@FUZZ_SETTINGS
@given(where=SEARCHES, text=LONG_TEXT)
def test_any_search_text_is_answered_or_refused_never_a_server_error(
    fuzzed: LiveServer, where: tuple[str, str | None], text: str
) -> None:
    path, name = where
    if name is None:
        response = requests.get(fuzzed.url + path + urllib.parse.quote(text, safe=""),
                                headers={"Accept": "text/html"}, timeout=30)
    else:
        response = requests.get(fuzzed.url + path, params={name: text}, timeout=30)
    assert response.status_code < 500, (path, len(text), response.text[:300])
    batch = json.dumps({"q": {"query": text}})
    answer = requests.post(fuzzed.url + "/reconcile", data={"queries": batch}, timeout=30)
    assert answer.status_code in (200, 400), (len(text), answer.text[:300])


@pytest.mark.slow
@FUZZ_SETTINGS
@given(depth=st.integers(min_value=0, max_value=20_000),
       shape=st.sampled_from(["{%s}", "{ FILTER(%s) }", "{ OPTIONAL %s }"]),
       closed=st.booleans())
def test_any_nesting_depth_is_answered_or_refused_never_a_server_error(
    fuzzed: LiveServer, depth: int, shape: str, closed: bool
) -> None:
    opening, closing = {"{%s}": ("{", "}"), "{ FILTER(%s) }": ("(", ")"),
                        "{ OPTIONAL %s }": ("{", "}")}[shape]
    inner = opening * depth + ("1" if opening == "(" else "") + closing * (depth if closed
                                                                           else depth // 2)
    query = "SELECT * WHERE " + shape % inner
    response = requests.post(fuzzed.sparql, data={"query": query}, timeout=60)
    assert response.status_code in (200, 400), (shape, depth, closed, response.text[:300])


@pytest.mark.slow
@FUZZ_SETTINGS
@given(queries=st.integers(min_value=1, max_value=80),
       properties=st.integers(min_value=0, max_value=60),
       values=st.integers(min_value=1, max_value=40))
def test_any_reconciliation_batch_is_answered_or_refused_never_a_server_error(
    fuzzed: LiveServer, queries: int, properties: int, values: int
) -> None:
    batch = {f"q{i}": {"query": "Tokayev", "properties": [
        {"pid": "rdfs:label", "v": [f"v{j}" for j in range(values)]}
        for _ in range(properties)]} for i in range(queries)}
    response = requests.post(fuzzed.url + "/reconcile", data={"queries": json.dumps(batch)},
                             timeout=120)
    assert response.status_code in (200, 400, 413, 503), response.text[:300]


def _routes() -> object:
    """The app's URL map, from an app built on a remote store that is never contacted (building
    one needs no store; the fuzzed server runs as `qantar serve` in another process)."""
    from service.app import create_app
    from service.config import Settings

    app = create_app(Settings.from_env({"QANTAR_STORE": "http://127.0.0.1:9/query"}))
    return app.url_map
