"""Web views of the merged data: ``/graphs``, ``/conflicts`` and ``/.well-known/void``.

HTML for browsers, JSON (or RDF for VoID) for programs, chosen by ``Accept``.
"""

from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, jsonify, render_template, request

from service.errors import NotAcceptable
from service.formats import HTML, JSON, RDF_FORMATS, negotiate, prefers
from service.imports.conflicts import find_conflicts
from service.imports.graphs import list_graphs
from service.imports.void import void_description
from service.namespaces import shorten
from service.pages.iris import IriMap
from service.state import qantar

blueprint = Blueprint("imports", __name__, template_folder="templates")


def _wants_json() -> bool:
    return prefers(request.accept_mimetypes, JSON, over=HTML)


def _link(iri: str | None) -> str | None:
    """The local page of an IRI under our base, else the IRI itself (an external link)."""
    if not iri:
        return None
    relative = IriMap(qantar().settings.base_iri).relative(iri)
    if relative:
        return "/" + relative
    # only web links are links: a javascript: or data: IRI in imported data stays text
    return iri if iri.startswith(("http://", "https://")) else None


@blueprint.route("/graphs")
def graphs() -> Response | str:
    """The named graphs, their size and where they came from."""
    infos = list_graphs(qantar().store)
    if _wants_json():
        return jsonify([dataclasses.asdict(i) for i in infos])
    return render_template("imports/graphs.html", graphs=infos, shorten=shorten, link=_link)


@blueprint.route("/conflicts")
def conflicts() -> Response | str:
    """Where the sources disagree, each value with who states it and in which graph."""
    found = find_conflicts(qantar().store)
    if _wants_json():
        return jsonify([dataclasses.asdict(c) for c in found])
    return render_template("imports/conflicts.html", conflicts=found, shorten=shorten,
                           link=_link)


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
