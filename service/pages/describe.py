"""The statements about one resource, with the named graph each comes from."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from service.pages.binding import PROLOGUE, bind, limited
from service.store import Store

EXISTS = PROLOGUE + """
ASK { VALUES ?s { } { ?s ?p ?o } UNION { ?x ?y ?s } }"""

# Outgoing statements, and one level of the blank nodes they point to (participations).
OUTGOING = PROLOGUE + """
SELECT ?p ?o ?g ?bp ?bo WHERE {
  VALUES ?s { }
  GRAPH ?g { ?s ?p ?o  OPTIONAL { FILTER(isBlank(?o)) ?o ?bp ?bo } }
} LIMIT 1"""

INCOMING_COUNT = PROLOGUE + """
SELECT (COUNT(*) AS ?n) WHERE { VALUES ?o { } GRAPH ?g { ?s ?p ?o } }"""

# One page of the incoming statements, ordered by property and then by the English label of
# the subject; a blank subject (a participation) is then shown through the node pointing to it.
# The page is cut in the subquery, so the join with the parents only sees that page's rows.
INCOMING = PROLOGUE + """
SELECT ?s ?p ?g ?parent ?pp WHERE {
  { SELECT ?s ?p ?g (SAMPLE(?sl) AS ?l) WHERE {
      VALUES ?o { }
      GRAPH ?g { ?s ?p ?o }
      OPTIONAL { ?s rdfs:label ?sl FILTER(LANGMATCHES(LANG(?sl), "en")) }
    } GROUP BY ?s ?p ?g ORDER BY ?p LCASE(STR(COALESCE(?l, ""))) ?s ?g LIMIT 1 OFFSET 0 }
  OPTIONAL { ?parent ?pp ?s FILTER(isBlank(?s)) }
} ORDER BY ?p LCASE(STR(COALESCE(?l, ""))) ?s ?g"""

# The quads of the RDF document: the resource's statements and its blank nodes' statements.
OUTGOING_QUADS = PROLOGUE + """
SELECT ?s ?p ?o ?g WHERE {
  VALUES ?x { }
  { GRAPH ?g { ?x ?p ?o } BIND(?x AS ?s) }
  UNION { GRAPH ?g0 { ?x ?p0 ?s } FILTER(isBlank(?s)) GRAPH ?g { ?s ?p ?o } }
}"""

# ... and (up to a cap) the statements pointing at it,
INCOMING_QUADS = PROLOGUE + """
SELECT ?s ?p ?g WHERE { VALUES ?x { } GRAPH ?g { ?s ?p ?x } } LIMIT 1"""

# ... with, for a blank subject among those (a participation), the statement pointing to it.
PARENT_QUADS = PROLOGUE + """
SELECT ?s ?p ?o ?g WHERE {
  { SELECT ?o WHERE { VALUES ?x { } GRAPH ?bg { ?o ?bp ?x } } LIMIT 1 }
  FILTER(isBlank(?o))
  GRAPH ?g { ?s ?p ?o }
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


@dataclass
class Description:
    iri: str
    outgoing: list[Statement] = field(default_factory=list)
    incoming: list[Incoming] = field(default_factory=list)
    incoming_total: int = 0


def exists(store: Store, node: ox.NamedNode) -> bool:
    """Whether any statement mentions ``node``."""
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
    """One page of the statements pointing at ``node``, and how many there are in all."""
    total = int(next(iter(store.query(bind(INCOMING_COUNT, o=node))))["n"].value)
    rows = []
    for row in store.query(limited(bind(INCOMING, o=node), limit, offset)):
        via = (row["parent"], row["pp"].value) if row["parent"] is not None else None
        rows.append(Incoming(row["s"], row["p"].value, row["g"].value, via))
    return rows, total


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
