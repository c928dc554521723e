"""Reading RDF files: every format by extension, and errors that say where."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from service.errors import UnreadableInput
from service.rdf_files import parse_file

FIXTURES = Path(__file__).parent / "fixtures"
PERSON = URIRef("https://w3id.org/qantar/id/person/x")


def test_turtle_file_parses_into_a_graph() -> None:
    graph = parse_file(FIXTURES / "bundle" / "graph" / "people.ttl")
    assert len(graph) == 5


def test_broken_turtle_reports_file_line_and_column() -> None:
    with pytest.raises(UnreadableInput) as caught:
        parse_file(FIXTURES / "broken.ttl")
    err = caught.value
    assert (Path(err.file).name, err.line, err.column) == ("broken.ttl", 4, 17)
    assert "nope" in err.message
    assert str(err).endswith("broken.ttl:4:17: " + err.message)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("x.nt", f"<{PERSON}> <http://ex/p> \"a\" .\n"),
        ("x.nq", f"<{PERSON}> <http://ex/p> \"a\" <http://ex/g> .\n"),
        ("x.trig", f"<http://ex/g> {{ <{PERSON}> <http://ex/p> \"a\" }}\n"),
        ("x.jsonld", f'{{"@id": "{PERSON}", "http://ex/p": "a"}}'),
        ("x.rdf", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                  f'xmlns:ex="http://ex/"><rdf:Description rdf:about="{PERSON}">'
                  "<ex:p>a</ex:p></rdf:Description></rdf:RDF>"),
    ],
)
def test_each_format_is_chosen_by_extension(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    graph = parse_file(path)
    assert list(graph.subjects()) == [PERSON]


def test_broken_ntriples_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.nt"
    path.write_text(f"<{PERSON}> <http://ex/p> \"a\" .\n<{PERSON}> <http://ex/p> .\n")
    with pytest.raises(UnreadableInput) as caught:
        parse_file(path)
    assert caught.value.line == 2


def test_broken_rdfxml_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.rdf"
    path.write_text('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                    "<rdf:Description>\n</rdf:RDF>\n")
    with pytest.raises(UnreadableInput) as caught:
        parse_file(path)
    assert caught.value.line == 3


def test_unknown_extension_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n")
    with pytest.raises(UnreadableInput, match="unknown RDF file extension"):
        parse_file(path)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput, match="no such file"):
        parse_file(tmp_path / "absent.ttl")
