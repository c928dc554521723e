"""The statements about one resource, with the named graph each comes from."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from service.pages.binding import PROLOGUE, bind, limited
from service.store.interface import Store

EXISTS = PROLOGUE + """
ASK { VALUES ?s { } { ?s ?p ?o } UNION { ?x ?y ?s } UNION { GRAPH ?s { } } }"""

# Outgoing statements, and one level of the blank nodes they point to (participations).
OUTGOING = PROLOGUE + """
SELECT ?p ?o ?g ?bp ?bo WHERE {
  VALUES ?s { }
  GRAPH ?g { ?s ?p ?o  OPTIONAL { FILTER(isBlank(?o)) ?o ?bp ?bo } }
} LIMIT 1"""

# What links here is paged without ORDER BY: Oxigraph sorts by decoding every term it compares
# (10 s for 30,000 links here), while a scan of one property's links with LIMIT/OFFSET follows
# the index and takes milliseconds at any offset. So links come grouped by property (counted
# first), in the index's order within a property, and each page is sorted by label afterwards.
INCOMING_COUNTS = PROLOGUE + """
SELECT ?p (COUNT(*) AS ?n) WHERE { VALUES ?o { } GRAPH ?g { ?s ?p ?o } } GROUP BY ?p"""

# One slice of one property's links; a blank subject (a participation) comes with the node
# pointing to it, so that the page can show the event rather than an unnamed node. A link note
# (qantar:LinkNote, a blank node nothing points to) comes with the statement whose link it notes.
# The parent is looked for in GRAPH ?pg, not in the union default graph: there, Oxigraph read
# every quad of the store for each blank subject (3 s a query at 1M triples, a person's page
# 32 s), where in a named graph it starts from the subject (milliseconds). DISTINCT: a statement
# found in two graphs is one parent, as it is in the union.
INCOMING = PROLOGUE + """
SELECT DISTINCT ?s ?g ?parent ?pp WHERE {
  { SELECT ?s ?g WHERE { VALUES ?o { } VALUES ?p { } GRAPH ?g { ?s ?p ?o } } LIMIT 1 OFFSET 0 }
  OPTIONAL {
    FILTER(isBlank(?s))
    { GRAPH ?pg { ?parent ?pp ?s } }
    UNION { GRAPH ?pg { ?s a qantar:LinkNote ; rdf:subject ?parent }
            BIND(qantar:LinkNote AS ?pp) }
  }
}"""

# The quads of the RDF document: the resource's statements and its blank nodes' statements,
# two levels deep, so that a passage of evidence comes with its selector (the words themselves).
OUTGOING_QUADS = PROLOGUE + """
SELECT ?s ?p ?o ?g WHERE {
  VALUES ?x { }
  { GRAPH ?g { ?x ?p ?o } BIND(?x AS ?s) }
  UNION { GRAPH ?g0 { ?x ?p0 ?s } FILTER(isBlank(?s)) GRAPH ?g { ?s ?p ?o } }
  UNION { GRAPH ?g0 { ?x ?p0 ?b } FILTER(isBlank(?b))
          GRAPH ?g1 { ?b ?p1 ?s } FILTER(isBlank(?s)) GRAPH ?g { ?s ?p ?o } }
}"""

# ... and (up to a cap) the statements pointing at it,
INCOMING_QUADS = PROLOGUE + """
SELECT ?s ?p ?g WHERE { VALUES ?x { } GRAPH ?g { ?s ?p ?x } } LIMIT 1"""

# ... with, for a blank subject among those (a participation), the statement pointing to it
# and the blank node's own statements (the role), so that the document reads on its own.
PARENT_QUADS = PROLOGUE + """
SELECT ?s ?p ?o ?g WHERE {
  { SELECT ?b WHERE { VALUES ?x { } GRAPH ?bg { ?b ?bp ?x } FILTER(isBlank(?b)) } LIMIT 1 }
  { GRAPH ?g { ?s ?p ?b } BIND(?b AS ?o) }
  UNION { GRAPH ?g { ?b ?p ?o } BIND(?b AS ?s) }
}"""


@dataclass(frozen=True)
class Statement:
    """One triple about the resource; ``nested`` holds a blank object's own statements."""

    predicate: str
    value: object  # an ox term
    graph: str
    nested: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Incoming:
    """A statement pointing at the resource; ``via`` is set when its subject is a blank node."""

    subject: object
    predicate: str
    graph: str
    via: tuple[object, str] | None = None  # (the node pointing to the blank subject, predicate)


def exists(store: Store, node: ox.NamedNode) -> bool:
    """Whether any statement mentions ``node``, or it names a graph (the service's own
    included: the provenance graph is named by nothing but its name)."""
    return bool(store.query(bind(EXISTS, s=node)))


def outgoing(store: Store, node: ox.NamedNode, limit: int) -> tuple[list[Statement], bool]:
    """The statements with ``node`` as subject, in every graph, blank objects expanded.

    Returns at most about ``limit`` of them, and whether there were more.
    """
    found: dict[tuple[str, str, str], list[tuple[str, object]]] = {}
    terms: dict[tuple[str, str, str], object] = {}
    rows = 0
    for row in store.query(limited(bind(OUTGOING, s=node), limit + 1)):
        rows += 1
        key = (row["p"].value, str(row["o"]), row["g"].value)
        terms[key] = row["o"]
        nested = found.setdefault(key, [])
        if row["bp"] is not None:
            nested.append((row["bp"].value, row["bo"]))
    statements = [Statement(k[0], terms[k], k[2], tuple(v)) for k, v in found.items()]
    return statements, rows > limit


def incoming(
    store: Store, node: ox.NamedNode, offset: int, limit: int
) -> tuple[list[Incoming], int]:
    """One page of the statements pointing at ``node`` (grouped by property, properties in
    the order of their local names), and how many there are in all."""
    counts = {row["p"].value: int(row["n"].value)
              for row in store.query(bind(INCOMING_COUNTS, o=node))}
    rows: list[Incoming] = []
    start = 0
    for predicate in sorted(counts, key=_local_name):
        count = counts[predicate]
        first, last = max(offset, start), min(offset + limit, start + count)
        if first < last:
            query = limited(bind(INCOMING, o=node, p=ox.NamedNode(predicate)),
                            last - first, first - start)
            for row in store.query(query):
                via = (row["parent"], row["pp"].value) if row["parent"] is not None else None
                rows.append(Incoming(row["s"], predicate, row["g"].value, via))
        start += count
    return rows, sum(counts.values())


def _local_name(iri: str) -> tuple[str, str]:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1].casefold(), iri


def document(store: Store, node: ox.NamedNode, incoming_cap: int) -> list[ox.Quad]:
    """The RDF served for ``node``, as quads (each in the named graph it comes from).

    Its statements and its blank nodes', and up to ``incoming_cap`` statements pointing at it
    (with, for a blank subject such as a participation, the statement pointing to that).
    """
    quads: dict[str, ox.Quad] = {}

    def add(quad: ox.Quad) -> None:
        quads.setdefault(str(quad), quad)

    for row in store.query(bind(OUTGOING_QUADS, x=node)):
        add(ox.Quad(row["s"], row["p"], row["o"], row["g"]))
    for row in store.query(limited(bind(INCOMING_QUADS, x=node), incoming_cap)):
        add(ox.Quad(row["s"], row["p"], node, row["g"]))
    for row in store.query(limited(bind(PARENT_QUADS, x=node), incoming_cap)):
        add(ox.Quad(row["s"], row["p"], row["o"], row["g"]))
    return list(quads.values())
