"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol (GET, HEAD, PUT, POST, DELETE).

A graph is named indirectly (``/store?graph=<IRI>``, ``/store?default``) or directly: the URL
``/store/<path>`` names the graph whose IRI is that URL. ``/store`` alone is the whole dataset
(GET gives TriG or N-Quads; PUT and POST accept them) and, for a POST of one graph, the place
where a new graph is created and its IRI returned in ``Location``.

Writes need the write token and are all-or-nothing: the body is parsed completely first, and a
malformed body (answered 400 with the parser's line and column) changes nothing.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, request

from service.auth import require_write_token
from service.errors import (
    BadQuery,
    BadRequest,
    NotAcceptable,
    NotFound,
    ProtectedGraph,
    UnreadableInput,
    UnsupportedBody,
)
from service.formats import (
    DATASET_FORMATS,
    RDF_FORMATS,
    READABLE_RDF,
    Format,
    by_media_type,
    negotiate,
)
from service.imports.uploads import Upload, upload
from service.imports.writer_id import http_agent
from service.state import qantar
from service.store.protected import BUNDLE_GRAPHS, PROTECTED_GRAPHS, refusal

blueprint = Blueprint("graph_store", __name__)

METHODS = ["GET", "PUT", "POST", "DELETE"]  # Flask adds HEAD (GET without a body) and OPTIONS

MULTIPART = "multipart/form-data"
STREAM_CHUNK = 64 * 1024
#: The graph formats with the dataset formats last: one graph comes as N-Quads or TriG only when
#: the client names them (a wildcard gets Turtle).
SINGLE_GRAPH_FORMATS = (*(f for f in RDF_FORMATS if not f.named_graphs), *DATASET_FORMATS)


@dataclass(frozen=True)
class Target:
    """What a request addresses: one graph (``iri`` None for the default graph) or the dataset."""

    dataset: bool = False
    iri: str | None = None


@blueprint.route("/store", methods=METHODS)
def indirect() -> Response:
    """Graphs named by ``?graph=`` or ``?default``; the dataset when neither is given."""
    has_default = "default" in request.args
    graphs = request.args.getlist("graph")
    if has_default and graphs:
        raise BadRequest("give either ?default or ?graph=<IRI>, not both")
    if len(graphs) > 1:
        raise BadRequest(f"exactly one graph= parameter is allowed, got {len(graphs)}")
    if has_default:
        return _handle(Target())
    if graphs:
        return _handle(Target(iri=_absolute_iri(graphs[0])))
    return _handle(Target(dataset=True))


@blueprint.route("/store/<path:_rest>", methods=METHODS)
def direct(_rest: str) -> Response:
    """Direct identification: the request URL (without its query) is the graph IRI."""
    if request.args:
        raise BadRequest("a graph named by its URL takes no ?graph= or ?default")
    return _handle(Target(iri=_absolute_iri(request.base_url)))


def _absolute_iri(value: str) -> str:
    try:
        node = ox.NamedNode(value)
    except ValueError as err:
        raise BadQuery(f"graph IRI {value!r} is not a valid absolute IRI: {err}") from None
    if ":" not in node.value:
        raise BadQuery(f"graph IRI {value!r} is not absolute")
    return node.value


def _handle(target: Target) -> Response:
    if request.method in ("GET", "HEAD"):
        return _get(target)
    require_write_token(qantar().settings)
    if target.iri in PROTECTED_GRAPHS:
        raise refusal(target.iri)
    if request.method == "DELETE":
        return _delete(target)
    if request.method == "PUT":
        return _put(target)
    return _post(target)


def _get(target: Target) -> Response:
    store = qantar().store
    if target.dataset:
        fmt = negotiate(request.accept_mimetypes, DATASET_FORMATS)
        if fmt is None:
            raise NotAcceptable("the whole dataset is served as application/trig or "
                                "application/n-quads; ask with ?graph=<IRI> for one graph")
        return _rdf(lambda output: store.dump_dataset(fmt, output), fmt)
    if not store.graph_exists(target.iri):
        raise NotFound(f"there is no graph <{target.iri}>")
    fmt = negotiate(request.accept_mimetypes, SINGLE_GRAPH_FORMATS)
    if fmt is None:
        offered = ", ".join(t for f in SINGLE_GRAPH_FORMATS for t in (f.media_type, *f.aliases))
        raise NotAcceptable("none of the Accept types is an RDF format this store "
                            f"writes ({offered})")
    return _rdf(lambda output: store.dump(target.iri, fmt, output), fmt)


def _rdf(dump: Callable[[BinaryIO], object], fmt: Format) -> Response:
    """A streamed answer: the store serialises in a thread into a small queue of chunks.

    A whole-dataset download need not fit in memory, and HEAD (for which werkzeug never
    iterates the body) serialises nothing. A GET starts its answer only once the first chunk
    (or the error) is there, so that a graph gone meanwhile is a clean 404, not a 200 cut off.
    """
    body = _streamed(dump)
    if request.method == "GET":
        first = next(body, b"")  # raises the dump's error while a status can still say it
        body = itertools.chain((first,), body)
    return Response(body, content_type=fmt.content_type, headers={"Vary": "Accept"})


class _Abandoned(Exception):
    """The client went away; stop serialising."""


def _hand_over(chunks: queue.Queue, abandoned: threading.Event, item: object) -> None:
    """Put ``item`` in the queue, waiting for room, unless the reader has gone."""
    while not abandoned.is_set():
        try:
            chunks.put(item, timeout=0.5)
            return
        except queue.Full:
            continue
    raise _Abandoned


class _QueueWriter(io.RawIOBase):
    def __init__(self, chunks: queue.Queue, abandoned: threading.Event) -> None:
        self.chunks = chunks
        self.abandoned = abandoned

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        _hand_over(self.chunks, self.abandoned, bytes(data))
        return len(data)


def _streamed(dump: Callable[[BinaryIO], object]) -> Iterator[bytes]:
    """The dump's bytes; an error after the first of them is raised, so the server aborts the
    connection instead of ending a partial graph as if it were whole."""
    chunks: queue.Queue = queue.Queue(maxsize=64)
    abandoned = threading.Event()
    done = object()

    def produce() -> None:
        writer = io.BufferedWriter(_QueueWriter(chunks, abandoned), buffer_size=STREAM_CHUNK)
        outcome: object = done
        try:
            dump(writer)
            writer.flush()
        except Exception as err:
            outcome = err
        with contextlib.suppress(_Abandoned):
            _hand_over(chunks, abandoned, outcome)

    threading.Thread(target=produce, name="graph-store-dump", daemon=True).start()
    try:
        while (item := chunks.get()) is not done:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        abandoned.set()


def _delete(target: Target) -> Response:
    if target.dataset:
        raise BadRequest("DELETE needs ?default or ?graph=<IRI> (to empty everything, use "
                         "SPARQL Update DROP ALL)")
    with qantar().writing(_made_by()) as store:
        existed = store.drop_graph(target.iri)
    if not existed:
        raise NotFound(f"there is no graph <{target.iri}>")
    return Response(status=204)


def _put(target: Target) -> Response:
    if target.dataset:
        quads = _unprotected(_read_quads(base_iri=request.base_url))
        if any(qantar().store.graph_exists(g) for g in BUNDLE_GRAPHS):
            raise ProtectedGraph("a PUT of the whole dataset would replace the bundle's graphs, "
                                 "which only `qantar load` writes; nothing was written (PUT "
                                 "each graph with ?graph=<IRI>)")
        with qantar().writing(_made_by()) as store:
            store.replace_dataset(quads)
        return Response(status=204)
    created = _write_graph(target.iri, target.iri or request.base_url, replace=True)
    return Response(status=201 if created else 204)


def _post(target: Target) -> Response:
    if target.dataset:
        fmt = _body_format(request.mimetype)
        if fmt is not None and fmt.rdf.supports_datasets:
            quads = _unprotected(_read_quads(base_iri=request.base_url))
            with qantar().writing(_made_by()) as store:
                store.add_quads(quads)
            return Response(status=204)
        return _create_graph()
    created = _write_graph(target.iri, target.iri or request.base_url, replace=False)
    return Response(status=201 if created else 204)


def _create_graph() -> Response:
    """POST of a graph to the store itself: a new graph with a fresh IRI, given in Location."""
    iri = f"{request.host_url}store/{uuid.uuid4().hex}"
    _write_graph(iri, iri, replace=True)
    return Response(status=201, headers={"Location": iri})


def _write_graph(graph: str | None, base_iri: str, *, replace: bool) -> bool:
    """Replace or add to ``graph`` through the import pipeline (service.imports.uploads):
    parsed, judged and recorded as `qantar import` does, the change and the provenance record
    (a named graph only: the default graph has no name to describe) written together. True if
    the graph was created."""
    state = qantar()
    parts = [(data, _checked_format(mime, charset)) for data, mime, charset in _parts()]
    body = Upload(_url_as_sent(), request.method, request.full_path.rstrip("?"),
                  parts,
                  lenient=request.args.get("lenient", "").lower() in ("1", "true", "yes"))
    try:
        return upload(partial(state.writing, _made_by()), graph, base_iri, body, replace=replace,
                      shapes=state.shapes,
                      agent=http_agent(state.settings.store, state.settings.write_token))
    except UnreadableInput as err:
        fmt = {s.name: s.format for s in body.sources()}.get(err.file, parts[0][1])
        where = f"line {err.line} column {err.column}: " if err.line is not None else ""
        raise BadQuery(f"malformed {fmt.name} body: {where}{err.message}", err.line,
                       err.column) from None


def _made_by() -> str:
    """What the version record says made it: the request (its path, never its headers)."""
    return f"HTTP {request.method} {request.full_path.rstrip('?')}"


def _url_as_sent() -> str:
    """The request's URL with its percent-encoding as the client sent it (werkzeug's
    ``request.url`` decodes it, and ``%3E`` would come back as a ``>`` no IRI may hold)."""
    path = quote(request.script_root + request.path, safe="/:@!$&'()*+,;=~")
    query = quote(request.query_string, safe="/:@!$&'()*+,;=~?%")
    return request.host_url.rstrip("/") + path + (f"?{query}" if query else "")


def _unprotected(quads: list[ox.Quad]) -> list[ox.Quad]:
    """``quads``, unless one of them is in a protected graph (then nothing is written)."""
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value in PROTECTED_GRAPHS:
            raise refusal(quad.graph_name.value)
    return quads


def _read_quads(base_iri: str) -> list[ox.Quad]:
    quads: list[ox.Quad] = []
    for data, mime, charset in _parts():
        fmt = _checked_format(mime, charset)
        if not fmt.supports_datasets:
            raise UnsupportedBody(
                f"the whole dataset is written as TriG, N-Quads or JSON-LD, not {mime}; "
                "name one graph with ?graph=<IRI> or ?default")
        quads.extend(_parse(data, fmt, base_iri))
    return quads


def _parts() -> list[tuple[bytes, str, str | None]]:
    """The body as (bytes, media type, charset) pieces: one, or one per multipart file."""
    if request.mimetype == MULTIPART:
        parts = [(f.read(), f.mimetype, f.mimetype_params.get("charset"))
                 for f in request.files.values()]
        if not parts:
            raise BadQuery("the multipart body has no file parts")
        return parts
    return [(request.get_data(), request.mimetype, request.mimetype_params.get("charset"))]


def _body_format(mime: str) -> Format | None:
    """The RDF format a body's media type names, non-standard names included."""
    return by_media_type(mime, READABLE_RDF, legacy=True)


def _checked_format(mime: str, charset: str | None) -> ox.RdfFormat:
    fmt = _body_format(mime)
    if fmt is None:
        readable = {t for f in READABLE_RDF for t in f.media_types} - {"text/plain"}
        raise UnsupportedBody(
            f"unsupported content type {mime or '(none)'}: send one of "
            f"{', '.join(sorted(readable))}")
    if charset and charset.lower().replace("-", "") not in ("utf8", "usascii"):
        raise UnsupportedBody(f"RDF bodies are read as UTF-8, not {charset}")
    return fmt.rdf


def _parse(data: bytes, fmt: ox.RdfFormat, base_iri: str) -> list[ox.Quad]:
    """A whole dataset's body (TriG, N-Quads, JSON-LD; one graph's goes through
    service.imports.uploads)."""
    try:
        return list(ox.parse(data, format=fmt, base_iri=base_iri, rename_blank_nodes=True))
    except SyntaxError as err:
        raise BadQuery(f"malformed {fmt.name} body: {err.msg}", err.lineno, err.offset) from None
