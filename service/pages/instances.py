"""One page of a class's instances, named and unnamed.

A blank node is an instance like any other (a participation, a passage of evidence): it is
counted, and listed on its class's page, but it has no IRI to link. So it is shown by its label
if it has one, and by what it belongs to: the named resource that points at it (directly, or
through the blank node that does), and the properties on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from service.pages.binding import PROLOGUE, bind, limited
from service.pages.catalog import Summary, summaries
from service.store.interface import Store

# One page of a class's instances (with its subclasses'), in the index's order: ORDER BY
# would decode every instance (seconds on a big class); the page is sorted by name afterwards.
PAGE = PROLOGUE + """
SELECT DISTINCT ?x WHERE {
  VALUES ?c { }
  ?k rdfs:subClassOf* ?c . ?x a ?k .
} LIMIT 1 OFFSET 0"""

# The blank nodes of that same page with what a list shows of them, in one query: a blank
# node's label differs from query to query (over the SPARQL protocol above all), so it cannot
# be asked about again. Only links into blank nodes are followed (a few each), never those
# into a named resource (thousands for a place).
UNNAMED = PROLOGUE + """
SELECT ?x ?t ?l ?d ?owner ?via ?via2 WHERE {
  { SELECT DISTINCT ?x WHERE {
      VALUES ?c { }
      ?k rdfs:subClassOf* ?c . ?x a ?k .
    } LIMIT 1 OFFSET 0 }
  FILTER(isBlank(?x))
  OPTIONAL { ?x a ?t }
  OPTIONAL { ?x rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) }
  OPTIONAL { ?x schema:description ?d FILTER(LANGMATCHES(LANG(?d), "en")) }
  OPTIONAL {
    { ?owner ?via ?x FILTER(isIRI(?owner)) }
    UNION { ?b ?via2 ?x FILTER(isBlank(?b)) ?owner ?via ?b FILTER(isIRI(?owner)) }
  }
}"""


@dataclass
class Unnamed(Summary):
    """A blank-node instance: ``owner`` is the named resource it belongs to (None when it is
    further down, or nothing points at it) and ``path`` the properties from it down to this."""

    owner: str | None = None
    path: list[str] = field(default_factory=list)


@dataclass
class InstancePage:
    named: dict[str, Summary]  # by IRI, sorted by English label
    unnamed: list[Unnamed]


def instances(store: Store, node: ox.NamedNode, offset: int, limit: int) -> InstancePage:
    """One page of the instances of a class (with its subclasses')."""
    page = [row["x"] for row in store.query(limited(bind(PAGE, c=node), limit, offset))]
    found = summaries(store, [x.value for x in page if isinstance(x, ox.NamedNode)])
    named = dict(sorted(found.items(), key=lambda kv: ((kv[1].label or kv[0]).casefold(),
                                                         kv[0])))
    blank = any(isinstance(x, ox.BlankNode) for x in page)
    return InstancePage(named, unnamed(store, node, offset, limit) if blank else [])


def unnamed(store: Store, node: ox.NamedNode, offset: int, limit: int) -> list[Unnamed]:
    """The blank nodes of one page of a class's instances, by what they belong to."""
    found: dict[str, Unnamed] = {}
    owners: dict[str, set[tuple[str, tuple[str, ...]]]] = {}
    for row in store.query(limited(bind(UNNAMED, c=node), limit, offset)):
        key = str(row["x"])
        found.setdefault(key, Unnamed()).take(row)
        owners.setdefault(key, set()).update(_owner(row))
    for key, entry in found.items():
        if owners[key]:
            owner, path = min(owners[key])
            entry.owner, entry.path = owner, list(path)
    return sorted(found.values(), key=lambda u: (u.owner or "~", u.path, u.label or ""))


def _owner(row: ox.QuerySolution) -> list[tuple[str, tuple[str, ...]]]:
    """The named resource a row says the blank node belongs to, and the path from it."""
    if row["owner"] is None:
        return []
    path = (row["via"].value,) if row["via2"] is None else (row["via"].value, row["via2"].value)
    return [(row["owner"].value, path)]
