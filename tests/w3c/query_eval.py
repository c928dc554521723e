"""W3C query-evaluation tests run through HTTP against a Backend.

For each test: empty the store, put ``qt:data`` into the default graph and each
``qt:graphData`` into a named graph (Graph Store Protocol, as N-Triples with the file's IRIs
resolved), send the query (SPARQL Protocol) asking for the expected result's own format, and
compare strictly (see compare.py). The query is sent with ``BASE <its published IRI>``
prepended, since the protocol has no other way to give it the base the suite assumes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

import pyoxigraph as ox
from rdflib import RDF

from tests.w3c import compare
from tests.w3c.backends import Backend
from tests.w3c.suites import MF, QT, SPARQL11, path_of, read_manifest

RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
EVALUATION_TYPES = (MF.QueryEvaluationTest, MF.CSVResultFormatTest)

ACCEPT = {
    "srx": "application/sparql-results+xml",
    "srj": "application/sparql-results+json",
    "tsv": "text/tab-separated-values",
    "csv": "text/csv",
}
RESULT_FORMATS = {
    "srx": ox.QueryResultsFormat.XML,
    "srj": ox.QueryResultsFormat.JSON,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_ACCEPT = "application/n-triples"
ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
FROM = re.compile(r"\bFROM\s+(?:NAMED\s+)?<([^>]*)>", re.IGNORECASE)


@dataclass(frozen=True)
class QueryTest:
    suite: str
    name: str  # the entry's local name, e.g. "agg01"
    query: str  # published IRIs of the files
    data: tuple[str, ...]
    graph_data: tuple[str, ...]
    result: str

    @property
    def id(self) -> str:
        return f"{self.suite}/{self.name}"


@dataclass(frozen=True)
class Outcome:
    test: QueryTest
    passed: bool
    reason: str = ""


def load_tests(suite: str) -> list[QueryTest]:
    """The query-evaluation tests of one sub-suite, in manifest order."""
    graph, entries = read_manifest(SPARQL11 / suite / "manifest.ttl")
    tests = []
    for entry in entries:
        if graph.value(entry, RDF.type) not in EVALUATION_TYPES:
            continue
        action = graph.value(entry, MF.action)
        tests.append(QueryTest(
            suite=suite,
            name=str(entry).rsplit("#", 1)[-1],
            query=str(graph.value(action, QT.query)),
            data=tuple(sorted(str(d) for d in graph.objects(action, QT.data))),
            graph_data=tuple(sorted(str(d) for d in graph.objects(action, QT.graphData))),
            result=str(graph.value(entry, MF.result)),
        ))
    return tests


def ntriples(iri: str) -> bytes:
    """A data file of the suite as N-Triples, its relative IRIs resolved against its IRI."""
    path = path_of(iri)
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
    triples = ox.parse(path=path, format=fmt, base_iri=iri, without_named_graphs=True)
    return ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in triples),
                        format=ox.RdfFormat.N_TRIPLES)


def run(test: QueryTest, backend: Backend, numbers_by_value: bool = False) -> Outcome:
    """Run one test; ``numbers_by_value=True`` compares numbers of one datatype by value."""
    try:
        return _run(test, backend, numbers_by_value)
    except Exception as err:  # a harness or server failure is a failed test, with its reason
        return Outcome(test, False, f"{type(err).__name__}: {err}"[:500])


def _run(test: QueryTest, backend: Backend, numbers_by_value: bool) -> Outcome:
    query_text = path_of(test.query).read_text(encoding="utf-8")
    backend.reset()
    for iri in test.data:
        backend.load(None, ntriples(iri))
    named = list(test.graph_data)
    for target in FROM.findall(query_text):  # FROM <file>: the suite means that file's graph
        iri = urljoin(test.query, target)
        if iri not in named and path_of_or_none(iri) is not None:
            named.append(iri)
    for iri in named:
        backend.load(iri, ntriples(iri))
    extension = test.result.rsplit(".", 1)[-1]
    expected_graph = None if extension in ACCEPT else _expected_graph(test, extension)
    if expected_graph is not None and _is_result_set(expected_graph):
        accept = ACCEPT["srj"]
    else:
        accept = ACCEPT.get(extension, GRAPH_ACCEPT)
    response = backend.request(
        "POST", backend.query_url, data=f"BASE <{test.query}>\n{query_text}".encode(),
        headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept})
    if response.status_code != 200:
        return Outcome(test, False, f"HTTP {response.status_code}: {response.text[:300]}")
    ordered = bool(ORDER_BY.search(query_text))
    return _compare(test, extension, expected_graph, response, ordered, numbers_by_value)


def path_of_or_none(iri: str) -> object:
    try:
        path = path_of(iri)
    except ValueError:
        return None
    return path if path.is_file() else None


def _expected_graph(test: QueryTest, extension: str) -> list[ox.Quad]:
    return list(ox.parse(path=path_of(test.result), base_iri=test.result,
                         format=ox.RdfFormat.from_extension(extension)))


def _is_result_set(quads: list[ox.Quad]) -> bool:
    return any(q.object == ox.NamedNode(RS + "ResultSet") for q in quads)


def _compare(test: QueryTest, extension: str, expected_graph: list[ox.Quad] | None,
             response: object, ordered: bool, numbers_by_value: bool) -> Outcome:
    expected_path = path_of(test.result)
    if extension == "csv":
        names_e, rows_e = compare.csv_rows(expected_path.read_text(encoding="utf-8"))
        names_a, rows_a = compare.csv_rows(response.content.decode("utf-8"))
        return _rows(test, names_e, rows_e, names_a, rows_a, ordered, numbers_by_value)
    if expected_graph is not None and not _is_result_set(expected_graph):
        actual = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
        rows_e = compare.triples_rows(expected_graph)
        rows_a = compare.triples_rows(actual)
        same = compare.isomorphic(rows_e, rows_a, numbers_by_value=numbers_by_value)
        return Outcome(test, same, "" if same else _diff(rows_e, rows_a))
    if expected_graph is not None:
        names_e, rows_e = result_set_rows(expected_graph)
        fmt = ox.QueryResultsFormat.JSON
        expected = None
    else:
        fmt = RESULT_FORMATS[extension]
        expected = ox.parse_query_results(path=expected_path, format=fmt)
    actual = ox.parse_query_results(response.content, format=fmt)
    if isinstance(expected, ox.QueryBoolean) or isinstance(actual, ox.QueryBoolean):
        same = (isinstance(expected, ox.QueryBoolean) and isinstance(actual, ox.QueryBoolean)
                and bool(expected) == bool(actual))
        return Outcome(test, same, "" if same else f"expected {expected}, got {actual}")
    if expected is not None:
        names_e, rows_e = compare.solutions_rows(expected)
    names_a, rows_a = compare.solutions_rows(actual)
    return _rows(test, names_e, rows_e, names_a, rows_a, ordered, numbers_by_value)


def result_set_rows(quads: list[ox.Quad]) -> tuple[list[str], list[compare.Row]]:
    """A result set written in the DAWG ``rs:`` vocabulary, as variable names and rows."""
    def objects(subject: object, predicate: str) -> list:
        return [q.object for q in quads if q.subject == subject and q.predicate.value == RS +
                predicate]

    result_set = next(q.subject for q in quads if q.object == ox.NamedNode(RS + "ResultSet"))
    names = [v.value for v in objects(result_set, "resultVariable")]
    rows = []
    for solution in objects(result_set, "solution"):
        values: dict[str, object] = {}
        for binding in objects(solution, "binding"):
            values[objects(binding, "variable")[0].value] = objects(binding, "value")[0]
        rows.append(tuple(values.get(name) for name in names))
    return names, rows


def _rows(test: QueryTest, names_e: list[str], rows_e: list, names_a: list[str], rows_a: list,
          ordered: bool, numbers_by_value: bool) -> Outcome:
    if sorted(names_e) != sorted(names_a):
        return Outcome(test, False, f"variables: expected {names_e}, got {names_a}")
    rows_a = compare.reorder(names_a, rows_a, names_e)
    same = compare.isomorphic(rows_e, rows_a, ordered=ordered, numbers_by_value=numbers_by_value)
    return Outcome(test, same, "" if same else _diff(rows_e, rows_a))


def _diff(expected: list, actual: list) -> str:
    def show(rows: list) -> str:
        return "; ".join(" ".join("-" if t is None else str(t) for t in row) for row in rows[:6])

    return f"expected {len(expected)} rows [{show(expected)}], got {len(actual)} [{show(actual)}]"
