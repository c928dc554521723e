"""The format table and the one negotiation every surface uses."""

from __future__ import annotations

import pytest

from service.formats import (
    CSV,
    DATASET_FORMATS,
    FORMATS,
    HTML,
    JSON,
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    RDF_FORMATS,
    RDF_XML,
    READABLE_RDF,
    RESULTS_FORMATS,
    SPARQL_JSON,
    SPARQL_XML,
    TRIG,
    TURTLE,
    by_extension,
    by_media_type,
    by_name,
    content_type,
    negotiate,
    prefers,
)


def test_no_accept_header_or_a_wildcard_gets_the_first_offered() -> None:
    for header in (None, "", "*/*"):
        assert negotiate(header, RESULTS_FORMATS) is SPARQL_JSON
        assert negotiate(header, RDF_FORMATS) is TURTLE
        assert negotiate(header, DATASET_FORMATS) is TRIG


def test_q_values_and_specificity_decide() -> None:
    assert negotiate("text/csv;q=0.5, application/sparql-results+xml;q=0.9",
                     RESULTS_FORMATS) is SPARQL_XML
    assert negotiate("application/n-triples, */*", RDF_FORMATS) is N_TRIPLES
    assert negotiate("application/trig;q=0.5, application/*;q=0.9", RDF_FORMATS) is N_TRIPLES


def test_nothing_acceptable_is_none() -> None:
    assert negotiate("image/png", RDF_FORMATS) is None
    assert negotiate("text/turtle", DATASET_FORMATS) is None
    assert negotiate("text/turtle;q=0", RDF_FORMATS) is None


def test_media_type_parameters_are_ignored() -> None:
    assert negotiate("application/sparql-results+json; charset=utf-8",
                     RESULTS_FORMATS) is SPARQL_JSON


def test_aliases_name_their_format_and_legacy_names_only_when_asked() -> None:
    assert negotiate("text/plain", RDF_FORMATS) is N_TRIPLES
    assert negotiate("application/json", RESULTS_FORMATS) is SPARQL_JSON
    assert negotiate("application/x-turtle", RDF_FORMATS) is None
    assert negotiate("application/x-turtle", RDF_FORMATS, legacy=True) is TURTLE
    assert negotiate("application/json", RDF_FORMATS, legacy=True) is JSON_LD


def test_a_canonical_type_wins_a_tie_with_an_alias() -> None:
    assert negotiate("text/plain, application/rdf+xml", RDF_FORMATS) is RDF_XML


def test_prefers_needs_a_strictly_higher_quality() -> None:
    assert prefers("application/json", JSON, over=HTML)
    assert not prefers("text/html, application/json", JSON, over=HTML)
    assert not prefers("text/*, application/json", JSON, over=HTML)
    assert not prefers(None, JSON, over=HTML)


def test_lookups() -> None:
    assert by_media_type("TEXT/TURTLE; charset=utf-8") is TURTLE
    assert by_media_type("application/x-trig") is None
    assert by_media_type("application/x-trig", legacy=True) is TRIG
    assert by_media_type("text/csv") is None  # not RDF
    assert by_extension(".OWL") is RDF_XML and by_extension("nq") is N_QUADS
    assert by_extension(".txt") is None and by_extension("") is None
    assert by_name("json", RESULTS_FORMATS) is SPARQL_JSON
    assert by_name("json", RDF_FORMATS) is JSON_LD
    assert by_name(" Turtle ", RDF_FORMATS) is TURTLE
    assert by_name("text/csv", RESULTS_FORMATS) is CSV
    assert by_name("bogus", READABLE_RDF) is None


def test_text_formats_say_their_charset() -> None:
    assert content_type("text/turtle") == "text/turtle; charset=utf-8"
    assert content_type("application/ld+json") == "application/ld+json"
    assert content_type("image/png") == "image/png"


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_every_rdf_format_is_complete(fmt: object) -> None:
    assert fmt.rdf is not None and fmt.rdflib and fmt.extensions and fmt.names and fmt.iri
    assert fmt.rdf.media_type == fmt.media_type


def test_no_two_formats_share_a_canonical_media_type() -> None:
    canonical = [f.media_type for f in FORMATS]
    assert len(canonical) == len(set(canonical))
