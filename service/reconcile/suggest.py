"""Suggest services: entities, types and properties by the prefix a person types.

Entities come from the name index's prefix and substring search; an entity's identifier as
the prefix finds it too. ``cursor`` skips that many suggestions (the API's paging).
"""

from __future__ import annotations

from service.pages import catalog, describe
from service.pages.search import NameIndex
from service.reconcile.ids import Spaces, term_id
from service.reconcile.vocabulary import Term, Vocabulary, matching
from service.store.interface import Store

SUGGEST_LIMIT = 10


def entities(store: Store, names: NameIndex, vocabulary: Vocabulary, spaces: Spaces,
             prefix: str, cursor: int) -> list[dict]:
    hits = [h.iri for h in names.search(prefix, cursor + SUGGEST_LIMIT,
                                        within=spaces.identifiers)]
    node = spaces.entity_iri(prefix.strip())
    if node is not None and node.value not in hits and describe.exists(store, node):
        hits.insert(0, node.value)  # the prefix is an entity's identifier
    page = hits[cursor:cursor + SUGGEST_LIMIT]
    summaries = catalog.summaries(store, page)
    result = []
    for iri in page:
        summary = summaries[iri]
        item = {"id": spaces.entity_id(iri), "name": summary.label or spaces.entity_id(iri),
                "notable": [{"id": term_id(t), "name": vocabulary.name(t)}
                            for t in sorted(summary.types)]}
        if summary.description:
            item["description"] = summary.description
        result.append(item)
    return result


def terms(candidates: list[Term], prefix: str, cursor: int) -> list[dict]:
    result = []
    for term in matching(candidates, prefix)[cursor:cursor + SUGGEST_LIMIT]:
        item = {"id": term.id, "name": term.name}
        if term.description:
            item["description"] = term.description
        result.append(item)
    return result
