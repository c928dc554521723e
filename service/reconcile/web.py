"""The routes of the Reconciliation Service API 0.2 (``/reconcile`` and below).

``GET /reconcile`` is the manifest; ``queries=`` (a form field of a POST, or a GET parameter)
a batch of reconciliation queries; ``extend=`` a data extension query. Suggest, property
proposals and the preview live below it. Every answer is open to other origins (service.app's
CORS), as the API requires; only the preview may be framed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from service.errors import (
    BadRequest,
    BatchTimeout,
    BatchTooLarge,
    Busy,
    NotFound,
    UnsupportedBody,
)
from service.pages import describe
from service.pages.context import get_settings, get_store
from service.pages.search import current_index
from service.reconcile import extend as extension
from service.reconcile import suggest as suggestions
from service.reconcile.ids import Spaces, term_iri
from service.reconcile.manifest import manifest
from service.reconcile.preview import preview as build_preview
from service.reconcile.queries import (
    MAX_LIMIT,
    MAX_REQUEST_BYTES,
    Query,
    decode,
    parse_batch,
    parse_extension,
)
from service.reconcile.scoring import Context, reconcile
from service.reconcile.vocabulary import vocabulary
from service.sparql.endpoint import check_utf8_form

blueprint = Blueprint("reconcile", __name__, url_prefix="/reconcile",
                      template_folder="templates", static_folder="static",
                      static_url_path="/assets")

FORM = "application/x-www-form-urlencoded"
#: Property proposals given when the client asks for no limit.
PROPOSE_LIMIT = 50


def _spaces() -> Spaces:
    return Spaces(get_settings().base_iri)


def _context() -> Context:
    return Context(get_store(), current_index(), vocabulary(), _spaces())


def _params() -> MultiDict:
    """The request's parameters: the form of a POST, the query string of a GET."""
    check_utf8_form(request.query_string, "the query string")
    if request.method == "GET":
        return request.args
    if request.mimetype not in (FORM, "multipart/form-data", ""):
        raise UnsupportedBody(f"unsupported content type {request.mimetype or '(none)'}: send "
                              f"queries= or extend= as {FORM}")
    size = request.content_length
    if size is None:  # chunked: the body layer (service.body) has read it whole already
        size = len(request.get_data(cache=True))
    if size > MAX_REQUEST_BYTES:
        raise BatchTooLarge(f"a reconciliation request is at most {MAX_REQUEST_BYTES} bytes; "
                            f"this one has {size}: send fewer queries at a time")
    if request.mimetype == FORM:
        check_utf8_form(request.get_data(), "the form")
    return request.form


def _single(params: MultiDict, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"exactly one {name}= is allowed, got {len(values)}")
    return values[0] if values else None


@blueprint.route("", methods=["GET", "POST"])
def service() -> Response:
    """The manifest, a batch of reconciliation queries, or a data extension query."""
    params = _params()
    queries, extend = _single(params, "queries"), _single(params, "extend")
    if queries is not None and extend is not None:
        raise BadRequest("send either queries= or extend=, not both")
    if queries is not None:
        return jsonify(_reconciled(parse_batch(decode(queries, "queries"))))
    if extend is not None:
        ctx, asked = _context(), parse_extension(decode(extend, "extend"))
        with _one_batch(get_settings().query_timeout):
            return jsonify(extension.extend(ctx.store, ctx.vocabulary, ctx.spaces, asked))
    if request.method == "POST":
        raise BadRequest("the form has neither a queries= nor an extend= field")
    # its URLs are the host asked: a cache must keep one copy per host
    response = jsonify(manifest(vocabulary(), _spaces(), request.url_root))
    response.vary.add("Host")
    return response


#: One batch at a time in each process: a batch is Python that holds the GIL, which would share
#: the process's time between every batch and the pages (sixteen at once held a page for 2 s).
_ONE_BATCH = threading.Lock()


@contextmanager
def _one_batch(limit: float) -> Iterator[None]:
    """Wait for the batch before this one, within ``limit`` seconds (503 beyond)."""
    if not _ONE_BATCH.acquire(timeout=limit):
        raise Busy(f"other reconciliation batches kept this process busy for {limit:g} s; try "
                   "again in a moment", headers={"Retry-After": "1"})
    try:
        yield
    finally:
        _ONE_BATCH.release()


def _reconciled(batch: dict[str, Query]) -> dict:
    """Every query of ``batch`` answered, within the query time limit (waiting for the batch
    before it included): past it, 503 and no answer at all (a client must not take the first
    queries' answers for the batch's)."""
    limit = get_settings().query_timeout
    deadline = time.monotonic() + limit
    with _one_batch(limit):
        ctx, answers = _context(), {}
        for key, query in batch.items():
            if time.monotonic() > deadline:
                raise BatchTimeout(limit, len(answers), len(batch))
            answers[key] = {"result": reconcile(ctx, query)}
        return answers


def _cursor() -> int:
    value = request.args.get("cursor", "0")
    if not value.isdigit() or int(value) > 10_000:
        raise BadRequest("cursor must be a whole number from 0 to 10000")
    return int(value)


def _prefix() -> str:
    check_utf8_form(request.query_string, "the query string")
    prefix = request.args.get("prefix")
    if prefix is None:
        raise BadRequest("prefix= is required")
    return prefix


@blueprint.get("/suggest/entity")
def suggest_entity() -> Response:
    prefix, cursor, ctx = _prefix(), _cursor(), _context()
    return jsonify({"result": suggestions.entities(ctx.store, ctx.names, ctx.vocabulary,
                                                   ctx.spaces, prefix, cursor)})


@blueprint.get("/suggest/type")
def suggest_type() -> Response:
    prefix, cursor = _prefix(), _cursor()
    return jsonify({"result": suggestions.terms(list(vocabulary().classes.values()), prefix,
                                                cursor)})


@blueprint.get("/suggest/property")
def suggest_property() -> Response:
    prefix, cursor = _prefix(), _cursor()
    return jsonify({"result": suggestions.terms(list(vocabulary().properties.values()),
                                                prefix, cursor)})


@blueprint.get("/propose_properties")
def propose_properties() -> Response:
    """Properties to fetch for entities of ``type`` (the ones they have, most used first)."""
    check_utf8_form(request.query_string, "the query string")
    type_id = request.args.get("type", "").strip()
    type_iri = term_iri(type_id) if type_id else None
    if type_id and type_iri is None:
        raise BadRequest(f"type={type_id!r} is not a type identifier (a prefixed name such as "
                         "qantar:Person, or a full IRI)")
    raw_limit = request.args.get("limit", str(PROPOSE_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    limit = int(raw_limit)
    found = extension.propose(get_store(), vocabulary(), type_iri, limit)
    answer: dict = {"properties": found, "limit": limit}
    if type_id:
        answer["type"] = type_id
    return jsonify(answer)


@blueprint.get("/preview")
def preview() -> Response:
    """A small HTML card about one entity, for OpenRefine's iframe (``?id=person/masja``)."""
    check_utf8_form(request.query_string, "the query string")
    identifier = request.args.get("id", "")
    spaces, store = _spaces(), get_store()
    node = spaces.entity_iri(identifier)
    if node is None or not describe.exists(store, node):
        raise NotFound(f"no entity has the identifier {identifier!r}")
    found = build_preview(store, node, vocabulary().name)
    page = url_for("pages.page", path=node.value[len(spaces.base):], _external=True)
    body = render_template("reconcile/preview.html", p=found, page=page,
                           identifier=spaces.entity_id(node.value))
    return Response(body, mimetype="text/html")
