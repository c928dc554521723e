"""``/sparql``: the SPARQL 1.1 Protocol (query and update), with negotiation and caching."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl

import pyoxigraph as ox
from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import MultiDict

from service.auth import require_write_token
from service.errors import (
    AnswerFailed,
    BadQuery,
    BadRequest,
    FetchFailed,
    Forbidden,
    NotAcceptable,
    QantarError,
    QueryTimeout,
    UnsupportedBody,
    WriteTimeout,
    is_disk_error,
)
from service.formats import (
    HTML,
    JSON_LD,
    N_TRIPLES,
    RDF_FORMATS,
    RDF_XML,
    RESULTS_FORMATS,
    SPARQL_JSON,
    TURTLE,
    Format,
    accept_of,
    by_name,
    negotiate,
    prefers,
)
from service.sandbox import refused_by_sandbox
from service.sparql.checks import CheckedUpdate, checked_update, query_fetches
from service.sparql.description import service_description
from service.sparql.guard import mentions_fetch
from service.sparql.replay import REPLAYABLE
from service.state import Qantar, qantar
from service.store.messages import AnswerKind, Chunk, End, Failure, Head, Message, Rows, Whole
from service.store.workers import CheckJob, QueryJob, starting_seconds
from service.versions import current_version

log = logging.getLogger(__name__)
blueprint = Blueprint("sparql", __name__, template_folder="templates")

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Dispatch on method and content type as the SPARQL 1.1 Protocol prescribes."""
    check_utf8_form(request.query_string, "the query string")
    if request.method == "GET":
        if "update" in request.args:
            raise BadRequest("updates must be sent with POST, not GET")
        queries = request.args.getlist("query")
        if not queries:
            return _describe()
        return _query(_single(queries, "query"), request.args)
    mimetype = request.mimetype
    if mimetype == QUERY_BODY:
        return _query(utf8_text(request.get_data(), "the query"), request.args)
    if mimetype == UPDATE_BODY:
        return _update(utf8_text(request.get_data(), "the update"), request.args)
    if mimetype == FORM:
        check_utf8_form(request.get_data(), "the form")
    if mimetype == FORM or (not mimetype and request.form):
        queries, updates = request.form.getlist("query"), request.form.getlist("update")
        if queries and updates:
            raise BadRequest("send either query= or update=, not both")
        if queries:
            return _query(_single(queries, "query"), request.form)
        if updates:
            return _update(_single(updates, "update"), request.form)
        raise BadRequest("the form has neither a query= nor an update= field")
    raise UnsupportedBody(f"unsupported content type {mimetype or '(none)'}: use {FORM}, "
                          f"{QUERY_BODY} or {UPDATE_BODY}")


def utf8_text(raw: bytes, what: str) -> str:
    """``raw`` as UTF-8, or 400 with where it is not (never U+FFFD in place of bytes)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise BadQuery(f"{what} is not valid UTF-8 at line {line}, column {column} (byte "
                       f"0x{raw[err.start]:02x}); nothing was run") from None


def check_utf8_form(raw: bytes, what: str) -> None:
    """400 unless every field of a URL-encoded ``raw`` decodes as UTF-8 (werkzeug would put
    escapes in place of the bad bytes)."""
    if b"%" not in raw and raw.isascii():
        return
    try:
        parse_qsl(raw.decode("ascii"), keep_blank_values=True, encoding="utf-8",
                  errors="strict")
    except UnicodeDecodeError as err:
        raise BadQuery(f"{what} is not valid UTF-8 once decoded ({err.reason}); nothing was "
                       "run") from None


def _single(values: list[str], name: str) -> str:
    if len(values) > 1:
        raise BadQuery(f"exactly one {name}= parameter is allowed, got {len(values)}")
    return values[0]


@dataclass(frozen=True)
class PlannedQuery:
    """A query checked and ready to run: its job, whether the answer is the HTML view, the
    request's one deadline and who asks."""

    job: QueryJob
    html: bool
    deadline: float
    client: str

    def left(self) -> float:
        return max(0.001, self.deadline - time.monotonic())


