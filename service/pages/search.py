"""Search by name: prefix and substring, case- and diacritic-insensitive, over every name.

Every ``rdfs:label``, ``skos:prefLabel`` (all languages) and ``skos:altLabel`` of a resource
under the base goes into one in-memory index, built with one query and kept until the next
write. Oxigraph has no full-text index, and a ``CONTAINS`` over every label costs a full scan
per keystroke; the index answers an autocomplete request in well under a millisecond here.
The same index scores names by similarity for reconciliation (``NameIndex.similar``), so the
search box and OpenRefine find the same spellings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from service.pages.binding import PROLOGUE
from service.pages.context import derived, get_settings, get_store
from service.store import Store

NAMES = PROLOGUE + """
SELECT ?s ?p ?name WHERE {
  VALUES ?p { rdfs:label skos:prefLabel skos:altLabel }
  ?s ?p ?name
  FILTER(isIRI(?s) && isLiteral(?name))
}"""

_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

# Letters that carry no Unicode decomposition but that people type without their mark: Kazakh
# Cyrillic (Қ, Ғ, Ң, Ө, Ұ, Ү, Һ, Ә, І) and a few Latin ones.
_FOLD = str.maketrans({
    "қ": "к", "ғ": "г", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "ә": "а", "і": "и",
    "ё": "е", "ø": "o", "ł": "l", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe",
})
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """The form names are compared in: no case, no diacritics, words split by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", bare.translate(_FOLD)).strip()


@dataclass(frozen=True)
class Hit:
    """One resource found, by its best-matching name."""

    iri: str
    name: str  # the name that matched
    lang: str | None
    rank: int  # 0 exact, 1 prefix of the name, 2 prefix of a word, 3 substring


@dataclass(frozen=True)
class Similar:
    """One resource whose best name is like the query, with how alike (0 to 100)."""

    iri: str
    name: str  # its name most like the query
    lang: str | None
    score: float  # 100: the folded name is the folded query


@dataclass(frozen=True)
class _Entry:
    iri: str
    name: str
    lang: str | None
    folded: str
    is_label: bool


class NameIndex:
    """Every name of every resource under the base, folded for comparison."""

    def __init__(self, entries: list[_Entry]) -> None:
        self._entries = entries
        self._folded = [entry.folded for entry in entries]

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def build(cls, store: Store, base: str) -> NameIndex:
        entries = []
        seen: set[tuple[str, str, str | None]] = set()
        for row in store.query(NAMES):
            iri = row["s"].value
            if not iri.startswith(base):
                continue  # the reused vocabularies' own terms (rdfs:label …) are not entities
            literal = row["name"]
            key = (iri, literal.value, literal.language)
            if key in seen:
                continue
            seen.add(key)
            entries.append(_Entry(iri, literal.value, literal.language, fold(literal.value),
                                  row["p"].value == _LABEL))
        return cls(entries)

    def search(self, query: str, limit: int, within: str = "") -> list[Hit]:
        """The best ``limit`` resources (with IRIs under ``within``) whose names contain
        ``query``, best match first.

        Ranked by how the name matches (exact, prefix, word prefix, substring), then shorter
        names first (a person called "Tokayev" before a claim whose label starts "Tokayev: …"),
        then the resource's main label before its other names.
        """
        q = fold(query)
        if not q:
            return []
        best: dict[str, tuple[tuple, Hit]] = {}
        for entry in self._entries:
            if not entry.iri.startswith(within):
                continue
            name = entry.folded
            if name == q:
                rank = 0
            elif name.startswith(q):
                rank = 1
            elif f" {q}" in f" {name}":
                rank = 2
            elif q in name:
                rank = 3
            else:
                continue
            key = (rank, len(name), not entry.is_label, entry.name)
            current = best.get(entry.iri)
            if current is None or key < current[0]:
                best[entry.iri] = (key, Hit(entry.iri, entry.name, entry.lang, rank))
        ordered = sorted(best.values(), key=lambda kv: (kv[0], kv[1].iri))
        return [hit for _, hit in ordered[:limit]]

    def similar(self, query: str, within: str, cutoff: float = 50.0) -> list[Similar]:
        """Resources under ``within`` with a name like ``query``, most alike first: each by its
        best name, scored by rapidfuzz's weighted ratio of the folded forms (edit distance,
        word order and partial matches), so "Tokaiev" finds "Tokayev" and "Misja" stays below
        "Masja" for a query "Masja"."""
        q = fold(query)
        if not q:
            return []
        best: dict[str, Similar] = {}
        for _, score, i in process.extract(q, self._folded, scorer=fuzz.WRatio,
                                            score_cutoff=cutoff, limit=None):
            entry = self._entries[i]
            if not entry.iri.startswith(within):
                continue
            score = 100.0 if entry.folded == q else min(float(score), 99.0)
            current = best.get(entry.iri)
            if current is None or score > current.score or (score == current.score
                                                             and entry.is_label):
                best[entry.iri] = Similar(entry.iri, entry.name, entry.lang, score)
        return sorted(best.values(), key=lambda s: (-s.score, s.iri))


def current_index() -> NameIndex:
    """The name index of the current app's store, built once per store generation."""
    return derived("names", lambda: NameIndex.build(get_store(), get_settings().base_iri))
