"""SHACL findings: plain, sorted, and readable."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef

from service.rdf_files import parse_file
from service.validate import Finding, conforms, format_report, validate_graph

FIXTURES = Path(__file__).parent / "fixtures"
SHAPES = FIXTURES / "bundle" / "shapes" / "qantar.ttl"
ONTOLOGY = FIXTURES / "bundle" / "ontology" / "qantar.ttl"
ID = "https://w3id.org/qantar/id/"


def invalid_data() -> Graph:
    return parse_file(ONTOLOGY) + parse_file(FIXTURES / "invalid" / "person-without-label.ttl")


def test_violations_become_plain_findings_sorted_by_focus() -> None:
    findings = validate_graph(invalid_data(), parse_file(SHAPES))
    assert [(f.severity, str(f.focus)) for f in findings] == [
        ("Violation", ID + "figure/vague"),
        ("Violation", ID + "person/nameless"),
    ]
    assert findings[0].value == Literal("many")
    assert not conforms(findings)


def test_shapes_reach_subclass_instances_through_the_ontology() -> None:
    # the figure is only a qantar:Figure; ClaimShape targets qantar:Claim, Figure's superclass
    data = parse_file(ONTOLOGY)
    data.add((URIRef(ID + "figure/f"), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
              URIRef("https://w3id.org/qantar/ontology#Figure")))
    messages = {f.message for f in validate_graph(data, parse_file(SHAPES))}
    assert "A claim says what it is about" in messages


def test_report_has_one_block_per_finding_with_prefixed_names() -> None:
    report = format_report(validate_graph(invalid_data(), parse_file(SHAPES)))
    assert report.startswith("Does not conform: 2 violations\n")
    assert "Violation: A person needs a preferred label, one per language\n" in report
    assert "  focus: id:person/nameless\n  path:  skos:prefLabel\n" in report
    assert 'value: "many"' in report


def test_only_warnings_still_conform() -> None:
    warning = Finding(URIRef(ID + "event/e"), None, "careful", "Warning")
    assert conforms([warning])
    assert format_report([warning]).startswith("Conforms: 1 warning\n")
