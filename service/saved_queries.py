"""Query permalinks: ``POST /queries`` saves a query on the current version of the data and
answers its short link; ``/queries/<id>`` shows the query, the version it was saved on, the
current one, which graphs changed between them (from the provenance records,
service.versions), and the answer as of now; ``/queries/<id>.json`` is its JSON twin.

Saving needs no token (a reader cites what they found), but only a writable service saves, at
most ``QANTAR_SAVED_QUERIES`` texts, each a query the engine parses and no longer than a
request body may be.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from service.errors import BadRequest, Forbidden, NotFound, QantarError, SavedQueriesFull
from service.formats import HTML, JSON, prefers
from service.namespaces import QUERIES_GRAPH
from service.pages.twin import wants_json
from service.permalinks import SavedQuery, link_id, save, saved_count, saved_query
from service.search_index import touching
from service.sparql.endpoint import capped_rows, plan_query
from service.state import Qantar, qantar
from service.store.messages import Rows
from service.store.syntax_errors import check_query
from service.store.workers import CheckJob
from service.versions import Version, changed_graphs, current_version

blueprint = Blueprint("saved_queries", __name__)


@blueprint.post("/queries")
def create() -> Response:
    """Save the query (form field or ``application/sparql-query`` body ``query``): 201 with
    its link in ``Location`` (200 if that text was saved on this version already); a browser's
    form post is sent on to the link (303)."""
    state = qantar()
    settings = state.settings
    if settings.read_only or settings.saved_queries == 0:
        raise Forbidden("this service saves no queries (it is read-only, or "
                        "QANTAR_SAVED_QUERIES is 0)")
    text = _posted_text()
    # the engine's parser judges it, in a worker within the query time limit
    state.service.check(CheckJob(check_query, (text, request.host_url)),
                        settings.query_timeout, client=request.remote_addr or "")
    with state.writing("a query saved (POST /queries)") as store:
        version = current_version(store)
        if version is None:
            raise Forbidden("the data has no recorded version yet, so a link could not say "
                            "what data it was saved on; write or load the data first")
        ident, existed = link_id(store, text, version.id)
        if not existed:
            if saved_count(store) >= settings.saved_queries:
                raise SavedQueriesFull(f"this service keeps {settings.saved_queries:,} saved "
                                       "queries (QANTAR_SAVED_QUERIES), and has as many")
            touching(store, [str(QUERIES_GRAPH)])
            save(store, ident, text, version.id)
    link = url_for("saved_queries.show", ident=ident)
    if prefers(request.accept_mimetypes, HTML, over=JSON):
        return redirect(link, code=303)
    response = jsonify({"id": ident, "url": link, "savedOnVersion": version.id})
    response.status_code = 200 if existed else 201
    response.headers["Location"] = link
    return response


def _posted_text() -> str:
    if request.mimetype == "application/sparql-query":
        raw = request.get_data()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the query is not UTF-8") from None
    else:
        text = request.form.get("query", "")
    if not text.strip():
        raise BadRequest("give the query to save: the form field query=, or a body of type "
                         "application/sparql-query")
    return text


@blueprint.get("/queries/<ident>")
@blueprint.get("/queries/<ident>.json", endpoint="show_json")
def show(ident: str) -> Response:
    """The saved query, what changed since it was saved, and its answer now."""
    state = qantar()
    store = state.store
    found = saved_query(store, ident)
    if found is None:
        raise NotFound(f"no query was saved as {ident}")
    now = current_version(store)
    changed = changed_graphs(store, found.version) if now is not None else None
    answer, failure = _answer(state, found.text)
    by_extension = request.endpoint == "saved_queries.show_json"
    twin = url_for("saved_queries.show_json", ident=ident)
    if wants_json(by_extension):
        response = jsonify(_twin(found, now, changed, answer, failure))
    else:
        response = Response(render_template(
            "saved_query.html", saved=found, now=now, changed=changed, answer=answer,
            failure=failure, cap=state.settings.html_row_cap, base=state.settings.base_iri,
            json_twin=twin), mimetype="text/html")
        response.headers["Link"] = f'<{twin}>; rel="alternate"; type="{JSON.media_type}"'
    if not by_extension:
        response.headers["Vary"] = "Accept"
    return response


def _answer(state: Qantar, text: str) -> tuple[Rows | None, str | None]:
    """The first QANTAR_HTML_ROW_CAP rows of the answer now, as ``/sparql`` gives them; or
    why there is none (the page still shows the query and its versions)."""
    try:
        planned = plan_query(state, text, MultiDict({"format": "html"}), "",
                             request.host_url + "sparql", request.remote_addr or "")
        return capped_rows(state, planned.job, planned.left()), None
    except QantarError as err:
        return None, f"{err} ({err.status})"


def _twin(found: SavedQuery, now: Version | None, changed: list[str] | None,
          answer: Rows | None, failure: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": found.id, "iri": found.iri, "query": found.text, "saved": found.saved,
        "savedOnVersion": found.version,
        "currentVersion": now.id if now else None,
        "changedSince": None if changed is None else bool(changed),
        "changedGraphs": changed,
        "answer": None, "answerError": failure,
        "wholeAnswer": url_for("sparql.sparql", query=found.text),
    }
    if answer is not None:
        body["answer"] = {
            "kind": answer.kind.value, "variables": answer.variables,
            "rows": [[_cell(cell) for cell in row] for row in answer.rows],
            "truncated": answer.truncated,
        }
    return body


def _cell(cell: Any) -> dict[str, str] | None:
    """A cell (service.store.workers ``_cell``) as SPARQL JSON writes a term."""
    kind, value, extra = cell
    if kind == "unbound":
        return None
    if kind == "iri":
        return {"type": "uri", "value": value}
    if kind == "bnode":
        return {"type": "bnode", "value": value}
    if extra and ":" not in extra:
        return {"type": "literal", "value": value, "xml:lang": extra}
    return {"type": "literal", "value": value, "datatype": extra} if extra else {
        "type": "literal", "value": value}
