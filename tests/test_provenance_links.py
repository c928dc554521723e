"""Provenance at hand: after imports, pages name graphs and things in words and link each graph
to its entry on ``/graphs``; ``/conflicts`` reads as prose, its JSON twin keeps the machine
values beside the words.

One service per store backend for the module, on a copy of the bundle into which the other
team's data and the Wikidata extract are PUT over the Graph Store Protocol, as a client would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from tests.live import BACKENDS, WRITE_TOKEN, LiveServer, copy_store, serve_on

EXTERNAL = Path(__file__).parent / "fixtures" / "external"
OTHER_TEAM = "https://example.org/other-team"
WIKIDATA = "https://example.org/wikidata-extract"
HTML = {"Accept": "text/html"}
TOKAYEV = "/page/id/person/kassym-jomart-tokayev"
ALMATY = "/page/id/place/almaty"
TOWN_HALL = "/page/id/event/almaty-town-hall-stormed"

#: What a reader must never see as text: an IRI, a prefixed name of ours, an ISO date, a slug.
RAW = {
    "an IRI": re.compile(r"\b(?:https?|urn):\S"),
    "a prefixed name": re.compile(r"\b(?:id|graph|wd|cs|qantar):[\w/-]"),
    "an ISO date": re.compile(r"\b\d{4}-\d\d-\d\d\b"),
    "a status slug": re.compile(r"\bofficial-figure\b"),
}


@dataclass
class Link:
    href: str
    classes: list[str]
    text: str = ""


class Html(HTMLParser):
    """The text nodes, ids, links and conflict articles of a page's ``<main>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.ids: set[str] = set()  # of the whole page
        self.links: list[Link] = []
        self.articles: list[str] = []  # ids of <article class="conflict">
        self._depth = 0  # inside <main> when > 0
        self._open: list[Link] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "main":
            self._depth += 1
        if not self._depth:
            return
        if tag == "a":
            self._open.append(Link(a.get("href", ""), a.get("class", "").split()))
        if tag == "article" and "conflict" in a.get("class", "").split():
            self.articles.append(a.get("id", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._depth -= 1
        if tag == "a" and self._open:
            link = self._open.pop()
            link.text = link.text.strip()
            self.links.append(link)

    def handle_data(self, data: str) -> None:
        if self._depth and data.strip():
            self.texts.append(data.strip())
            for link in self._open:
                link.text += data

    @property
    def graph_links(self) -> list[Link]:
        return [x for x in self.links if "graph" in x.classes]


def parse(body: str) -> Html:
    page = Html()
    page.feed(body)
    page.close()
    return page


def raw_texts(texts: list[str]) -> list[tuple[str, str]]:
    return [(what, text) for text in texts for what, pattern in RAW.items()
            if pattern.search(text)]


@pytest.fixture(scope="module", params=BACKENDS)
def merged(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory,
           bundle_store_template: Path) -> Iterator[LiveServer]:
    """The service after the other team's graph and the Wikidata extract were imported."""
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("merged") / "store")
    with serve_on(request.param, store, QANTAR_WRITE_TOKEN=WRITE_TOKEN) as server:
        for name, graph in (("other-team.ttl", OTHER_TEAM), ("wikidata-extract.ttl", WIKIDATA)):
            response = requests.put(
                server.store, params={"graph": graph},
                data=(EXTERNAL / name).read_bytes(),
                headers={"Content-Type": "text/turtle",
                         "Authorization": f"Bearer {WRITE_TOKEN}"})
            assert response.status_code in (201, 204), response.text
        yield server


def get(server: LiveServer, path: str) -> Html:
    response = requests.get(server.url + path, headers=HTML)
    assert response.status_code == 200, path
    return parse(response.text)


def graphs_entries(server: LiveServer) -> dict[str, dict]:
    """The entries of /graphs.json by their anchor."""
    listing = requests.get(server.url + "/graphs.json").json()
    return {g["anchor"]: g for g in listing}


def test_graphs_entries_carry_their_anchor_in_the_page_and_its_twin(merged: LiveServer) -> None:
    entries = graphs_entries(merged)
    page = get(merged, "/graphs")
    by_iri = {g["iri"]: g for g in entries.values()}
    for anchor, entry in entries.items():
        assert entry["href"] == "/graphs#" + anchor
        assert anchor in page.ids
    assert by_iri["https://w3id.org/qantar/graph/nrc-2022-01-15"]["label"] == (
        "Statements of the NRC article of 15 January 2022")
    assert by_iri[OTHER_TEAM]["label"] == "other team (example.org)"


@pytest.mark.parametrize("path", ["/", TOKAYEV, ALMATY, TOWN_HALL])
def test_graph_badges_name_their_graph_and_link_its_entry_on_graphs(
    merged: LiveServer, path: str
) -> None:
    entries = graphs_entries(merged)
    page = get(merged, path)
    badges = page.graph_links
    assert badges, path
    for badge in badges:
        assert badge.href.startswith("/graphs#"), (path, badge)
        entry = entries[badge.href.removeprefix("/graphs#")]
        assert badge.text == entry["label"], (path, badge)
    assert raw_texts([b.text for b in badges]) == []
    # no link of the page leads to a graph's own IRI (off-site, or its bare local page)
    graph_iris = {g["iri"] for g in entries.values()}
    assert not [x for x in page.links if x.href in graph_iris], path
    if path in (ALMATY, TOWN_HALL):  # the other team says things about them
        assert OTHER_TEAM in {entries[b.href.removeprefix("/graphs#")]["iri"] for b in badges}


def test_the_home_page_names_every_graph_in_words(merged: LiveServer) -> None:
    page = get(merged, "/")
    names = {b.text for b in page.graph_links}
    assert {"Statements of the NRC article of 15 January 2022", "other team (example.org)",
            "wikidata extract (example.org)"} <= names


def test_the_wikidata_link_names_its_item_after_the_extract_is_imported(
    merged: LiveServer
) -> None:
    page = get(merged, TOKAYEV)
    wikidata = [x for x in page.links if x.href == "https://www.wikidata.org/wiki/Q200881"]
    assert wikidata  # the header's link and the statement's
    assert {x.text for x in wikidata} == {"Wikidata Q200881"}


def test_conflicts_read_as_words_with_graphs_linked_to_their_entries(merged: LiveServer) -> None:
    page = get(merged, "/conflicts")
    assert raw_texts(page.texts) == []
    text = " ".join(page.texts)
    for words in ("official figure", "4 January 2022", "between 5 and 6 January 2022",
                  "beginning", "name in English", "Wikidata Q318693",
                  "Storming of Almaty town hall", "other team (example.org)",
                  "Statements of the NRC article of 15 January 2022"):
        assert words in text, words
    graphs = get(merged, "/graphs")
    assert page.graph_links
    for link in page.graph_links:
        assert link.href.startswith("/graphs#") and link.href[len("/graphs#"):] in graphs.ids
    # entities link to their local pages; nothing links the raw IRI of one of ours
    assert not [x for x in page.links if x.href.startswith("https://w3id.org/")]
    assert "/id/event/almaty-town-hall-stormed" in {x.href for x in page.links}


def test_every_disagreement_has_its_anchor_as_id(merged: LiveServer) -> None:
    page = get(merged, "/conflicts")
    data = requests.get(merged.url + "/conflicts.json").json()
    assert page.articles == [c["anchor"] for c in data]
    assert len(set(page.articles)) == len(page.articles)


def test_the_conflicts_twin_keeps_machine_values_and_gains_words(merged: LiveServer) -> None:
    data = requests.get(merged.url + "/conflicts.json").json()
    date = next(c for c in data if c["kind"] == "date")
    assert date["aspect"] == "begin" and date["said"] == "beginning"
    assert sorted((v["value"], v["text"]) for v in date["values"]) == [
        ("2022-01-04", "4 January 2022"),
        ("between 2022-01-05 and 2022-01-06", "between 5 and 6 January 2022")]
    figure = next(c for c in data if c["kind"] == "figure")
    assert figure["subject"] == "https://w3id.org/qantar/id/event/january-2022-unrest"
    theirs = next(v for v in figure["values"] if v["graph"] == OTHER_TEAM)
    assert theirs["statuses"] == ["https://w3id.org/qantar/id/concept/official-figure"]
    assert theirs["note"] == "official figure"
    assert theirs["graph_label"] == "other team (example.org)"
    assert theirs["graph_href"].startswith("/graphs#graph-")
    names = [c for c in data if c["kind"] == "name"]
    almaty = next(c for c in names if c["subject"].endswith("/place/almaty"))
    assert almaty["key"] == "label/en" and almaty["said"] == "name in English"
    linked = next(c for c in names if "Q318693" in c["key"])
    assert linked["said"] == "name in English, here and on Wikidata Q318693"
    assert all(c["anchor"].startswith(c["kind"] + "-") for c in data)