@dataclass(frozen=True)
class Answer:
    """An answer of ``/sparql``, whichever layer sends it: Flask here, or the direct layer
    before it (service.sparql.direct), so both send the same status, headers and body."""

    status: int
    headers: dict[str, str]
    body: bytes | Iterator[bytes]


def _query(text: str, params: MultiDict) -> Response:
    state = qantar()
    planned = plan_query(state, text, params, request.headers.get("Accept", ""),
                         request.base_url, _client())
    if planned.html:
        return _html_view(state, planned.job, planned.left())
    answer = answer_query(state, planned, request.environ,
                          lambda etag: request.if_none_match.contains(etag))
    return Response(answer.body, status=answer.status, headers=answer.headers)


def plan_query(state: Qantar, text: str, params: MultiDict, accept: str, base_url: str,
               client: str) -> PlannedQuery:
    """The job of a query request (its SERVICE targets checked, its format chosen), or the
    error that answers it."""
    # one time limit for the request: what its checks took is not given to the query again
    deadline = time.monotonic() + state.settings.query_timeout
    starting_seconds()  # from now on: what this request waits for workers to start
    fetches = bool(_checked_fetches(state, text, base_url, client))
    deadline += starting_seconds()  # a worker's start is not the query's time
    results, graph, html = choose(accept, params.get("format"))
    if results is None and graph is None:
        raise NotAcceptable("none of the Accept types is a format this endpoint writes")
    for parameter in ("default-graph-uri", "named-graph-uri"):
        for value in params.getlist(parameter):
            try:
                ox.NamedNode(value)
            except ValueError:
                raise BadQuery(f"{parameter} must be an IRI, not {value!r}") from None
    job = QueryJob(
        query=text,
        results_format=results,
        graph_format=graph,
        default_graphs=tuple(params.getlist("default-graph-uri")),
        named_graphs=tuple(params.getlist("named-graph-uri")),
        union_default=_flag(params.get("union-default-graph")),
        base_iri=base_url,
        row_cap=state.settings.html_row_cap if html else 0,
        fetches=fetches,
    )
    return PlannedQuery(job, html, deadline, client)


def answer_query(state: Qantar, planned: PlannedQuery, environ: dict,
                 etag_matches: Callable[[str], bool]) -> Answer:
    """The answer to a planned query that is not the HTML view: from the cache, or evaluated
    (and cached when it is small). ``etag_matches`` says whether the request's If-None-Match
    names an ETag (then 304)."""
    key = (state.generation, planned.job)
    cached = state.cache.get(key) if state.cache.enabled else None
    if cached is not None:
        return _cached_answer(cached.format, cached.body, cached.etag, key[0], environ,
                              etag_matches)
    return _evaluate(state, planned, key, environ, etag_matches)


#: What the HTML view asks the worker for (it returns rows, not these formats).
HTML_VIA = (SPARQL_JSON, N_TRIPLES)
#: The downloads the HTML view of a graph offers (``format=`` names).
GRAPH_DOWNLOADS = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)


@lru_cache(maxsize=256)
def choose(accept_header: str,
           format_param: str | None) -> tuple[Format | None, Format | None, bool]:
    """The format of a results answer and of a graph answer (None: nothing fits), and whether
    the answer is the HTML view (then the formats are what the view asks the worker for).

    An explicit ``format`` parameter (short name or media type) wins over ``Accept``; one
    that names no format written here is a mistaken parameter (400), not a failed
    negotiation (406, which is about Accept). A browser following a query link names
    text/html and prefers it to SPARQL JSON. Clients send the same few headers again and
    again: the choice is remembered per header (werkzeug's parse of one cost more than the
    rest of choosing the answer's format).
    """
    if format_param:
        if by_name(format_param, (HTML,)) is HTML:
            return (*HTML_VIA, True)
        results = by_name(format_param, RESULTS_FORMATS)
        graph = by_name(format_param, RDF_FORMATS)
        if results is None and graph is None:
            raise BadRequest(unknown_format(format_param))
        return results, graph, False
    accept = accept_of(accept_header)
    if HTML.media_type in accept.values() and accept.quality(
            HTML.media_type) > accept.quality(SPARQL_JSON.media_type):
        return (*HTML_VIA, True)
    return negotiate(accept, RESULTS_FORMATS), negotiate(accept, RDF_FORMATS), False


