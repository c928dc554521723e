"""Every competency question gives the same answer through the running service as through the
command line: over GET and over the form POST the query UI sends, on both stores, and also when
the text carries a comment full of SPARQL keywords (the dataset is decided from the parse)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from tests.competency import QUERY_FILES, assert_expected, rows_of
from tests.live import LiveServer

pytestmark = pytest.mark.slow

JSON = "application/sparql-results+json"
#: What YASGUI sends (service/query_ui.py configures it to POST a form).
UI_ACCEPT = "application/sparql-results+json,*/*;q=0.9"
NOISY_COMMENT = ("# from FROM <https://example.org/nothing> FROM NAMED <urn:x> SERVICE LOAD "
                 "GRAPH where\n")


def ask(server: LiveServer, text: str, *, form: bool) -> object:
    if form:
        response = requests.post(server.sparql, data={"query": text},
                                 headers={"Accept": UI_ACCEPT}, timeout=60)
    else:
        response = requests.get(server.sparql, params={"query": text},
                                headers={"Accept": JSON}, timeout=60)
    assert response.status_code == 200, response.text
    return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_each_question_answers_over_http_as_on_the_command_line(
    live_readonly: LiveServer, path: Path
) -> None:
    assert_expected(path, rows_of(ask(live_readonly, path.read_text(encoding="utf-8"),
                                      form=False)))


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_each_question_answers_in_the_query_ui_path_with_a_comment_of_keywords(
    live_readonly: LiveServer, path: Path
) -> None:
    text = NOISY_COMMENT + path.read_text(encoding="utf-8")
    assert_expected(path, rows_of(ask(live_readonly, text, form=True)))


def test_the_word_from_in_a_string_or_a_variable_keeps_the_union(
    live_readonly: LiveServer,
) -> None:
    text = ('SELECT ?from WHERE { ?from a ?class . FILTER(?class != "from the article") } '
            "LIMIT 1")
    assert len(list(ask(live_readonly, text, form=False))) == 1


def test_a_query_with_its_own_from_sees_only_that_graph(live_readonly: LiveServer) -> None:
    ontology = "https://w3id.org/qantar/graph/ontology"
    person = "https://w3id.org/qantar/id/person/kassym-jomart-tokayev"
    own = f"SELECT * FROM <{ontology}> WHERE {{ <{person}> ?p ?o }}"
    assert list(ask(live_readonly, own, form=False)) == []
    union = f"SELECT * WHERE {{ <{person}> ?p ?o }}"
    assert len(list(ask(live_readonly, union, form=False))) > 5
