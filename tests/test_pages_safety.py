"""The pages cannot be turned against their readers or the store, and big entities stay fast.

Literals with markup show as text everywhere (page, JSON-LD, network picture, search results);
a URL cannot inject SPARQL; an entity with thousands of links pages through them quickly.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph

from service.pages.binding import bind, limited
from service.pages.describe import INCOMING
from service.store.embedded.store import EmbeddedStore
from tests.apps import make_app
from tests.live import copy_store
from tests.pages import HTML, jsonld_of

HOSTILE = """
@prefix qantar: <https://w3id.org/qantar/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/qantar/id/> .
@prefix oa: <http://www.w3.org/ns/oa#> .

<https://w3id.org/qantar/id/person/mallory> a qantar:Person ;
    rdfs:label "<script>alert('label')</script> Mallory"@en ;
    skos:altLabel "</script><script>alert('alt')</script>"@en ;
    skos:prefLabel "<b onmouseover=alert('ru')>Мэллори</b>"@ru ;
    schema:description "<img src=x onerror=alert('description')>"@en ;
    skos:exactMatch <javascript:alert('link')> ;
    <http://www.w3.org/2002/07/owl#sameAs> <javascript:alert('same')>,
        <data:text/html,%3Cscript%3Ealert(1)%3C/script%3E>, <https://example.org/mallory> .

<https://w3id.org/qantar/id/claim/mallory-says> a qantar:Claim ;
    rdfs:label "Mallory says <script>alert('claim')</script>"@en ;
    qantar:claimant <https://w3id.org/qantar/id/person/mallory> ;
    qantar:quote "\\"><script>alert('quote')</script>"@en ;
    qantar:status <https://w3id.org/qantar/id/concept/unverified> ;
    qantar:evidence [ a oa:SpecificResource ;
        oa:hasSource <https://w3id.org/qantar/id/source/nrc-2022-01-15-kazakhstan-en> ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "<script>alert('evidence')</script>" ;
            oa:prefix "<img src=x onerror=alert('prefix')>" ] ] .

<https://w3id.org/qantar/id/relation/mallory-rivalry> a qantar:Rivalry ;
    rdfs:label "<svg onload=alert('relation')>"@en ;
    qantar:rival <https://w3id.org/qantar/id/person/mallory>,
        <https://w3id.org/qantar/id/person/kassym-jomart-tokayev> .

<https://w3id.org/qantar/id/event/mallory-event> a qantar:Event ;
    rdfs:label "</title><script>alert('event')</script>"@en ;
    sem:hasBeginTimeStamp "2022-01-07"^^xsd:date ;
    sem:hasPlace <https://w3id.org/qantar/id/place/almaty> ;
    qantar:evidence [ a oa:SpecificResource ;
        oa:hasSource <javascript:alert('source')> ;
        oa:hasSelector [ a oa:TextQuoteSelector ;
            oa:exact "</blockquote><script>alert('passage')</script>" ] ] .
