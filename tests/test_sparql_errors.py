"""Mistaken SPARQL requests get errors that name the mistake (issue 23): the same words over
HTTP on both stores and from `qantar query`, with the line, a caret and what was expected."""

from __future__ import annotations

import contextlib
import os
import pickle
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from service.errors import BadQuery
from service.store.engine_parse import rejection
from service.store.messages import Failure
from service.store.syntax_errors import (
    check_update,
    from_message,
    query_error,
    update_error,
)
from tests.live import AUTH, BACKENDS, QANTAR, WRITE_TOKEN, LiveServer, copy_store, serve_on
from tests.w3c.backends import oxigraph_binary, oxigraph_server

QUERY = "SPARQL syntax error in the query"
UPDATE = "SPARQL syntax error in the update"
AN_UPDATE = "INSERT DATA { <http://example.org/a> <http://example.org/b> 'c' }"
AS_UPDATE = (f"{QUERY}: this is an update, not a query; send it as update= or as an "
             "application/sparql-update body")
AS_QUERY = (f"{UPDATE}: this is a query, not an update; send it as query= or as an "
            "application/sparql-query body")
FORMS = "expected a query form such as SELECT, CONSTRUCT, ASK or DESCRIBE"
#: Two PREFIX lines, then a mistake on a line with Cyrillic before it.
PREFIXED = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "PREFIX qantar: <https://w3id.org/qantar/ontology#>\n"
            "SELECT ?s WHERE {\n"
            "  ?s skos:prefLabel \"Алматы\"@ru ; schema:name ?n }")


