"""Candidates for one reconciliation query, scored from 0 to 100.

- **name**: how alike the query and the entity's best name are, over its labels, alternative
  names and spellings in every language (the name index's similarity; 100 is the same name once
  case, accents and punctuation are set aside); an entity's identifier or IRI as the query
  scores 100.
- **type**: a candidate of none of the query's types (``type_strict`` "all": not of all of
  them) keeps half its score, a quarter off with "should"; it is demoted, not hidden, because
  the type a spreadsheet column was given is often a guess.
- **properties**: each ``{pid, v}`` scores how alike the candidate's values are (an entity
  value must be the same entity); the score is multiplied by 0.6 plus 0.4 times their mean.

``match`` is true only for a top candidate whose name is the query's (95 or more), of the
asked type, agreeing with every property, and 10 points ahead of the next: two people called
alike, or a near spelling, are left for a person to decide.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rapidfuzz import fuzz

from service.errors import BadRequest
from service.pages import catalog, describe
from service.pages.binding import PROLOGUE, bind, limited
from service.pages.labels import fetch_labels
from service.pages.search import NameIndex, fold
from service.reconcile.ids import Spaces, term_id, term_iri
from service.reconcile.queries import PropertyValue, Query
from service.reconcile.vocabulary import Vocabulary
from service.store.interface import Store

MATCH_SCORE = 95.0
MATCH_MARGIN = 10.0
TYPE_PENALTY = {"any": 0.5, "all": 0.5, "should": 0.75}
#: How many of the most alike names are looked at more closely (types, properties) per query.
POOL = 50
#: Statements read at most when a query has properties but no name to start from.
PROPERTY_SCAN = 20_000

VALUES_OF = PROLOGUE + """
SELECT ?x ?o WHERE { VALUES ?x { } VALUES ?p { } ?x ?p ?o }"""
VALUES_OF_INVERSE = PROLOGUE + """
SELECT ?x ?o WHERE { VALUES ?x { } VALUES ?p { } ?o ?p ?x }"""
HAVING = PROLOGUE + """
SELECT ?x ?o WHERE { VALUES ?p { } ?x ?p ?o FILTER(isIRI(?x)) } LIMIT 1"""
HAVING_INVERSE = PROLOGUE + """
SELECT ?x ?o WHERE { VALUES ?p { } ?o ?p ?x FILTER(isIRI(?x)) } LIMIT 1"""


@dataclass(frozen=True)
class Context:
    """What scoring reads: the store, the one name index, the vocabulary, the spaces."""

    store: Store
    names: NameIndex
    vocabulary: Vocabulary
    spaces: Spaces


def property_iri(pid: str) -> tuple[str, bool]:
    """The IRI of a property identifier and whether it is read backwards (``^qantar:claimant``:
    the claims an agent made); 400 for what is not a property identifier."""
    inverse = pid.startswith("^")
    iri = term_iri(pid[1:] if inverse else pid)
    if iri is None:
        raise BadRequest(f"{pid!r} is not a property identifier (a prefixed name such as "
                         "qantar:claimant, or a full IRI)")
    return iri, inverse


def reconcile(ctx: Context, query: Query) -> list[dict]:
    """The candidates for ``query``, best first, as the API's JSON objects."""
    types = [_type_iri(t) for t in query.types]
    names = _by_name(ctx, query.text) if query.text else _by_properties(ctx, query)
    pool = sorted(names, key=lambda iri: (-names[iri], iri))[:max(POOL, query.limit * 2)]
    summaries = catalog.summaries(ctx.store, pool)
    property_scores = {pid: _property_scores(ctx, pid, values, pool)
                       for pid, values in query.properties}
    scored = []
    for iri in pool:
        summary = summaries[iri]
        score = names[iri]
        features: list[dict] = [{"id": "name", "value": round(names[iri], 1)}]
        agrees = True
        if types:
            fits = _fits(ctx.vocabulary, summary.types, types, query.type_strict)
            features.append({"id": "type", "value": fits})
            if not fits:
                score *= TYPE_PENALTY[query.type_strict]
                agrees = False
        if property_scores:
            found = [scores.get(iri, 0.0) for scores in property_scores.values()]
            for pid, value in zip(property_scores, found, strict=True):
                features.append({"id": f"property:{pid}", "value": round(value, 3)})
            score *= 0.6 + 0.4 * sum(found) / len(found)
            agrees = agrees and all(value >= 0.9 for value in found)
        scored.append((round(score, 1), iri, summary, features, agrees))
    scored.sort(key=lambda c: (-c[0], c[1]))
    scored = scored[:query.limit]
    results = []
    for rank, (score, iri, summary, features, agrees) in enumerate(scored):
        name_score = features[0]["value"]
        runner_up = scored[1][0] if len(scored) > 1 else None
        match = (rank == 0 and agrees and score >= MATCH_SCORE
                 and (query.text is None or name_score >= MATCH_SCORE)
                 and (runner_up is None or score - runner_up >= MATCH_MARGIN))
        result = {"id": ctx.spaces.entity_id(iri), "name": summary.label or _name(ctx, iri),
                  "score": score, "match": match, "features": features,
                  "type": [{"id": term_id(t), "name": ctx.vocabulary.name(t)}
                           for t in sorted(summary.types)]}
        if summary.description:
            result["description"] = summary.description
        results.append(result)
    return results