def unknown_format(value: str) -> str:
    """Says that ``format=value`` names no format of this endpoint, and which ones it has."""
    names = [f.short_name for f in (*RESULTS_FORMATS, *RDF_FORMATS, HTML)]
    shown = value if len(value) <= 40 else value[:40] + "..."
    return (f"the format parameter format={shown} names no format this endpoint writes; use "
            f"one of {', '.join(names[:-1])} or {names[-1]} (or the media type of one)")


def _checked_fetches(state: Qantar, text: str, base_url: str,
                     client: str) -> list[tuple[str, str]]:
    """The guard's SERVICE targets (service.sparql.checks ``query_fetches``), checked in a
    query worker within the query's time limit (and the query then evaluated within it); a
    text that cannot fetch needs no check."""
    if not mentions_fetch(text):
        return []
    job = CheckJob(query_fetches, (text, state.settings.fetch_allow, base_url))
    return state.service.check(job, state.settings.query_timeout, client=client)


def capped_rows(state: Qantar, job: QueryJob, timeout: float) -> Rows:
    """The first ``job.row_cap`` rows of the answer, evaluated as ``/sparql`` evaluates it (a
    query worker, its time limit, the endpoint's dataset); raises what it fails with."""
    answer = next(state.runner_for(job.fetches).execute(job, timeout, client=_client()))
    if isinstance(answer, Failure):
        raise answer.error
    assert isinstance(answer, Rows)
    return answer


def _html_view(state: Qantar, job: QueryJob, timeout: float) -> Response:
    """The first QANTAR_HTML_ROW_CAP rows as a table, with the full answer a download away."""
    answer = capped_rows(state, job, timeout)
    base = state.settings.base_iri
    offered = GRAPH_DOWNLOADS if answer.kind is AnswerKind.TRIPLES else RESULTS_FORMATS
    links = {f.short_name: f.name for f in offered}
    html = render_template("sparql/results.html", kind=answer.kind, variables=answer.variables,
                           rows=answer.rows, truncated=answer.truncated, cap=job.row_cap,
                           query=job.query, base=base, downloads=links)
    return Response(html, content_type="text/html; charset=utf-8", headers={"Vary": "Accept"})


def _client() -> str:
    """Who asks, for a fair share of the query workers (service.store.workers
    ``Admission``): the address the request came from."""
    return request.remote_addr or ""


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in ("", "true", "1", "yes", "on")


def _evaluate(state: Qantar, planned: PlannedQuery, key: tuple, environ: dict,
              etag_matches: Callable[[str], bool]) -> Answer:
    """The answer, whole (and cached) when it is small; the first pieces of a large one are
    held back, so that an error or a timeout while they come still gets its own status."""
    job = planned.job
    messages = state.runner_for(job.fetches).execute(job, planned.left(),
                                                     client=planned.client)
    try:
        first = next(messages)
        if isinstance(first, Failure):
            raise first.error
        if isinstance(first, Whole):
            entry = state.cache.put(key, first.format, first.body)
            return _cached_answer(first.format, entry.body, entry.etag, key[0], environ,
                                  etag_matches)
        assert isinstance(first, Head)
        fmt = first.format
        body = bytearray()
        message = next(messages)
        while isinstance(message, Chunk) and len(body) < 4 * 65536:
            body += message.data
            message = next(messages)
        if isinstance(message, End):
            entry = state.cache.put(key, fmt, bytes(body))
            return _cached_answer(fmt, entry.body, entry.etag, key[0], environ, etag_matches)
        if isinstance(message, Failure):
            raise AnswerFailed(f"query failed while streaming: {message.error}")
    except BaseException:
        # the worker goes back to the pool now, not when the error (whose traceback holds
        # this frame) is collected
        messages.close()
        raise
    return Answer(200, {"Content-Type": fmt.content_type, "Vary": "Accept"},
                  _stream(bytes(body), message, messages, job.query))


