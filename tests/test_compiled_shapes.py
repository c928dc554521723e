"""The shapes compiled to SPARQL give pyshacl's findings, and a file validates as its copy in a
store does.

pyshacl is the reference: on every negative fixture (tests/invalid/), on the bundle and on a
generated sample of our own model, the compiled engine must give the same findings (severity,
focus, path, value, message; as many of each). And each fixture must validate the same as a file
and read back from a real store on disk (Oxigraph keeps xsd:nonNegativeInteger as xsd:integer).
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph

from bench.generate import generate
from service.bundle import read_bundle, read_ontology
from service.compiled_shapes import compile_shapes
from service.config import REPO_ROOT, Settings
from service.formats import N_QUADS
from service.rdf_files import load_files, parse_file
from service.store.embedded.store import EmbeddedStore
from service.validate import (
    Finding,
    validate_files,
    validate_focus,
    validate_graph,
    validate_oxigraph,
    validate_store,
)

INVALID = Path(__file__).parent / "invalid"
BASE = INVALID / "_base.ttl"
FIXTURES = sorted(p for p in INVALID.glob("*.ttl") if p != BASE)
SETTINGS = Settings.from_env({"QANTAR_DATA_DIR": str(REPO_ROOT)})


@cache
def shapes() -> Graph:
    return parse_file(REPO_ROOT / "shapes" / "qantar.ttl")


@cache
def ontology() -> Graph:
    return read_ontology(SETTINGS)


def key(findings: list[Finding]) -> Counter:
    """Findings comparable across engines: blank nodes have engine-specific labels."""
    def term(node: object) -> str | None:
        if node is None:
            return None
        return "_:blank" if isinstance(node, BNode) else node.n3()  # type: ignore[attr-defined]
    return Counter((f.severity, term(f.focus), str(f.path), term(f.value), f.message)
                   for f in findings)


def read_back(store: EmbeddedStore) -> Graph:
    """What the store holds, as pyshacl would see it after a round trip."""
    dataset = Dataset()
    dataset.parse(data=store.dump_dataset(N_QUADS) or b"", format="nquads")
    graph = Graph()
    for s, p, o, _ in dataset.quads():
        graph.add((s, p, o))
    return graph


def test_every_shape_of_ours_is_compiled_so_nothing_falls_back_to_pyshacl() -> None:
    compiled = compile_shapes(shapes())
    assert compiled.unsupported == {}
    assert len(compiled.checks) > 100


@pytest.mark.parametrize("path", [BASE, *FIXTURES], ids=lambda p: p.stem)
def test_a_fixture_validates_alike_as_a_file_from_the_store_and_with_either_engine(
    path: Path, tmp_path: Path
) -> None:
    files = [BASE] if path == BASE else [BASE, path]
    as_file = ontology() + parse_file(BASE) + parse_file(path)
    reference = key(validate_graph(as_file, shapes()))
    assert bool(reference) == (path != BASE)
    with EmbeddedStore(tmp_path / "store") as store:
        store.add_graph("urn:test:ontology", ontology())
        for f in files:
            store.add_graph("urn:test:data", parse_file(f))
        assert key(validate_graph(read_back(store), shapes())) == reference, "pyshacl, read back"
        assert key(validate_store(store, shapes())) == reference, "compiled, in the store"
    assert key(validate_files(files, ontology(), shapes())) == reference, "compiled, as files"


def test_a_non_negative_integer_validates_as_a_file_and_in_the_store(tmp_path: Path) -> None:
    """The defect of issue 15: Oxigraph reads "31"^^xsd:nonNegativeInteger back as xsd:integer."""
    age = tmp_path / "age.ttl"
    age.write_text(BASE.read_text(encoding="utf-8") + (
        '\nt:person qantar:statedAge "31"^^xsd:nonNegativeInteger .\n'), encoding="utf-8")
    negative = tmp_path / "negative.ttl"
    negative.write_text(BASE.read_text(encoding="utf-8") + (
        '\nt:person qantar:statedAge "-3"^^xsd:nonNegativeInteger .\n'), encoding="utf-8")
    assert validate_graph(ontology() + parse_file(age), shapes()) == []
    assert validate_files([age], ontology(), shapes()) == []
    with EmbeddedStore(tmp_path / "store") as store:
        store.add_graph("urn:test:data", ontology() + parse_file(age))
        assert validate_graph(read_back(store), shapes()) == []
        assert validate_store(store, shapes()) == []
    for findings in (validate_graph(ontology() + parse_file(negative), shapes()),
                     validate_files([negative], ontology(), shapes())):
        assert {f.message for f in findings} == {
            "A stated age is one non-negative integer (an xsd:integer of 0 or more)."}


def test_the_bundle_gives_the_same_findings_with_either_engine() -> None:
    bundle = read_bundle(SETTINGS).union()
    assert key(validate_files([], bundle, shapes())) == key(validate_graph(bundle, shapes()))


def test_a_generated_sample_of_our_model_gives_pyshacls_findings() -> None:
    """Three renamed copies of the article (bench/generate.py), valid as generated, with a
    second English preferred label given to twenty of their entities, so that there are
    findings to compare, not only silence."""
    bundle = ox.Store()
    for iri, graph in read_bundle(SETTINGS).graphs.items():
        bundle.bulk_load(graph.serialize(format="nt", encoding="utf-8"),
                         format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(iri)))
    sample = ox.Store()
    sample.bulk_extend(generate(list(bundle), len(bundle) * 3))
    pref_label = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    english = [q for q in sample.quads_for_pattern(None, pref_label, None)
               if isinstance(q.object, ox.Literal) and q.object.language == "en"]
    sample.bulk_extend([ox.Quad(q.subject, pref_label,
                                ox.Literal(q.object.value + " (again)", language="en"),
                                q.graph_name) for q in english[:20]])
    data = Graph()
    data.parse(data=ox.serialize((q.triple for q in sample), format=ox.RdfFormat.N_TRIPLES),
               format="nt")
    reference = key(validate_graph(data, shapes()))
    assert sum(reference.values()) >= 20
    assert key(validate_oxigraph(sample, shapes())) == reference


def test_only_the_focus_nodes_are_held_to_the_shapes() -> None:
    """An import's check: the article is context, the imported node alone is validated."""
    bad = (INVALID / "negative-age.ttl")
    bundle = read_bundle(SETTINGS).union()
    data = [bundle.serialize(format="nt", encoding="utf-8"),
            parse_file(BASE).serialize(format="nt", encoding="utf-8"),
            parse_file(bad).serialize(format="nt", encoding="utf-8")]
    person = "https://w3id.org/qantar/id/test/person"
    findings = validate_focus(data, [person], shapes())
    assert [(str(f.focus), f.message) for f in findings] == [
        (person, "A stated age is one non-negative integer (an xsd:integer of 0 or more).")]
    assert validate_focus(data, ["https://w3id.org/qantar/id/test/article"], shapes()) == []


def test_a_shape_the_compiler_does_not_translate_falls_back_to_pyshacl() -> None:
    extra = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix qantar: <https://w3id.org/qantar/ontology#> .
        <urn:test:PathShape> a sh:NodeShape ; sh:targetClass qantar:Person ;
            sh:property [ sh:path ( qantar:residence qantar:locatedIn ) ; sh:minCount 1 ;
                          sh:message "A residence must lie somewhere." ] .""")
    compiled = compile_shapes(shapes() + extra)
    assert list(compiled.unsupported) == ["urn:test:PathShape"]
    store = ox.Store()
    load_files(store, [BASE], ontology())
    findings = validate_oxigraph(store, shapes() + extra)
    reference = validate_graph(ontology() + parse_file(BASE), shapes() + extra)
    assert key(findings) == key(reference)
    assert {f.message for f in findings} == {"A residence must lie somewhere."}