def position(text: str, needle: str) -> tuple[int, int, str]:
    """Line and column (1-based, in characters) of ``needle`` in ``text``, and its line."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1, text[start:].split("\n")[0]


def assert_points_at(message: str, text: str, needle: str, mistake: str,
                     head: str = QUERY) -> None:
    """``message`` says where ``needle`` is, the mistake, and shows its line with a caret."""
    line, column, source = position(text, needle)
    first, shown, caret = message.rstrip("\n").split("\n")
    assert first == f"{head} at line {line}, column {column}: {mistake}"
    gutter = f"  {line} | "
    assert shown == gutter + source
    assert caret == " " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^"
    assert "\\u{" not in message and "[_]" not in message  # no grammar dumps


# -- over HTTP, through `qantar serve`, on both stores ------------------------------------------


def test_an_update_sent_as_a_query_says_to_send_it_as_an_update(
    live_readonly: LiveServer,
) -> None:
    for response in (
        requests.get(live_readonly.sparql, params={"query": AN_UPDATE}),
        requests.post(live_readonly.sparql, data=AN_UPDATE.encode(),
                      headers={"Content-Type": "application/sparql-query"}),
        # the word "service" makes the SSRF guard parse it; still a 400 that names the mistake
        requests.post(live_readonly.sparql, data={"query": AN_UPDATE.replace("'c'", "'service'")}),
    ):
        assert response.status_code == 400, response.text
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.text == AS_UPDATE + "\n"


def test_a_misspelled_query_form_is_named(live_readonly: LiveServer) -> None:
    text = "SELCT * WHERE { ?s ?p ?o }"
    response = requests.get(live_readonly.sparql, params={"query": text})
    assert response.status_code == 400
    assert_points_at(response.text, text, "SELCT", f"unexpected `SELCT`; {FORMS}")


def test_an_undeclared_prefix_is_named_with_its_line_and_column(
    live_readonly: LiveServer,
) -> None:
    response = requests.post(live_readonly.sparql, data={"query": PREFIXED})
    assert response.status_code == 400
    assert_points_at(response.text, PREFIXED, "schema:",
                     "the prefix schema: is not declared; add PREFIX schema: <...> at the top "
                     "of the query")


def test_a_syntax_error_shows_its_line_and_what_was_expected_in_words(
    live_readonly: LiveServer,
) -> None:
    cases = [
        ("SELECT ?s WHERE {\n  ?s ?p \"Қазақстан\" .\n  FILTR(?s) }", "FILTR",
         "unexpected `FILTR`; expected a term (an IRI, a variable, a literal or a blank node), "
         "`{`, `}`, BIND, FILTER, GRAPH, LATERAL, MINUS, OPTIONAL, SERVICE or VALUES"),
        ("SELECT * WHERE { ?s ?p \"Алматы\" . ?s ?p ?o ?q }", "?q",
         "unexpected `?q`; expected `,`, `.`, `;`, `{`, `}`, BIND, FILTER, GRAPH, LATERAL, "
         "MINUS, OPTIONAL, SERVICE or VALUES"),
        ("SELECT ?s WHERE { ?s ?p ?o }\nLIMT 10", "LIMT",
         "unexpected `LIMT`; expected GROUP BY, HAVING, LIMIT, OFFSET, ORDER BY, VALUES or the "
         "end of the query"),
        ("SELECT (COUNT(?s) ?n) WHERE { ?s ?p ?o }", "?n)",
         "unexpected `?n`; expected an operator, AS, IN or NOT IN"),
    ]
    for text, needle, mistake in cases:
        response = requests.get(live_readonly.sparql, params={"query": text})
        assert response.status_code == 400, text
        assert_points_at(response.text, text, needle, mistake)


def test_a_query_cut_short_says_so(live_readonly: LiveServer) -> None:
    text = "SELECT ?s WHERE {\n\t?s ?p ?o"
    response = requests.get(live_readonly.sparql, params={"query": text})
    assert response.status_code == 400
    first, shown, caret = response.text.rstrip("\n").split("\n")
    assert first == (f"{QUERY} at line 2, column 10: the query ends too soon; expected `,`, `.`, "
                     "`;`, `{`, `}`, BIND, FILTER, GRAPH, LATERAL, MINUS, OPTIONAL, SERVICE or "
                     "VALUES")
    assert (shown, caret) == ("  2 | \t?s ?p ?o", "    | \t        ^")  # the tab kept


def test_an_empty_query_says_it_is_empty(live_readonly: LiveServer) -> None:
    for response in (
        requests.get(live_readonly.sparql, params={"query": ""}),
        requests.post(live_readonly.sparql, data=b"  \n# nothing here\n",
                      headers={"Content-Type": "application/sparql-query"}),
    ):
        assert response.status_code == 400
        assert response.text == f"{QUERY}: it is empty, so there is nothing to run\n"


def test_an_unknown_format_is_a_bad_format_parameter_not_a_failed_negotiation(
    live_readonly: LiveServer,
) -> None:
    response = requests.get(live_readonly.sparql,
                            params={"query": "ASK {}", "format": "yaml"})
    assert response.status_code == 400
    assert response.text == (
        "the format parameter format=yaml names no format this endpoint writes; use one of "
        "json, xml, csv, tsv, turtle, ntriples, rdfxml, jsonld, nquads, trig or html (or the "
        "media type of one)\n")
    # a format it has still answers, and Accept alone still negotiates (406 when nothing fits)
    assert requests.get(live_readonly.sparql,
                        params={"query": "ASK {}", "format": "csv"}).status_code == 200
    assert requests.get(live_readonly.sparql, params={"query": "ASK {}"},
                        headers={"Accept": "image/png"}).status_code == 406


@pytest.fixture(scope="module", params=BACKENDS)
def writable(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             bundle_store_template: Path) -> Iterator[LiveServer]:
    """A service with a write token; every update sent to it here is refused."""
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("errors") / "store")
    with serve_on(request.param, store, QANTAR_WRITE_TOKEN=WRITE_TOKEN) as server:
        yield server


def test_a_query_sent_as_an_update_says_to_send_it_as_a_query(writable: LiveServer) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    for response in (
        requests.post(writable.sparql, data={"update": query}, headers=AUTH),
        requests.post(writable.sparql, data=query.encode(),
                      headers={**AUTH, "Content-Type": "application/sparql-update"}),
    ):
        assert response.status_code == 400
        assert response.text == AS_QUERY + "\n"


def test_an_update_with_no_operation_is_valid_and_changes_nothing(writable: LiveServer) -> None:
    """Unlike a query, an update may be empty: SPARQL 1.1's grammar allows it and the W3C
    suite has it as positive syntax tests (syntax-update-38, 39 and 40)."""
    count = {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"}
    before = requests.get(writable.sparql, params=count, headers={"Accept": "text/csv"}).text
    for text in ("", "  \n# nothing\n", "BASE <http://example/>\n# Otherwise empty\n",
                 "PREFIX : <http://example/>\n# Otherwise empty\n"):
        response = requests.post(writable.sparql, data={"update": text}, headers=AUTH)
        assert response.status_code == 204, response.text
    after = requests.get(writable.sparql, params=count, headers={"Accept": "text/csv"}).text
    assert after == before


def test_update_errors_have_the_style_of_query_errors(writable: LiveServer) -> None:
    text = ("PREFIX ex: <http://example.org/>\n"
            "INSERT DATA {\n  ex:a ex:name \"Ақорда\" ; rdfs:label \"Akorda\" }")
    response = requests.post(writable.sparql, data={"update": text}, headers=AUTH)
    assert response.status_code == 400
    assert_points_at(response.text, text, "rdfs:",
                     "the prefix rdfs: is not declared; add PREFIX rdfs: <...> at the top of "
                     "the update", head=UPDATE)
    text = "INSRT DATA { <http://example.org/a> <http://example.org/b> 'c' }"
    response = requests.post(writable.sparql, data=text.encode(),
                             headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert response.status_code == 400
    assert_points_at(response.text, text, "INSRT",
                     "unexpected `INSRT`; expected an update operation such as INSERT DATA, "
                     "DELETE DATA, DELETE/INSERT ... WHERE, LOAD, CLEAR, CREATE or DROP",
                     head=UPDATE)


# -- on the command line, on both stores --------------------------------------------------------


def qantar_query(env: dict[str, str], text: str) -> subprocess.CompletedProcess:
    return subprocess.run([QANTAR, "query", text], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture(scope="module")
def cli_envs(tmp_path_factory: pytest.TempPathFactory,
             bundle_store_template: Path) -> Iterator[dict[str, dict[str, str]]]:
    """``qantar``'s environment on the embedded store and on an Oxigraph server."""
    base = tmp_path_factory.mktemp("cli-errors")
    store = copy_store(bundle_store_template, base / "store")
    outside = {k: v for k, v in os.environ.items() if not k.startswith("QANTAR_")}
    embedded = {**outside, "QANTAR_STORE": str(store)}
    if oxigraph_binary() is None:
        yield {"embedded": embedded}
        return
    (base / "remote").mkdir()
    with oxigraph_server(base / "remote") as remote:
        yield {"embedded": embedded,
               "remote": {**outside, "QANTAR_STORE": remote.query_url,
                          "QANTAR_STORE_UPDATE": remote.update_url,
                          "QANTAR_STATE_DIR": str(base / "state")}}


