"""Web views of the merged data: ``/graphs``, ``/conflicts`` and ``/.well-known/void``.

HTML for browsers, JSON (or RDF for VoID) for programs, chosen by ``Accept`` (so the answer says
``Vary: Accept``); ``/graphs.json`` and ``/conflicts.json`` name the JSON twin by URL. The twin
is the list the page renders, each item as its dataclass.
"""

from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from service.errors import NotAcceptable
from service.formats import JSON, RDF_FORMATS, negotiate
from service.imports.conflicts import find_conflicts
from service.imports.graphs import list_graphs
from service.imports.void import void_description
from service.namespaces import shorten
from service.pages.iris import IriMap, external_page
from service.pages.twin import json_url, wants_json
from service.state import qantar
from service.versions import current_version

blueprint = Blueprint("imports", __name__, template_folder="templates")


def _link(iri: str | None) -> str | None:
    """The local page of an IRI under our base, else the IRI itself (an external link)."""
    if not iri:
        return None
    relative = IriMap(qantar().settings.base_iri).relative(iri)
    if relative:
        return "/" + relative
    # only web links are links: a javascript: or data: IRI in imported data stays text
    return external_page(iri) if iri.startswith(("http://", "https://")) else None


@blueprint.route("/graphs")
@blueprint.route("/graphs.json", endpoint="graphs_json")
def graphs() -> Response:
    """The named graphs, their size and where they came from."""
    store = qantar().store
    infos = list_graphs(store)
    return _view("imports/graphs.html", "imports.graphs_json", infos, graphs=infos,
                 version=current_version(store))


@blueprint.route("/conflicts")
@blueprint.route("/conflicts.json", endpoint="conflicts_json")
def conflicts() -> Response:
    """Where the sources disagree, each value with who states it and in which graph."""
    found = find_conflicts(qantar().store)
    return _view("imports/conflicts.html", "imports.conflicts_json",
                 [c.as_json() for c in found], conflicts=found)


def _view(template: str, json_endpoint: str, items: list, **model: object) -> Response:
    """The page, or the list it shows as JSON (by its ``.json`` URL or by Accept): each item
    as its dataclass, or as the dict it gives."""
    by_extension = request.endpoint == json_endpoint
    twin = json_url(url_for(json_endpoint))
    if wants_json(by_extension):
        response = jsonify([i if isinstance(i, dict) else dataclasses.asdict(i) for i in items])
    else:
        response = Response(render_template(template, shorten=shorten, link=_link,
                                            json_twin=twin, **model), mimetype="text/html")
        response.headers["Link"] = f'<{twin}>; rel="alternate"; type="{JSON.media_type}"'
    if not by_extension:
        response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/.well-known/void")
def void() -> Response:
    """The VoID description of the dataset, in the RDF format asked for (Turtle by default)."""
    fmt = negotiate(request.accept_mimetypes, RDF_FORMATS)
    if fmt is None:
        raise NotAcceptable("VoID is available as Turtle, N-Triples, RDF/XML, JSON-LD, N-Quads "
                            "or TriG")
    state = qantar()
    graph = void_description(state.store, state.settings.base_iri, request.host_url)
    body = graph.serialize(format=fmt.rdflib, encoding="utf-8")
    return Response(body, content_type=fmt.content_type, headers={"Vary": "Accept"})
