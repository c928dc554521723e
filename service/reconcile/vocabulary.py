"""The types and properties the service offers: read from the ontology graph, once per store
generation, so a class added to the ontology is a type of the service without a code change."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.namespaces import ONTOLOGY_GRAPH, QANTAR
from service.pages.binding import PROLOGUE
from service.pages.context import derived, get_store
from service.pages.search import fold
from service.reconcile.ids import term_id
from service.store.interface import Store

TERMS = PROLOGUE + f"""
SELECT ?t ?kind ?label ?comment ?parent ?domain WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{
  VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty
                 rdf:Property }}
  ?t a ?kind FILTER(isIRI(?t))
  OPTIONAL {{ ?t rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
  OPTIONAL {{ ?t rdfs:comment ?comment FILTER(LANGMATCHES(LANG(?comment), "en")) }}
  OPTIONAL {{ ?t rdfs:subClassOf ?parent FILTER(isIRI(?parent) && ?parent != ?t) }}
  OPTIONAL {{ ?t rdfs:domain ?domain FILTER(isIRI(?domain)) }}
}} }}"""

_CLASS = "http://www.w3.org/2002/07/owl#Class"


@dataclass
class Term:
    """A class or property: its IRI, a name for people, what it is, its direct superclasses."""

    iri: str
    name: str
    description: str | None = None
    parents: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)  # of a property

    @property
    def id(self) -> str:
        return term_id(self.iri)


@dataclass
class Vocabulary:
    classes: dict[str, Term]
    properties: dict[str, Term]
    _ancestors: dict[str, set[str]] = field(default_factory=dict)

    def ancestors(self, cls: str) -> set[str]:
        """``cls`` and every class above it."""
        if cls not in self._ancestors:
            self._ancestors[cls] = {cls}  # first: a cycle in the hierarchy must not recurse
            term = self.classes.get(cls)
            for parent in term.parents if term else ():
                self._ancestors[cls] |= self.ancestors(parent)
        return self._ancestors[cls]

    def own_classes(self) -> list[Term]:
        """The ontology's own classes (not the reused vocabularies'), by name."""
        ours = str(QANTAR)
        return sorted((t for t in self.classes.values() if t.iri.startswith(ours)),
                      key=lambda t: (t.name.casefold(), t.iri))

    def name(self, iri: str) -> str:
        term = self.classes.get(iri) or self.properties.get(iri)
        return term.name if term else term_id(iri)


def load(store: Store) -> Vocabulary:
    classes: dict[str, Term] = {}
    properties: dict[str, Term] = {}
    for row in store.query(TERMS):
        iri = row["t"].value
        target = classes if row["kind"].value == _CLASS else properties
        term = target.setdefault(iri, Term(iri, term_id(iri)))
        if row["label"] is not None:
            term.name = row["label"].value
        if row["comment"] is not None:
            term.description = row["comment"].value
        if row["parent"] is not None and target is classes:
            term.parents.add(row["parent"].value)
        if row["domain"] is not None and target is properties:
            term.domains.add(row["domain"].value)
    return Vocabulary(classes, properties)


def vocabulary() -> Vocabulary:
    """The current app's vocabulary, read once per store generation."""
    return derived("reconcile.vocabulary", lambda: load(get_store()))


def matching(terms: list[Term], prefix: str) -> list[Term]:
    """The terms whose name or identifier starts with ``prefix`` (or has a word that does),
    those whose name starts with it first."""
    q = fold(prefix)
    ranked = []
    for term in terms:
        name, ident = fold(term.name), fold(term.id)
        if name.startswith(q) or ident.startswith(q) or fold(term.iri) == q:
            ranked.append((0, term))
        elif f" {q}" in f" {name}" or f" {q}" in f" {ident}":
            ranked.append((1, term))
    return [t for _, t in sorted(ranked, key=lambda rt: (rt[0], rt[1].name.casefold(),
                                                          rt[1].iri))]
