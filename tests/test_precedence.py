"""Graph precedence: an import never silently replaces what the pages say.

After a PUT that renames entities, re-dates an event and gives a figure another value, every
page, JSON twin, search and reconciliation keeps the bundle's name, dating and value, and shows
the other graph's beside it with its graph, marked disputed and linked to /conflicts. Run on
the real ``qantar serve``, on both stores.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from service.precedence import BUNDLE_ORDER, rank_graphs
from service.store.embedded.store import EmbeddedStore
from tests.live import AUTH, BACKENDS, WRITE_TOKEN, LiveServer, copy_store, serve_on

EXTERNAL = Path(__file__).parent / "fixtures" / "external"
OTHER_TEAM = "https://example.org/other-team"
RENAMING = "https://example.org/renaming"

# Another English spelling of Tokayev, and another value for a figure of the article.
RENAMING_DATA = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix qantar: <https://w3id.org/qantar/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/qantar/id/person/kassym-jomart-tokayev> rdfs:label "Kassym-Zhomart Tokaev"@en .
<https://w3id.org/qantar/id/figure/government-killed> qantar:value "9999"^^xsd:integer .
"""


def put(server: LiveServer, graph: str, body: str | bytes) -> None:
    response = requests.put(server.store, params={"graph": graph}, data=body, timeout=60,
                            headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code in (201, 204), response.text


@pytest.fixture(scope="module", params=BACKENDS)
def merged(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           bundle_store_template: Path) -> Iterator[LiveServer]:
    """The bundle with the other team's graph and a renaming graph PUT over HTTP."""
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("merged") / "store")
    with serve_on(request.param, store, QANTAR_WRITE_TOKEN=WRITE_TOKEN) as server:
        put(server, OTHER_TEAM, (EXTERNAL / "other-team.ttl").read_bytes())
        put(server, RENAMING, RENAMING_DATA)
        yield server


class Page(HTMLParser):
    """The parts of a page these tests read: the heading, the title, the links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.h1 = self.title = ""
        self.links: list[tuple[str, str, str]] = []  # (href, class, text)
        self._in: list[str] = []
        self._link: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in.append(tag)
        if tag == "a":
            values = dict(attrs)
            self._link = [values.get("href") or "", values.get("class") or "", ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self.links.append(tuple(self._link))  # type: ignore[arg-type]
            self._link = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "h1" in self._in:
            self.h1 += data
        if self._in and self._in[-1] == "title":
            self.title += data
        if self._link is not None:
            self._link[2] += data


def page(server: LiveServer, path: str) -> tuple[Page, str]:
    response = requests.get(server.url + path, timeout=30)
    assert response.status_code == 200, response.text
    return Page(response.text), response.text


def twin(server: LiveServer, path: str) -> dict:
    response = requests.get(server.url + path, headers={"Accept": "application/json"},
                            timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def text_of(html: str) -> str:
    """The page's text, as a reader sees it (tags gone, spaces collapsed, none inside quotes)."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"“ (.*?) ”", r"“\1”", text)


