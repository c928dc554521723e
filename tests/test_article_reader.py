"""The article reader: a source's passages in reading order, each linked to its statements and back.

Positions come from the data (``oa:TextPositionSelector``, written by
``scripts/passage_positions.py``); where the article itself is at hand (``../shared/source/``)
each position is checked against its words. Through the real app, and on the real `qantar serve`
on both stores; an imported source without positions shows the fallback order.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF

from service.app import create_app
from service.config import REPO_ROOT, Settings
from service.namespaces import QANTAR
from tests.article import (
    ARTICLE_GRAPH,
    EDITORIAL_GRAPH,
    OA,
    SOURCE,
    TRANSLATION,
    article_text,
    graphs,
)
from tests.live import LiveServer

PAGE = "/page/id/source/nrc-2022-01-15-kazakhstan-en"
BULLETIN = Path(__file__).parent / "fixtures" / "external" / "witness-bulletin.ttl"
BULLETIN_GRAPH = "https://example.org/graph/witness-bulletin"


@cache
def script() -> ModuleType:
    """scripts/passage_positions.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("passage_positions",
                                                  REPO_ROOT / "scripts" / "passage_positions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@cache
def positioned() -> dict[tuple[int, int], tuple[str, set[str]]]:
    """(start, end) of each distinct passage of the translation in the article's graph, with its
    words and the statements resting on it, read from the bundle with rdflib."""
    g = graphs()[ARTICLE_GRAPH]
    found: dict[tuple[int, int], tuple[str, set[str]]] = {}
    for statement, passage in g.subject_objects(QANTAR.evidence):
        if g.value(passage, OA.hasSource) != TRANSLATION:
            continue
        selectors = list(g.objects(passage, OA.hasSelector))
        quote = [s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in g]
        spots = [s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in g]
        assert len(quote) == 1 and len(spots) == 1, f"{statement}: {len(spots)} positions"
        key = (int(g.value(spots[0], OA.start)), int(g.value(spots[0], OA.end)))
        exact = str(g.value(quote[0], OA.exact))
        words, statements = found.setdefault(key, (exact, set()))
        assert words == exact, f"{key}: two passages at one place with other words"
        statements.add(str(statement))
    return found


# -- the data -----------------------------------------------------------------------------------

def test_every_passage_of_the_article_has_a_position() -> None:
    g = graphs()[ARTICLE_GRAPH]
    passages = [p for _, p in g.subject_objects(QANTAR.evidence)]
    assert len(passages) >= 100
    assert sum(len(statements) for _, statements in positioned().values()) == len(passages)


def test_each_position_holds_the_passages_words_in_the_article() -> None:
    text = article_text()  # skips with the reason when ../shared/source is absent
    wrong = [(key, words[:50]) for key, (words, _) in positioned().items()
             if text[key[0]:key[1]] != words]
    assert wrong == []


def test_the_recorded_length_of_the_translation_is_the_articles() -> None:
    editorial = graphs()[EDITORIAL_GRAPH]
    assert int(editorial.value(TRANSLATION, QANTAR.textLength)) == len(article_text())


def test_the_positions_in_the_graph_are_what_the_script_writes() -> None:
    article_text()
    files = sorted((REPO_ROOT / "graph").glob("*.ttl"))
    assert script().main([str(f) for f in files] + ["--check"]) == 0


def test_the_script_updates_a_stale_position_and_then_changes_nothing(tmp_path: Path) -> None:
    text = "One. Two words here. One. Three."
    turtle = """@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix ex: <https://example.org/> .
# a comment that stays
ex:s ex:evidence [ a oa:SpecificResource ; oa:hasSource ex:text ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "One." ; oa:prefix "here. " ] ,
                   [ a oa:TextPositionSelector ; oa:start 0 ; oa:end 4 ] ] .
ex:t ex:evidence [ a oa:SpecificResource ; oa:hasSource ex:text ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Two words" ] ] .
ex:u ex:evidence [ a oa:SpecificResource ; oa:hasSource ex:other ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Not a text we hold" ] ] .
"""
    texts = {"https://example.org/text": text}
    once = script().rewrite(turtle, texts)
    assert "# a comment that stays" in once
    assert "oa:start 21 ; oa:end 25" in once and "oa:start 0 ;" not in once  # prefix decided
    assert "oa:start 5 ; oa:end 14" in once
    assert once.count("TextPositionSelector") == 2  # the other source's passage left alone
    assert script().verify(turtle, once, texts, "t") == 2
    assert script().rewrite(once, texts) == once


def test_the_script_fails_loudly_on_words_it_cannot_place_once() -> None:
    texts = {"https://example.org/text": "One. One. Two"}
    turtle = """@prefix oa: <http://www.w3.org/ns/oa#> .
<https://example.org/s> <https://example.org/evidence> [ a oa:SpecificResource ;
    oa:hasSource <https://example.org/text> ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{}" ] ] .
"""
    with pytest.raises(script().PositionError, match="2 places fit"):
        script().rewrite(turtle.replace("{}", "One."), texts, "ambiguous.ttl")
    with pytest.raises(script().PositionError, match="not in the text"):
        script().rewrite(turtle.replace("{}", "Three"), texts, "absent.ttl")


def test_a_passage_found_only_after_normalising_quotes_maps_back_to_the_raw_text() -> None:
    text = "He said: “No  way,” twice."
    start, end = script().locate(text, '"No way,"', "", "")
    assert text[start:end] == "“No  way,”"


# -- the reader through the app -----------------------------------------------------------------

def check_reader(reader: dict, statement_links: dict[str, str]) -> None:
    """The reader of the translation against the graph: every passage once, in order, each with
    its statements; the gaps and the passages cover the range together."""
    passages = reader["passages"]
    keys = [(x["start"], x["end"]) for x in passages]
    assert sorted(keys) == sorted(positioned()) and len(keys) == len(set(keys))
    # strictly increasing positions: by start, and passages that start together (a sentence and
    # the paragraph it opens) shortest first
    assert all(a < b for a, b in zip(keys, keys[1:], strict=False)), "not in reading order"
    for x in passages:
        words, statements = positioned()[(x["start"], x["end"])]
        assert x["exact"] == words
        assert x["anchor"] == f"passage-{x['start']}-{x['end']}"
        assert {s["iri"] for s in x["statements"]} == statements
        assert all(s["label"] and s["url"] == statement_links[s["iri"]] for s in x["statements"])
    covered, last = 0, 0
    for x in passages:  # the union of the passages' stretches
        covered += max(0, x["end"] - max(x["start"], last))
        last = max(last, x["end"])
    gaps = reader["gaps"]
    assert all(g["length"] == g["end"] - g["start"] > 0 for g in gaps)
    assert reader["text_length"] is not None and reader["text_length"] >= last
    assert covered + sum(g["length"] for g in gaps) == reader["text_length"]
    assert gaps[0]["start"] == 0 or passages[0]["start"] == 0
    assert gaps[-1]["end"] == reader["text_length"] or last == reader["text_length"]
    if SOURCE.is_file():
        assert all(article_text()[x["start"]:x["end"]] == x["exact"] for x in passages)


def statement_links(client: FlaskClient | None = None) -> dict[str, str]:
    base = "https://w3id.org/qantar/"
    return {s: "/page/" + s.removeprefix(base) for _, (_, ss) in positioned().items() for s in ss}


def test_the_translations_page_reads_the_article_passage_by_passage(client: FlaskClient) -> None:
    twin = client.get(PAGE + ".json").get_json()
    check_reader(twin["entity"]["reader"], statement_links())
    html = client.get(PAGE).get_data(as_text=True)
    reader = html[html.index('id="reader-h"'):]
    for start, end in positioned():
        assert html.count(f'id="passage-{start}-{end}"') == 1
    ids = [int(m) for m in re.findall(r'id="passage-(\d+)-\d+"', reader)]
    assert ids == sorted(ids)
    assert "not modelled: characters" in reader
    for link in statement_links().values():
        assert f'href="{link}"' in reader


def test_every_statements_page_links_to_its_passages_in_the_reader(client: FlaskClient) -> None:
    back: dict[str, set[str]] = defaultdict(set)
    for (start, end), (_, statements) in positioned().items():
        for s in statements:
            back[s].add(f"{PAGE}#passage-{start}-{end}")
    for statement, anchors in sorted(back.items()):
        page = statement_links()[statement]
        html = client.get(page).get_data(as_text=True)
        missing = [a for a in anchors if f'href="{a}"' not in html]
        assert missing == [], f"{page} does not link back to {missing}"
        twin = client.get(page + ".json").get_json()
        carried = {x["reader"] for x in twin["entity"]["passages"][statement] if x.get("reader")}
        assert carried == anchors


def test_a_page_whose_node_no_passage_quotes_has_no_reader(client: FlaskClient) -> None:
    twin = client.get("/page/id/person/kassym-jomart-tokayev.json").get_json()
    assert twin["entity"]["reader"] is None
    assert 'id="reader-h"' not in client.get("/page/id/person/kassym-jomart-tokayev").get_data(
        as_text=True)


@pytest.fixture
def bulletin_app(run, store_dir: Path) -> Iterator[Flask]:
    """The app on a store with the witness bulletin imported (passages without positions)."""
    result = run("import", str(BULLETIN), "--graph", BULLETIN_GRAPH)
    assert result.exit_code == 0, result.output
    app = create_app(Settings.from_env({"QANTAR_STORE": str(store_dir),
                                        "QANTAR_DATA_DIR": str(REPO_ROOT),
                                        "QANTAR_QUERY_WORKERS": "1"}))
    yield app
    app.extensions["qantar"].close()


def test_passages_without_positions_come_once_each_ordered_by_their_words(
        bulletin_app: Flask) -> None:
    client = bulletin_app.test_client()
    page = "/page/id/source/test-witness-bulletin"
    reader = client.get(page + ".json").get_json()["entity"]["reader"]
    words = [x["exact"] for x in reader["passages"]]
    assert words == ["“All the shops closed at noon,” a baker said.",
                     "Zhanna saw hundreds gather on the square."]  # quote marks aside, by words
    assert all(x["start"] is None and x["end"] is None for x in reader["passages"])
    assert reader["gaps"] == []
    baker = reader["passages"][0]
    assert {s["iri"] for s in baker["statements"]} == {
        "https://w3id.org/qantar/id/event/test-shops-closed",
        "https://w3id.org/qantar/id/event/test-bakery-closed"}
    assert baker["anchor"].startswith("passage-words-")
    html = client.get(page).get_data(as_text=True)
    assert html.count("position not recorded") == 2
    assert html.count(f'id="{baker["anchor"]}"') == 1


# -- the real service, on both stores -----------------------------------------------------------

def test_the_live_service_serves_the_reader_and_the_links_back(live_readonly: LiveServer) -> None:
    reader = requests.get(live_readonly.url + PAGE + ".json", timeout=30).json()["entity"][
        "reader"]
    check_reader(reader, statement_links())
    html = requests.get(live_readonly.url + PAGE, timeout=30).text
    assert all(html.count(f'id="passage-{s}-{e}"') == 1 for s, e in positioned())
    first = reader["passages"][0]
    statement = first["statements"][0]["url"]
    page = requests.get(live_readonly.url + statement, timeout=30).text
    assert f'href="{PAGE}#{first["anchor"]}"' in page

