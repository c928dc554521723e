"""bench/generate.py: a bigger graph of exactly the bundle's shape, deterministic, valid N-Quads."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.generate import (
    LANGUAGES,
    WIKIDATA_LABELS_GRAPH,
    generate,
    read_quads,
    write_quads,
)
from service.formats import N_QUADS
from service.namespaces import ID
from service.store.embedded.store import EmbeddedStore

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def bundle(loaded_store: EmbeddedStore) -> list[ox.Quad]:
    dump = loaded_store.dump_dataset(N_QUADS)
    return list(ox.parse(dump, format=ox.RdfFormat.N_QUADS))


def test_the_copies_have_the_bundles_shape(bundle: list[ox.Quad]) -> None:
    quads = list(generate(bundle, 20_000))
    assert 20_000 <= len(quads) < 20_000 + len(bundle)
    assert set(bundle) <= set(quads)  # copy 0 is the bundle itself
    assert {q.graph_name for q in quads} == {q.graph_name for q in bundle} | {
        WIKIDATA_LABELS_GRAPH}
    assert {q.predicate for q in quads} == {q.predicate for q in bundle}
    assert {q.object for q in quads if q.predicate.value == RDF_TYPE} == {
        q.object for q in bundle if q.predicate.value == RDF_TYPE}
    event = ox.NamedNode("https://w3id.org/qantar/ontology#Event")
    bundle_events = {q.subject for q in bundle
                     if q.predicate.value == RDF_TYPE and q.object == event}
    events = {q.subject for q in quads if q.predicate.value == RDF_TYPE and q.object == event}
    copies = len(events) // len(bundle_events)
    assert bundle_events and copies > 1 and len(events) == copies * len(bundle_events)
    concepts = {t for q in quads for t in (q.subject, q.object)
                if isinstance(t, ox.NamedNode) and t.value.startswith(str(ID["concept/"]))}
    assert concepts <= {t for q in bundle for t in (q.subject, q.object)}
    blanks = {t for q in quads for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
    bundle_blanks = {t for q in bundle for t in (q.subject, q.object)
                     if isinstance(t, ox.BlankNode)}
    assert len(blanks) == copies * len(bundle_blanks)


def test_a_shared_place_keeps_one_english_label_and_many_pointers(
        bundle: list[ox.Quad]) -> None:
    quads = list(generate(bundle, 20_000))
    almaty = ox.NamedNode(str(ID["place/almaty"]))
    english = [q for q in quads if q.subject == almaty and isinstance(q.object, ox.Literal)
               and q.object.language == "en" and q.graph_name != WIKIDATA_LABELS_GRAPH]
    assert english == [q for q in bundle if q.subject == almaty
                       and isinstance(q.object, ox.Literal) and q.object.language == "en"]
    pointing = sum(q.object == almaty for q in quads)
    assert pointing > 3 * sum(q.object == almaty for q in bundle)


def test_shared_places_carry_names_in_150_languages(bundle: list[ox.Quad]) -> None:
    quads = [q for q in generate(bundle, 20_000) if q.graph_name == WIKIDATA_LABELS_GRAPH]
    almaty = ox.NamedNode(str(ID["place/almaty"]))
    langs = {q.object.language for q in quads if q.subject == almaty}
    assert len(LANGUAGES) == len(set(LANGUAGES)) == 150 and langs == set(LANGUAGES)
    pref = "http://www.w3.org/2004/02/skos/core#prefLabel"
    preferred = [(q.subject, q.object.language) for q in quads + bundle
                 if q.predicate.value == pref]
    assert len(preferred) == len(set(preferred))  # still one preferred label per language
    assert len({q.subject for q in quads}) >= 10 and len(quads) > 5_000


def test_the_same_size_gives_the_same_file(bundle: list[ox.Quad], tmp_path: Path) -> None:
    first, second = tmp_path / "a.nq", tmp_path / "b.nq"
    count = write_quads(generate(bundle, 8_000), first)
    write_quads(generate(bundle, 8_000), second)
    assert first.read_bytes() == second.read_bytes()
    assert len(read_quads(first)) == count
    assert not list(tmp_path.glob("*.partial"))
