"""SPARQL queries of the endpoint answered by a remote SPARQL server.

The same messages as the local query workers (service.store.messages), so the endpoint does
not care which store answers; what fails before the answer begins is raised. The server's
answer is streamed through; when it answers in another format than the one negotiated, it is
converted with pyoxigraph. The time limit is the HTTP timeout plus a deadline over the whole
answer; the remote server may go on computing a query we gave up on (no protocol can stop it),
which the README notes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pyoxigraph as ox

from service.errors import (
    BadQuery,
    NotAcceptable,
    QantarError,
    QueryTimeout,
    RemoteNotAcceptable,
    RemoteTimeout,
    StoreUnavailable,
)
from service.formats import (
    RDF_XML,
    READABLE_RDF,
    SPARQL_JSON,
    SPARQL_XML,
    by_media_type,
)
from service.store.dataset import SYSTEM_GRAPHS
from service.store.interface import Triples
from service.store.messages import (
    AnswerKind,
    Chunk,
    End,
    Failure,
    Head,
    Message,
    Rows,
)
from service.store.query_form import QueryForm, query_form
from service.store.remote.dialect import form_for
from service.store.remote.store import ANSWERS_ANY_SERVER_WRITES, RemoteStore
from service.store.syntax_errors import explained_or
from service.store.workers import CheckJob, QueryJob, first_rows
from service.xml_safety import UnsafeXml, check_xml

CHUNK = 64 * 1024
#: The results formats a server's answer is read in (pyoxigraph reads no CSV).
PARSABLE_RESULTS = (SPARQL_JSON, SPARQL_XML)


class RemoteQueryRunner:
    """Forwards the endpoint's queries to the remote store."""

    def __init__(self, store: RemoteStore, check: Callable[..., object]) -> None:
        self.store = store
        # runs a check of the client's text in a worker process within a time limit
        # (service.sparql.checks): an unbounded parse never runs in the web process
        self._check = check
        self.generation = 0
        self._default_empty: tuple[int, bool] | None = None
        self._graphs: tuple[int, list[str]] | None = None

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

    def _without_system_graphs(self, union: bool) -> dict:
        """The dataset of a client's query as the embedded store gives it (service.store.dataset
        ``query_dataset``): with the service's own graphs (provenance, saved queries,
        findings) on the server, every other graph named, so that they stay out of the answer
        unless the query names them (FROM NAMED, named-graph-uri). Nothing when there are
        none. The list is kept for the generation (a write through the service renews it)."""
        cached = self._graphs
        if cached is None or cached[0] != self.generation:
            cached = self._graphs = (self.generation, self.store.graphs())
        graphs = cached[1]
        if not any(g in SYSTEM_GRAPHS for g in graphs):
            return {}
        visible = tuple(g for g in graphs if g not in SYSTEM_GRAPHS) or (NO_GRAPH,)
        default = self.store.dialect.default_graph
        if union:
            defaults = (*visible, default) if default else visible
        elif default:  # the store's own default graph, which this dialect names
            defaults = (default,)
        else:  # a default graph the protocol cannot name: kept, as the server gives it (the
            return {}  # service's graphs then stay out of it, but GRAPH ?g reaches them)
        return {"default_graphs": defaults, "named_graphs": visible}

    def close(self) -> None:
        """Nothing to stop: the store's HTTP session is closed with the store."""

    def _form(self, query: str, timeout: float, client: str) -> QueryForm:
        """The query's form (service.store.query_form), parsed in a check worker when the
        dialect needs it (one pass over the text says whether)."""
        return form_for(query, self.store.dialect,
                        lambda text: self._check(CheckJob(query_form, (text,)), timeout,
                                                 client=client))

    def _explained(self, err: BadQuery, job: QueryJob, deadline: float,
                   client: str) -> BadQuery:
        """The server's refusal, worded by Oxigraph's parser when it refuses the text too,
        parsed in a check worker (a deeply nested text would overflow any thread's stack);
        the server's own words when that check cannot be made in the time left."""
        left = deadline - time.monotonic()
        if left <= 0:
            return err
        try:
            return self._check(CheckJob(explained_or, (err, job.query, "query", job.base_iri)),
                               left, client=client)
        except QantarError:
            return err

    def execute(self, job: QueryJob, timeout: float, *, client: str = "") -> Iterator[Message]:
        """Run ``job`` on the remote store; yields its messages. Raises QueryTimeout, BadQuery
        (the server refused the query) or StoreUnavailable."""
        deadline = time.monotonic() + timeout
        dialect = self.store.dialect
        dialect.check_nesting(job.query, "query")
        form = self._form(job.query, timeout, client)  # within the query's own time limit
        timeout = max(0.001, deadline - time.monotonic())
        results, graph = job.results_format, job.graph_format
        accept = ", ".join(filter(None, [results and results.media_type,
                                         graph and f"{graph.media_type};q=0.9"]))
        if not dialect.passes_answers_through:  # read and rewritten (service.store.remote.dialect)
            accept = dialect.accept(form)
        ask = dict(union=self._union(job), default_graphs=job.default_graphs,
                   named_graphs=job.named_graphs, timeout=timeout)
        if not job.default_graphs and not job.named_graphs and not form.own_dataset:
            ask.update(self._without_system_graphs(ask["union"]))
        # relative IRIs resolve against our endpoint, not the server (same line: line numbers
        # in error messages stay right)
        query = (dialect.with_base(job.query, ox.NamedNode(job.base_iri).value, form)
                 if job.base_iri else job.query)
        try:
            try:
                response = self.store.query_response(query, accept, form, **ask)
            except RemoteNotAcceptable:
                # ask for what every server writes, and convert (or say why nothing fits)
                response = self.store.query_response(query, ANSWERS_ANY_SERVER_WRITES, form,
                                                     **ask)
        except RemoteTimeout as err:
            raise QueryTimeout(timeout) from err
        except BadQuery as err:  # worded as for the embedded store when Oxigraph refuses it too
            raise self._explained(err, job, deadline, client) from None
        with response:
            mime = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if job.row_cap:
                yield _rows(dialect.fix_results(response.content, mime), mime, job.row_cap)
                return
            if not dialect.passes_answers_through:
                yield from _converted(dialect.fix_results(response.content, mime), mime, job)
                return
            passed = next((f for f in (graph, results) if f and f.media_type == mime), None)
            if passed is not None:  # the server wrote what was negotiated: passed through
                triples = passed is graph and passed.rdf is not None
                yield Head(AnswerKind.TRIPLES if triples else AnswerKind.SOLUTIONS, passed)
                for chunk in response.iter_content(CHUNK):
                    if time.monotonic() > deadline:
                        raise QueryTimeout(timeout)
                    yield Chunk(chunk)
                yield End()
                return
            yield from _converted(response.content, mime, job)


