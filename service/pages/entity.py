"""Everything an entity page shows, fetched with a handful of bound queries.

The model keeps RDF terms and IRIs; the template shows them through a ``Presenter`` (labels,
links, dates), whose labels are fetched for the whole page in one query at the end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.anchors import conflict_anchor
from service.findings import StoredFinding, findings_of
from service.namespaces import OWL, QANTAR, RDF, RDFS, SDO, SEM, SKOS
from service.pages import describe, sections
from service.pages.binding import PROLOGUE, bind, limited
from service.pages.claims import HOW_TITLES, ClaimLink, claim_when, fetch_claims
from service.pages.evidence import Passage, fetch_passages
from service.pages.iris import IriMap
from service.pages.labels import (
    READER_LANGUAGES,
    Label,
    Naming,
    best_labels,
    current_ranking,
    fetch_labels,
)
from service.pages.link_notes import LinkNote, fetch_link_notes
from service.pages.reader import Reader, fetch_reader
from service.pages.relations import Relation, Role, fetch_relation, fetch_roles
from service.pages.terms import Presenter
from service.pages.timespan import TimeSpan, fetch_spans
from service.precedence import GraphRanking
from service.store.interface import Store

#: How many statements about one resource a page reads at most (a safety bound, not a page).
OUTGOING_CAP = 2000

SUPERCLASSES = PROLOGUE + """
SELECT DISTINCT ?c WHERE { VALUES ?x { } ?x a/rdfs:subClassOf* ?c }"""

# Events pointing at this one: the events it is part of, and those it caused.
EVENT_LINKS = PROLOGUE + """
SELECT ?e ?how WHERE {
  VALUES ?x { }
  { ?e sem:hasSubEvent ?x BIND("parent" AS ?how) }
  UNION { ?e qantar:causedBy ?x BIND("effect" AS ?how) }
} LIMIT 1"""

# The events an agent took part in, with its roles.
PARTICIPATED = PROLOGUE + """
SELECT ?event ?role WHERE {
  VALUES ?x { }
  ?event qantar:hasParticipation ?b . ?b qantar:participant ?x .
  OPTIONAL { ?b qantar:participantRole ?role }
} LIMIT 1"""

# Figures that break this one down (16 police officers among 146 killed).
BREAKDOWN = PROLOGUE + """
SELECT ?f WHERE { VALUES ?x { } ?f qantar:partOfFigure ?x } LIMIT 1"""

GRAPH_LABELS = PROLOGUE + """
SELECT ?g ?label ?from WHERE {
  VALUES ?g { }
  OPTIONAL { ?g rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL { ?g prov:wasDerivedFrom ?from }
}"""

EVENT_CLASSES = {str(QANTAR.Event), str(SEM.Event), str(SDO.Event)}
AGENT_CLASSES = {str(QANTAR.Agent)}
CLAIM_CLASSES = {str(QANTAR.Claim), str(SDO.Claim)}
FIGURE_CLASSES = {str(QANTAR.Figure)}
RELATION_CLASSES = {str(QANTAR.PowerRelation)}

LANGUAGES = {"en": "English", "ru": "Russian", "kk": "Kazakh", "nl": "Dutch", "fr": "French",
             "de": "German"}


def _one(values: list, default: object = None) -> object:
    return values[0] if values else default


@dataclass
class Value:
    """One object of a property on the page, with the graph it comes from."""

    term: object
    graphs: list[str]
    nested: list[tuple[str, object]] = field(default_factory=list)
    passage: Passage | None = None  # a qantar:evidence value, shown as the passage it picks


@dataclass
class Row:
    predicate: str
    values: list[Value]


@dataclass
class Section:
    title: str
    rows: list[Row]


@dataclass
class IncomingGroup:
    predicate: str
    items: list[describe.Incoming]


@dataclass
class Name:
    text: str
    lang: str | None
    language: str  # the language's name, for people


@dataclass
class OtherName:
    """A name another graph gives the entity, beside the one its page is headed with;
    ``disputed`` when graphs give different labels in one language (``anchor``: /conflicts)."""

    text: str
    lang: str | None
    graph: str
    disputed: bool = False
    anchor: str | None = None


@dataclass
class OtherValue:
    """A figure's value as another graph gives it, beside the value the page shows."""

    value: ox.Literal
    graph: str
    disputed: bool = True
    anchor: str | None = None


@dataclass
class Participant:
    agent: object
    roles: list[str]


@dataclass
class EventView:
    span: TimeSpan
    places: list[str]
    participants: list[Participant]
    sub_events: list[str]
    part_of: list[str]
    causes: list[str]
    effects: list[str]


@dataclass
class ClaimView:
    """A claim or figure: who states it, where (the source and its quote), when, and its status."""

    statuses: list[str]
    claimants: list[str]
    stated_to: list[str]
    reported_by: list[str]
    relays: list[str]  # the claims whose statement this one reports second-hand
    relayed_in: list[str]  # the claims that report this one second-hand
    sources: list[str]
    quotes: list[ox.Literal]
    when: str
    when_machine: str | None
    about: list[str]
    places: list[str]
    value: ox.Literal | None
    value_graph: str | None
    other_values: list[OtherValue]
    quantity: str | None
    precision: str | None
    unit: str | None
    part_of: list[str]
    breakdown: list[str]
    disputes: list[str]
    disputed_by: list[str]


@dataclass
class EventRole:
    event: str
    roles: list[str]


@dataclass
class GraphInfo:
    iri: str
    label: str | None
    derived_from: str | None
    count: int


@dataclass
class EntityPage:
    iri: str
    path: str
    types: list[str]
    classes: set[str]
    names: list[Name]
    title_graph: str | None  # the graph the page's heading (its name) comes from
    other_names: list[OtherName]
    descriptions: list[ox.Literal]
    notes: list[ox.Literal]
    external: list[tuple[str, list[str]]]  # owl:sameAs / skos:exactMatch, with their graphs
    sections: list[Section]
    truncated: bool
    incoming: list[IncomingGroup]
    incoming_total: int
    page: int
    pages: int
    graphs: list[GraphInfo]
    event: EventView | None = None
    claim: ClaimView | None = None
    relation: Relation | None = None
    relation_span: TimeSpan | None = None
    roles: list[tuple[Role, TimeSpan]] = field(default_factory=list)
    events: list[tuple[EventRole, TimeSpan]] = field(default_factory=list)
    claims: dict[str, list[ClaimLink]] = field(default_factory=dict)
    claims_complete: bool = True
    claim_titles: dict[str, str] = field(default_factory=lambda: dict(HOW_TITLES))
    passages: dict[str, list[Passage]] = field(default_factory=dict)  # by statement node
    link_notes: list[LinkNote] = field(default_factory=list)  # links its passages do not name
    reader: Reader | None = None  # a source's passages in reading order (service.pages.reader)
    findings: list[StoredFinding] = field(default_factory=list)  # what the shapes say of it

    @property
    def own_passages(self) -> list[Passage]:
        """What the article says for the statement this page is about."""
        return self.passages.get(self.iri, [])

    @property
    def is_event(self) -> bool:
        return bool(self.classes & EVENT_CLASSES)

    @property
    def is_agent(self) -> bool:
        return bool(self.classes & AGENT_CLASSES)

    @property
    def is_figure(self) -> bool:
        return bool(self.classes & FIGURE_CLASSES)

    def values(self, predicate: str) -> list[object]:
        return [v.term for s in self.sections for r in s.rows if r.predicate == predicate
                for v in r.values]


def build(store: Store, iris: IriMap, node: ox.NamedNode, page: int, size: int) -> tuple[
    EntityPage, Presenter
]:
    """The page of ``node`` (which must exist), with ``page`` of its incoming links."""
    statements, truncated = describe.outgoing(store, node, OUTGOING_CAP)
    by_predicate: dict[str, list[describe.Statement]] = defaultdict(list)
    for st in statements:
        by_predicate[st.predicate].append(st)

    def objects(predicate: object) -> list[object]:
        seen: dict[str, object] = {}
        for st in by_predicate.get(str(predicate), []):
            seen.setdefault(str(st.value), st.value)
        return list(seen.values())

    def iris_of(predicate: object) -> list[str]:
        return [t.value for t in objects(predicate) if isinstance(t, ox.NamedNode)]

    ranking = current_ranking(store)
    title, other_names = _title_and_others(node.value, by_predicate, ranking)
    classes = {row["c"].value for row in store.query(bind(SUPERCLASSES, x=node))}
    incoming, incoming_total = describe.incoming(store, node, (page - 1) * size, size)
    total_pages = max(1, -(-incoming_total // size))

    entity = EntityPage(
        iri=node.value,
        path=iris.relative(node.value) or "",
        types=iris_of(RDF.type),
        classes=classes,
        names=_names(objects(SKOS.prefLabel), objects(SKOS.altLabel), objects(RDFS.label)),
        title_graph=title.graph if title else None,
        other_names=other_names,
        descriptions=_literals(objects(SDO.description)),
        notes=_literals(objects(SKOS.editorialNote)),
        external=[(i, sorted({st.graph for st in statements if st.value == ox.NamedNode(i)
                                  and st.predicate in (str(SKOS.exactMatch), str(OWL.sameAs))}))
                  for i in iris_of(SKOS.exactMatch) + iris_of(OWL.sameAs)],
        sections=_sections(statements),
        truncated=truncated,
        incoming=_group_incoming(incoming),
        incoming_total=incoming_total,
        page=page,
        pages=total_pages,
        graphs=[],
    )
    span_targets: set[str] = {node.value}
    if entity.is_event:
        participations = by_predicate.get(str(QANTAR.hasParticipation), [])
        entity.event = _event(store, node, participations, iris_of, size)
        span_targets |= {*entity.event.sub_events, *entity.event.part_of, *entity.event.causes,
                         *entity.event.effects}
    if classes & CLAIM_CLASSES:
        entity.claim = _claim(store, node, objects, iris_of, size,
                              by_predicate.get(str(QANTAR.value), []), ranking)
    if classes & RELATION_CLASSES:
        entity.relation = fetch_relation(store, node)
    roles = fetch_roles(store, node, size * 4) if entity.is_agent or _is_party(entity) else []
    events = _participated(store, node, size) if entity.is_agent else []
    span_targets |= {r.relation for r in roles} | {e.event for e in events}
    if not entity.claim:
        entity.claims, entity.claims_complete = fetch_claims(store, node, size)
    spans = fetch_spans(store, span_targets, ranking)
    if entity.event:
        entity.event.span = spans[node.value]
        for name in ("sub_events", "part_of", "causes", "effects"):
            getattr(entity.event, name).sort(key=lambda i: (spans[i].sort_key, i))
    if entity.relation or classes & RELATION_CLASSES:
        entity.relation_span = spans[node.value]
    entity.roles = sorted(((r, spans[r.relation]) for r in roles),
                          key=lambda pair: (pair[1].sort_key, pair[0].relation))
    entity.events = sorted(((e, spans[e.event]) for e in events),
                           key=lambda pair: (pair[1].sort_key, pair[0].event))
    entity.graphs = _graphs(store, statements, incoming)
    entity.passages = fetch_passages(store, _with_evidence(entity, by_predicate))
    _show_passages(entity)
    entity.link_notes = fetch_link_notes(store, node)
    entity.reader = fetch_reader(store, node.value)
    entity.findings = findings_of(store, node.value)

    mentioned = _mentioned(entity, statements, incoming)
    if entity.reader:
        mentioned |= entity.reader.statements
    mentioned |= {g for span in spans.values() if span.others
                  for g in (span.graph, *(o.graph for o in span.others))}
    presenter = Presenter(iris, fetch_labels(store, mentioned, ranking))
    for group in entity.incoming:  # the query pages in index order: sort the page by name
        group.items.sort(key=lambda item: _sort_name(presenter, item))
    _link_to_readers(entity, presenter)
    return entity, presenter


def _link_to_readers(entity: EntityPage, presenter: Presenter) -> None:
    """Each passage with a position links to its place in its source's reader; the reader's
    statements go by their names."""
    for passage in (x for xs in entity.passages.values() for x in xs):
        if passage.anchor and passage.source:
            href, external = presenter.href(passage.source)
            if href and not external:
                passage.reader = f"{href}#{passage.anchor}"
    if entity.reader:
        for x in entity.reader.passages:
            x.statements.sort(key=lambda iri: (presenter.label(iri).text.casefold(), iri))


def _with_evidence(entity: EntityPage, by_predicate: dict[str, list]) -> set[str]:
    """The statement nodes the page shows in some detail, whose passages it shows beside them:
    the page's own node, and the relations, events and claims its tables list."""
    found = {entity.iri} if str(QANTAR.evidence) in by_predicate else set()
    found |= {role.relation for role, _ in entity.roles}
    found |= {event_role.event for event_role, _ in entity.events}
    found |= {link.iri for links in entity.claims.values() for link in links}
    return found


def _show_passages(entity: EntityPage) -> None:
    """Put the passages in the statements table where their blank nodes would be.

    Blank node labels differ from query to query (over the SPARQL protocol above all), so the
    row is rebuilt from the passages rather than matched to them node by node.
    """
    for section in entity.sections:
        for row in section.rows:
            if row.predicate == str(QANTAR.evidence) and entity.own_passages:
                row.values = [Value(ox.Literal(x.exact), x.graphs, passage=x)
                              for x in entity.own_passages]


def _sort_name(p: Presenter, item: describe.Incoming) -> tuple[str, str]:
    shown = item.via[0] if item.via else item.subject
    name = p.label(shown.value).text if isinstance(shown, ox.NamedNode) else ""
    return name.casefold(), str(shown)


def _is_party(entity: EntityPage) -> bool:
    """Offices and places can be parties of relations too (held office, granting state)."""
    return str(QANTAR.Office) in entity.classes or str(QANTAR.Place) in entity.classes


def _literals(terms: list[object]) -> list[ox.Literal]:
    """Literals, English first, then by language."""
    found = [t for t in terms if isinstance(t, ox.Literal)]
    return sorted(found, key=lambda t: (t.language != "en", t.language or "", t.value))


def _names(pref: list[object], alt: list[object], label: list[object]) -> list[Name]:
    """Every name but the page title: names in other languages, then alternative names; each
    spelling once, with the language it first comes in (a Dutch preferred label that is an
    English alternative name too is one name, not two)."""
    title = {t.value for t in label if isinstance(t, ox.Literal)}
    out: list[Name] = []
    seen: set[str] = set()
    for term in _literals(pref) + _literals(alt):
        if term.value in seen or (term.value in title and term.language in (None, "en")):
            continue
        seen.add(term.value)
        language = LANGUAGES.get(term.language or "", term.language or "")
        out.append(Name(term.value, term.language, language))
    return out


def _sections(statements: list[describe.Statement]) -> list[Section]:
    """The statements outside the header, grouped into sections and by property."""
    rows: dict[str, dict[str, Value]] = defaultdict(dict)
    for st in statements:
        value = rows[st.predicate].get(str(st.value))
        if value is None:
            value = rows[st.predicate][str(st.value)] = Value(st.value, [], list(st.nested))
        if st.graph not in value.graphs:
            value.graphs.append(st.graph)
    grouped: dict[str, list[tuple[int, str, Row]]] = defaultdict(list)
    for predicate, values in rows.items():
        title, rank = sections.section_of(predicate)
        ordered = sorted(values.values(), key=lambda v: (isinstance(v.term, ox.Literal),
                                                         str(v.term)))
        grouped[title].append((rank, predicate, Row(predicate, ordered)))
    return [Section(title, [row for _, _, row in sorted(grouped[title], key=lambda t: t[:2])])
            for title in sections.ORDER if grouped.get(title)]


def _group_incoming(items: list[describe.Incoming]) -> list[IncomingGroup]:
    groups: dict[str, list[describe.Incoming]] = {}
    for item in items:
        groups.setdefault(item.predicate, []).append(item)
    return [IncomingGroup(p, v) for p, v in groups.items()]


def _event(store: Store, node: ox.NamedNode, participations: list[describe.Statement], iris_of,
           size: int) -> EventView:
    participants: dict[str, Participant] = {}
    for participation in participations:
        agents = [o for p, o in participation.nested if p == str(QANTAR.participant)]
        roles = [o.value for p, o in participation.nested if p == str(QANTAR.participantRole)]
        for agent in agents:
            entry = participants.setdefault(str(agent), Participant(agent, []))
            entry.roles.extend(r for r in roles if r not in entry.roles)
    parents, effects = [], []
    for row in store.query(limited(bind(EVENT_LINKS, x=node), size * 4)):
        (parents if row["how"].value == "parent" else effects).append(row["e"].value)
    return EventView(
        span=TimeSpan({}),
        places=iris_of(SEM.hasPlace),
        participants=list(participants.values()),
        sub_events=iris_of(SEM.hasSubEvent),
        part_of=parents,
        causes=iris_of(QANTAR.causedBy),
        effects=effects,
    )


def _title_and_others(iri: str, by_predicate: dict[str, list[describe.Statement]],
                      ranking: GraphRanking) -> tuple[Naming | None, list[OtherName]]:
    """The name the page is headed with (as ``fetch_labels`` chooses it) and the differing
    names other graphs give in its language, each with its graph."""
    namings = [Naming(iri, Label(st.value.value, st.value.language or None), st.graph,
                      st.predicate)
               for predicate in (str(RDFS.label), str(SKOS.prefLabel))
               for st in by_predicate.get(predicate, []) if isinstance(st.value, ox.Literal)]
    title = best_labels(namings, ranking).get(iri)
    if title is None:
        return None, []
    labels_by_lang: dict[str | None, list[Naming]] = defaultdict(list)
    for n in namings:
        if n.predicate == str(RDFS.label):
            labels_by_lang[n.label.lang].append(n)
    others: dict[tuple[str, str], OtherName] = {}
    for n in sorted(namings, key=lambda n: n.key(ranking, READER_LANGUAGES)):
        if (n.graph == title.graph or n.label.text == title.label.text
                or n.label.lang != title.label.lang or (n.label.text, n.graph) in others):
            continue
        rivals = labels_by_lang.get(n.label.lang, [])
        disputed = (n.predicate == str(RDFS.label) and len({r.label.text for r in rivals}) > 1
                    and len({r.graph for r in rivals}) > 1)
        anchor = conflict_anchor("name", iri, f"label/{n.label.lang or ''}") if disputed else None
        others[(n.label.text, n.graph)] = OtherName(n.label.text, n.label.lang, n.graph,
                                                    disputed, anchor)
    return title, list(others.values())


def _figure_value(statements: list[describe.Statement], ranking: GraphRanking,
                  kind: str | None, about: str | None, place: str | None,
                  ) -> tuple[ox.Literal | None, str | None, list[OtherValue]]:
    """The value the graph that ranks first gives, and the other graphs' differing values
    (a figure with two values is a disagreement, listed on /conflicts)."""
    values = sorted((st for st in statements if isinstance(st.value, ox.Literal)),
                    key=lambda st: (ranking.rank(st.graph), st.value.value))
    if not values:
        return None, None, []
    first = values[0]
    anchor = conflict_anchor("figure", about or "", f"figure/{kind}/{place or ''}")
    others: dict[tuple[str, str], OtherValue] = {}
    for st in values[1:]:
        if _number(st.value.value) != _number(first.value.value):
            others.setdefault((st.value.value, st.graph), OtherValue(st.value, st.graph,
                                                                     True, anchor))
    return first.value, first.graph, list(others.values())


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _claim(store: Store, node: ox.NamedNode, objects, iris_of, size: int,
           value_statements: list[describe.Statement], ranking: GraphRanking) -> ClaimView:
    def first_iri(predicate: object) -> str | None:
        return _one(iris_of(predicate))

    stated_on = _one(objects(QANTAR.statedOn))
    not_before = _one(objects(QANTAR.statedNotBefore))
    not_after = _one(objects(QANTAR.statedNotAfter))
    when, machine = claim_when(stated_on, not_before, not_after)
    breakdown = [row["f"].value for row in store.query(limited(bind(BREAKDOWN, x=node), size))]
    linked = fetch_claims(store, node, size)[0]
    disputed_by = [c.iri for c in linked.get("disputes", [])]
    about, places = iris_of(QANTAR.about), iris_of(QANTAR.concernsPlace)
    value, value_graph, other_values = _figure_value(
        value_statements, ranking, first_iri(QANTAR.quantityKind), _one(about), _one(places))
    return ClaimView(
        statuses=iris_of(QANTAR.status),
        claimants=iris_of(QANTAR.claimant),
        stated_to=iris_of(QANTAR.statedTo),
        reported_by=iris_of(QANTAR.reportedBy),
        relays=iris_of(QANTAR.relays),
        relayed_in=[c.iri for c in linked.get("relaying", [])],
        sources=iris_of(QANTAR.source),
        quotes=_literals(objects(QANTAR.quote)),
        when=when,
        when_machine=machine,
        about=about,
        places=places,
        value=value,
        value_graph=value_graph,
        other_values=other_values,
        quantity=first_iri(QANTAR.quantityKind),
        precision=first_iri(QANTAR.precision),
        unit=first_iri(QANTAR.unit),
        part_of=iris_of(QANTAR.partOfFigure),
        breakdown=breakdown,
        disputes=iris_of(QANTAR.disputes),
        disputed_by=disputed_by,
    )


def _participated(store: Store, node: ox.NamedNode, size: int) -> list[EventRole]:
    found: dict[str, EventRole] = {}
    for row in store.query(limited(bind(PARTICIPATED, x=node), size * 4)):
        entry = found.setdefault(row["event"].value, EventRole(row["event"].value, []))
        if row["role"] is not None and row["role"].value not in entry.roles:
            entry.roles.append(row["role"].value)
    return list(found.values())


def _graphs(store: Store, statements: list[describe.Statement],
            incoming: list[describe.Incoming]) -> list[GraphInfo]:
    """The named graphs the page's statements come from, with how many of each."""
    counts: dict[str, int] = defaultdict(int)
    for st in statements:
        counts[st.graph] += 1
    for item in incoming:
        counts.setdefault(item.graph, 0)
    if not counts:
        return []
    info = {g: GraphInfo(g, None, None, n) for g, n in counts.items()}
    query = bind(GRAPH_LABELS, g=[ox.NamedNode(g) for g in sorted(counts)])
    for row in store.query(query):
        entry = info[row["g"].value]
        if row["label"] is not None:
            entry.label = row["label"].value
        if row["from"] is not None:
            entry.derived_from = row["from"].value
    return sorted(info.values(), key=lambda g: (-g.count, g.iri))


def _mentioned(entity: EntityPage, statements: list[describe.Statement],
               incoming: list[describe.Incoming]) -> set[str]:
    """Every IRI the page names, so that all labels come in one query."""
    found: set[str] = {entity.iri, *entity.types, *(x for x, _ in entity.external)}
    for finding in entity.findings:
        found |= {finding.graph, *finding.graphs, *([finding.path] if finding.path else [])}
        if isinstance(finding.value, ox.NamedNode):
            found.add(finding.value.value)
    terms: list[object] = []
    for st in statements:
        found.add(st.predicate)
        terms.append(st.value)
        for p, o in st.nested:
            found.add(p)
            terms.append(o)
    for item in incoming:
        found.add(item.predicate)
        terms.append(item.subject)
        if item.via:
            terms.append(item.via[0])
            found.add(item.via[1])
    for role, _ in entity.roles:
        found |= {role.relation, role.type, *role.own}
        for p, o in role.others:
            found |= {p, o}
    for event_role, _ in entity.events:
        found |= {event_role.event, *event_role.roles}
    for links in entity.claims.values():
        for link in links:
            found |= {link.iri, *link.claimants, *link.statuses}
    if entity.event:
        e = entity.event
        found |= {*e.places, *e.sub_events, *e.part_of, *e.causes, *e.effects}
        for p in e.participants:
            terms.append(p.agent)
            found |= set(p.roles)
    if entity.claim:
        c = entity.claim
        for name in ("statuses", "claimants", "stated_to", "reported_by", "relays", "relayed_in",
                     "sources", "about", "places", "part_of", "breakdown", "disputes",
                     "disputed_by"):
            found |= set(getattr(c, name))
        found |= {i for i in (c.quantity, c.precision, c.unit) if i}
    if entity.relation:
        r = entity.relation
        found |= {r.type, *r.subjects, *r.objects, *r.rivals}
    found |= {n.graph for n in entity.other_names}
    if entity.claim:
        found |= {v.graph for v in entity.claim.other_values}
    found |= {g.iri for g in entity.graphs} | {g.derived_from for g in entity.graphs
                                                if g.derived_from}
    found |= {x.source for xs in entity.passages.values() for x in xs if x.source}
    for note in entity.link_notes:
        found |= {note.predicate, note.graph}
        terms.append(note.target)
    found |= {t.value for t in terms if isinstance(t, ox.NamedNode)}
    return found
