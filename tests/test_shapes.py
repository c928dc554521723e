"""The real shapes reject each small invalid graph in tests/invalid/ with the expected message.

Each fixture adds one defect to tests/invalid/_base.ttl and names the messages it must produce in
`# expect:` lines; the findings must be exactly those, so a fixture cannot pass by accident
through another violation, and a shape whose constraint was removed makes its fixture fail.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph

from service.bundle import read_ontology
from service.config import REPO_ROOT, Settings
from service.rdf_files import parse_file
from service.validate import validate_graph

INVALID = Path(__file__).parent / "invalid"
BASE = INVALID / "_base.ttl"
FIXTURES = sorted(p for p in INVALID.glob("*.ttl") if p != BASE)


@cache
def shapes() -> Graph:
    return parse_file(REPO_ROOT / "shapes" / "qantar.ttl")


@cache
def ontology() -> Graph:
    return read_ontology(Settings.from_env({"QANTAR_DATA_DIR": str(REPO_ROOT)}))


def expected_messages(path: Path) -> set[str]:
    prefix = "# expect: "
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line[len(prefix):] for line in lines if line.startswith(prefix)}


def test_the_shared_base_of_the_invalid_fixtures_conforms() -> None:
    assert validate_graph(ontology() + parse_file(BASE), shapes()) == []


def test_there_are_many_negative_fixtures_each_with_an_expectation() -> None:
    assert len(FIXTURES) >= 25
    assert all(expected_messages(path) for path in FIXTURES)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_invalid_graph_is_rejected_with_the_expected_message(path: Path) -> None:
    findings = validate_graph(ontology() + parse_file(BASE) + parse_file(path), shapes())
    assert findings, f"{path.name} was not rejected"
    assert {f.severity for f in findings} == {"Violation"}
    assert {f.message for f in findings} == expected_messages(path)


def test_every_shape_constraint_carries_a_message() -> None:
    query = """
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?shape WHERE {
            { ?shape sh:path ?path . FILTER NOT EXISTS { ?shape sh:message ?m } }
            UNION
            { ?shape a sh:SPARQLConstraint . FILTER NOT EXISTS { ?shape sh:message ?m } }
            FILTER NOT EXISTS { ?outer sh:or/(<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>*)/
                                <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ?shape }
            FILTER NOT EXISTS { ?outer sh:node ?shape }
            FILTER NOT EXISTS { ?owner sh:node/sh:property ?shape }
        }"""
    unexplained = [row.shape for row in shapes().query(query)]
    assert unexplained == []
