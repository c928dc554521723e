"""The W3C SPARQL Protocol and Graph Store Protocol manifests, played as HTTP exchanges.

Their tests are written in the W3C HTTP vocabulary (``ht:Request`` with a path, method, headers
and body; ``ht:Response`` with the expected status, headers, body, boolean or result format).
Each test's requests are sent in order to the backend on a freshly emptied store; the path
prefix ``/sparql/`` becomes the backend's query (or update) endpoint and ``/gsp`` its Graph Store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.etree import ElementTree

import pyoxigraph as ox
import requests
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from tests.w3c import compare
from tests.w3c.backends import Backend
from tests.w3c.query_eval import Outcome
from tests.w3c.suites import CNT, HT, MF, SPARQL11, UT, iri_of, path_of, read_manifest

HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
STATUS = {
    HTS.OK: lambda c: c == 200,
    HTS.Created: lambda c: c == 201,
    HTS.NoContent: lambda c: c == 204,
    HTS.NotFound: lambda c: c == 404,
    HTS.StatusCode2xx: lambda c: 200 <= c < 300,
    HTS.StatusCode3xx: lambda c: 300 <= c < 400,
    HTS.StatusCode4xx: lambda c: 400 <= c < 500,
}
RESULT_TYPES = {
    "boolean": {"application/sparql-results+xml", "application/sparql-results+json"},
    "tabular": {"application/sparql-results+xml", "application/sparql-results+json",
                "text/csv", "text/tab-separated-values"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}
RDF_PARSE = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class HttpTest:
    suite: str
    name: str
    entry: URIRef

    @property
    def id(self) -> str:
        return f"{self.suite}/{self.name}"


def load_protocol() -> tuple[Graph, list[HttpTest]]:
    graph, entries = read_manifest(SPARQL11 / "protocol" / "manifest.ttl")
    return graph, [HttpTest("protocol", _local(e), e) for e in entries]


def load_graph_store() -> list[tuple[Graph, HttpTest]]:
    """The Graph Store tests of both included manifests (direct and indirect naming)."""
    tests = []
    for part in ("manifest-direct.ttl", "manifest-indirect.ttl"):
        graph, entries = read_manifest(SPARQL11 / "graph-store-protocol" / part)
        tests += [(graph, HttpTest("graph-store-protocol", _local(e), e)) for e in entries]
    return tests


def _local(entry: URIRef) -> str:
    return str(entry).rsplit("#", 1)[-1]


def run_protocol(backend: Backend) -> list[Outcome]:
    graph, tests = load_protocol()
    return [run(graph, test, backend) for test in tests]


def run_graph_store(backend: Backend) -> list[Outcome]:
    return [run(graph, test, backend) for graph, test in load_graph_store()]


def run(graph: Graph, test: HttpTest, backend: Backend) -> Outcome:
    try:
        backend.reset()
        _load_graph_data(graph, test.entry, backend)
        action = graph.value(test.entry, MF.action)
        requests_list = Collection(graph, graph.value(action, HT.requests))
        variables: dict[str, str] = {}
        for number, request in enumerate(requests_list, start=1):
            problem = _exchange(graph, request, backend, variables)
            if problem:
                return Outcome(test, False, f"request {number}: {problem}")
        return Outcome(test, True)
    except Exception as err:  # a harness or server failure is a failed test, with its reason
        return Outcome(test, False, f"{type(err).__name__}: {err}"[:500])


def _load_graph_data(graph: Graph, entry: URIRef, backend: Backend) -> None:
    from tests.w3c.query_eval import ntriples

    for data in graph.objects(entry, UT.graphData):
        name = str(graph.value(data, RDFS.label))
        backend.load(name, ntriples(str(graph.value(data, UT.graph))))


def _exchange(graph: Graph, request: URIRef, backend: Backend,
              variables: dict[str, str]) -> str | None:
    """Send one ht:Request; the way its answer differs from the ht:Response, or None."""
    method = str(graph.value(request, HT.methodName))
    path = _substitute(str(graph.value(request, HT.absolutePath)), variables)
    headers = _headers(graph, graph.value(request, HT.headers))
    body = None
    body_node = graph.value(request, HT.body)
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        text = _substitute(str(graph.value(body_node, CNT.chars)), variables)
        body = text.encode(encoding.lower())
    url = _url(path, method, headers, body, backend)
    prepared = requests.Request(method, url, headers={**backend.headers, **headers},
                                data=body).prepare()
    prepared.url = url  # exactly as written: the tests check how percent-escapes are decoded
    response = backend.session.send(prepared, allow_redirects=False, timeout=60)
    expected = graph.value(request, HT.resp)
    return _check(graph, expected, response, variables)


def _substitute(text: str, variables: dict[str, str]) -> str:
    for name, value in variables.items():
        text = text.replace(name, value)
    return text


def _headers(graph: Graph, head: object) -> dict[str, str]:
    if head is None:
        return {}
    return {str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
            for h in Collection(graph, head)}


def _url(path: str, method: str, headers: dict[str, str], body: bytes | None,
         backend: Backend) -> str:
    if path.startswith("/sparql/"):
        rest = path[len("/sparql/"):]
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        is_update = ("sparql-update" in ctype or rest.startswith("update=") or "&update=" in rest
                     or (body is not None and body.startswith(b"update=")))
        endpoint = backend.update_url if is_update else backend.query_url
        if "?" in endpoint and rest.startswith("?"):
            rest = "&" + rest[1:]
        return endpoint + rest
    if path.startswith("/gsp"):
        return backend.store_url + path[len("/gsp"):]
    raise ValueError(f"unexpected path {path}")


def _check(graph: Graph, expected: object, response: requests.Response,
           variables: dict[str, str]) -> str | None:
    statuses = list(graph.objects(expected, MF.expectedStatus))
    if statuses and not any(STATUS[s](response.status_code) for s in statuses):
        wanted = ", ".join(str(s).rsplit("#", 1)[-1] for s in statuses)
        return f"status {response.status_code} ({response.text[:200]!r}), expected {wanted}"
    location = graph.value(expected, MF.expectedLocation)
    if location is not None:
        if "Location" not in response.headers:
            return "no Location header"
        variables[str(location)] = response.headers["Location"]
    ctype = response.headers.get("Content-Type", "")
    mime = ctype.split(";")[0].strip().lower()
    for name, value in _headers(graph, graph.value(expected, HT.headers)).items():
        got = response.headers.get(name, "")
        if not _same_header(name, got, value):
            return f"header {name}: {got!r}, expected {value!r}"
    result_format = graph.value(expected, MF.expectedFormat)
    if result_format is not None and mime not in RESULT_TYPES[str(result_format)]:
        return f"content type {ctype!r} is not a {result_format} format"
    boolean = graph.value(expected, MF.expectedBoolean)
    if boolean is not None:
        got_boolean = _boolean(response, mime)
        if got_boolean is not bool(boolean.toPython() if isinstance(boolean, Literal) else boolean):
            return f"boolean {got_boolean}, expected {boolean}"
    body = graph.value(expected, HT.body)
    if body is not None and response.request.method != "HEAD":
        return _same_graph(str(graph.value(body, CNT.chars)), mime, response)
    return None


def _same_header(name: str, got: str, expected: str) -> bool:
    """Header equality; for Content-Type, a missing charset is accepted on RDF types.

    Turtle, N-Triples and the other RDF types are UTF-8 by definition, so ``text/turtle``
    means the same as ``text/turtle; charset=utf-8``; a different charset is still a failure.
    """
    def parts(value: str) -> list[str]:
        return [part.strip().lower().replace(" ", "") for part in value.split(";") if part.strip()]

    if name.lower() != "content-type":
        return parts(got) == parts(expected)
    got_parts, expected_parts = parts(got), parts(expected)
    if not got_parts or got_parts[0] != expected_parts[0]:
        return False
    return all(p in expected_parts for p in got_parts[1:])


def _boolean(response: requests.Response, mime: str) -> bool | None:
    if mime == "application/sparql-results+json":
        return json.loads(response.content).get("boolean")
    if mime == "application/sparql-results+xml":
        root = ElementTree.fromstring(response.content)
        node = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
        return None if node is None else node.text.strip() == "true"
    return None


def _same_graph(expected_text: str, mime: str, response: requests.Response) -> str | None:
    if mime not in RDF_PARSE:
        return f"the body is {mime}, not an RDF graph format"
    expected = list(ox.parse(expected_text.encode(), format=ox.RdfFormat.TURTLE))
    actual = list(ox.parse(response.content, format=RDF_PARSE[mime]))
    rows_e, rows_a = compare.triples_rows(expected), compare.triples_rows(actual)
    if compare.isomorphic(rows_e, rows_a):
        return None
    return f"graph of {len(rows_a)} triples is not isomorphic to the expected {len(rows_e)}"


__all__ = ["HttpTest", "load_graph_store", "load_protocol", "run", "run_graph_store",
           "run_protocol", "RDF", "iri_of", "path_of"]
