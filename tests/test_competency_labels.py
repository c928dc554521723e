"""Every competency question takes one label per entity (docs/sparql.md#one-label-per-entity):
an imported graph that names the bundle's entities in two dozen languages, and gives a few a
second English name that sorts first ("Alma-Ata" for Almaty), changes no row of any question;
an entity that only imported graphs name gets one label, English first, then untagged, then any
language, the least of each. Virtuoso's side is in tests/test_virtuoso.py."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.store.embedded.store import EmbeddedStore
from tests.competency import QUERY_FILES, answer, assert_expected
from tests.live import copy_store
from tests.multilingual import FIXTURE, GRAPH, LANGUAGES, render

#: An event in Almaty on 5 January (question 02 asks for it) and a figure of Zhovtis (15) that
#: only imported graphs name: the label chosen among theirs.
NEW_FACTS = """\
@prefix qantar: <https://w3id.org/qantar/ontology#> .
@prefix sem:    <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix cs:     <https://w3id.org/qantar/id/concept/> .
<https://example.org/event/vigil> a qantar:Event ;
    sem:hasPlace <https://w3id.org/qantar/id/place/almaty> ;
    sem:hasBeginTimeStamp "2022-01-05"^^xsd:date ;
    rdfs:label "Zhetisu vigil"@en , "Vigil"@en , "Mahnwache"@de , "Aaa vigil" .
<https://example.org/figure/guess> a qantar:Figure ;
    qantar:claimant <https://w3id.org/qantar/id/person/yevgeny-zhovtis> ;
    qantar:value "7"^^xsd:integer ; qantar:precision cs:exact ;
    rdfs:label "Schätzung"@de , "Estimation"@fr , "guess" .
"""
#: The same event named again, identically, in a second imported graph.
AGAIN = """\
<https://example.org/event/vigil> <http://www.w3.org/2000/01/rdf-schema#label> "Vigil"@en .
<https://example.org/figure/guess> <http://www.w3.org/2000/01/rdf-schema#label> "Estimation"@fr .
"""


def with_graphs(template: Path, target: Path, graphs: dict[str, tuple[bytes, ox.RdfFormat]]
                ) -> EmbeddedStore:
    store = EmbeddedStore(copy_store(template, target))
    for graph, (data, fmt) in graphs.items():
        store.load_graph(io.BytesIO(data), fmt, graph)
    store.flush()
    return store


@pytest.fixture(scope="module")
def multilingual_store(bundle_store_template: Path,
                       tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = with_graphs(bundle_store_template, tmp_path_factory.mktemp("ml") / "store",
                        {GRAPH: (FIXTURE.read_bytes(), ox.RdfFormat.TURTLE)})
    yield store
    store.close()


def test_the_fixture_names_every_entity_in_two_dozen_languages_as_generated(
    loaded_store: EmbeddedStore,
) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    assert text == render(loaded_store), "run `python -m tests.multilingual`"
    assert len(LANGUAGES) >= 20
    quads = list(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))
    almaty = ox.NamedNode("https://w3id.org/qantar/id/place/almaty")
    names = {q.object for q in quads if q.subject == almaty}
    assert ox.Literal("Alma-Ata", language="en") in names
    assert len({n.language for n in names}) == len(LANGUAGES) + 2  # and "en" and untagged


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_many_labels_in_an_imported_graph_change_no_row(
    multilingual_store: EmbeddedStore, loaded_store: EmbeddedStore, path: Path
) -> None:
    rows = answer(multilingual_store, path)
    assert rows == answer(loaded_store, path)
    assert_expected(path, rows)


def test_an_entity_only_imports_name_gets_the_least_english_label_else_untagged(
    bundle_store_template: Path, tmp_path: Path
) -> None:
    store = with_graphs(bundle_store_template, tmp_path / "store", {
        "https://example.org/graph/new-facts": (NEW_FACTS.encode(), ox.RdfFormat.TURTLE),
        "https://example.org/graph/again": (AGAIN.encode(), ox.RdfFormat.N_TRIPLES),
        GRAPH: (FIXTURE.read_bytes(), ox.RdfFormat.TURTLE)})
    try:
        almaty = answer(store, next(p for p in QUERY_FILES if p.stem.startswith("02-")))
        zhovtis = answer(store, next(p for p in QUERY_FILES if p.stem.startswith("15-")))
    finally:
        store.close()
    assert [r for r in almaty if r[0] == "https://example.org/event/vigil"] == [
        ("https://example.org/event/vigil", "Vigil", "2022-01-05", "2022-01-05")]
    assert len(almaty) == 7
    assert ("guess", "7", None, "exact") in zhovtis and len(zhovtis) == 3
