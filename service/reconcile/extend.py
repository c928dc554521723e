"""Data extension: property proposals for a type, and the values of properties of entities.

A property identifier is a prefixed name or IRI (``qantar:statedAge``), read backwards with a
leading ``^`` (``^qantar:claimant``: the claims an agent made), and with a suffix for what the
API's value objects cannot carry: ``@graph`` gives, row for row beside the property's values,
the named graph that states each value, and ``@claimant`` the agent who makes each value that is
a claim (``{}`` where the value is no claim). OpenRefine puts the values of one entity in
consecutive rows, so ``sem:hasPlace`` and ``sem:hasPlace@graph`` line up: a value stated in two
graphs is two rows.

Values follow the response schema: entities of the identifier space as ``{id, name}``, other
IRIs and the named graphs as ``{str}``, integers as ``{int}``, decimals as ``{float}``, an
``xsd:dateTime`` as ``{date}`` (the schema's full date-time), and every other literal, an
``xsd:date`` included, as ``{str}``: a day is not a midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from service.namespaces import QANTAR, XSD
from service.pages.binding import PROLOGUE, bind
from service.pages.labels import fetch_labels
from service.reconcile.ids import Spaces, term_id
from service.reconcile.queries import Extension
from service.reconcile.scoring import property_iri
from service.reconcile.vocabulary import Vocabulary
from service.store.interface import QueryDataset, Store

FACETS = ("graph", "claimant")

# Statements in a named graph, and (?g unbound) in the default graph.
ROWS = PROLOGUE + """
SELECT ?x ?o ?g WHERE {
  VALUES ?x { } VALUES ?p { }
  { GRAPH ?g { ?x ?p ?o } } UNION { ?x ?p ?o }
}"""
ROWS_INVERSE = PROLOGUE + """
SELECT ?x ?o ?g WHERE {
  VALUES ?x { } VALUES ?p { }
  { GRAPH ?g { ?o ?p ?x } } UNION { ?o ?p ?x }
}"""
CLAIMANTS = PROLOGUE + """
SELECT ?c ?who WHERE { VALUES ?c { } ?c qantar:claimant ?who }"""

USED = PROLOGUE + """
SELECT ?p (COUNT(*) AS ?n) WHERE {
  VALUES ?c { } ?t rdfs:subClassOf* ?c . ?x a ?t . ?x ?p ?o FILTER(isIRI(?x))
} GROUP BY ?p"""
#: Without a type: what every typed entity has.
USED_ANY = PROLOGUE + """
SELECT ?p (COUNT(*) AS ?n) WHERE { ?x a ?t . ?x ?p ?o FILTER(isIRI(?x)) } GROUP BY ?p"""
USED_ANY_INVERSE = PROLOGUE + """
SELECT ?p (COUNT(*) AS ?n) WHERE {
  ?x a ?t . ?s ?p ?x FILTER(isIRI(?x) && isIRI(?s))
} GROUP BY ?p"""
USED_INVERSE = PROLOGUE + """
SELECT ?p (COUNT(*) AS ?n) WHERE {
  VALUES ?c { } ?t rdfs:subClassOf* ?c . ?x a ?t . ?s ?p ?x FILTER(isIRI(?x) && isIRI(?s))
} GROUP BY ?p"""

_INTEGERS = {str(XSD[t]) for t in ("integer", "int", "long", "short", "byte",
                                    "nonNegativeInteger", "positiveInteger", "negativeInteger",
                                    "nonPositiveInteger", "unsignedLong", "unsignedInt",
                                    "unsignedShort", "unsignedByte")}
_DECIMALS = {str(XSD[t]) for t in ("decimal", "double", "float")}
# The response schema's pattern for "date" (data-extension-response.json).
_DATE_TIME = re.compile(r"^(-?(?:[1-9][0-9]*)?[0-9]{4})-(1[0-2]|0[1-9])-(3[01]|0[1-9]|[12][0-9])"
                        r"T(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?"
                        r"(Z|[+-](?:2[0-3]|[01][0-9]):[0-5][0-9])?$")


@dataclass(frozen=True)
class Column:
    """A requested property identifier, taken apart."""

    id: str
    iri: str
    inverse: bool
    facet: str | None  # None: the values themselves; "graph" or "claimant"

    @property
    def base(self) -> tuple[str, bool]:
        return self.iri, self.inverse


def column(identifier: str) -> Column:
    """A property identifier as a column (400 when it is none)."""
    stem, at, facet = identifier.rpartition("@")
    if not at or facet not in FACETS:
        stem, facet = identifier, None
    iri, inverse = property_iri(stem)
    return Column(identifier, iri, inverse, facet)


def column_name(vocabulary: Vocabulary, col: Column) -> str:
    name = vocabulary.name(col.iri)
    if col.inverse:
        name = f"{name} (inverse)"
    return f"{name}: {col.facet}" if col.facet else name


def extend(store: Store, vocabulary: Vocabulary, spaces: Spaces, query: Extension) -> dict:
    """The data extension response for ``query``."""
    columns = [column(p) for p in query.properties]
    nodes = {i: spaces.entity_iri(i) for i in query.ids}
    subjects = [n for n in nodes.values() if n is not None]
    rows: dict[str, dict[str, list[dict]]] = {i: {c.id: [] for c in columns} for i in query.ids}
    for base in dict.fromkeys(c.base for c in columns):
        wanted = [c for c in columns if c.base == base]
        facets = {c.facet for c in wanted}
        found = _statements(store, base, subjects) if subjects else {}
        claimants = _claimants(store, found) if "claimant" in facets else {}
        labels = fetch_labels(store, {t.value for values in found.values() for t, _ in values
                                      if isinstance(t, ox.NamedNode)}
                              | {w for ws in claimants.values() for w in ws})
        for identifier, node in nodes.items():
            if node is None:
                continue
            lines = _lines(found.get(node.value, []), facets, claimants)
            for col in wanted:
                rows[identifier][col.id] = [
                    _cell(col.facet, line, spaces, labels) for line in lines]
    return {"meta": [{"id": c.id, "name": column_name(vocabulary, c)} for c in columns],
            "rows": rows}


def _statements(store: Store, base: tuple[str, bool],
                subjects: list[ox.NamedNode]) -> dict[str, list[tuple[object, str | None]]]:
    iri, inverse = base
    found: dict[str, list[tuple[object, str | None]]] = {}
    for start in range(0, len(subjects), 200):  # keep VALUES blocks a sane size
        sparql = bind(ROWS_INVERSE if inverse else ROWS, x=subjects[start:start + 200],
                      p=ox.NamedNode(iri))
        for row in store.query(sparql, QueryDataset.DEFAULT):
            if isinstance(row["o"], ox.BlankNode):
                continue  # an evidence node and the like: nothing a cell can show
            graph = row["g"].value if row["g"] is not None else None
            found.setdefault(row["x"].value, []).append((row["o"], graph))
    return found


def _claimants(store: Store, found: dict) -> dict[str, list[str]]:
    values = sorted({t.value for vs in found.values() for t, _ in vs
                     if isinstance(t, ox.NamedNode)})
    claimants: dict[str, list[str]] = {}
    for start in range(0, len(values), 200):
        chunk = [ox.NamedNode(v) for v in values[start:start + 200]]
        for row in store.query(bind(CLAIMANTS, c=chunk)):
            claimants.setdefault(row["c"].value, []).append(row["who"].value)
    return {c: sorted(ws) for c, ws in claimants.items()}


def _lines(values: list[tuple[object, str | None]], facets: set[str | None],
           claimants: dict[str, list[str]]) -> list[tuple[object, str | None, str | None]]:
    """One line per value, and per graph and claimant where those columns were asked for."""
    lines = set()
    for term, graph in values:
        whos = claimants.get(term.value, [None]) if "claimant" in facets else [None]
        for who in whos:
            lines.add((term, graph if "graph" in facets else None, who))
    return sorted(lines, key=lambda line: (str(line[0]), line[1] or "", line[2] or ""))


def _cell(facet: str | None, line: tuple, spaces: Spaces, labels: dict) -> dict:
    term, graph, who = line
    if facet == "graph":
        return {"str": graph} if graph else {}
    if facet == "claimant":
        return _entity(who, spaces, labels) if who else {}
    if isinstance(term, ox.NamedNode):
        return _entity(term.value, spaces, labels)
    return literal_cell(term)


def _entity(iri: str, spaces: Spaces, labels: dict) -> dict:
    identifier = spaces.entity_id(iri)
    if identifier is None:
        return {"str": iri}  # outside the identifier space (Wikidata, a graph): its IRI
    label = labels.get(iri)
    return {"id": identifier, "name": label.text if label else identifier}


def literal_cell(literal: ox.Literal) -> dict:
    """A literal as the response schema has it (see the module's docstring)."""
    datatype = literal.datatype.value
    try:
        if datatype in _INTEGERS:
            return {"int": int(literal.value)}
        if datatype in _DECIMALS:
            number = float(literal.value)
            if number == number and abs(number) != float("inf"):  # JSON has no NaN, no ∞
                return {"float": number}
    except ValueError:
        pass  # an ill-typed literal: shown as it is written
    if datatype == str(XSD.dateTime) and _DATE_TIME.match(literal.value):
        return {"date": literal.value}
    return {"str": literal.value}


# --- property proposals ------------------------------------------------------------------------


def propose(store: Store, vocabulary: Vocabulary, type_iri: str | None,
            limit: int) -> list[dict]:
    """Properties the entities of a type (of any type: None) have, most used first, each with
    its ``@graph`` column, then the ontology's properties that point at them read backwards
    (with the ``@claimant`` column for those that link claims)."""
    if type_iri is None:
        forward, backward = USED_ANY, USED_ANY_INVERSE
    else:
        node = ox.NamedNode(type_iri)
        forward, backward = bind(USED, c=node), bind(USED_INVERSE, c=node)
    used = sorted(((int(r["n"].value), r["p"].value) for r in store.query(forward)),
                  key=lambda np: (-np[0], np[1]))
    used_inverse = sorted(((int(r["n"].value), r["p"].value) for r in store.query(backward)
                           if r["p"].value.startswith(str(QANTAR))),
                          key=lambda np: (-np[0], np[1]))
    claim_classes = {iri for iri in vocabulary.classes
                     if str(QANTAR.Claim) in vocabulary.ancestors(iri)}
    proposals: list[dict] = []
    for _, iri in used:
        proposals.append(_proposal(vocabulary, f"{term_id(iri)}"))
        proposals.append(_proposal(vocabulary, f"{term_id(iri)}@graph"))
    for _, iri in used_inverse:
        proposals.append(_proposal(vocabulary, f"^{term_id(iri)}"))
        term = vocabulary.properties.get(iri)
        if term and term.domains & claim_classes and iri != str(QANTAR.claimant):
            proposals.append(_proposal(vocabulary, f"^{term_id(iri)}@claimant"))
    return proposals[:limit]


def _proposal(vocabulary: Vocabulary, identifier: str) -> dict:
    col = column(identifier)
    proposal = {"id": identifier, "name": column_name(vocabulary, col)}
    term = vocabulary.properties.get(col.iri)
    if term and term.description and col.facet is None:
        proposal["description"] = term.description
    return proposal
