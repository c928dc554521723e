"""The remote store's dialects (service.store.remote.dialect): which one a server gets, and how
Virtuoso's answers are made readable. (On a real Virtuoso: tests/test_virtuoso.py.)"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from service.errors import BadQuery
from service.store.query_form import QueryForm, query_form
from service.store.remote.dialect import (
    RESULTS_OR_TRIPLES,
    Dialect,
    Virtuoso,
    bracket_depth,
    choose,
    needs_parse,
)

#: An answer as Virtuoso 7.2.5 writes it (measured): blank nodes and a boolean.
VIRTUOSO_JSON = json.dumps({"head": {"link": [], "vars": ["s", "o"]}, "results": {
    "distinct": False, "ordered": True, "bindings": [
        {"s": {"type": "bnode", "value": "nodeID://b10001"},
         "o": {"type": "typed-literal", "value": "1",
               "datatype": "http://www.w3.org/2001/XMLSchema#boolean"}}]}}).encode()


def test_virtuoso_is_found_from_its_server_header_or_named_in_the_settings() -> None:
    assert choose("auto", "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu").name == "virtuoso"
    assert choose("auto", "Oxigraph/0.5.2").name == "standard"
    assert choose("virtuoso", "").name == "virtuoso"
    assert choose("standard", "Virtuoso/07.20.3229").name == "standard"


def test_pyoxigraph_refuses_virtuoso_blank_nodes_as_they_come() -> None:
    try:
        list(ox.parse_query_results(VIRTUOSO_JSON, format=ox.QueryResultsFormat.JSON))
    except (SyntaxError, ValueError):
        return
    raise AssertionError("pyoxigraph now reads nodeID:// blank nodes: the fix may go")


def test_virtuoso_blank_nodes_and_booleans_are_read_as_rdf_says() -> None:
    fixed = Virtuoso().fix_results(VIRTUOSO_JSON, "application/sparql-results+json")
    row = next(iter(ox.parse_query_results(fixed, format=ox.QueryResultsFormat.JSON)))
    assert row["s"] == ox.BlankNode("b10001")
    assert row["o"] == ox.Literal("true", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#boolean"))


def test_the_standard_dialect_leaves_answers_as_they_are() -> None:
    assert Dialect().fix_results(VIRTUOSO_JSON, "application/sparql-results+json") \
        == VIRTUOSO_JSON
    assert Dialect().accept(query_form("CONSTRUCT WHERE { ?s ?p ?o }")) == RESULTS_OR_TRIPLES


def test_virtuoso_is_asked_for_one_type_by_the_query_form() -> None:
    def accept(query: str) -> str:
        return Virtuoso().accept(query_form(query))

    assert accept("CONSTRUCT WHERE { ?s ?p ?o }") == "application/n-triples"
    assert accept("DESCRIBE <urn:x>") == "application/n-triples"
    assert accept("SELECT * { ?s ?p ?o }") == "application/sparql-results+json"
    assert accept("ASK {}") == "application/sparql-results+json"
    # the form is the parse's: a word in a comment or a string is not the form
    assert accept("SELECT * { ?s ?p 'CONSTRUCT' } # DESCRIBE") \
        == "application/sparql-results+json"


def test_only_virtuoso_needs_every_query_parsed() -> None:
    """The standard dialect needs a parse only for a text that may have FROM (one pass over
    the text says so); a client's text is then parsed in a check worker."""
    assert not needs_parse("CONSTRUCT WHERE { ?s ?p ?o }", Dialect())
    assert needs_parse("SELECT * FROM <urn:g> { ?s ?p ?o }", Dialect())
    assert needs_parse("SELECT * \\u0046ROM <urn:g> { ?s ?p ?o }", Dialect())
    assert needs_parse("SELECT * { ?s ?p ?o }", Virtuoso())


def test_a_query_form_comes_from_the_parse() -> None:
    assert query_form("SELECT * FROM <urn:g> { ?s ?p ?o }").own_dataset
    assert not query_form("SELECT * { ?s ?p ?from } # FROM <urn:g>").own_dataset
    assert query_form("BASE <http://e/> ASK {}").declares_base
    assert query_form("not sparql") == QueryForm()


def test_virtuoso_system_graphs_are_not_ours() -> None:
    assert Virtuoso().is_system_graph("http://www.openlinksw.com/schemas/virtrdf#")
    assert Virtuoso().is_system_graph("http://localuriqaserver/sparql")
    assert not Virtuoso().is_system_graph("https://w3id.org/qantar/graph/ontology")


def test_a_query_with_its_own_base_is_sent_to_virtuoso_without_ours() -> None:
    own = "BASE <http://example.org/> SELECT * { <a> ?p ?o }"
    plain = "SELECT * { <a> ?p ?o } # BASE <http://example.org/>"
    assert Virtuoso().with_base(own, "http://qantar/", query_form(own)) == own
    assert Virtuoso().with_base(plain, "http://qantar/", query_form(plain)) \
        == "BASE <http://qantar/> " + plain
    assert Dialect().with_base(own, "http://qantar/", query_form(own)) \
        == "BASE <http://qantar/> " + own


def test_no_text_nested_deeper_than_the_server_parses_is_sent() -> None:
    """Oxigraph's server dies of a stack overflow on 3,000 nested groups: the bound counts
    every bracket (in strings and comments too), so the parser's nesting is never more."""
    assert bracket_depth('SELECT * { ?s ?p "((" } ]]] {[(?x)]}') == 3
    nested = "SELECT * WHERE " + "{" * 3000 + "}" * 3000
    for dialect in (Dialect(), Virtuoso()):
        dialect.check_nesting("SELECT * WHERE " + "{" * 1000 + "}" * 1000, "query")
        with pytest.raises(BadQuery, match="3,000 levels deep"):
            dialect.check_nesting(nested, "query")