#: A graph no store holds: the named graphs of a dataset where every graph is the service's own.
NO_GRAPH = "urn:qantar:no-graph"


def _converted(body: bytes, mime: str, job: QueryJob) -> Iterator[Message]:
    """The server's answer in the negotiated format, converted by pyoxigraph."""
    if not _safe(body, mime):
        yield Failure(StoreUnavailable("the SPARQL server answered XML with entity declarations "
                                       "or malformed XML, which is not read"))
        return
    results_in, rdf_in = by_media_type(mime, PARSABLE_RESULTS), by_media_type(mime, READABLE_RDF)
    if results_in:
        results_out = job.results_format
        if results_out is None or results_out.results is None:
            yield Failure(NotAcceptable("the answer is query results, and none of the "
                                        "acceptable formats fits"))
            return
        results = ox.parse_query_results(body, format=results_in.results)
        data = results.serialize(format=results_out.results)
        yield Head(AnswerKind.SOLUTIONS, results_out)
    elif rdf_in:
        rdf_out = job.graph_format
        if rdf_out is None or rdf_out.rdf is None:
            yield Failure(NotAcceptable("the answer is an RDF graph, and none of the acceptable "
                                        "formats fits"))
            return
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(body, format=rdf_in.rdf)]
        data = ox.serialize(triples, format=rdf_out.rdf)
        yield Head(AnswerKind.TRIPLES, rdf_out)
    else:
        yield Failure(StoreUnavailable(f"the SPARQL server answered in {mime or 'no format'}, "
                                       "which cannot be converted"))
        return
    yield Chunk(data)
    yield End()


def _safe(body: bytes, mime: str) -> bool:
    """XML (results or RDF/XML) is read only without entity declarations (service.xml_safety)."""
    if by_media_type(mime, (SPARQL_XML, RDF_XML)) is None:
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
    results_in, rdf_in = by_media_type(mime, PARSABLE_RESULTS), by_media_type(mime, READABLE_RDF)
    if results_in:
        return first_rows(ox.parse_query_results(body, format=results_in.results), cap)
    if rdf_in:
        triples = (ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(body, format=rdf_in.rdf))
        return first_rows(Triples(triples), cap)
    return Failure(StoreUnavailable(f"the SPARQL server answered in {mime or 'no format'}"))

