"""Search by name: prefix and substring, case- and diacritic-insensitive, over every name in
every language and its transliteration to Latin.

Every ``rdfs:label``, ``skos:prefLabel`` (all languages) and ``skos:altLabel`` of a resource
under the base is in one persistent full-text index beside the store (service.search_index,
tantivy), kept at the generation readers see. Oxigraph has no full-text index, and a
``CONTAINS`` over every label costs a full scan per keystroke. The same index gives
reconciliation its candidates, which rapidfuzz then scores by similarity
(``NameIndex.similar``), so the search box and OpenRefine find the same spellings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import tantivy
from rapidfuzz import fuzz

from service.errors import BadRequest
from service.search_index import fold, forms_of
from service.state import qantar


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


#: Documents fetched from the index per round while a search collects its hits.
_BATCH = 256
#: Candidates a similarity search scores at most (the index's best by shared words).
SIMILAR_CANDIDATES = 2_000
#: The longest text a search, a suggestion or a reconciliation query may have, in characters
#: (400 beyond). tantivy refuses a regular expression compiled larger than its limit, which a
#: pattern of some 250 two-byte or 150 four-byte characters reaches; names are far shorter.
SEARCH_TEXT_LIMIT = 100
#: The most UTF-8 bytes of a folded form put in a pattern: folding may lengthen a text (NFKD
#: decomposes one character into up to 18, transliteration one into several), so forms are
#: cut here, safely below tantivy's limit, whatever the text was.
_FORM_BYTES = 4 * SEARCH_TEXT_LIMIT
#: Characters that mean something in tantivy's (Rust) regular expressions.
_REGEX_META = frozenset("\\.+*?()|[]{}^$#&-~")


def check_length(text: str, what: str = "search text") -> None:
    """400 for text longer than :data:`SEARCH_TEXT_LIMIT`, saying the limit."""
    if len(text) > SEARCH_TEXT_LIMIT:
        raise BadRequest(f"{what} is at most {SEARCH_TEXT_LIMIT} characters; this one has "
                         f"{len(text)}")


def _bounded(form: str) -> str:
    """``form`` cut to :data:`_FORM_BYTES` bytes (on a character boundary)."""
    return form.encode("utf-8")[:_FORM_BYTES].decode("utf-8", "ignore").strip()


def _literal(text: str) -> str:
    """``text`` as a regular expression matching exactly it."""
    return "".join("\\" + c if c in _REGEX_META else c for c in text)


class NameIndex:
    """Every name of every resource under the base, as one searcher of the index sees them."""

    def __init__(self, searcher: tantivy.Searcher, schema: tantivy.Schema) -> None:
        self._searcher = searcher
        self._schema = schema

    def __len__(self) -> int:
        return self._searcher.num_docs

    def _within(self, query: tantivy.Query, within: str) -> tantivy.Query:
        if not within:
            return query
        under = tantivy.Query.regex_query(self._schema, "iri", _literal(within) + ".*")
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, query),
                                            (tantivy.Occur.Must, under)])

    def _contains(self, q: str) -> tantivy.Query:
        """Documents with a form that may contain ``q`` (a superset: a match checks it)."""
        words = q.split(" ")
        if len(words) == 1:
            return tantivy.Query.regex_query(self._schema, "words", f".*{_literal(q)}.*")
        parts = [tantivy.Query.regex_query(self._schema, "words", f".*{_literal(words[0])}"),
                 tantivy.Query.regex_query(self._schema, "words", f"{_literal(words[-1])}.*")]
        parts += [tantivy.Query.term_query(self._schema, "words", w) for w in words[1:-1]]
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, p) for p in parts])

    def _batches(self, query: tantivy.Query) -> Iterator[list[tuple[int, dict]]]:
        """The documents ``query`` matches, shortest name first, with their stored fields."""
        offset = 0
        while True:
            result = self._searcher.search(query, _BATCH, count=False, order_by_field="len",
                                           offset=offset, order=tantivy.Order.Asc)
            if result.hits:
                yield [(length, self._searcher.doc(address).to_dict())
                       for length, address in result.hits]
            if len(result.hits) < _BATCH:
                return
            offset += _BATCH

    def search(self, query: str, limit: int, within: str = "") -> list[Hit]:
        """The best ``limit`` resources (with IRIs under ``within``) whose names (or their
        transliterations) contain ``query``, best match first.

        Ranked by how the name matches (exact, prefix, word prefix, substring), then shorter
        names first (a person called "Tokayev" before a claim whose label starts "Tokayev: …"),
        then the resource's main label before its other names. The index is asked for the
        exact matches, then the prefixes, then the substrings, each shortest first, and stops
        as soon as no later document can enter the best ``limit``. Text longer than
        :data:`SEARCH_TEXT_LIMIT` is refused (400).
        """
        check_length(query)
        q = _bounded(fold(query))
        if not q or limit <= 0:
            return []
        schema = self._schema
        # the lowest rank a document first found in each stage can have
        stages = (
            (0, tantivy.Query.term_query(schema, "key", q)),
            (1, tantivy.Query.regex_query(schema, "key", _literal(q) + ".*")),
            (2, self._contains(q)),
        )
        best: dict[str, tuple[tuple, Hit]] = {}
        for floor, stage in stages:
            if _threshold(best, limit)[0] < floor:
                break  # the best ``limit`` are all better than anything this stage finds
            for batch in self._batches(self._within(stage, within)):
                threshold = _threshold(best, limit)
                if threshold < (floor, batch[0][0]):
                    break  # nothing from here on (this rank or better, longer) gets in
                for length, fields in batch:
                    rank = min((r for r in (_rank(f, q) for f in fields["key"])
                                if r is not None), default=None)
                    if rank is None:
                        continue
                    iri, name = fields["iri"][0], fields["name"][0]
                    key = (rank, length, not fields["label"][0], name)
                    current = best.get(iri)
                    if current is None or key < current[0]:
                        best[iri] = (key, Hit(iri, name, fields["lang"][0] or None, rank))
        ordered = sorted(best.values(), key=lambda kv: (kv[0], kv[1].iri))
        return [hit for _, hit in ordered[:limit]]

    def similar(self, query: str, within: str, cutoff: float = 50.0) -> list[Similar]:
        """Resources under ``within`` with a name like ``query``, most alike first: each by its
        best name, scored by rapidfuzz's weighted ratio of the folded forms (edit distance,
        word order and partial matches), so "Tokaiev" finds "Tokayev" and "Misja" stays below
        "Masja" for a query "Masja". The candidates are the names the index finds sharing a
        word with the query, give or take two edits (or a word's beginning). Text longer
        than :data:`SEARCH_TEXT_LIMIT` is refused (400)."""
        check_length(query)
        folded, forms = forms_of(query)
        folded, forms = _bounded(folded), tuple(_bounded(f) for f in forms)
        if not folded:
            return []
        should = []
        for word in {w for form in forms for w in form.split(" ") if w}:
            distance = 0 if len(word) < 3 else 1 if len(word) < 6 else 2
            should.append((tantivy.Occur.Should, tantivy.Query.fuzzy_term_query(
                self._schema, "words", word, distance, True, False)))
            should.append((tantivy.Occur.Should, tantivy.Query.regex_query(
                self._schema, "words", _literal(word) + ".*")))
        candidates = self._within(tantivy.Query.boolean_query(should), within)
        best: dict[str, Similar] = {}
        for _, address in self._searcher.search(candidates, SIMILAR_CANDIDATES,
                                                count=False).hits:
            fields = self._searcher.doc(address).to_dict()
            iri, name = fields["iri"][0], fields["name"][0]
            keys = fields["key"]
            if folded in keys:
                score = 100.0
            else:
                score = min(max(fuzz.WRatio(folded, k) for k in keys), 99.0)
            if score < cutoff:
                continue
            is_label = bool(fields["label"][0])
            current = best.get(iri)
            if current is None or score > current.score or (score == current.score
                                                             and is_label):
                best[iri] = Similar(iri, name, fields["lang"][0] or None, score)
        return sorted(best.values(), key=lambda s: (-s.score, s.iri))


def _threshold(best: dict[str, tuple[tuple, Hit]], limit: int) -> tuple:
    """The key a new hit must beat to be among the best ``limit`` (anything, while fewer)."""
    if len(best) < limit:
        return (4,)
    return sorted(v[0] for v in best.values())[limit - 1]


def _rank(name: str, q: str) -> int | None:
    """How ``name`` (folded) matches ``q``: 0 exact, 1 prefix, 2 word prefix, 3 substring."""
    if name == q:
        return 0
    if name.startswith(q):
        return 1
    if f" {q}" in f" {name}":
        return 2
    if q in name:
        return 3
    return None


def current_index() -> NameIndex:
    """The names of the current app's store, at the generation its readers see."""
    state = qantar()
    # the index is built from the store of the generation it is labelled with (as the
    # refresh after each write builds it), not through a request's reader of an older one
    return NameIndex(state.search.at(state.store, state.generation,
                                     state.keeps_search_index),
                     state.search.schema)
