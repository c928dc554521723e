"""Where the sources disagree: figures, dates, names and disputed claims, each value with who
states it and in which graph.

Disagreement is looked for only where it means something: figures of the same kind about the
same thing (and place); the same date property of the same node in different graphs; an
office's start date in a Wikidata-shaped import against our time span (compatible when it falls
inside it, at the precision we have); preferred names in one language that differ between
graphs or between us and a linked entity; and claims our graph records as disputing others.

Each conflict carries its machine values (IRIs, ISO dates: ``subject``, ``aspect``, ``key``,
``value``, ``graph``) and what a reader sees instead (``subject_label``, ``said``, ``text``,
``graph_label``, ``node_label``, statuses in words in ``note``): pages, the JSON twin and the
command line show the same words.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from service.anchors import conflict_anchor, graph_href
from service.imports.graphs import graph_names
from service.namespaces import QANTAR
from service.pages.entity import LANGUAGES
from service.pages.labels import fallback_label, fetch_labels
from service.pages.terms import wikidata_name
from service.pages.timespan import bounded, show_stamp
from service.store.interface import QueryDataset, Store

PREFIXES = f"""
PREFIX qantar: <{QANTAR}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
PREFIX schema: <https://schema.org/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
"""

FIGURES = PREFIXES + """
SELECT ?figure ?label ?kind ?about ?place ?value ?claimant ?claimantLabel ?status ?g WHERE {
  GRAPH ?g { ?figure qantar:value ?value }
  ?figure a qantar:Figure ; qantar:quantityKind ?kind ; qantar:about ?about .
  OPTIONAL { ?figure qantar:concernsPlace ?place }
  OPTIONAL { ?figure rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL { ?figure qantar:claimant ?claimant
             OPTIONAL { ?claimant rdfs:label ?claimantLabel
                        FILTER(LANGMATCHES(LANG(?claimantLabel), "en")) } }
  OPTIONAL { ?figure qantar:status ?status }
}"""

DATES = PREFIXES + """
SELECT ?node ?label ?property ?value ?g WHERE {
  VALUES ?property { sem:hasBeginTimeStamp sem:hasEndTimeStamp sem:hasEarliestBeginTimeStamp
                     sem:hasLatestBeginTimeStamp sem:hasEarliestEndTimeStamp
                     sem:hasLatestEndTimeStamp schema:startDate schema:endDate }
  GRAPH ?g { ?node ?property ?value }
  OPTIONAL { ?node rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
}"""

OFFICE_STARTS = PREFIXES + """
SELECT ?relation ?label ?begin ?earliest ?latest ?start ?statement ?g ?ours WHERE {
  GRAPH ?ours { ?relation a qantar:OfficeHolding ; qantar:holder ?holder ; qantar:office ?office }
  OPTIONAL { ?relation rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL { ?relation sem:hasBeginTimeStamp ?begin }
  OPTIONAL { ?relation sem:hasEarliestBeginTimeStamp ?earliest }
  OPTIONAL { ?relation sem:hasLatestBeginTimeStamp ?latest }
  ?holder skos:exactMatch ?wdHolder . ?office skos:exactMatch ?wdOffice .
  GRAPH ?g { ?wdHolder p:P39 ?statement . ?statement ps:P39 ?wdOffice ; pq:P580 ?start }
}"""

LABELS = PREFIXES + """
SELECT ?node ?label ?g WHERE {
  GRAPH ?g { ?node rdfs:label ?label }
  FILTER(isIRI(?node))
}"""

LINKED_LABELS = PREFIXES + """
SELECT ?node ?ours ?oursGraph ?other ?theirs ?g ?known WHERE {
  ?node skos:exactMatch ?other .
  GRAPH ?oursGraph { ?node rdfs:label ?ours }
  GRAPH ?g { ?other rdfs:label ?theirs }
  FILTER(LANG(?ours) = LANG(?theirs) && STR(?ours) != STR(?theirs))
  FILTER NOT EXISTS { ?node rdfs:label ?same
                      FILTER(LANG(?same) = LANG(?theirs) && STR(?same) = STR(?theirs)) }
  BIND(EXISTS { ?node skos:altLabel|skos:prefLabel ?variant
                FILTER(STR(?variant) = STR(?theirs)) } AS ?known)
}"""

DISPUTES = PREFIXES + """
SELECT ?claim ?claimLabel ?disputed ?disputedLabel ?by ?byLabel ?against ?againstLabel
       ?quote ?disputedQuote ?g WHERE {
  GRAPH ?g { ?claim qantar:disputes ?disputed }
  OPTIONAL { ?claim rdfs:label ?claimLabel FILTER(LANGMATCHES(LANG(?claimLabel), "en")) }
  OPTIONAL { ?disputed rdfs:label ?disputedLabel FILTER(LANGMATCHES(LANG(?disputedLabel), "en")) }
  OPTIONAL { ?claim qantar:claimant ?by
             OPTIONAL { ?by rdfs:label ?byLabel FILTER(LANGMATCHES(LANG(?byLabel), "en")) } }
  OPTIONAL { ?disputed qantar:claimant ?against
             OPTIONAL { ?against rdfs:label ?againstLabel
                        FILTER(LANGMATCHES(LANG(?againstLabel), "en")) } }
  OPTIONAL { ?claim qantar:quote ?quote }
  OPTIONAL { ?disputed qantar:quote ?disputedQuote }
}"""


@dataclass(frozen=True)
class Value:
    """One side of a disagreement."""

    value: str
    stated_by: str | None  # IRI of the claimant, if known
    stated_by_label: str | None
    graph: str
    node: str | None = None  # the figure, statement or claim carrying the value
    note: str | None = None  # for readers: the statuses in words, or where the value is from
    text: str = ""  # the value as a reader reads it: "4 January 2022", "1,234"
    statuses: tuple[str, ...] = ()  # IRIs of the figure's verification statuses
    graph_label: str = ""  # the graph's name (see graphs.graph_names)
    graph_href: str = ""  # the graph's entry on /graphs
    node_label: str | None = None


@dataclass
class Conflict:
    kind: str  # "figure", "date", "name", "dispute"
    subject: str
    subject_label: str | None
    aspect: str  # what is disagreed on, tersely: "killed", "begin", "label (en)" (see ``said``)
    values: list[Value] = field(default_factory=list)
    key: str = ""  # what is disagreed on, for programs: "label/en", "begin", "end", ...
    said: str = ""  # what is disagreed on, in words: "name in English", "killed in Almaty"
    # the IRIs ``said`` names, beside the aspect's own (quantity kind, place, claim, language)
    parts: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def anchor(self) -> str:
        return conflict_anchor(self.kind, self.subject, self.key or self.aspect)

    def as_json(self) -> dict[str, Any]:
        """The conflict for programs (``/conflicts.json``, ``qantar conflicts --json``)."""
        out = dataclasses.asdict(self)
        del out["parts"]
        out["anchor"] = self.anchor
        return out


def find_conflicts(store: Store) -> list[Conflict]:
    """Every disagreement, in a stable order (kind, subject, aspect)."""
    found = [*_figures(store), *_dates(store), *_office_starts(store), *_names(store),
             *_disputes(store)]
    order = {"figure": 0, "date": 1, "name": 2, "dispute": 3}
    return _in_words(store, sorted(found, key=lambda c: (order[c.kind], c.subject, c.aspect)))


def _query(store: Store, query: str) -> ox.QuerySolutions:
    """The default graph is the union of all graphs, as on the endpoint."""
    return store.query(query, QueryDataset.UNION)


def _v(row: ox.QuerySolution, name: str) -> str | None:
    term = row[name]
    return None if term is None else term.value


def _figures(store: Store) -> list[Conflict]:
    groups: dict[tuple, dict[tuple[str, str], Value]] = defaultdict(dict)
    for row in _query(store, FIGURES):
        key = (_v(row, "kind"), _v(row, "about"), _v(row, "place"))
        # one value per figure and graph: a graph that gives a figure another value disagrees
        figure, graph = _v(row, "figure") or "", _v(row, "g") or ""
        status = _v(row, "status")
        existing = groups[key].get((figure, graph))
        statuses = tuple(sorted({*(existing.statuses if existing else ()),
                                 *([status] if status else [])}))
        value = _v(row, "value") or ""
        groups[key][(figure, graph)] = Value(value, _v(row, "claimant"), _v(row, "claimantLabel"),
                                    _v(row, "g") or "", figure, text=_show_number(value),
                                    statuses=statuses)
    conflicts = []
    for (kind, about, place), by_figure in groups.items():
        values = sorted(by_figure.values(), key=lambda v: (v.graph, v.node or ""))
        if len({_number(v.value) for v in values}) > 1:
            aspect = f"{_short(kind)}" + (f" in {_short(place)}" if place else "")
            parts = {"kind": kind or "", **({"place": place} if place else {})}
            conflicts.append(Conflict("figure", about or "", None, aspect, values,
                                      key=f"figure/{kind}/{place or ''}", parts=parts))
    return conflicts


# For each end of a span: the property of an exact date, of its lower bound and of its upper bound.
_SPAN_ENDS = {
    "begin": ("http://semanticweb.cs.vu.nl/2009/11/sem/hasBeginTimeStamp",
              "http://semanticweb.cs.vu.nl/2009/11/sem/hasEarliestBeginTimeStamp",
              "http://semanticweb.cs.vu.nl/2009/11/sem/hasLatestBeginTimeStamp",
              "https://schema.org/startDate"),
    "end": ("http://semanticweb.cs.vu.nl/2009/11/sem/hasEndTimeStamp",
            "http://semanticweb.cs.vu.nl/2009/11/sem/hasEarliestEndTimeStamp",
            "http://semanticweb.cs.vu.nl/2009/11/sem/hasLatestEndTimeStamp",
            "https://schema.org/endDate"),
}


def _dates(store: Store) -> list[Conflict]:
    """Begins or ends that cannot both be true: one graph's date or bounds outside another's.

    An exact date is the interval of that day (or year); bounds are an interval open where a
    bound is missing. Two graphs disagree when their intervals for the same end of the same
    node do not overlap, so a date inside another graph's bounds is no conflict.
    """
    stamps: dict[tuple[str, str, str], dict[str, str]] = defaultdict(dict)
    labels: dict[str, str | None] = {}
    for row in _query(store, DATES):
        node, prop, graph = _v(row, "node") or "", _v(row, "property") or "", _v(row, "g") or ""
        for end, (exact, earliest, latest, schema_date) in _SPAN_ENDS.items():
            role = {exact: "exact", schema_date: "exact", earliest: "earliest",
                    latest: "latest"}.get(prop)
            if role:
                stamps[(node, end, graph)][role] = _v(row, "value") or ""
        labels[node] = labels.get(node) or _v(row, "label")
    by_node: dict[tuple[str, str], dict[str, dict[str, str]]] = defaultdict(dict)
    for (node, end, graph), known in stamps.items():
        by_node[(node, end)][graph] = known
    conflicts = []
    for (node, end), graphs in sorted(by_node.items()):
        spans = {graph: _interval(known) for graph, known in graphs.items()}
        if any(not _overlap(spans[a], spans[b]) for a in spans for b in spans if a < b):
            conflicts.append(Conflict("date", node, labels.get(node), end, [
                Value(_said(graphs[graph]), None, None, graph, text=_said_in_words(graphs[graph]))
                for graph in sorted(graphs)], key=end, said=_ENDS_IN_WORDS[end]))
    return conflicts


def _interval(known: dict[str, str]) -> tuple[str, str]:
    """The earliest and latest day a date or bounds allow (a year allows all its days)."""
    if "exact" in known:
        return _first_day(known["exact"]), _last_day(known["exact"])
    return (_first_day(known["earliest"]) if "earliest" in known else "",
            _last_day(known["latest"]) if "latest" in known else "9999")


def _first_day(value: str) -> str:
    return value[:10] if len(value) >= 10 else value[:4] + "-01-01"


def _last_day(value: str) -> str:
    return value[:10] if len(value) >= 10 else value[:4] + "-12-31"


def _overlap(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _said(known: dict[str, str]) -> str:
    """A date or bounds for programs: ISO dates ("between 2022-01-05 and 2022-01-06")."""
    if "exact" in known:
        return known["exact"]
    return f"between {known.get('earliest', '?')} and {known.get('latest', '?')}"


_ENDS_IN_WORDS = {"begin": "beginning", "end": "end"}


def _said_in_words(known: dict[str, str]) -> str:
    """A date or bounds as people read them: "5 January 2022", "between 5 and 6 January 2022"."""
    if "exact" in known:
        return _day(known["exact"])
    return bounded(_date_part(known.get("earliest")), _date_part(known.get("latest"))) or ""


def _date_part(value: str | None) -> str | None:
    """The day (or year) of an xsd:date or xsd:dateTime."""
    if not value:
        return None
    return value[:4] if len(value) == 4 else value[:10]


def _day(value: str) -> str:
    try:
        return show_stamp(_date_part(value) or value)
    except ValueError:  # not a date after all: say it as given
        return value


def _office_starts(store: Store) -> list[Conflict]:
    conflicts = []
    for row in _query(store, OFFICE_STARTS):
        start = (_v(row, "start") or "")[:10]
        begin, earliest, latest = _v(row, "begin"), _v(row, "earliest"), _v(row, "latest")
        if _compatible(start, begin, earliest, latest):
            continue
        ours = begin or f"between {earliest or '?'} and {latest or '?'}"
        ours_text = _day(begin) if begin else bounded(_date_part(earliest), _date_part(latest))
        conflicts.append(Conflict("date", _v(row, "relation") or "", _v(row, "label"),
                                  "start of the office holding", [
            Value(ours, None, None, _v(row, "ours") or "", _v(row, "relation"),
                  text=ours_text or ""),
            Value(start, None, None, _v(row, "g") or "", _v(row, "statement"),
                  "Wikidata position held (P39), start time (P580)", text=_day(start),
                  node_label="Wikidata statement"),
        ], key=f"office-start/{_v(row, 'statement')}", said="start of the office holding"))
    return conflicts


def _compatible(start: str, begin: str | None, earliest: str | None, latest: str | None) -> bool:
    """Whether a day ``start`` fits what we know: a date or year, or an interval."""
    if not start:
        return True
    if begin:
        return start.startswith(begin) or begin.startswith(start)
    if earliest and start < earliest[:10]:
        return False
    return not (latest and start > latest[:10])


def _names(store: Store) -> list[Conflict]:
    by_node: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in _query(store, LABELS):
        label = row["label"]
        key = (_v(row, "node") or "", label.language or "")
        by_node[key][label.value].add(_v(row, "g") or "")
    conflicts = []
    for (node, language), names in by_node.items():
        graphs = {g for gs in names.values() for g in gs}
        if len(names) > 1 and len(graphs) > 1:
            conflicts.append(Conflict("name", node, None, f"label ({language or 'no language'})", [
                Value(name, None, None, graph, text=name) for name, gs in sorted(names.items())
                for graph in sorted(gs)], key=f"label/{language}", said=_name_in(language)))
    for row in _query(store, LINKED_LABELS):
        theirs = row["theirs"]
        known = _v(row, "known") == "true"
        other = _v(row, "other") or ""
        conflicts.append(Conflict(
            "name", _v(row, "node") or "", _v(row, "ours"),
            f"label ({theirs.language or 'no language'}) of the linked {other}", [
                Value(_v(row, "ours") or "", None, None, _v(row, "oursGraph") or "",
                      text=_v(row, "ours") or ""),
                Value(theirs.value, None, None, _v(row, "g") or "", other,
                      "one of our alternative names" if known else None, text=theirs.value)],
            key=f"linked-label/{theirs.language or ''}/{other}",
            parts={"language": theirs.language or "", "other": other}))
    return conflicts


def _disputes(store: Store) -> list[Conflict]:
    conflicts = []
    for row in _query(store, DISPUTES):
        conflicts.append(Conflict(
            "dispute", _v(row, "disputed") or "", _v(row, "disputedLabel"),
            f"disputed by {_v(row, 'claimLabel') or _v(row, 'claim')}", [
                Value(_v(row, "disputedQuote") or _v(row, "disputedLabel") or "",
                      _v(row, "against"), _v(row, "againstLabel"), _v(row, "g") or "",
                      _v(row, "disputed"),
                      text=_v(row, "disputedQuote") or _v(row, "disputedLabel") or ""),
                Value(_v(row, "quote") or _v(row, "claimLabel") or "", _v(row, "by"),
                      _v(row, "byLabel"), _v(row, "g") or "", _v(row, "claim"),
                      text=_v(row, "quote") or _v(row, "claimLabel") or ""),
            ], key=f"disputed-by/{_v(row, 'claim')}", parts={"claim": _v(row, "claim") or ""}))
    return conflicts


def _name_in(language: str) -> str:
    """ "name in English" for a label tagged ``en``."""
    if not language:
        return "name without a language"
    return f"name in {LANGUAGES.get(language.lower(), language)}"


def _in_words(store: Store, conflicts: list[Conflict]) -> list[Conflict]:
    """The conflicts with what readers see filled in: labels of every IRI they name (one
    query for all), the aspect, the statuses and each value's graph in words."""
    iris = {c.subject for c in conflicts} | {i for c in conflicts for i in c.parts.values()}
    for c in conflicts:
        iris |= {i for v in c.values for i in (v.stated_by, v.node, *v.statuses) if i}
    labels = {iri: label.text for iri, label in fetch_labels(store, filter(_is_iri, iris)).items()}
    graphs = graph_names(store, {v.graph for c in conflicts for v in c.values if v.graph})

    def name(iri: str | None) -> str | None:
        if not iri:
            return None
        if not _is_iri(iri):
            return "(unnamed node)"
        return wikidata_name(iri) or labels.get(iri) or _readable_tail(iri)

    out = []
    for c in conflicts:
        values = [dataclasses.replace(
            v, stated_by_label=v.stated_by_label or name(v.stated_by),
            note=", ".join(name(s) or s for s in v.statuses) or v.note,
            text=v.text or v.value, graph_label=graphs.get(v.graph, v.graph),
            graph_href=graph_href(v.graph) if v.graph else "",
            node_label=v.node_label or name(v.node)) for v in c.values]
        out.append(dataclasses.replace(
            c, subject_label=c.subject_label or name(c.subject), values=values,
            said=c.said or _aspect_in_words(c, name)))
    return out


def _aspect_in_words(c: Conflict, name: Any) -> str:
    """What is disagreed on, with the names of the things the aspect mentions."""
    if c.kind == "figure":
        kind = name(c.parts.get("kind")) or c.aspect
        place = c.parts.get("place")
        return f"{kind} in {name(place)}" if place else kind
    if c.kind == "name" and "other" in c.parts:
        return f"{_name_in(c.parts['language'])}, here and on {name(c.parts['other'])}"
    if c.kind == "dispute":
        return f"disputed by “{name(c.parts.get('claim'))}”"
    return c.aspect


def _is_iri(text: str) -> bool:
    """Whether a value is an IRI (a blank node's id is not)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def _readable_tail(iri: str) -> str:
    """An IRI nobody labelled, as words: the last segment of its path ("almaty town hall")."""
    text = fallback_label(iri).text
    tail = text.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1].rsplit(":", 1)[-1]
    return tail.replace("-", " ").replace("_", " ").strip() or iri


def _show_number(value: str) -> str:
    try:
        return f"{int(value):,}"
    except ValueError:
        return value


def _number(value: str) -> float | str:
    try:
        return float(value)
    except ValueError:
        return value


def _short(iri: str | None) -> str:
    if not iri:
        return ""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
