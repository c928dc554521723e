"""The routes of the pages. Paths are part of the interface: keep them stable.

IRIs under the base are 303 IRIs: ``GET /<path>`` for ``<base><path>`` names a thing (a person,
an event), not a document, so it answers ``303 See Other`` to a document about it, chosen by
``Accept`` (``Vary: Accept``): ``/page/<path>`` for browsers, ``/data/<path>.<ext>`` (Turtle,
JSON-LD, N-Triples, RDF/XML, TriG, N-Quads) for RDF clients. The ontology's terms are hash IRIs
(``…/ontology#Person``): ``/ontology`` is the one document for all of them.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from service.errors import NotAcceptable, NotFound
from service.findings import findings_of
from service.formats import HTML, JSON, Format, negotiate
from service.namespaces import ONTOLOGY_GRAPH, QANTAR, SDO
from service.pages import catalog, describe, entity
from service.pages.binding import PROLOGUE, bind
from service.pages.context import derived, get_settings, get_store, iri_map, page_size
from service.pages.documents import (
    BY_EXTENSION,
    DOCUMENT_FORMATS,
    OFFERED,
    PAGE_FORMATS,
    serialize,
    split_document_path,
)
from service.pages.instances import instances
from service.pages.iris import curie, expand_curie
from service.pages.jsonld import entity_jsonld
from service.pages.labels import fetch_labels
from service.pages.network import layout
from service.pages.relations import fetch_offices, fetch_relations
from service.pages.search import SEARCH_TEXT_LIMIT, NameIndex, current_index
from service.pages.terms import Presenter
from service.pages.timeline import group as timeline_groups
from service.pages.timespan import fetch_spans
from service.pages.twin import json_url, respond, wants_json

blueprint = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/assets")

#: Statements pointing at a resource that its RDF document includes at most.
DOCUMENT_INCOMING_CAP = 10_000
SEARCH_PAGE_LIMIT = 50
AUTOCOMPLETE_LIMIT = 10

GRAPHS = PROLOGUE + """
SELECT ?g ?label ?description ?from WHERE {
  VALUES ?g { }
  OPTIONAL { ?g rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL { ?g dcterms:description ?description FILTER(LANGMATCHES(LANG(?description), "en")) }
  OPTIONAL { ?g prov:wasDerivedFrom ?from }
}"""

ONTOLOGY_QUADS = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"

#: The home page's entry points: (title, class, where it leads).
ENTRY_POINTS = (
    ("People", QANTAR.Person, None),
    ("Organisations", QANTAR.Organization, None),
    ("Groups", QANTAR.Group, None),
    ("Places", QANTAR.Place, None),
    ("Events", QANTAR.Event, "pages.timeline"),
    ("Power relations", QANTAR.PowerRelation, "pages.relations"),
    ("Claims", QANTAR.Claim, None),
    ("Figures", QANTAR.Figure, None),
)


@blueprint.app_context_processor
def _globals() -> dict:
    return {"query_ui": "query_ui.page" in current_app.view_functions}


@blueprint.app_template_filter("qantar_slug")
def _slug(iri: str) -> str:
    """The last segment of an IRI, safe as a CSS class name (status-disputed …)."""
    tail = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return "".join(c if c.isascii() and (c.isalnum() or c == "-") else "-" for c in tail)


def _page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _choice() -> Format | None:
    """The representation the client prefers (None: none of them); no Accept means the page."""
    return negotiate(request.accept_mimetypes, OFFERED, legacy=True)


def _wants_html() -> bool:
    return _choice() in PAGE_FORMATS


def _with_vary(response: Response) -> Response:
    response.headers["Vary"] = "Accept"
    return response


def _presenter(iris: set[str] | list[str]) -> Presenter:
    return Presenter(iri_map(), fetch_labels(get_store(), iris))


def _names() -> NameIndex:
    return current_index()


def _class_counts() -> dict[str, catalog.ClassCount]:
    return derived("class_counts", lambda: catalog.class_counts(get_store()))


@blueprint.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon (an SVG, whatever the name), so that no browser's request for it 404s."""
    return blueprint.send_static_file("favicon.svg")


# --- resolving IRIs ------------------------------------------------------------------------


@blueprint.get("/<path:path>")
def resolve(path: str) -> Response:
    """``<base><path>`` names a thing: 303 to the document about it that the client wants."""
    node = iri_map().resolve(path)
    if node is None or not describe.exists(get_store(), node):
        return _not_found(path)
    choice = _choice()
    if choice is None:
        raise _not_acceptable()
    if choice in PAGE_FORMATS:
        target = url_for("pages.page", path=path)
    elif choice is JSON:
        target = url_for("pages.page", path=f"{path}.json")
    else:
        target = url_for("pages.data", path=f"{path}.{choice.extension}")
    return _with_vary(redirect(target, code=303))


#: Answers that depend on Accept say so, errors included.
VARY = {"Vary": "Accept"}


def _not_acceptable() -> NotAcceptable:
    offered = ", ".join([HTML.media_type, JSON.media_type,
                         *(f.media_type for f in DOCUMENT_FORMATS)])
    return NotAcceptable(f"none of the Accept types is offered; this resource is available as "
                         f"{offered}", headers=VARY)


def _not_found(path: str, what: str | None = None) -> Response:
    """A helpful 404: what was asked for, and what the search finds for its last word."""
    iri = what or f"<{get_settings().base_iri}{path}>"
    if not _wants_html():
        raise NotFound(f"nothing is known about {iri} here", headers=VARY)
    term = path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    term = term[:SEARCH_TEXT_LIMIT]  # a hint of what the path may have meant: its start will do
    hits = _names().search(term, AUTOCOMPLETE_LIMIT)
    summaries = catalog.summaries(get_store(), [h.iri for h in hits])
    p = _presenter({h.iri for h in hits} | {t for s in summaries.values() for t in s.types})
    body = render_template("pages/not_found.html", iri=iri, term=term, hits=hits,
                           summaries=summaries, p=p)
    return _with_vary(Response(body, status=404, mimetype="text/html"))


# --- documents about one resource ------------------------------------------------------------


@blueprint.get("/page/<path:path>")
def page(path: str) -> Response:
    """The HTML page about ``<base><path>``, or its JSON twin (``Accept: application/json``, or
    ``/page/<path>.json``); ``?page=N`` pages through what links to it."""
    store, iris = get_store(), iri_map()
    node = iris.resolve(path)
    by_extension = False
    if (node is None or not describe.exists(store, node)) and path.endswith(".json"):
        node, by_extension = iris.resolve(path.removesuffix(".json")), True
    if node is None or not describe.exists(store, node):
        return _not_found(path)
    path = path.removesuffix(".json") if by_extension else path
    size = page_size()
    model, p = entity.build(store, iris, node, _page_number(), size)
    page_url = url_for("pages.page", path=path, _external=True)
    alternates = [(f, url_for("pages.data", path=f"{path}.{f.extension}"))
                  for f in DOCUMENT_FORMATS]
    graph_stats = None
    if node.value in store.graphs():
        graph_stats = store.triple_count(node.value)
    response = respond(
        "pages/entity.html", p,
        {"entity": model, "graph_stats": graph_stats,
         "data": {f.media_type: href for f, href in alternates}},
        view="entity", json_url=json_url(url_for("pages.page", path=f"{path}.json")),
        as_json=wants_json(by_extension), negotiated=not by_extension,
        helpers={"e": model, "alternates": alternates,
                 "jsonld": entity_jsonld(model, p, page_url)})
    if response.mimetype == "text/html":
        response.headers["Link"] = ", ".join(
            [response.headers["Link"]]
            + [f'<{href}>; rel="alternate"; type="{f.media_type}"' for f, href in alternates]
            + [f'<{node.value}>; rel="describes"'])
    return response


@blueprint.get("/data/<path:path>")
def data(path: str) -> Response:
    """The RDF about ``<base><path>``: ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.trig``,
    ``.nq``; without an extension, the format is negotiated."""
    stem, fmt = split_document_path(path)
    node = iri_map().resolve(stem)
    if node is None or not describe.exists(get_store(), node):
        raise NotFound(f"nothing is known about <{get_settings().base_iri}{stem}> here",
                       headers=VARY)
    negotiated = fmt is None
    if fmt is None:
        fmt = negotiate(request.accept_mimetypes, DOCUMENT_FORMATS, legacy=True)
        if fmt is None:
            raise _not_acceptable()
    quads = describe.document(get_store(), node, DOCUMENT_INCOMING_CAP)
    return _rdf_response(fmt, quads, vary=negotiated)


def _rdf_response(fmt: Format, quads: list[ox.Quad], vary: bool) -> Response:
    response = Response(serialize(fmt, quads), content_type=fmt.content_type)
    if vary:
        response.headers["Vary"] = "Accept"
    return response


# --- views -------------------------------------------------------------------------------


@blueprint.get("/")
@blueprint.get("/index.json", endpoint="home_json")
def home() -> Response:
    store = get_store()
    counts = _class_counts()
    graphs = derived("graph_sizes", lambda: {g: store.triple_count(g) for g in store.graphs()})
    about: dict[str, dict] = {g: {} for g in graphs}
    if graphs:
        for row in store.query(bind(GRAPHS, g=[ox.NamedNode(g) for g in graphs])):
            entry = about[row["g"].value]
            for key in ("label", "description", "from"):
                if row[key] is not None:
                    entry.setdefault(key, row[key].value)
    p = _presenter({str(cls) for _, cls, _ in ENTRY_POINTS} | set(graphs)
                   | {a["from"] for a in about.values() if "from" in a})
    entries = [{"title": title, "class": curie(str(cls)),
                "count": counts[str(cls)].total if str(cls) in counts else 0,
                "url": url_for(view) if view else p.class_href(str(cls))}
               for title, cls, view in ENTRY_POINTS]
    by_extension = request.endpoint == "pages.home_json"
    return respond("pages/home.html", p,
                   {"entries": entries, "graphs": graphs, "about": about,
                    "triples": sum(graphs.values())},
                   view="home", json_url=json_url(url_for("pages.home_json")),
                   as_json=wants_json(by_extension), negotiated=not by_extension)


@blueprint.get("/classes")
@blueprint.get("/classes.json", endpoint="classes_json")
def classes() -> Response:
    counts = _class_counts()
    parents = catalog.class_parents(get_store())
    p = _presenter(set(counts) | {x for c in counts for x in parents.get(c, [])})
    rows = sorted(counts.values(), key=lambda c: (p.label(c.iri).text.casefold(), c.iri))
    by_extension = request.endpoint == "pages.classes_json"
    return respond("pages/classes.html", p,
                   {"rows": rows, "parents": {c.iri: parents.get(c.iri, []) for c in rows}},
                   view="classes", json_url=json_url(url_for("pages.classes_json")),
                   as_json=wants_json(by_extension), negotiated=not by_extension,
                   helpers={"curie": curie})


@blueprint.get("/findings")
@blueprint.get("/findings.json", endpoint="findings_json")
def findings() -> Response:
    """Every finding the shapes have on the data (service.findings), most severe first, a page
    of ``QANTAR_PAGE_SIZE`` at a time."""
    found = findings_of(get_store())
    size = page_size()
    pages = max(1, -(-len(found) // size))
    number = min(_page_number(), pages)
    chunk = found[(number - 1) * size:number * size]
    p = _presenter({x for f in chunk for x in (f.focus, f.graph, *f.graphs,
                                                *([f.path] if f.path else []))})
    by_extension = request.endpoint == "pages.findings_json"
    return respond("pages/findings.html", p,
                   {"findings": chunk, "page": number, "pages": pages, "total": len(found)},
                   view="findings", json_url=json_url(url_for("pages.findings_json")),
                   as_json=wants_json(by_extension), negotiated=not by_extension)


@blueprint.get("/classes/<path:name>")
def class_page(name: str) -> Response:
    """The instances of a class (with its subclasses'); ``/classes/<name>.json`` is its twin."""
    node = expand_curie(name)
    counts = _class_counts()
    by_extension = False
    if (node is None or node.value not in counts) and name.endswith(".json"):
        node, by_extension = expand_curie(name.removesuffix(".json")), True
    if node is None or node.value not in counts:
        return _not_found(name.partition(":")[2] or name, what=f"the class {name}")
    name = curie(node.value)
    store, size = get_store(), page_size()
    count = counts[node.value]
    pages = max(1, -(-count.total // size))
    number = min(_page_number(), pages)
    info = catalog.class_info(store, node)
    page = instances(store, node, (number - 1) * size, size)
    listed = [*page.named.values(), *page.unnamed]
    p = _presenter({node.value, *info.parents, *info.children, *info.equivalents, *page.named,
                    *(t for m in listed for t in m.types),
                    *(x for u in page.unnamed for x in (u.owner, *u.path) if x)})
    return respond("pages/class.html", p,
                   {"info": info, "count": count, "members": page.named,
                    "unnamed": page.unnamed, "page": number, "pages": pages, "name": name,
                    "subclass_counts": {x: counts[x].total for x in info.children
                                        if x in counts}},
                   view="class", json_url=json_url(url_for("pages.class_page",
                                                           name=f"{name}.json")),
                   as_json=wants_json(by_extension), negotiated=not by_extension)


def _search_limit(default: int) -> int:
    return max(1, min(request.args.get("limit", default, type=int) or default,
                      SEARCH_PAGE_LIMIT))


@blueprint.get("/search")
@blueprint.get("/search.json", endpoint="search_json")
def search() -> Response:
    """Names by prefix or substring. Its JSON twin, ``/search.json``, lists the page's hits;
    ``Accept: application/json`` is the autocomplete's, the first 10 of them. Both take
    ``?limit=N`` (up to the page's 50)."""
    query = request.args.get("q", "").strip()
    by_extension = request.endpoint == "pages.search_json"
    as_json = wants_json(by_extension)
    limit = SEARCH_PAGE_LIMIT
    if as_json:
        limit = _search_limit(SEARCH_PAGE_LIMIT if by_extension else AUTOCOMPLETE_LIMIT)
    hits = _names().search(query, limit)
    summaries = catalog.summaries(get_store(), [h.iri for h in hits])
    p = _presenter({h.iri for h in hits} | {t for s in summaries.values() for t in s.types})
    twin = json_url(url_for("pages.search_json"))
    if as_json:
        response = jsonify([{
            "iri": h.iri,
            "label": p.label(h.iri).text,
            "matched": h.name,
            "lang": h.lang,
            "url": p.href(h.iri)[0],
            "types": [p.label(t).text for t in summaries[h.iri].types],
            "description": summaries[h.iri].description,
        } for h in hits])
        return response if by_extension else _with_vary(response)
    body = render_template("pages/search.html", p=p, q=query, hits=hits, summaries=summaries,
                           limit=SEARCH_PAGE_LIMIT, json_twin=twin)
    response = Response(body, mimetype="text/html")
    response.headers["Link"] = f'<{twin}>; rel="alternate"; type="{JSON.media_type}"'
    return _with_vary(response)


@blueprint.get("/timeline")
@blueprint.get("/timeline.json", endpoint="timeline_json")
def timeline() -> Response:
    """The events in the order they began; vague dates under spans of their own (see
    ``service.pages.timeline``)."""
    store, size = get_store(), page_size()
    ordered = derived("timeline", lambda: catalog.events_in_order(store))
    pages = max(1, -(-len(ordered) // size))
    number = min(_page_number(), pages)
    chunk = ordered[(number - 1) * size:number * size]
    iris = [iri for _, iri in chunk]
    facts = catalog.event_facts(store, iris)
    spans = fetch_spans(store, iris)
    p = _presenter(set(iris) | {x for f in facts.values()
                                for x in (*f.places, *f.types, *f.parents)}
                   | {g for span in spans.values() if span.others
                      for g in (span.graph, *(o.graph for o in span.others))})
    by_extension = request.endpoint == "pages.timeline_json"
    return respond("pages/timeline.html", p,
                   {"groups": timeline_groups(chunk), "facts": facts, "spans": spans,
                    "page": number, "pages": pages, "total": len(ordered)},
                   view="timeline", json_url=json_url(url_for("pages.timeline_json")),
                   as_json=wants_json(by_extension), negotiated=not by_extension)


@blueprint.get("/relations")
@blueprint.get("/relations.json", endpoint="relations_json")
def relations() -> Response:
    store = get_store()
    found = fetch_relations(store)
    parties = {x for r in found for x in (*r.subjects, *r.objects, *r.rivals)}
    spans = fetch_spans(store, [r.iri for r in found])
    p = _presenter(parties | {r.iri for r in found} | {r.type for r in found}
                   | {g for span in spans.values() if span.others
                      for g in (span.graph, *(o.graph for o in span.others))})
    network = layout(found, {i: p.label(i).text for i in parties | {r.type for r in found}},
                     fetch_offices(store))
    kinds = sorted({r.type for r in found}, key=lambda t: p.label(t).text)
    ordered = sorted(found, key=lambda r: (spans[r.iri].sort_key, r.iri))
    by_extension = request.endpoint == "pages.relations_json"
    return respond("pages/relations.html", p,
                   {"relations": ordered, "spans": spans, "kinds": kinds, "network": network},
                   view="relations", json_url=json_url(url_for("pages.relations_json")),
                   as_json=wants_json(by_extension), negotiated=not by_extension)


@blueprint.get("/ontology.<ext>")
def ontology_document(ext: str) -> Response:
    """The ontology in one format: ``/ontology.ttl``, ``.jsonld``, ``.nt``, ``.rdf`` …, and
    ``/ontology.json``, the JSON twin of its page."""
    if ext == JSON.extension:
        return _ontology_page(as_json=True, by_extension=True)
    fmt = BY_EXTENSION.get(ext)
    if fmt is None:
        return _not_found(f"ontology.{ext}")
    return _rdf_response(fmt, _ontology_quads(), vary=False)


def _ontology_quads() -> list[ox.Quad]:
    graph = ox.NamedNode(str(ONTOLOGY_GRAPH))
    return [ox.Quad(r["s"], r["p"], r["o"], graph) for r in get_store().query(ONTOLOGY_QUADS)]


@blueprint.get("/ontology")
def ontology() -> Response:
    """The ontology's documentation for people, its JSON twin, its Turtle (etc.) for RDF
    clients."""
    choice = _choice()
    if choice is None:
        raise _not_acceptable()
    if choice not in (*PAGE_FORMATS, JSON):
        return _rdf_response(choice, _ontology_quads(), vary=True)
    return _ontology_page(as_json=choice is JSON, by_extension=False)


def _ontology_page(as_json: bool, by_extension: bool) -> Response:
    store = get_store()
    summary = derived("ontology", lambda: catalog.ontology_summary(store, _class_counts()))
    mentioned = {t.iri for t in summary.terms} | set(summary.schemes)
    mentioned |= {c for cs in summary.schemes.values() for c, _ in cs}
    mentioned |= {o.value for t in summary.terms for os in t.facts.values() for o in os
                  if isinstance(o, ox.NamedNode)}
    mentioned |= set(summary.facts) | {o.value for os in summary.facts.values() for o in os
                                       if isinstance(o, ox.NamedNode)}
    p = _presenter(mentioned)
    ours = f"{iri_map().ontology}#"
    own = sorted((t for t in summary.terms if t.iri.startswith(ours)),
                 key=lambda t: t.iri[len(ours):].casefold())
    reused: dict[str, list] = {}
    for term in sorted(summary.terms, key=lambda t: curie(t.iri)):
        if not term.iri.startswith(ours):
            reused.setdefault(curie(term.iri).partition(":")[0], []).append(term)
    return respond("pages/ontology.html", p,
                   {"facts": summary.facts, "own": own, "reused": reused,
                    "schemes": summary.schemes},
                   view="ontology", json_url=url_for("pages.ontology_document", ext="json"),
                   as_json=as_json, negotiated=not by_extension,
                   helpers={"is_class": lambda t: t.kind.endswith("#Class"),
                            "formats": DOCUMENT_FORMATS, "sdo": str(SDO)})
