"""The benchmark's three queries, as the issue names them, and the IRIs point lookups vary over."""

from __future__ import annotations

import random

import pyoxigraph as ox

from service.namespaces import ID

PREFIXES = """PREFIX qantar: <https://w3id.org/qantar/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

#: A 2-hop join with labels: event -> participation -> participant, and both labels.
JOIN = PREFIXES + """SELECT ?event ?eventLabel ?participant ?participantLabel WHERE {
  ?event qantar:hasParticipation ?participation .
  ?participation qantar:participant ?participant .
  ?event rdfs:label ?eventLabel .
  ?participant rdfs:label ?participantLabel .
} LIMIT 100"""

#: An aggregate: events per event type.
AGGREGATE = PREFIXES + """SELECT ?type (COUNT(?event) AS ?events) WHERE {
  ?event a qantar:Event ; qantar:eventType ?type .
} GROUP BY ?type ORDER BY DESC(?events) ?type"""

#: The IRI a repeated point lookup asks about (the response cache's case).
FIXED_IRI = str(ID["person/kassym-jomart-tokayev"])


def point_lookup(iri: str) -> str:
    return f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"


def lookup_iris(quads_file: str, limit: int = 5000, seed: int = 1) -> list[str]:
    """Up to ``limit`` subjects under ``id/`` from the data, in a fixed pseudo-random order."""
    subjects = sorted({
        q.subject.value for q in ox.parse(path=quads_file, format=ox.RdfFormat.N_QUADS)
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(str(ID))
    })
    random.Random(seed).shuffle(subjects)
    return subjects[:limit]
