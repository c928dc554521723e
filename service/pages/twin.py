"""The JSON twin of an HTML view: the same view model the template renders, as plain JSON.

A view builds its model once (the dataclasses and IRIs its template receives) and hands it to
``respond``, which either renders the template or encodes the model; so the page and its JSON
cannot drift apart. Every IRI becomes ``{"iri", "label", "url"}`` (the label and link the page
shows), every literal ``{"value", "text", …}`` (``text`` as the page writes it: "5 January
2022", "1,000"), and the time spans and datings their readable text beside their stamps.

Which representation: ``Accept: application/json`` (ranked above HTML), or the view's ``.json``
URL (``/timeline.json``); a URL that answers both by Accept says ``Vary: Accept``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox
from flask import Response, jsonify, render_template, request

from service.formats import HTML, JSON, prefers
from service.pages.terms import Presenter, show_literal
from service.pages.timeline import Group
from service.pages.timespan import Dating, OtherDating, TimeSpan

#: Properties (not fields) of view-model classes that the pages show, carried into the JSON.
SHOWN_PROPERTIES: dict[type, tuple[str, ...]] = {
    TimeSpan: ("text", "start", "end", "machine"),
    Dating: ("text",),
    OtherDating: ("text",),
    Group: ("kind",),
}
#: Fields that steer the template but are not facts of the page (the superclasses an entity
#: page dispatches on, the titles of its claim tables).
HIDDEN_FIELDS = frozenset({"classes", "claim_titles"})
#: Fields whose IRI the page names by its local name, not by a label (an ontology term's kind:
#: "ObjectProperty"), so the JSON gives the IRI itself.
VERBATIM_FIELDS = frozenset({"kind"})
#: Fields naming the named graphs a value comes from: shown as the pages show a graph (its name,
#: and its entry on /graphs), not as a resource.
GRAPH_FIELDS = frozenset({"graph", "graphs", "title_graph", "value_graph"})


def wants_json(json_url: bool = False) -> bool:
    """Whether to answer with the twin: its ``.json`` URL, or JSON ranked strictly above HTML
    (a tie, ``*/*`` or a browser's Accept get the page)."""
    return json_url or prefers(request.accept_mimetypes, JSON, over=HTML)


def respond(template: str, p: Presenter, model: Mapping[str, Any], *, view: str,
            json_url: str, as_json: bool, helpers: Mapping[str, Any] | None = None,
            negotiated: bool = True, status: int = 200) -> Response:
    """The page or its JSON twin, from the same ``model``; ``helpers`` reach the template only.

    ``negotiated``: the URL answers both by Accept (not a ``.json`` URL), so the answer varies.
    """
    if as_json:
        body = {"view": view, "json": json_url, **encode(dict(model), p)}
        response = jsonify(body)
        response.status_code = status
    else:
        html = render_template(template, p=p, json_twin=json_url, **model, **(helpers or {}))
        response = Response(html, status=status, mimetype="text/html")
        response.headers["Link"] = f'<{json_url}>; rel="alternate"; type="{JSON.media_type}"'
    if negotiated:
        response.headers["Vary"] = "Accept"
    return response


def json_url(path: str) -> str:
    """``path`` (a view's ``.json`` URL) with this request's query string."""
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def ref(p: Presenter, iri: str) -> dict[str, Any]:
    """An IRI as the page shows it: its label (and the label's language) and its link."""
    shown = p.iri(iri)  # the page's words: "Wikidata Q200881" for a Wikidata item, say
    href, external = shown.href, shown.external
    out: dict[str, Any] = {"iri": iri, "label": shown.text}
    if shown.lang:
        out["lang"] = shown.lang
    if href:
        out["url"] = href
    if external:
        out["external"] = True
    return out


def literal(term: ox.Literal) -> dict[str, Any]:
    shown = show_literal(term)
    out: dict[str, Any] = {"value": term.value, "text": shown.text}
    if term.language:
        out["lang"] = term.language
    else:
        out["datatype"] = term.datatype.value
    return out


def is_iri(text: str) -> bool:
    return text.startswith(("http://", "https://", "urn:")) and not any(c.isspace() for c in text)


def graph_ref(p: Presenter, iri: str) -> dict[str, Any]:
    """A named graph as the pages show it: its name and its entry on /graphs."""
    return {"iri": iri, "label": p.graph_name(iri), "url": p.graph_href(iri)}


def _field(name: str, value: Any, p: Presenter) -> Any:
    if name in VERBATIM_FIELDS:
        return value
    if name in GRAPH_FIELDS and isinstance(value, str) and is_iri(value):
        return graph_ref(p, value)
    if name in GRAPH_FIELDS and isinstance(value, list) and all(
            isinstance(v, str) and is_iri(v) for v in value):
        return [graph_ref(p, v) for v in value]
    return encode(value, p)


def encode(value: Any, p: Presenter) -> Any:
    """A view model as JSON: IRIs as references, literals with their text, dataclasses as
    objects (with the properties the page shows), sets sorted."""
    if isinstance(value, ox.NamedNode):
        return ref(p, value.value)
    if isinstance(value, ox.Literal):
        return literal(value)
    if isinstance(value, ox.BlankNode):
        return {"bnode": value.value}
    if isinstance(value, str):
        return ref(p, value) if is_iri(value) else value
    if value is None or isinstance(value, bool | int | float):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _field(f.name, getattr(value, f.name), p)
               for f in dataclasses.fields(value) if f.name not in HIDDEN_FIELDS}
        for name in SHOWN_PROPERTIES.get(type(value), ()):
            out[name] = encode(getattr(value, name), p)
        return out
    if isinstance(value, Mapping):
        return {str(k): encode(v, p) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return [encode(v, p) for v in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        return [encode(v, p) for v in value]
    return str(value)