def _stream(head: bytes, pending: Message, messages: Iterator[Message],
            query: str) -> Iterator[bytes]:
    """Stream a large answer. The status is sent by now, so an answer that cannot be finished
    (the time limit, a failure, a worker gone) is cut: the generator raises, and the server
    aborts the connection without the final chunk, which every HTTP client reports as an
    incomplete transfer. Ending it cleanly would pass a part for the whole."""
    yield head
    sent = len(head)
    message = pending
    try:
        while isinstance(message, Chunk):
            yield message.data
            sent += len(message.data)
            message = next(messages)
        if isinstance(message, End):
            return
        reason = str(message.error) if isinstance(message, Failure) else "no end of answer"
    except StopIteration:
        reason = "the answer ended without its end"
    except QantarError as err:  # QueryTimeout, Unavailable, ...
        reason = str(err)
    except Exception as err:  # a remote server's answer broke off, ...
        reason = f"{type(err).__name__}: {err}"
    finally:
        messages.close()
    log.warning("answer cut short after %d bytes (%s); the connection is aborted; query: %s",
                sent, reason, _excerpt(query))
    raise AnswerFailed(f"answer cut short after {sent} bytes: {reason}")


def _excerpt(query: str, limit: int = 300) -> str:
    """A query on one log line, shortened."""
    flat = " ".join(query.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _cached_answer(fmt: Format, body: bytes, etag: str, generation: int, environ: dict,
                   etag_matches: Callable[[str], bool]) -> Answer:
    """A whole answer with its ETag; the same request may be replayed before Flask from now on
    (service.sparql.replay) while the store stays at ``generation``."""
    headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": "no-cache"}
    if etag_matches(etag.strip('"')):
        return Answer(304, headers, b"")
    environ[REPLAYABLE] = generation
    return Answer(200, {"Content-Type": fmt.content_type, **headers}, body)



def _update(text: str, params: object) -> Response:
    state = qantar()
    require_write_token(state.settings)
    limit = state.settings.write_timeout
    # its syntax, dataset, fetches and graphs, checked in a query worker within the write's
    # time limit (service.sparql.checks), before it waits for the writer
    job = CheckJob(checked_update, (
        text, tuple(params.getlist("using-graph-uri")),
        tuple(params.getlist("using-named-graph-uri")), state.settings.fetch_allow,
        request.base_url, not state.service.checks_update_effects))
    try:
        checked: CheckedUpdate = state.service.check(job, limit, queued=False,
                                                     client=_client())
    except QueryTimeout:
        raise WriteTimeout(f"checking the update took longer than the limit of {limit:g} s, "
                           "so nothing was written") from None
    try:
        with state.writing(f"SPARQL update (HTTP {request.method} {request.path})") as store:
            # the base "MAY be the service endpoint"
            store.parsed(checked.named)  # the search index's note of the graphs it names
            store.client_update(checked.text, base_iri=request.base_url, reach=checked.reach)
    except (OSError, BadQuery) as err:
        raise fetch_failure(err, checked.targets) from None
    return Response(status=204)


def fetch_failure(err: OSError | BadQuery, targets: list[tuple[str, str]]) -> Exception:
    """An update's error as the client should read it: a refused or failed fetch (LOAD,
    SERVICE) says so, without what a remote server answered; anything else is unchanged."""
    if refused_by_sandbox(err):
        return Forbidden("this update would make the server fetch a URL, which it does not do "
                         "(SERVICE and LOAD reach only the hosts in QANTAR_FETCH_ALLOW)")
    if targets and not is_disk_error(err):
        what = ", ".join(f"{kind} <{iri}>" for kind, iri in targets)
        return FetchFailed(f"{what} failed, so the update changed nothing; what the remote "
                           "server answered is not shown")
    return err


def _describe() -> Response:
    """No query: the Service Description for RDF clients, the query UI for browsers."""
    state = qantar()
    accept = request.accept_mimetypes
    if prefers(accept, HTML, over=TURTLE) and "query_ui.page" in current_app.view_functions:
        return redirect(url_for("query_ui.page"), code=303)
    fmt = negotiate(accept, RDF_FORMATS) or TURTLE
    store = state.store
    graph = service_description(request.base_url, store.graphs(), state.settings.read_only,
                                current_version(store))
    return Response(graph.serialize(format=fmt.rdflib), content_type=fmt.content_type,
                    headers={"Vary": "Accept"})
