"""Power relations: who holds, leads, appoints, removes, supervises, deploys or rivals whom."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from service.namespaces import QANTAR
from service.pages.binding import PROLOGUE, bind, limited
from service.store.interface import Store

SUBJECT, OBJECT, RIVAL = str(QANTAR.relationSubject), str(QANTAR.relationObject), str(QANTAR.rival)

# ``?prop rdfs:subPropertyOf* ?side`` for each side, one branch per side: the path starts from a
# constant, which every engine runs (Virtuoso refuses a ``*`` path whose ends are both variables
# where it compiles it, a VALUES of several sides included: "transitive start not given").
SIDE_OF_PROP = " UNION ".join(
    f"{{ ?prop rdfs:subPropertyOf* {side} BIND({side} AS ?side) }}"
    for side in ("qantar:relationSubject", "qantar:relationObject", "qantar:rival"))

# Every party of every relation, with its side: the active party (tail of the arrow), the
# passive one (head), or a rival. Sides come from the ontology's sub-property hierarchy, so a
# new kind of relation shows up without code changes.
PARTIES = PROLOGUE + """
SELECT ?rel ?type ?party ?side WHERE {
  ?rel a ?type . ?type rdfs:subClassOf qantar:PowerRelation .
  ?rel ?prop ?party . """ + SIDE_OF_PROP + """
}"""

# One relation's parties (for the summary on the relation's own page).
PARTIES_OF_RELATION = PROLOGUE + """
SELECT ?rel ?type ?party ?side WHERE {
  VALUES ?rel { }
  ?rel a ?type . ?type rdfs:subClassOf qantar:PowerRelation .
  ?rel ?prop ?party . """ + SIDE_OF_PROP + """
}"""

# The properties that name a party of a relation (holder, appointed by, rival ...), from the
# ontology's sub-property hierarchy: a handful, so they are bound below instead of following
# rdfs:subPropertyOf* for every statement of a busy entity.
PARTY_PROPERTIES = PROLOGUE + """
SELECT DISTINCT ?prop WHERE {
  """ + SIDE_OF_PROP + """
}"""

# The relations ``?x`` is a party of, with the property naming each party's part, for the
# "roles and power relations over time" of an agent.
ROLES_OF = PROLOGUE + """
SELECT ?rel ?type ?prop ?party WHERE {
  { SELECT DISTINCT ?rel WHERE { VALUES ?x { } VALUES ?xprop { } ?rel ?xprop ?x } LIMIT 1 }
  ?rel a ?type . ?type rdfs:subClassOf qantar:PowerRelation .
  VALUES ?prop { }
  ?rel ?prop ?party .
}"""


OFFICES = PROLOGUE + """
SELECT DISTINCT ?o WHERE { ?o a/rdfs:subClassOf* qantar:Office }"""


@dataclass
class Role:
    """A relation seen from one of its parties: its own part(s) and the others'."""

    relation: str
    type: str
    own: list[str] = field(default_factory=list)  # properties linking the party to the relation
    others: list[tuple[str, str]] = field(default_factory=list)  # (property, other party)


@dataclass
class Relation:
    """One relation node and its parties by side."""

    iri: str
    type: str
    subjects: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)
    rivals: list[str] = field(default_factory=list)


def _collect(rows: object) -> list[Relation]:
    found: dict[str, Relation] = {}
    for row in rows:  # type: ignore[attr-defined]
        rel = found.setdefault(row["rel"].value, Relation(row["rel"].value, row["type"].value))
        party, side = row["party"].value, row["side"].value
        bucket = {SUBJECT: rel.subjects, OBJECT: rel.objects, RIVAL: rel.rivals}[side]
        if party not in bucket:
            bucket.append(party)
    for rel in found.values():
        rel.subjects.sort()
        rel.objects.sort()
        rel.rivals.sort()
    return sorted(found.values(), key=lambda r: r.iri)


def fetch_relations(store: Store) -> list[Relation]:
    """Every power relation in the graph."""
    return _collect(store.query(PARTIES))


def fetch_relation(store: Store, node: ox.NamedNode) -> Relation | None:
    """The parties of one relation, or None when ``node`` is not a power relation."""
    found = _collect(store.query(bind(PARTIES_OF_RELATION, rel=node)))
    return found[0] if found else None


def fetch_roles(store: Store, node: ox.NamedNode, limit: int) -> list[Role]:
    """The relations ``node`` is a party of (at most ``limit`` rows' worth), by relation IRI."""
    props = [row["prop"] for row in store.query(PARTY_PROPERTIES)]
    if not props:
        return []
    query = limited(bind(ROLES_OF, x=node, xprop=props, prop=props), limit)
    roles: dict[str, Role] = {}
    for row in store.query(query):
        role = roles.setdefault(row["rel"].value, Role(row["rel"].value, row["type"].value))
        prop, party = row["prop"].value, row["party"].value
        if party == node.value:
            if prop not in role.own:
                role.own.append(prop)
        elif (prop, party) not in role.others:
            role.others.append((prop, party))
    return list(roles.values())


def fetch_offices(store: Store) -> set[str]:
    """The offices (President of Kazakhstan …): the network leaves them out where a relation
    between people already says it (see ``network.edges_of``)."""
    return {row["o"].value for row in store.query(OFFICES)}