@pytest.mark.parametrize("backend", BACKENDS)
def test_qantar_query_words_its_errors_as_the_endpoint_does(
    cli_envs: dict[str, dict[str, str]], backend: str,
) -> None:
    if backend not in cli_envs:
        pytest.skip("the oxigraph command is not installed")
    env = cli_envs[backend]
    done = qantar_query(env, AN_UPDATE)
    assert (done.returncode, done.stderr) == (2, f"error: {AS_UPDATE}\n")
    done = qantar_query(env, "  ")
    assert (done.returncode, done.stderr) == (2, f"error: {QUERY}: it is empty, so there is "
                                                 "nothing to run\n")
    done = qantar_query(env, PREFIXED)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ")
    assert_points_at(done.stderr.removeprefix("error: "), PREFIXED, "schema:",
                     "the prefix schema: is not declared; add PREFIX schema: <...> at the top "
                     "of the query")
    done = qantar_query(env, "SELCT * WHERE { ?s ?p ?o }")
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {QUERY} at line 1, column 1: unexpected `SELCT`; "
                                  f"{FORMS}\n")


# -- the wording itself -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "needle", "mistake"), [
    ("SELECT * WHERE {\r\n  ?s ?p \r\n}", "}",
     "unexpected `}`; expected an IRI, a variable, a literal or a blank node"),
    ("SELECT * WHERE { ?s ?p 'Шымкент }", "'Шымкент",
     "the string that starts here is not closed (its closing ' is missing)"),
    ("SELECT * WHERE { ?s ?p ?o FILTER(?o > ) }", ")", "unexpected `)`; expected an expression"),
    ("SELECT * WHERE { <http://example.org/a b> ?p ?o }", "<http",
     "this is not a valid IRI"),
    ("SELECT ?s WHERE { ?s a: ?o }", "a:",
     "the prefix a: is not declared; add PREFIX a: <...> at the top of the query"),
    ("PREFIX ex: <http://example.org/>", None,
     "the query ends before its query form; " + FORMS),
])
def test_query_mistakes_in_words(text: str, needle: str | None, mistake: str) -> None:
    err = query_error(text)
    if needle is None:  # at the very end
        line, column = text.count("\n") + 1, len(text.split("\n")[-1]) + 1
        assert str(err).split("\n")[0] == f"{QUERY} at line {line}, column {column}: {mistake}"
        return
    line, column, source = position(text, needle)
    assert (err.line, err.column) == (line, column)
    assert str(err).split("\n")[:2] == [f"{QUERY} at line {line}, column {column}: {mistake}",
                                        f"  {line} | {source.rstrip(chr(13))}"]


