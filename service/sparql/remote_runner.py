"""SPARQL queries of the endpoint answered by a remote SPARQL server.

The same messages as the local query workers (service.sparql.messages), so the endpoint does
not care which store answers; what fails before the answer begins is raised. The server's
answer is streamed through; when it answers in another format than the one negotiated, it is
converted with pyoxigraph. The time limit is the HTTP timeout plus a deadline over the whole
answer; the remote server may go on computing a query we gave up on (no protocol can stop it),
which the README notes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyoxigraph as ox

from service.errors import (
    NotAcceptable,
    QueryTimeout,
    RemoteNotAcceptable,
    RemoteTimeout,
    StoreUnavailable,
)
from service.remote_store import RemoteStore
from service.sparql.messages import Chunk, End, Failure, Head, Message, Rows
from service.sparql.oxiformats import RDF_FORMATS, RESULTS_FORMATS
from service.sparql.workers import QueryJob, first_rows
from service.xml_safety import UnsafeXml, check_xml

CHUNK = 64 * 1024
FALLBACK_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
PARSABLE_RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
}


class RemoteQueryRunner:
    """Forwards the endpoint's queries to the remote store."""

    def __init__(self, store: RemoteStore) -> None:
        self.store = store
        self.generation = 0
        self._default_empty: tuple[int, bool] | None = None

    def publish(self, generation: int) -> None:
        """A write happened: what was cached about the store's content is stale."""
        self.generation = generation

    def held(self) -> set[int]:
        return set()

    def _union(self, job: QueryJob) -> bool:
        if job.union_default is not None:
            return job.union_default
        cached = self._default_empty
        if cached is None or cached[0] != self.generation:
            cached = (self.generation, self.store.default_graph_is_empty())
            self._default_empty = cached
        return cached[1]

    def close(self) -> None:
        """Nothing to stop: the store's HTTP session is closed with the store."""

    def execute(self, job: QueryJob, timeout: float) -> Iterator[Message]:
        """Run ``job`` on the remote store; yields its messages. Raises QueryTimeout, BadQuery
        (the server refused the query) or StoreUnavailable."""
        deadline = time.monotonic() + timeout
        accept = ", ".join(filter(None, [job.results_type, job.graph_type and
                                         f"{job.graph_type};q=0.9"]))
        ask = dict(union=self._union(job), default_graphs=job.default_graphs,
                   named_graphs=job.named_graphs, timeout=timeout)
        # relative IRIs resolve against our endpoint, not the server (same line: line numbers
        # in error messages stay right)
        query = f"BASE {ox.NamedNode(job.base_iri)} {job.query}" if job.base_iri else job.query
        try:
            try:
                response = self.store.query_response(query, accept, **ask)
            except RemoteNotAcceptable:
                # ask for what every server writes, and convert (or say why nothing fits)
                response = self.store.query_response(query, FALLBACK_ACCEPT, **ask)
        except RemoteTimeout as err:
            raise QueryTimeout(timeout) from err
        with response:
            mime = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if job.row_cap:
                yield _rows(response.content, mime, job.row_cap)
                return
            if mime in (job.results_type, job.graph_type):
                kind = "triples" if mime == job.graph_type and mime in RDF_FORMATS else "solutions"
                yield Head(kind, mime)
                for chunk in response.iter_content(CHUNK):
                    if time.monotonic() > deadline:
                        raise QueryTimeout(timeout)
                    yield Chunk(chunk)
                yield End()
                return
            yield from _converted(response.content, mime, job)


def _converted(body: bytes, mime: str, job: QueryJob) -> Iterator[Message]:
    """The server's answer in the negotiated format, converted by pyoxigraph."""
    if not _safe(body, mime):
        yield Failure(StoreUnavailable("the SPARQL server answered XML with entity declarations "
                                       "or malformed XML, which is not read"))
        return
    if mime in PARSABLE_RESULTS:
        if job.results_type not in RESULTS_FORMATS:
            yield Failure(NotAcceptable("the answer is query results, and none of the "
                                        "acceptable formats fits"))
            return
        results = ox.parse_query_results(body, format=PARSABLE_RESULTS[mime])
        data = results.serialize(format=RESULTS_FORMATS[job.results_type])
        yield Head("solutions", job.results_type)
    elif mime in RDF_FORMATS:
        if job.graph_type not in RDF_FORMATS:
            yield Failure(NotAcceptable("the answer is an RDF graph, and none of the acceptable "
                                        "formats fits"))
            return
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(body, format=RDF_FORMATS[mime])]
        data = ox.serialize(triples, format=RDF_FORMATS[job.graph_type])
        yield Head("triples", job.graph_type)
    else:
        yield Failure(StoreUnavailable(f"the SPARQL server answered in {mime or 'no format'}, "
                                       "which cannot be converted"))
        return
    yield Chunk(data)
    yield End()


def _safe(body: bytes, mime: str) -> bool:
    """XML (results or RDF/XML) is read only without entity declarations (service.xml_safety)."""
    if mime not in ("application/sparql-results+xml", "application/xml", "application/rdf+xml"):
        return True
    try:
        check_xml(body)
    except UnsafeXml:
        return False
    return True


def _rows(body: bytes, mime: str, cap: int) -> Rows | Failure:
    """The first rows of the server's answer, for the HTML view."""
    if not _safe(body, mime):
        return Failure(StoreUnavailable("the SPARQL server answered unsafe or malformed XML"))
    if mime in PARSABLE_RESULTS:
        return first_rows(ox.parse_query_results(body, format=PARSABLE_RESULTS[mime]), cap)
    if mime in RDF_FORMATS:
        triples = (ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(body, format=RDF_FORMATS[mime]))
        return first_rows(_Triples(triples), cap)
    return Failure(StoreUnavailable(f"the SPARQL server answered in {mime or 'no format'}"))


class _Triples:
    """Triples parsed from a remote answer, shown to first_rows like pyoxigraph's QueryTriples."""

    is_triples = True

    def __init__(self, triples: object) -> None:
        self.triples = triples

    def __iter__(self) -> object:
        return iter(self.triples)
