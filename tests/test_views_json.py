"""The JSON twin of every view: found by Accept and by its ``.json`` URL, advertised by the page,
varying by Accept where one URL answers both, and carrying what the page shows (every entity,
link and date of the JSON is on the page)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from tests.pages import HTML, TOKAYEV

JSON = {"Accept": "application/json"}

#: Each view: its page, and its JSON twin's URL.
VIEWS = {
    "home": ("/", "/index.json"),
    "classes": ("/classes", "/classes.json"),
    "class": ("/classes/qantar:Agent", "/classes/qantar:Agent.json"),
    "timeline": ("/timeline", "/timeline.json"),
    "relations": ("/relations", "/relations.json"),
    "ontology": ("/ontology", "/ontology.json"),
    "search": ("/search?q=tok", "/search.json?q=tok"),
    "person": (f"/page/{TOKAYEV}", f"/page/{TOKAYEV}.json"),
    "claim": ("/page/id/claim/tokayev-coup-attempt", "/page/id/claim/tokayev-coup-attempt.json"),
    "event": ("/page/id/event/january-2022-unrest", "/page/id/event/january-2022-unrest.json"),
    "graphs": ("/graphs", "/graphs.json"),
    "conflicts": ("/conflicts", "/conflicts.json"),
}


def shown(data: object) -> Iterator[tuple[str, str]]:
    """What a twin says the page shows: (what, text) for each entity label, literal and date."""
    if isinstance(data, dict):
        if "iri" in data and "label" in data and isinstance(data["label"], str):
            yield "label", data["label"]
        if "value" in data and "text" in data:
            yield "literal", data["text"]
        if "stamps" in data and data.get("text"):  # a time span: its text, or begin and end
            yield "date", "|".join((data["text"], data.get("start") or "", data.get("end") or ""))
        for value in data.values():
            yield from shown(value)
    elif isinstance(data, list):
        for value in data:
            yield from shown(value)


def on_page(text: str, body: str) -> bool:
    """Whether the page says ``text``; a span (``text|start|end``) may be said whole, or as its
    begin and end in columns of their own (a person's roles)."""
    if "|" not in text:
        return text in body
    whole, start, end = text.split("|")
    return whole in body or (bool(start) and start in body and (not end or end in body))


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_has_a_json_twin_by_accept_and_by_url(module_client: FlaskClient,
                                                          view: str) -> None:
    page_url, json_url = VIEWS[view]
    page = module_client.get(page_url, headers=HTML)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Vary"] == "Accept"
    link = f'<link rel="alternate" type="application/json" href="{html.escape(json_url)}"'
    assert link in page.get_data(as_text=True)
    assert f'<{json_url}>; rel="alternate"; type="application/json"' in page.headers["Link"]

    negotiated = module_client.get(page_url, headers=JSON)
    assert negotiated.status_code == 200 and negotiated.mimetype == "application/json"
    assert negotiated.headers["Vary"] == "Accept"
    by_url = module_client.get(json_url)
    assert by_url.status_code == 200 and by_url.mimetype == "application/json"
    assert "Vary" not in by_url.headers  # one URL, one representation
    if view != "search":  # the autocomplete's Accept answer is the first 10 hits of the page's
        assert negotiated.get_json() == by_url.get_json()
    else:
        assert by_url.get_json()[:10] == negotiated.get_json()


@pytest.mark.parametrize("view", VIEWS)
def test_the_twin_carries_what_the_page_shows(module_client: FlaskClient, view: str) -> None:
    page_url, json_url = VIEWS[view]
    body = html.unescape(module_client.get(page_url, headers=HTML).get_data(as_text=True))
    data = module_client.get(json_url).get_json()
    facts = list(shown(data)) if isinstance(data, dict) else []
    if isinstance(data, list):  # the plain lists of /search, /graphs, /conflicts
        facts = [("label", item.get("label") or item.get("iri")) for item in data]
        facts += [("label", v["value"]) for item in data for v in item.get("values", [])]
    assert facts
    missing = sorted({(what, text) for what, text in facts if text and not on_page(text, body)})
    assert missing == []
    for url in re.findall(r'"url": "(/[^"]*)"', module_client.get(json_url).get_data(as_text=True)):
        assert f'href="{url}"' in body or url.startswith("/ontology#"), url


def test_entity_iris_answer_application_json_with_the_twin(module_client: FlaskClient) -> None:
    response = module_client.get(f"/{TOKAYEV}", headers=JSON)
    assert response.status_code == 303 and response.headers["Vary"] == "Accept"
    assert response.headers["Location"] == f"/page/{TOKAYEV}.json"
    twin = module_client.get(response.headers["Location"]).get_json()
    assert twin["view"] == "entity"
    assert twin["entity"]["iri"]["label"] == "Kassym-Jomart Tokayev"
    # JSON-LD is still JSON-LD, by its own type and at /data
    jsonld = module_client.get(f"/{TOKAYEV}", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["Location"] == f"/data/{TOKAYEV}.jsonld"
    legacy = module_client.get(f"/data/{TOKAYEV}", headers=JSON)
    assert legacy.mimetype == "application/ld+json"


def test_the_ontology_twin_and_its_rdf_stay_apart(module_client: FlaskClient) -> None:
    twin = module_client.get("/ontology", headers=JSON)
    assert twin.mimetype == "application/json" and twin.get_json()["view"] == "ontology"
    agent = next(t for t in twin.get_json()["own"] if t["iri"]["iri"].endswith("#Agent"))
    assert agent["usage"] > 0  # the instances of its subclasses (people, organisations …)
    assert module_client.get("/ontology", headers={"Accept": "application/ld+json"}).mimetype == \
        "application/ld+json"


def test_a_person_page_lists_claims_with_dates_and_names_once(module_client: FlaskClient) -> None:
    body = module_client.get(f"/page/{TOKAYEV}", headers=HTML).get_data(as_text=True)
    claims = body[body.index('id="claims-h"'):]
    assert re.search(r'class="claim-when"><time datetime="2022-01-\d\d">\d+ January 2022</time>',
                     claims)
    names = body[body.index('class="names"'):]
    names = names[:names.index("</p>")]
    assert names.count(">Kassym-Jomart Tokajev<") == 1
    assert re.search(r'<a href="https://www.wikidata.org/wiki/Q200881" rel="external" '
                     r'title="http://www.wikidata.org/entity/Q200881">Wikidata Q200881</a>', body)


def test_every_page_links_conflicts_graphs_and_its_icon(module_client: FlaskClient) -> None:
    for page_url, _ in VIEWS.values():
        body = module_client.get(page_url, headers=HTML).get_data(as_text=True)
        assert '<a href="/conflicts">Conflicts</a>' in body
        assert '<a href="/graphs">Graphs</a>' in body
        assert '<link rel="icon" href="/favicon.ico" type="image/svg+xml">' in body
    icon = module_client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.get_data()
