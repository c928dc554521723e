"""Names for IRIs, fetched in one query per page rather than one per link."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from flask import has_app_context

from service.pages.binding import PROLOGUE, bind
from service.pages.iris import curie
from service.precedence import GraphRanking, rank_graphs
from service.state import qantar
from service.store.interface import Store

# A FILTER on the predicate, not a second VALUES: with two VALUES blocks Oxigraph scans every
# label in the store and joins afterwards (0.6 s for 250 IRIs among 30,000 labels, not 14 ms).
# Each name with its graph: which graph says it decides which name a page shows.
LABELS = PROLOGUE + """
SELECT ?s ?p ?l ?g WHERE {
  VALUES ?s { }
  GRAPH ?g { ?s ?p ?l FILTER(?p IN (rdfs:label, skos:prefLabel)) }
}"""

#: The language pages are written in: names in it come first.
READER_LANGUAGES = ("en",)


@dataclass(frozen=True)
class Label:
    """A name and its language (None when the literal has none)."""

    text: str
    lang: str | None = None


@dataclass(frozen=True)
class Naming:
    """One name of one resource, as one graph gives it."""

    iri: str
    label: Label
    graph: str
    predicate: str

    def key(self, ranking: GraphRanking, languages: tuple[str, ...]) -> tuple:
        """Names in the reader's language first (then untagged, then any), then by the graph
        that says them (service.precedence), rdfs:label before skos:prefLabel, then the text."""
        return (_language_rank(self.label.lang, languages), ranking.rank(self.graph),
                0 if self.predicate.endswith("#label") else 1, self.label.text)


def _language_rank(lang: str | None, languages: tuple[str, ...]) -> int:
    if not lang:
        return len(languages)
    primary = lang.lower().split("-", 1)[0]
    for index, wanted in enumerate(languages):
        if primary == wanted:
            return index
    return len(languages) + 1


def fetch_namings(store: Store, iris: Iterable[str]) -> list[Naming]:
    """Every label and preferred label of each IRI, with the graph that gives it."""
    nodes = sorted(set(iris))
    found: list[Naming] = []
    for start in range(0, len(nodes), 500):  # keep VALUES blocks a sane size
        chunk = [ox.NamedNode(iri) for iri in nodes[start:start + 500]]
        for row in store.query(bind(LABELS, s=chunk)):
            literal = row["l"]
            if not isinstance(literal, ox.Literal):
                continue
            found.append(Naming(row["s"].value, Label(literal.value, literal.language or None),
                                row["g"].value, row["p"].value))
    return found


def best_labels(namings: Iterable[Naming], ranking: GraphRanking,
                languages: tuple[str, ...] = READER_LANGUAGES) -> dict[str, Naming]:
    """The name each IRI is shown by: see ``Naming.key``."""
    best: dict[str, tuple[tuple, Naming]] = {}
    for naming in namings:
        key = naming.key(ranking, languages)
        current = best.get(naming.iri)
        if current is None or key < current[0]:
            best[naming.iri] = (key, naming)
    return {iri: entry[1] for iri, entry in best.items()}


def fetch_labels(store: Store, iris: Iterable[str],
                 ranking: GraphRanking | None = None) -> dict[str, Label]:
    """The label each IRI that has one is shown by, one per IRI however many graphs and
    languages name it (see ``Naming.key``). ``ranking``: the app's (``current_ranking``) by
    default."""
    ranking = ranking if ranking is not None else current_ranking(store)
    chosen = best_labels(fetch_namings(store, iris), ranking)
    return {iri: naming.label for iri, naming in chosen.items()}


def current_ranking(store: Store) -> GraphRanking:
    """The serving app's graph ranking (kept per generation: every page reads the app's
    store), or, outside an app (the command line), ``store``'s with no setting."""
    if has_app_context():
        return qantar().ranking
    return rank_graphs(store)


#: Names for the few terms every page shows that no vocabulary in the store labels.
UNLABELLED = {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type": "type"}


def fallback_label(iri: str) -> Label:
    """What to call an IRI nobody labelled: its prefixed name, or its last segment."""
    if iri in UNLABELLED:
        return Label(UNLABELLED[iri], "en")
    short = curie(iri)
    if short != iri:
        return Label(short)
    tail = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return Label(tail or iri)
