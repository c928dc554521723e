"""Counts that describe the loaded knowledge graph, all by SPARQL on the store."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.namespaces import ONTOLOGY_GRAPH, QANTAR
from service.store.interface import Store

PREFIXES = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX qantar: <{QANTAR}>
"""

# Entities are typed subjects outside the ontology graph: the ontology's own classes and
# properties are typed too, but they are vocabulary, not things the article talks about.
ENTITIES_PER_CLASS = PREFIXES + f"""
SELECT ?class (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  GRAPH ?g {{ ?s a ?class }}
  FILTER(?g != <{ONTOLOGY_GRAPH}>)
  OPTIONAL {{ GRAPH <{ONTOLOGY_GRAPH}> {{
    ?class rdfs:label ?l FILTER(LANG(?l) = "en" || LANG(?l) = "") }} }}
}} GROUP BY ?class ORDER BY DESC(?n) ?class
"""

INSTANCES_OF = PREFIXES + """
SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a/rdfs:subClassOf* {cls} }}
"""


@dataclass(frozen=True)
class ClassCount:
    iri: str
    label: str | None
    count: int


@dataclass(frozen=True)
class Stats:
    """What ``qantar stats`` shows; plain values so it serializes to JSON as is."""

    triples: int
    triples_per_graph: dict[str, int]
    events: int
    claims: int
    figures: int
    relations: int
    classes: list[ClassCount] = field(default_factory=list)


def compute_stats(store: Store) -> Stats:
    """Count triples, typed entities and the key kinds of things in ``store``."""
    return Stats(
        triples=store.triple_count(),
        triples_per_graph={g: store.triple_count(g) for g in store.graphs()},
        events=_instances(store, "qantar:Event"),
        claims=_instances(store, "qantar:Claim"),
        figures=_instances(store, "qantar:Figure"),
        # a relation is an instance of a subclass of the abstract qantar:PowerRelation
        relations=_instances(store, "qantar:PowerRelation"),
        classes=[
            ClassCount(
                iri=row["class"].value,
                label=row["label"].value if row["label"] is not None else None,
                count=int(row["n"].value),
            )
            for row in store.query(ENTITIES_PER_CLASS)
        ],
    )


def _instances(store: Store, cls: str) -> int:
    row = next(iter(store.query(INSTANCES_OF.format(cls=cls))))
    return int(row["n"].value)
