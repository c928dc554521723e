"""Hostile input over real HTTP: markup echoed back, wrong content types, malformed RDF, tokens.

tests/test_pages_safety.py holds markup in literals on the entity pages (through Flask's test
client) and SPARQL injection through page URLs; tests/test_sparql_safety.py and
tests/test_sparql_protocol.py the SPARQL endpoint. Here: every route that can echo a URL, a
search term or a graph IRI back (pages, error messages, the merged-data views), data written
through the Graph Store by a hostile client, every write route with a wrong content type, the
RDF formats not covered elsewhere malformed, and the token check.
"""

from __future__ import annotations

import hmac
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from markupsafe import escape

from tests.live import AUTH, WRITE_TOKEN, LiveServer, copy_store, serve

pytestmark = pytest.mark.slow

HTML = {"Accept": "text/html"}
IMG = '"><img src=x onerror=alert(1)>'
SCRIPT = "<script>alert(2)</script>"
ATTR = "' onmouseover='alert(3)"
#: What must never reach a browser unescaped: the tags and attributes the payloads carry.
MARKERS = ("<img src=x", "<script>alert", "onerror=alert(1)>", "' onmouseover='")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"

EVIL_PERSON = "https://w3id.org/qantar/id/person/evil"
EVIL_GRAPH = "http://example.org/graph/evil"
EVIL_GRAPH_2 = "http://example.org/graph/evil-2"
# A javascript: IRI is a valid absolute IRI: it may be shown, never be a link.
JS_IRI = "javascript:alert(4)"


def turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def evil_graph(label: str) -> str:
    """The person, an event and a claim whose texts are markup, and a javascript: IRI whose
    label differs between two graphs (a name conflict) and which disputes a claim."""
    return f"""
@prefix qantar: <https://w3id.org/qantar/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{EVIL_PERSON}> a qantar:Person ; rdfs:label {turtle_string(IMG + label)}@en .
<https://w3id.org/qantar/id/event/evil> a qantar:Event ;
    rdfs:label {turtle_string(SCRIPT + label)}@en ;
    sem:hasBeginTimeStamp "2022-01-08"^^xsd:date ;
    sem:hasActor <{EVIL_PERSON}> .
<https://w3id.org/qantar/id/claim/evil> a qantar:Claim ;
    rdfs:label {turtle_string(ATTR + label)}@en ;
    qantar:claimant <{EVIL_PERSON}> ;
    qantar:quote {turtle_string(IMG + SCRIPT)}@en .
<{JS_IRI}> rdfs:label {turtle_string(SCRIPT + label)}@en ;
    qantar:claimant <{JS_IRI}> ;
    qantar:disputes <https://w3id.org/qantar/id/claim/evil> .
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory,
            bundle_store_template: Path) -> Iterator[LiveServer]:
    """The bundle plus two graphs a hostile client wrote through the Graph Store."""
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("hostile") / "store")
    with serve(store, QANTAR_WRITE_TOKEN=WRITE_TOKEN, QANTAR_QUERY_TIMEOUT="10") as server:
        for graph, label in ((EVIL_GRAPH, " one"), (EVIL_GRAPH_2, " two")):
            # lenient: the hostile data breaks our shapes too, and must be shown anyway
            response = requests.put(server.store, params={"graph": graph, "lenient": "true"},
                                    data=evil_graph(label).encode(),
                                    headers={**AUTH, "Content-Type": "text/turtle"})
            assert response.status_code == 201, response.text
        yield server


def triple_count(server: LiveServer) -> int:
    response = requests.get(server.sparql, params={"query": COUNT},
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def assert_shown_as_text(response: requests.Response) -> None:
    """An HTML answer carries the payloads escaped; any other answer is not HTML at all."""
    assert response.status_code < 500, response.text[:500]
    mime = response.headers.get("Content-Type", "").split(";")[0].strip()
    body = response.text
    if mime == "text/html":
        for marker in MARKERS:
            assert marker not in body, (response.url, marker)
        assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", body, re.I), response.url
        # only our own script elements: scripts from this site and JSON data blocks (which
        # browsers never run)
        for tag in re.findall(r"<script\b[^>]*>", body):
            assert re.search(r'src="/[^/]|type="application/(ld\+)?json"', tag), tag
    else:
        assert mime != "", response.url
        if mime == "text/plain":
            assert response.headers.get("X-Content-Type-Options") == "nosniff"


def q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


# Every route that can echo part of its URL: pages, their 404s, and plain-text errors.
ECHOING = [
    "/search?q={p}",
    "/classes/{p}",
    "/classes/qantar:{p}",
    "/id/person/{p}",
    "/page/id/person/{p}",
    "/page/id/{p}/x",
    "/data/id/person/{p}.ttl",
    "/data/id/person/{p}",
    "/ontology.{p}",
    "/timeline?page={p}",
    "/page/id/person/kassym-jomart-tokayev?page={p}",
    "/{p}",
    "/store?graph={p}",
    "/store?graph=http://example.org/{p}",
    "/store/{p}",
    "/sparql?query={p}",
    "/query?query={p}",
    "/graphs?{p}={p}",
    "/assets/{p}",
]


@pytest.mark.parametrize("payload", [IMG, SCRIPT, ATTR], ids=["img", "script", "attr"])
@pytest.mark.parametrize("template", ECHOING)
def test_markup_in_a_url_is_never_echoed_as_markup(
    hostile: LiveServer, template: str, payload: str
) -> None:
    url = hostile.url + template.replace("{p}", q(payload))
    for accept in ("text/html", "*/*", "application/json"):
        response = requests.get(url, headers={"Accept": accept}, allow_redirects=True)
        assert_shown_as_text(response)


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_a_dataset_iri_that_is_not_an_iri_is_a_400(hostile: LiveServer, parameter: str) -> None:
    for payload in (IMG, SCRIPT, "not an iri"):
        response = requests.get(hostile.sparql, params={"query": "ASK {}", parameter: payload})
        assert response.status_code == 400, (payload, response.status_code, response.text)
        assert_shown_as_text(response)


def test_an_update_naming_a_graph_that_is_not_an_iri_is_a_400(hostile: LiveServer) -> None:
    before = triple_count(hostile)
    for parameter in ("using-graph-uri", "using-named-graph-uri"):
        response = requests.post(hostile.sparql, params={parameter: IMG},
                                 data=b"DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                 headers={**AUTH, "Content-Type": "application/sparql-update"})
        assert 400 <= response.status_code < 500, (parameter, response.text)
        assert_shown_as_text(response)
    assert triple_count(hostile) == before


# Pages that show what the hostile client wrote (its labels, quotes and IRIs).
SHOWING = ["/page/id/person/evil", "/page/id/event/evil", "/page/id/claim/evil", "/timeline",
           "/search?q=img", "/search?q=script", "/search?q=onmouseover", "/classes/qantar:Person",
           "/classes/qantar:Claim", "/graphs"]


@pytest.mark.parametrize("path", SHOWING)
def test_markup_written_through_the_graph_store_shows_as_text(
    hostile: LiveServer, path: str
) -> None:
    response = requests.get(hostile.url + path, headers=HTML)
    assert response.status_code == 200
    assert_shown_as_text(response)


def test_the_escaped_payloads_are_what_readers_see(hostile: LiveServer) -> None:
    body = requests.get(hostile.url + "/page/id/person/evil", headers=HTML).text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in body
    search = requests.get(hostile.url + "/search", params={"q": IMG}, headers=HTML).text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in search  # the term, echoed as text
    graphs = requests.get(hostile.url + "/graphs", headers={"Accept": "application/json"})
    assert {EVIL_GRAPH, EVIL_GRAPH_2} <= {g["iri"] for g in graphs.json()}


def test_the_conflicts_page_never_links_a_javascript_iri(hostile: LiveServer) -> None:
    response = requests.get(hostile.url + "/conflicts", headers=HTML)
    assert response.status_code == 200
    assert JS_IRI in response.text or q(JS_IRI) in response.text  # the conflict is listed
    assert_shown_as_text(response)


def test_the_conflicts_page_escapes_the_labels_it_shows(hostile: LiveServer) -> None:
    body = requests.get(hostile.url + "/conflicts", headers=HTML).text
    for marker in ("<img src=x", "<script>alert", "' onmouseover='"):
        assert marker not in body
    assert "&lt;script&gt;alert(2)&lt;/script&gt; one" in body  # the name conflict is shown


# --- wrong content types on every write route ------------------------------------------------

WRITES = [
    ("PUT", "/store?graph=http://example.org/graph/new"),
    ("POST", "/store?graph=http://example.org/graph/new"),
    ("PUT", "/store?default"),
    ("POST", "/store?default"),
    ("PUT", "/store"),
    ("POST", "/store"),
    ("PUT", "/store/new"),
    ("POST", "/store/new"),
    ("POST", "/sparql"),
]
WRONG_TYPES = ["text/html", "application/json", "image/png", "application/octet-stream",
               "application/x-www-form-urlencoded", "application/sparql-query",
               "application/sparql-results+json", "text/turtle; charset=utf-16", None]
VALID_BODY = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n"


@pytest.mark.parametrize("method,path", WRITES)
def test_a_write_with_a_wrong_content_type_is_refused_and_writes_nothing(
    hostile: LiveServer, method: str, path: str
) -> None:
    before = triple_count(hostile)
    for ctype in WRONG_TYPES:
        if path == "/sparql" and ctype in ("application/x-www-form-urlencoded",
                                           "application/sparql-query"):
            continue  # the protocol's own types for queries (a query is not a write)
        body = VALID_BODY if path != "/sparql" else b"INSERT DATA { " + VALID_BODY + b" }"
        headers = {**AUTH, **({"Content-Type": ctype} if ctype else {})}
        response = requests.request(method, hostile.url + path, data=body, headers=headers)
        assert 400 <= response.status_code < 500, (method, path, ctype, response.text)
        assert response.headers["Content-Type"].startswith("text/plain")
    assert triple_count(hostile) == before


def test_a_multipart_part_of_a_wrong_type_refuses_the_whole_body(hostile: LiveServer) -> None:
    before = triple_count(hostile)
    files = {"good": ("good.nt", VALID_BODY, "application/n-triples"),
             "bad": ("bad.html", b"<p>hello</p>", "text/html")}
    response = requests.post(hostile.store, params={"graph": "http://example.org/graph/mp"},
                             files=files, headers=AUTH)
    assert response.status_code == 415
    assert triple_count(hostile) == before


# --- malformed RDF over the Graph Store (Turtle is in tests/test_graph_store.py) -------------

MALFORMED = {
    "application/ld+json": (b'{"@id": "http://example.org/s",\n "http://example.org/p": '
                            b'[1, 2,,]}', 2),
    "application/trig": (b"<http://example.org/g> {\n <http://example.org/s> "
                         b'<http://example.org/p> "x .\n}', 2),
    "application/n-quads": (VALID_BODY + b"<http://example.org/s> <http://example.org/p> .\n",
                            2),
    "application/n-triples": (VALID_BODY + b'<http://example.org/s> <http://example.org/p> '
                              b'"x"@-bad .\n', 2),
    "application/rdf+xml": (b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf='
                            b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                            b'xmlns:ex="http://example.org/">\n<rdf:Description '
                            b'rdf:about="http://example.org/s">\n<ex:p>one</ex:p>\n'
                            b"<ex:q>two\n</rdf:RDF>\n", 6),  # where </ex:q> was due
}
QUAD_TYPES = {"application/trig", "application/n-quads", "application/ld+json"}


@pytest.mark.parametrize("mime", sorted(MALFORMED))
def test_a_malformed_body_is_400_and_writes_nothing(hostile: LiveServer, mime: str) -> None:
    before = triple_count(hostile)
    body, _ = MALFORMED[mime]
    targets = [("PUT", {"graph": "http://example.org/graph/broken"}),
               ("POST", {"graph": EVIL_GRAPH}), ("PUT", {"default": ""})]
    if mime in QUAD_TYPES:
        targets.append(("PUT", {}))  # the whole dataset: a broken body must not empty it
    for method, params in targets:
        response = requests.request(method, hostile.store, params=params, data=body,
                                    headers={**AUTH, "Content-Type": mime})
        assert response.status_code == 400, (method, params, response.text)
        assert "malformed" in response.text
    assert triple_count(hostile) == before
    assert requests.get(hostile.store, params={"graph": "http://example.org/graph/broken"}
                        ).status_code == 404


@pytest.mark.parametrize("mime", sorted(MALFORMED))
def test_a_malformed_body_says_the_line_and_column(hostile: LiveServer, mime: str) -> None:
    body, line = MALFORMED[mime]
    response = requests.put(hostile.store, params={"graph": "http://example.org/graph/broken"},
                            data=body, headers={**AUTH, "Content-Type": mime})
    assert response.status_code == 400
    assert f"line {line}" in response.text and "column" in response.text, response.text


# --- the write token ---------------------------------------------------------------------

WRONG_TOKENS = [
    None, "", "Bearer", "Bearer ", f"Basic {WRITE_TOKEN}", f"Bearer {WRITE_TOKEN[:-1]}",
    f"Bearer {WRITE_TOKEN}x", f"Bearer {WRITE_TOKEN.upper()}", f"Bearer  {WRITE_TOKEN[1:]}",
    f"Bearer {WRITE_TOKEN}\u00e9".encode("latin-1"), f"Token {WRITE_TOKEN}", WRITE_TOKEN,
    "Bearer " + "x" * 10_000,
]


@pytest.mark.parametrize("header", WRONG_TOKENS, ids=range(len(WRONG_TOKENS)))
def test_every_wrong_token_is_refused_and_writes_nothing(
    hostile: LiveServer, header: str | bytes | None
) -> None:
    before = triple_count(hostile)
    auth = {} if header is None else {"Authorization": header}
    attempts = [
        ("PUT", hostile.store + "?graph=http://example.org/graph/t", "text/turtle", VALID_BODY),
        ("DELETE", hostile.store + "?graph=" + q(EVIL_GRAPH), None, b""),
        ("POST", hostile.sparql, "application/sparql-update", b"DROP ALL"),
    ]
    for method, url, ctype, body in attempts:
        headers = {**auth, **({"Content-Type": ctype} if ctype else {})}
        response = requests.request(method, url, data=body, headers=headers)
        assert response.status_code == 401, (method, header, response.text)
    assert triple_count(hostile) == before


def test_the_token_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison goes through hmac.compare_digest (whose time does not depend on where
    the strings differ), on bytes, for right and wrong tokens alike. (In process, with a spy:
    the check itself, as every write route calls it.)"""
    from flask import Flask

    from service.auth import Unauthorized, require_write_token
    from service.config import Settings

    seen: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr("service.auth.hmac.compare_digest", spy)
    settings = Settings.from_env({"QANTAR_WRITE_TOKEN": WRITE_TOKEN})
    app = Flask(__name__)
    for token in ("wrong", WRITE_TOKEN[:4], WRITE_TOKEN):
        with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
            if token == WRITE_TOKEN:
                require_write_token(settings)
            else:
                with pytest.raises(Unauthorized):
                    require_write_token(settings)
    assert [a for a, _ in seen] == [b"wrong", WRITE_TOKEN[:4].encode(), WRITE_TOKEN.encode()]
    assert all(b == WRITE_TOKEN.encode() for _, b in seen)


@pytest.mark.parametrize("term", [
    '"' + IMG.replace('"', '\\"') + '"', '"' + SCRIPT + '"', '"' + ATTR + '"@en',
    f"<{JS_IRI}>", "<https://w3id.org/qantar/id/person/x'onmouseover='alert(5)>",
])
def test_markup_in_an_answer_shows_as_text_in_the_html_view(hostile: LiveServer,
                                                             term: str) -> None:
    query = f"SELECT ?x ?y WHERE {{ BIND({term} AS ?x) BIND(STR(?x) AS ?y) }}"
    response = requests.get(hostile.sparql, params={"query": query}, headers=HTML)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/html")
    assert_shown_as_text(response)
    shown = term.strip('"<>').removesuffix('"@en').replace('\\"', '"')
    assert str(escape(shown)) in response.text  # the text is there, escaped
