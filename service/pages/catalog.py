"""What the views list: classes and their counts, the events of the timeline, the ontology.

Aggregates over the whole graph (class counts, property usage, the events in date order) are
computed once per store generation by the callers (``context.derived``); the per-page queries
are bound to the page's terms and limited to the page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.namespaces import ONTOLOGY_GRAPH, OWL, RDF, RDFS
from service.pages.binding import PROLOGUE, bind
from service.pages.labels import fetch_labels
from service.pages.timespan import NOT_GIVEN, Dating, fetch_spans
from service.store.interface import Store

#: Classes of vocabulary terms: their instances are documented on /ontology, not listed.
META_CLASSES = {str(OWL.Class), str(OWL.ObjectProperty), str(OWL.DatatypeProperty),
                str(OWL.AnnotationProperty), str(RDF.Property), str(OWL.Ontology),
                str(RDFS.Class)}

# Counting with rdfs:subClassOf* per instance, or DISTINCT over every typed resource, takes
# seconds at 30,000 instances; counting the typed resources of each class takes milliseconds
# (a quarter of a second at a million triples). Totals with subclasses are then summed over
# the class hierarchy, corrected for the few resources that have several types (which the sum
# would count more than once). Blank nodes are instances too (a participation, a passage of
# evidence), counted as `qantar stats` counts them; DISTINCT counts a resource typed in two
# graphs once, as it does.
DIRECT_INSTANCES = PROLOGUE + """
SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c } GROUP BY ?c"""

MULTI_TYPED = PROLOGUE + """
SELECT ?x ?t WHERE {
  { SELECT ?x WHERE { ?x a ?c } GROUP BY ?x HAVING (COUNT(DISTINCT ?c) > 1) }
  ?x a ?t
}"""

DECLARED_CLASSES = PROLOGUE + f"""
SELECT ?c WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?c a owl:Class }} }}"""

CLASS_FACTS = PROLOGUE + """
SELECT ?c ?p ?o WHERE {
  VALUES ?c { }
  ?c ?p ?o FILTER(?p IN (rdfs:comment, rdfs:subClassOf, owl:equivalentClass, rdfs:isDefinedBy))
}"""

ALL_PARENTS = PROLOGUE + """
SELECT ?c ?parent WHERE { ?c rdfs:subClassOf ?parent FILTER(?c != ?parent && isIRI(?parent)) }"""

SUBCLASSES = PROLOGUE + """
SELECT ?sub WHERE { VALUES ?c { } ?sub rdfs:subClassOf ?c FILTER(?sub != ?c) }"""

# Names come from labels.fetch_labels (one per resource, by graph precedence), not from here.
SUMMARIES = PROLOGUE + """
SELECT ?x ?t ?d WHERE {
  VALUES ?x { }
  OPTIONAL { ?x a ?t }
  OPTIONAL { ?x schema:description ?d FILTER(LANGMATCHES(LANG(?d), "en")) }
}"""

EVENTS = PROLOGUE + """
SELECT DISTINCT ?e WHERE { ?e a/rdfs:subClassOf* qantar:Event FILTER(isIRI(?e)) }"""

EVENT_FACTS = PROLOGUE + """
SELECT ?e ?how ?o WHERE {
  VALUES ?e { }
  { ?e sem:hasPlace ?o BIND("place" AS ?how) }
  UNION { ?e qantar:eventType ?o BIND("type" AS ?how) }
  UNION { ?o sem:hasSubEvent ?e BIND("parent" AS ?how) }
  UNION { ?e schema:description ?o FILTER(LANGMATCHES(LANG(?o), "en")) BIND("about" AS ?how) }
}"""

TERMS = PROLOGUE + f"""
SELECT ?t ?kind WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{
  VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty
                 rdf:Property }}
  ?t a ?kind FILTER(isIRI(?t))
}} }}"""

TERM_FACTS = PROLOGUE + f"""
SELECT ?t ?p ?o WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{
  VALUES ?p {{ rdfs:comment rdfs:subClassOf rdfs:subPropertyOf rdfs:domain rdfs:range
              owl:equivalentClass owl:equivalentProperty rdfs:isDefinedBy }}
  ?t ?p ?o FILTER(isIRI(?t))
}} }}"""

PROPERTY_USAGE = PROLOGUE + f"""
SELECT ?p (COUNT(*) AS ?n) WHERE {{
  GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{ONTOLOGY_GRAPH}>)
}} GROUP BY ?p"""

ONTOLOGY_FACTS = PROLOGUE + f"""
SELECT ?p ?o WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?ont a owl:Ontology ; ?p ?o }} }}"""

SCHEMES = PROLOGUE + """
SELECT ?scheme ?concept ?definition WHERE {
  ?concept skos:inScheme ?scheme .
  OPTIONAL { ?concept skos:definition ?definition FILTER(LANGMATCHES(LANG(?definition), "en")) }
} ORDER BY ?scheme ?concept"""


@dataclass
class ClassCount:
    iri: str
    direct: int
    total: int


def class_counts(store: Store) -> dict[str, ClassCount]:
    """Instances per class (blank nodes too): typed directly, and with subclasses' instances.

    Classes the ontology declares appear even with no instances.
    """
    direct = {row["c"].value: int(row["n"].value) for row in store.query(DIRECT_INSTANCES)}
    declared = {row["c"].value for row in store.query(DECLARED_CLASSES)}
    parents = class_parents(store)
    ancestors: dict[str, set[str]] = {}

    def up(cls: str) -> set[str]:
        if cls not in ancestors:
            ancestors[cls] = {cls}  # set first: a cycle in the hierarchy must not recurse
            for parent in parents.get(cls, []):
                ancestors[cls] |= up(parent)
        return ancestors[cls]

    totals: dict[str, int] = defaultdict(int)
    for cls, n in direct.items():
        for ancestor in up(cls):
            totals[ancestor] += n
    types: dict[str, set[str]] = defaultdict(set)
    for row in store.query(MULTI_TYPED):
        types[str(row["x"])].add(row["t"].value)  # "_:b1" is not the IRI "b1"
    for own in types.values():  # each class counts such a resource once, not once per type
        reached: dict[str, int] = defaultdict(int)
        for cls in own:
            for ancestor in up(cls):
                reached[ancestor] += 1
        for ancestor, times in reached.items():
            totals[ancestor] -= times - 1
    counts = {c: ClassCount(c, direct.get(c, 0), totals.get(c, 0))
              for c in set(totals) | declared}
    for meta in META_CLASSES:
        counts.pop(meta, None)
    return counts


def class_parents(store: Store) -> dict[str, list[str]]:
    """The direct superclasses of every class, sorted."""
    parents: dict[str, list[str]] = defaultdict(list)
    for row in store.query(ALL_PARENTS):
        parents[row["c"].value].append(row["parent"].value)
    return {c: sorted(ps) for c, ps in parents.items()}


@dataclass
class ClassInfo:
    iri: str
    comments: list[ox.Literal] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    equivalents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    defined_by: str | None = None


def class_info(store: Store, node: ox.NamedNode) -> ClassInfo:
    info = ClassInfo(node.value)
    for row in store.query(bind(CLASS_FACTS, c=node)):
        p, o = row["p"].value, row["o"]
        if p == str(RDFS.comment) and isinstance(o, ox.Literal):
            info.comments.append(o)
        elif isinstance(o, ox.NamedNode) and p == str(RDFS.subClassOf) and o != node:
            info.parents.append(o.value)
        elif isinstance(o, ox.NamedNode) and p == str(OWL.equivalentClass):
            info.equivalents.append(o.value)
        elif isinstance(o, ox.NamedNode):
            info.defined_by = o.value
    info.children = sorted(row["sub"].value for row in store.query(bind(SUBCLASSES, c=node))
                           if isinstance(row["sub"], ox.NamedNode))
    info.parents.sort()
    return info


@dataclass
class Summary:
    """What a list shows of a resource: its types, its name and English description."""

    types: list[str] = field(default_factory=list)
    label: str | None = None
    description: str | None = None

    def take(self, row: ox.QuerySolution) -> None:
        """Add what a row with ``?t``, ``?d`` and (for a blank node, which cannot be asked about
        again) ``?l`` says; the first label and description found are kept."""
        if row["t"] is not None and row["t"].value not in self.types:
            self.types.append(row["t"].value)
        if row["l"] is not None and self.label is None:
            self.label = row["l"].value
        if row["d"] is not None and self.description is None:
            self.description = row["d"].value


def summaries(store: Store, iris: list[str]) -> dict[str, Summary]:
    """A summary of each IRI, for result lists, class pages and reconciliation: named as
    every page names it (``fetch_labels``)."""
    found = {iri: Summary() for iri in iris}
    if not iris:
        return found
    for row in store.query(bind(SUMMARIES, x=[ox.NamedNode(i) for i in iris])):
        found[row["x"].value].take(row)
    for iri, label in fetch_labels(store, iris).items():
        found[iri].label = label.text
    return found


def events_in_order(store: Store) -> list[tuple[Dating, str]]:
    """Every event with its dating, in the order of the timeline (see ``timeline.group``):
    the dated ones by their best-known bound, then those whose date the source does not give."""
    events = [row["e"].value for row in store.query(EVENTS)]
    spans = fetch_spans(store, events)
    datings = {e: spans[e].dating for e in events}
    return sorted(((datings[e], e) for e in events),
                  key=lambda pair: (pair[0].precision == NOT_GIVEN, pair[0].sort_key, pair[1]))


@dataclass
class EventFacts:
    places: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    description: str | None = None


def event_facts(store: Store, events: list[str]) -> dict[str, EventFacts]:
    facts: dict[str, EventFacts] = {e: EventFacts() for e in events}
    if not events:
        return facts
    query = bind(EVENT_FACTS, e=[ox.NamedNode(e) for e in events])
    for row in store.query(query):
        entry, how, value = facts[row["e"].value], row["how"].value, row["o"].value
        if how == "about":
            entry.description = value
        else:
            target = {"place": entry.places, "type": entry.types, "parent": entry.parents}[how]
            if value not in target:
                target.append(value)
    for entry in facts.values():
        entry.places.sort()
    return facts


@dataclass
class Term:
    """A class or property of the ontology, as the documentation shows it."""

    iri: str
    kind: str
    facts: dict[str, list[object]] = field(default_factory=lambda: defaultdict(list))
    usage: int = 0


@dataclass
class OntologySummary:
    facts: dict[str, list[object]]
    terms: list[Term]
    schemes: dict[str, list[tuple[str, str | None]]]


def ontology_summary(store: Store, counts: dict[str, ClassCount]) -> OntologySummary:
    """Every term the ontology graph declares, with its facts and how often the data uses it."""
    terms: dict[str, Term] = {}
    for row in store.query(TERMS):
        iri, kind = row["t"].value, row["kind"].value
        if iri not in terms or kind == str(OWL.Class):
            terms[iri] = Term(iri, kind)
    for row in store.query(TERM_FACTS):
        term = terms.get(row["t"].value)
        if term is not None:
            term.facts[row["p"].value].append(row["o"])
    usage = {row["p"].value: int(row["n"].value) for row in store.query(PROPERTY_USAGE)}
    for term in terms.values():
        if term.kind == str(OWL.Class):
            # a class's instances include its subclasses' (an agent is a person or …)
            term.usage = counts[term.iri].total if term.iri in counts else 0
        else:
            term.usage = usage.get(term.iri, 0)
    facts: dict[str, list[object]] = defaultdict(list)
    for row in store.query(ONTOLOGY_FACTS):
        facts[row["p"].value].append(row["o"])
    schemes: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for row in store.query(SCHEMES):
        definition = row["definition"].value if row["definition"] is not None else None
        schemes[row["scheme"].value].append((row["concept"].value, definition))
    return OntologySummary(dict(facts), list(terms.values()), dict(schemes))