def test_the_bundle_ranks_first_then_imports_by_first_import(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    prov = ox.NamedNode(BUNDLE_ORDER[-1])
    vocabulary = "http://www.w3.org/ns/prov#"
    for graph, when in (("https://example.org/b", "2026-01-02T00:00:00+00:00"),
                        ("https://example.org/a", "2026-01-03T00:00:00+00:00"),
                        ("https://example.org/b", "2026-01-04T00:00:00+00:00")):
        version = ox.NamedNode(f"{graph}/version/{when[:10]}")
        store.add_quads([
            ox.Quad(version, ox.NamedNode(vocabulary + "specializationOf"), ox.NamedNode(graph),
                    prov),
            ox.Quad(version, ox.NamedNode(vocabulary + "generatedAtTime"), ox.Literal(
                when, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")), prov)])
    ranking = rank_graphs(store)
    assert ranking.order == (*BUNDLE_ORDER, "https://example.org/b", "https://example.org/a")
    assert ranking.first(["https://example.org/a", BUNDLE_ORDER[0]]) == BUNDLE_ORDER[0]
    assert ranking.rank("https://example.org/unknown") > ranking.rank("https://example.org/a")
    first = rank_graphs(store, ["https://example.org/a"])
    assert first.order[0] == "https://example.org/a"
    assert first.first([BUNDLE_ORDER[0], "https://example.org/a"]) == "https://example.org/a"


def test_a_renamed_entity_keeps_the_bundles_name_and_shows_the_other(merged: LiveServer) -> None:
    for path, name, other in (("/id/place/almaty", "Almaty", "Alma-Ata"),
                              ("/id/person/kassym-jomart-tokayev", "Kassym-Jomart Tokayev",
                               "Kassym-Zhomart Tokaev")):
        parsed, html = page(merged, path)
        assert parsed.h1.strip() == name
        assert parsed.title.startswith(name)
        shown = text_of(html)
        assert f"Also called “{other}” in" in shown
        disputed = [href for href, cls, _ in parsed.links if cls == "disputed"]
        assert disputed and all(h.startswith("/conflicts#name-") for h in disputed)
        data = twin(merged, path)["entity"]
        assert data["iri"]["label"] == name
        others = {(n["text"], n["graph"]["iri"]) for n in data["other_names"]}
        assert all(n["graph"]["url"].startswith("/graphs#graph-") for n in data["other_names"])
        assert (other, OTHER_TEAM if other == "Alma-Ata" else RENAMING) in others


@pytest.mark.parametrize("path", ["/id/place/almaty", "/id/person/kassym-jomart-tokayev",
                                  "/id/event/almaty-town-hall-stormed",
                                  "/id/figure/government-killed"])
def test_the_disputed_link_finds_its_disagreement_on_conflicts(merged: LiveServer,
                                                               path: str) -> None:
    parsed, _ = page(merged, path)
    anchors = {href.split("#", 1)[1] for href, cls, _ in parsed.links if cls == "disputed"}
    assert anchors
    _, conflicts = page(merged, "/conflicts")
    for anchor in anchors:
        assert f'id="{anchor}"' in conflicts


def test_the_timeline_keeps_the_bundles_dating_and_shows_the_other(merged: LiveServer) -> None:
    storming = "https://w3id.org/qantar/id/event/almaty-town-hall-stormed"
    data = twin(merged, "/timeline.json?page=1")
    pages = data["pages"]
    groups = [g for n in range(1, pages + 1)
              for g in twin(merged, f"/timeline.json?page={n}")["groups"]]
    [group] = [g for g in groups if any(e["iri"] == storming for e in g["events"])]
    assert group["dating"].get("begin") != "2022-01-04"
    assert "4 January" not in group["dating"]["text"]
    spans = [span for n in range(1, pages + 1)
             for iri, span in twin(merged, f"/timeline.json?page={n}")["spans"].items()
             if iri == storming]
    [span] = spans
    [other] = span["others"]
    assert other["graph"]["iri"] == OTHER_TEAM
    assert other["text"] == "4 January 2022" and other["disputed"] is True
    assert span["graph"]["iri"] == "https://w3id.org/qantar/graph/nrc-2022-01-15"
    parsed, html = page(merged, "/id/event/almaty-town-hall-stormed")
    assert "also dated 4 January 2022 in" in text_of(html)
    assert any(cls == "disputed" and href.startswith("/conflicts#date-")
               for href, cls, _ in parsed.links)


def test_a_figure_keeps_the_bundles_value_and_shows_the_other(merged: LiveServer) -> None:
    parsed, html = page(merged, "/id/figure/government-killed")
    data = twin(merged, "/id/figure/government-killed")["entity"]["claim"]
    assert data["value"]["value"] != "9999"
    assert [o["value"]["value"] for o in data["other_values"]] == ["9999"]
    assert data["other_values"][0]["graph"]["iri"] == RENAMING
    assert "9,999 in" in text_of(html)


def test_search_and_reconciliation_name_entities_as_the_bundle_does(merged: LiveServer) -> None:
    hits = requests.get(merged.url + "/search.json", params={"q": "alma"}, timeout=30).json()
    almaty = [h for h in hits if h["iri"] == "https://w3id.org/qantar/id/place/almaty"]
    assert almaty and almaty[0]["label"] == "Almaty"
    suggested = requests.get(merged.url + "/reconcile/suggest/entity",
                             params={"prefix": "Alma-A"}, timeout=30).json()["result"]
    assert any(s["name"] == "Almaty" for s in suggested)
    assert all(s["name"] != "Alma-Ata" for s in suggested)
    queries = {"q0": {"query": "Tokayev", "type": "qantar:Person"},
               "q1": {"query": "Alma-Ata"}}
    found = requests.post(merged.url + "/reconcile", data={"queries": json.dumps(queries)},
                          timeout=30).json()
    names = {r["name"] for q in found.values() for r in q["result"]}
    assert "Kassym-Jomart Tokayev" in names and "Almaty" in names
    assert not names & {"Kassym-Zhomart Tokaev", "Alma-Ata"}


def test_a_setting_can_rank_an_import_first(tmp_path: Path, bundle_store_template: Path) -> None:
    store = copy_store(bundle_store_template, tmp_path / "store")
    with serve_on("embedded", store, QANTAR_WRITE_TOKEN=WRITE_TOKEN,
                  QANTAR_GRAPH_ORDER=OTHER_TEAM) as server:
        put(server, OTHER_TEAM, (EXTERNAL / "other-team.ttl").read_bytes())
        parsed, html = page(server, "/id/place/almaty")
        assert parsed.h1.strip() == "Alma-Ata"
        assert "Also called “Almaty” in" in text_of(html)
