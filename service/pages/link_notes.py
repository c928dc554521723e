"""The editors' notes on a statement's links that its own passages do not name.

A ``qantar:LinkNote`` (graph/link-notes.ttl) says one link as an RDF statement (``rdf:subject``,
``rdf:predicate``, ``rdf:object``), quotes the source's words it is inferred from and gives the
reasoning. The statement's page shows them beside its editorial notes, so a reader sees which of
its links are read into the article and from which words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from service.pages.binding import PROLOGUE, bind
from service.store.interface import Store

#: The OPTIONALs stand outside the GRAPH, each with the GRAPH again: inside it, Oxigraph
#: evaluated them over every link note of the store before joining on the statement (at 1M
#: triples 78 ms of every entity page's 120; so, 0.3 ms, the same rows).
LINK_NOTES = PROLOGUE + """
SELECT ?n ?g ?p ?o ?words ?note WHERE {
  VALUES ?x { }
  GRAPH ?g { ?n rdf:subject ?x ; a qantar:LinkNote ; rdf:predicate ?p ; rdf:object ?o . }
  OPTIONAL { GRAPH ?g { ?n qantar:inferredFrom ?words } }
  OPTIONAL { GRAPH ?g { ?n skos:editorialNote ?note } }
}"""


@dataclass
class LinkNote:
    """One noted link of a statement: the property, its target (an IRI or a date), the source's
    words it is inferred from, the editors' reasoning, and the graph that holds the note."""

    predicate: str
    target: object  # an ox term
    graph: str
    words: list[str] = field(default_factory=list)
    notes: list[ox.Literal] = field(default_factory=list)


def fetch_link_notes(store: Store, node: ox.NamedNode) -> list[LinkNote]:
    """The link notes about ``node``'s links, by property and target."""
    found: dict[tuple[str, str, str], LinkNote] = {}
    for row in store.query(bind(LINK_NOTES, x=node)):
        key = (str(row["n"]), row["g"].value, row["p"].value)
        note = found.setdefault(key, LinkNote(row["p"].value, row["o"], row["g"].value))
        words, text = row["words"], row["note"]
        if isinstance(words, ox.Literal) and words.value not in note.words:
            note.words.append(words.value)
        if isinstance(text, ox.Literal) and text not in note.notes:
            note.notes.append(text)
    return sorted(found.values(), key=lambda n: (n.predicate, str(n.target)))
