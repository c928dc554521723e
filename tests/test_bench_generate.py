"""bench/generate.py: a bigger graph of exactly the bundle's shape, deterministic, valid N-Quads."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.generate import COPIED_GRAPHS, generate, read_quads, write_quads
from service.namespaces import ID
from service.store import EmbeddedStore

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def bundle(loaded_store: EmbeddedStore) -> list[ox.Quad]:
    dump = loaded_store.dump_dataset("application/n-quads")
    return list(ox.parse(dump, format=ox.RdfFormat.N_QUADS))


def test_the_copies_have_the_bundles_shape(bundle: list[ox.Quad]) -> None:
    quads = list(generate(bundle, 20_000))
    copied = sum(q.graph_name.value in COPIED_GRAPHS for q in bundle)
    assert 20_000 <= len(quads) < 20_000 + copied
    assert set(bundle) <= set(quads)  # copy 0 is the bundle itself
    assert {q.graph_name for q in quads} == {q.graph_name for q in bundle}
    assert {q.predicate for q in quads} == {q.predicate for q in bundle}
    assert {q.object for q in quads if q.predicate.value == RDF_TYPE} == {
        q.object for q in bundle if q.predicate.value == RDF_TYPE}
    copies = (len(quads) - (len(bundle) - copied)) // copied
    event = ox.NamedNode("https://w3id.org/qantar/ontology#Event")
    events = {q.subject for q in quads if q.predicate.value == RDF_TYPE and q.object == event}
    bundle_events = {q.subject for q in bundle
                     if q.predicate.value == RDF_TYPE and q.object == event}
    assert bundle_events and len(events) == copies * len(bundle_events)
    concepts = {t for q in quads for t in (q.subject, q.object)
                if isinstance(t, ox.NamedNode) and t.value.startswith(str(ID["concept/"]))}
    assert concepts <= {t for q in bundle for t in (q.subject, q.object)}
    blanks = {t for q in quads for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
    bundle_blanks = {t for q in bundle for t in (q.subject, q.object)
                     if isinstance(t, ox.BlankNode)}
    assert len(blanks) == copies * len(bundle_blanks)


def test_the_same_size_gives_the_same_file(bundle: list[ox.Quad], tmp_path: Path) -> None:
    first, second = tmp_path / "a.nq", tmp_path / "b.nq"
    count = write_quads(generate(bundle, 8_000), first)
    write_quads(generate(bundle, 8_000), second)
    assert first.read_bytes() == second.read_bytes()
    assert len(read_quads(first)) == count
    assert not list(tmp_path.glob("*.partial"))
