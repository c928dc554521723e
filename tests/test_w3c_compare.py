"""The W3C harness's comparison: blank nodes renamed consistently, numbers by value per type."""

from __future__ import annotations

import pyoxigraph as ox

from tests.w3c.compare import csv_rows, isomorphic

A, B = ox.BlankNode("a"), ox.BlankNode("b")
X, Y = ox.BlankNode("x"), ox.BlankNode("y")
P = ox.NamedNode("http://example.org/p")
XSD = "http://www.w3.org/2001/XMLSchema#"


def lit(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


def test_blank_nodes_may_be_renamed_but_only_consistently() -> None:
    assert isomorphic([(A, P, B), (B, P, A)], [(X, P, Y), (Y, P, X)])
    assert not isomorphic([(A, P, B), (B, P, A)], [(X, P, Y), (Y, P, Y)])
    assert not isomorphic([(A, P, A)], [(X, P, Y)])
    assert not isomorphic([(A, P, B)], [(X, P, X)])


def test_rows_are_a_multiset_unless_ordered() -> None:
    one, two = lit("1", "integer"), lit("2", "integer")
    assert isomorphic([(one,), (two,)], [(two,), (one,)])
    assert not isomorphic([(one,), (two,)], [(two,), (one,)], ordered=True)
    assert not isomorphic([(one,), (one,)], [(one,), (two,)])
    assert not isomorphic([(one,)], [(one,), (one,)])


def test_numbers_are_terms_unless_asked_to_compare_values_within_one_datatype() -> None:
    assert not isomorphic([(lit("3.0E4", "double"),)], [(lit("30000", "double"),)])
    assert not isomorphic([(lit("2.0", "decimal"),)], [(lit("2", "decimal"),)])
    by_value = {"numbers_by_value": True}
    assert isomorphic([(lit("3.0E4", "double"),)], [(lit("30000", "double"),)], **by_value)
    assert isomorphic([(lit("2.0", "decimal"),)], [(lit("2", "decimal"),)], **by_value)
    assert not isomorphic([(lit("2", "decimal"),)], [(lit("2", "integer"),)], **by_value)
    assert not isomorphic([(lit("-3", "negativeInteger"),)], [(lit("-3", "integer"),)],
                          **by_value)
    assert not isomorphic([(ox.Literal("1"),)], [(lit("1", "integer"),)])
    assert not isomorphic([(ox.Literal("a", language="en"),)], [(ox.Literal("a"),)])


def test_csv_cells_are_text_and_blank_labels_are_blank_nodes() -> None:
    header, rows = csv_rows('s,o\r\nhttp://e/a,"4,4"\r\n_:b0,1.0E6\r\n')
    assert header == ["s", "o"]
    _, other = csv_rows("s,o\nhttp://e/a,\"4,4\"\n_:zz,1.0E6\n")
    assert isomorphic(rows, other)
    _, wrong = csv_rows("s,o\nhttp://e/a,\"4,4\"\n_:zz,1000000\n")
    assert not isomorphic(rows, wrong)