@pytest.mark.parametrize(("text", "needle", "mistake"), [
    ("INSERT DATA { <http://example.org/a> <http://example.org/b> ?o }", "}",
     "variables are not allowed in INSERT DATA"),
    ("DELETE { ?s ?p ?o }", None, "the update ends too soon; expected INSERT, USING or WHERE"),
    ("CLEAR GRAPH <http://example.org/g> WHERE {}", "WHERE",
     "unexpected `WHERE`; expected `;` or the end of the update"),
])
def test_update_mistakes_in_words(text: str, needle: str | None, mistake: str) -> None:
    err = update_error(text)
    line, column, _ = position(text, needle) if needle else (1, len(text) + 1, text)
    assert str(err).split("\n")[0] == f"{UPDATE} at line {line}, column {column}: {mistake}"


def test_an_update_of_declarations_only_is_valid() -> None:
    check_update("PREFIX ex: <http://example.org/>\n# nothing yet\n")
    check_update("INSERT DATA { <http://example.org/a> <http://example.org/b> 'c' } ;")


def test_a_remote_oxigraph_message_alone_is_put_in_words() -> None:
    message = ("error at 3:2: expected one of \"{\", \"}\", ['A' ..= 'Z' | 'a' ..= 'z' | "
               "'\\u{00C0}'..='\\u{00D6}'], [_]")
    err = from_message(message, "query")
    assert (str(err), err.line, err.column) == (
        f"{QUERY} at line 3, column 2: expected `{{` or `}}`", 3, 2)
    other = from_message("something else", "update")
    assert (str(other), other.line) == (f"{UPDATE}: something else", None)


def test_the_error_crosses_processes_whole() -> None:
    err = query_error(PREFIXED)
    copy = pickle.loads(pickle.dumps(Failure(err))).error
    assert (type(copy), str(copy), copy.line, copy.column) == (
        BadQuery, str(err), err.line, err.column)


def test_asking_the_parser_runs_nothing() -> None:
    """SERVICE and LOAD are parsed, never fetched: nothing connects to the listening socket."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(1.5)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/sparql"
        accepted: list[object] = []

        def accept() -> None:
            with contextlib.suppress(OSError):  # the timeout: nobody came
                accepted.append(server.accept())

        waiter = threading.Thread(target=accept)
        waiter.start()
        remote = f"SERVICE <{url}> {{ ?s ?p ?o }}"
        for text, operation in ((f"SELECT * {{ {remote} }}", "query"),
                                (f"ASK {{ {remote} }}", "query"),
                                (f"LOAD <{url}>", "update"),
                                (f"INSERT {{ ?s ?p ?o }} WHERE {{ {remote} }}", "update")):
            assert rejection(text, operation) is None  # it parses
        assert rejection(f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "update") is not None
        waiter.join()
    assert accepted == []