"""

HUB = "https://w3id.org/qantar/id/person/hub"
HUB_CLAIMS = 3000


def _store_with(template: Path, target: Path, graph_iri: str, turtle: str) -> Path:
    store = copy_store(template, target)
    with EmbeddedStore(store) as db:
        db.add_graph(graph_iri, Graph().parse(data=turtle, format="turtle"))
    return store


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory,
            bundle_store_template: Path) -> Iterator[FlaskClient]:
    store = _store_with(bundle_store_template, tmp_path_factory.mktemp("hostile") / "store",
                        "https://w3id.org/qantar/graph/hostile", HOSTILE)
    app = make_app(store)
    yield app.test_client()
    app.extensions["qantar"].close()


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory, bundle_store_template: Path) -> Iterator[Flask]:
    lines = [f"<{HUB}> a <https://w3id.org/qantar/ontology#Person> ; "
             f'<http://www.w3.org/2000/01/rdf-schema#label> "Hub"@en .']
    for i in range(HUB_CLAIMS):
        claim = f"<https://w3id.org/qantar/id/claim/hub-{i:05d}>"
        lines.append(f"{claim} a <https://w3id.org/qantar/ontology#Claim> ; "
                     f'<http://www.w3.org/2000/01/rdf-schema#label> "Claim {i:05d}"@en ; '
                     f"<https://w3id.org/qantar/ontology#claimant> <{HUB}> .")
    store = _store_with(bundle_store_template, tmp_path_factory.mktemp("big") / "store",
                        "https://w3id.org/qantar/graph/big", "\n".join(lines))
    app = make_app(store)
    yield app
    app.extensions["qantar"].close()


HOSTILE_PAGES = ["/page/id/person/mallory", "/page/id/claim/mallory-says",
                 "/page/id/relation/mallory-rivalry", "/page/id/event/mallory-event",
                 "/page/id/person/kassym-jomart-tokayev", "/relations", "/timeline",
                 "/search?q=mallory", "/search?q=script", "/classes/qantar:Person",
                 "/id/person/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/search?q=%3Cscript%3E"]


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_markup_in_literals_and_urls_shows_as_text(hostile: FlaskClient, path: str) -> None:
    response = hostile.get(path, headers=HTML)
    assert response.status_code in (200, 404)
    body = response.get_data(as_text=True)
    # our own script elements only: the JSON-LD data block and the search script
    assert len(re.findall(r"<script\b", body)) <= 2
    assert "<script>alert" not in body
    for tag in ("<img src=x", "<b onmouseover", "<svg onload", "</title><script"):
        assert tag not in body
    # a javascript: IRI may show as text, but is never a link nor a URL in the JSON-LD
    assert 'href="javascript:' not in body
    assert 'href="data:' not in body and 'href="None"' not in body
    if "application/ld+json" in body:
        assert "javascript:" not in str(jsonld_of(body).get("sameAs", ""))


def test_unsafe_same_as_values_show_as_text_and_safe_ones_stay_links(
    hostile: FlaskClient,
) -> None:
    body = hostile.get("/page/id/person/mallory", headers=HTML).get_data(as_text=True)
    external = body[body.index('<p class="external">'):]
    external = external[:external.index("</p>")]
    assert 'href="https://example.org/mallory"' in external
    assert "javascript:alert(&#39;same&#39;)" in external  # shown, as text
    assert "data:text/html" in external
    assert external.count('rel="external"') == 1 and 'href="None"' not in external


def test_the_escaped_text_is_what_readers_see(hostile: FlaskClient) -> None:
    body = hostile.get("/page/id/person/mallory", headers=HTML).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt; Mallory" in body
    assert "&lt;img src=x onerror=alert(&#39;description&#39;)&gt;" in body
    # a javascript: IRI is shown, never linked
    assert 'href="javascript:' not in body


def test_json_ld_cannot_be_closed_by_a_label(hostile: FlaskClient) -> None:
    body = hostile.get("/page/id/person/mallory", headers=HTML).get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S).group(1)
    assert "<" not in block  # tojson writes < as \u003c
    data = jsonld_of(body)
    assert data["name"] == "<script>alert('label')</script> Mallory"
    assert "</script><script>alert('alt')</script>" in data["alternateName"]


def test_the_autocomplete_json_carries_markup_as_data(hostile: FlaskClient) -> None:
    response = hostile.get("/search?q=mallory", headers={"Accept": "application/json"})
    assert response.mimetype == "application/json"
    labels = [hit["label"] for hit in response.get_json()]
    assert "<script>alert('label')</script> Mallory" in labels


def test_literal_languages_become_lang_attributes(hostile: FlaskClient) -> None:
    body = hostile.get("/page/id/person/mallory", headers=HTML).get_data(as_text=True)
    assert '<span lang="ru">&lt;b onmouseover=alert(&#39;ru&#39;)&gt;Мэллори&lt;/b&gt;</span>' \
        in body


INJECTIONS = [
    "/id/person/x%3E%20%7D%20%3B%20DROP%20ALL%20%3B%20%23",
    "/page/id/person/x%3E%20%7D%20UNION%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%23",
    "/data/id/person/x%3E%7D%20ASK%20%7B.ttl",
    "/classes/qantar:Person%3E%20%7D%20%23",
    "/page/id/person/masja?page=1%20OFFSET%200",
    "/page/id/person/masja?page=-5",
    "/search?q=%22%20%7D%20DROP%20ALL%20%23",
]


@pytest.mark.parametrize("path", INJECTIONS)
def test_a_url_cannot_inject_sparql(hostile: FlaskClient, path: str) -> None:
    store = hostile.application.extensions["qantar"].store
    before = store.triple_count()
    response = hostile.get(path, headers=HTML)
    assert response.status_code in (200, 404)
    assert store.triple_count() == before
    if path.startswith(("/id/", "/page/id/person/x", "/data/", "/classes/")):
        assert response.status_code == 404


def test_bind_takes_only_validated_terms() -> None:
    query = "SELECT * WHERE { VALUES ?x { } ?x ?p ?o }"
    with pytest.raises(TypeError):
        bind(query, x="<http://example.org/a> } DROP ALL {")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ox.NamedNode("http://example.org/a> } DROP ALL { <http://example.org/b")
    bound = bind(query, x=ox.Literal('a" } DROP ALL { "'))
    assert 'VALUES ?x { "a\\" } DROP ALL { \\"" }' in bound
    with pytest.raises(ValueError):
        bind(query, **{"x } DROP ALL {": ox.NamedNode("http://example.org/a")})


def test_limits_and_offsets_are_numbers_only() -> None:
    query = limited(bind(INCOMING, o=ox.NamedNode("http://example.org/a")), 10, 20)
    assert "LIMIT 10 OFFSET 20" in query
    with pytest.raises(ValueError):
        limited(query.replace("LIMIT 10", "LIMIT x"), "5 } DROP ALL {", 0)  # type: ignore[arg-type]


def test_a_big_entity_pages_through_its_links_quickly(big: Flask) -> None:
    client = big.test_client()
    client.get("/page/id/person/hub", headers=HTML)  # warm up (templates, labels)
    started = time.perf_counter()
    response = client.get("/page/id/person/hub", headers=HTML)
    elapsed = time.perf_counter() - started
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"{HUB_CLAIMS:,} statements point here" in body
    links = body[body.index('id="links-h"'):body.index('id="sources-h"')]
    assert len(re.findall(r"<li>", links)) == 50
    assert "Page 1 of 60" in body
    assert "What links here</a> lists them all" in body  # the claim list is capped, and says so
    assert elapsed < 1.0, f"the page of an entity with {HUB_CLAIMS} links took {elapsed:.2f} s"
    last = client.get("/page/id/person/hub?page=60", headers=HTML).get_data(as_text=True)
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_paging_through_a_big_entity_shows_every_link_once(big: Flask) -> None:
    client = big.test_client()
    seen: list[str] = []
    for number in range(1, 61):
        body = client.get(f"/page/id/person/hub?page={number}", headers=HTML).get_data(
            as_text=True)
        links = body[body.index('id="links-h"'):body.index('id="sources-h"')]
        page = re.findall(r'href="/page/id/claim/(hub-\d+)"', links)
        assert page == sorted(page)  # each page is in name order
        seen += page
    assert len(seen) == HUB_CLAIMS == len(set(seen))


def test_the_rdf_of_a_big_entity_is_complete(big: Flask) -> None:
    response = big.test_client().get("/data/id/person/hub.nt")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count(f"<{HUB}> .") == HUB_CLAIMS