def _type_iri(identifier: str) -> str:
    iri = term_iri(identifier)
    if iri is None:
        raise BadRequest(f"{identifier!r} is not a type identifier (a prefixed name such as "
                         "qantar:Person, or a full IRI)")
    return iri


def _fits(vocabulary: Vocabulary, own: list[str], wanted: list[str], strict: str) -> bool:
    reached = set().union(*(vocabulary.ancestors(t) for t in own)) if own else set()
    hits = [t in reached for t in wanted]
    return all(hits) if strict == "all" else any(hits)


def _by_name(ctx: Context, text: str) -> dict[str, float]:
    found = {s.iri: s.score for s in ctx.names.similar(text, within=ctx.spaces.identifiers)}
    node = ctx.spaces.entity_iri(text.strip())
    if node is not None and describe.exists(ctx.store, node):
        found[node.value] = 100.0  # the query is the entity's identifier or IRI
    return found


def _by_properties(ctx: Context, query: Query) -> dict[str, float]:
    """Entities having the first property with one of its values (a query without a name)."""
    pid, values = query.properties[0]
    iri, inverse = property_iri(pid)
    sparql = limited(bind(HAVING_INVERSE if inverse else HAVING, p=ox.NamedNode(iri)),
                     PROPERTY_SCAN)
    found: dict[str, float] = {}
    rows = list(ctx.store.query(sparql))
    labels = fetch_labels(ctx.store, {r["o"].value for r in rows
                                      if isinstance(r["o"], ox.NamedNode)})
    for row in rows:
        subject = row["x"].value
        if ctx.spaces.entity_id(subject) is None:
            continue
        if _value_score(ctx, values, row["o"], labels) >= 0.9:
            found[subject] = 100.0
    return found


def _property_scores(ctx: Context, pid: str, values: tuple[PropertyValue, ...],
                     pool: list[str]) -> dict[str, float]:
    """For each candidate, how alike its values of ``pid`` are to ``values`` (0 to 1)."""
    iri, inverse = property_iri(pid)
    if not pool:
        return {}
    sparql = bind(VALUES_OF_INVERSE if inverse else VALUES_OF,
                  x=[ox.NamedNode(i) for i in pool], p=ox.NamedNode(iri))
    rows = list(ctx.store.query(sparql))
    labels = fetch_labels(ctx.store, {r["o"].value for r in rows
                                      if isinstance(r["o"], ox.NamedNode)})
    scores: dict[str, float] = {}
    for row in rows:
        subject = row["x"].value
        scores[subject] = max(scores.get(subject, 0.0),
                              _value_score(ctx, values, row["o"], labels))
    return scores


def _value_score(ctx: Context, values: tuple[PropertyValue, ...], term: object,
                 labels: dict) -> float:
    best = 0.0
    for value in values:
        if value.entity:
            node = ctx.spaces.entity_iri(value.text)
            wanted = node.value if node is not None else term_iri(value.text)
            if isinstance(term, ox.NamedNode) and term.value == wanted:
                return 1.0
            continue
        if isinstance(term, ox.NamedNode):
            texts = [term.value, ctx.spaces.entity_id(term.value) or ""]
            if term.value in labels:
                texts.append(labels[term.value].text)
        elif isinstance(term, ox.Literal):
            texts = [term.value]
        else:
            continue
        wanted_text = fold(value.text)
        for text in texts:
            if text and wanted_text:
                best = max(best, fuzz.ratio(wanted_text, fold(text)) / 100)
    return best


def _name(ctx: Context, iri: str) -> str:
    label = fetch_labels(ctx.store, [iri]).get(iri)
    return label.text if label else ctx.spaces.entity_id(iri) or iri
