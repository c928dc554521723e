"""The reader of a source: its passages in reading order, each with the statements resting on it.

A journalist checks a graph against its text. On the page of any source that passages quote
(``oa:hasSource``), the reader lists the distinct passages by where they stand (their
``oa:TextPositionSelector``), marks the stretches between them that nothing was taken from ("not
modelled: characters a–b"), says where passages overlap, and links each passage to every
statement it supports. Passages without a recorded position follow, ordered by their words.
The service holds no copy of the text: offsets are all it knows of what lies between.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from service.anchors import passage_anchor
from service.pages.binding import PROLOGUE, bind, limited
from service.pages.evidence import offsets, reading_order
from service.store.interface import Store

# Every passage of the source with the statement it supports, in one query; the length of the
# text when the data records it (qantar:textLength on the source), in a second.
PASSAGES = PROLOGUE + """
SELECT ?x ?g ?exact WHERE {
  VALUES ?source { }
  GRAPH ?g {
    ?e oa:hasSource ?source ; oa:hasSelector ?selector .
    ?selector oa:exact ?exact .
    ?x qantar:evidence ?e .
  }
} LIMIT 1"""

# Where those passages stand, in a query of its own and without an OPTIONAL: as an OPTIONAL of
# the query above, Oxigraph went through every position selector of the store even for an
# entity that no passage quotes (0.74 s for every entity page at 1M triples, 10 s at 10M).
POSITIONS = PROLOGUE + """
SELECT ?x ?g ?exact ?start ?end WHERE {
  VALUES ?source { }
  GRAPH ?g {
    ?e oa:hasSource ?source ; oa:hasSelector ?selector, ?position .
    ?selector oa:exact ?exact .
    ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    ?x qantar:evidence ?e .
  }
}"""

LENGTH = PROLOGUE + """
SELECT ?n WHERE { VALUES ?source { } ?source qantar:textLength ?n } LIMIT 1"""

#: How many (passage, statement) rows a reader reads at most (a safety bound).
CAP = 5000


@dataclass
class ReaderPassage:
    """One distinct passage of the source: where it stands, its words, what rests on it."""

    anchor: str
    start: int | None
    end: int | None
    exact: str
    lang: str | None
    statements: list[str] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)  # earlier passages it shares words with


@dataclass
class Overlap:
    """Characters ``start``–``end`` of a passage are also in the passage ``anchor``."""

    anchor: str
    start: int
    end: int
    length: int


@dataclass
class Gap:
    """Characters ``start``–``end`` (end exclusive) that no passage covers: not modelled."""

    start: int
    end: int
    length: int


@dataclass
class Reader:
    source: str
    passages: list[ReaderPassage]
    gaps: list[Gap]
    text_length: int | None  # when recorded, the tail after the last passage is a gap too
    truncated: bool = False

    @property
    def sequence(self) -> list[ReaderPassage | Gap]:
        """Passages and gaps as the text runs (a gap before the passage it ends at)."""
        def key(item: ReaderPassage | Gap) -> tuple[int, int, int]:
            if isinstance(item, Gap):
                return 0, item.start, 0
            if item.start is None:
                return 1, 0, 0
            return 0, item.start, 1
        return sorted([*self.passages, *self.gaps], key=key)  # stable: reading order kept

    @property
    def statements(self) -> set[str]:
        return {s for x in self.passages for s in x.statements}


def fetch_reader(store: Store, source: str) -> Reader | None:
    """The reader of ``source``, or None when no passage quotes it."""
    rows = list(store.query(limited(bind(PASSAGES, source=ox.NamedNode(source)), CAP + 1)))
    if not rows:
        return None
    text_length = _length(store, source)
    spans: dict[tuple[str, str, str], tuple[int, int]] = {}
    for row in store.query(bind(POSITIONS, source=ox.NamedNode(source))):
        if isinstance(row["exact"], ox.Literal) and (
                span := offsets(row["start"], row["end"])):
            spans.setdefault((row["x"].value, row["g"].value, row["exact"].value), span)
    found: dict[tuple, ReaderPassage] = {}
    for row in rows[:CAP]:
        exact = row["exact"]
        if not isinstance(exact, ox.Literal):
            continue
        span = spans.get((row["x"].value, row["g"].value, exact.value))
        key = ("at", *span) if span else ("words", exact.value)
        start, end = span if span else (None, None)
        passage = found.get(key)
        if passage is None:
            passage = found[key] = ReaderPassage(passage_anchor(start, end, exact.value), start,
                                                 end, exact.value, exact.language or None)
        if row["x"].value not in passage.statements:
            passage.statements.append(row["x"].value)
        if row["g"].value not in passage.graphs:
            passage.graphs.append(row["g"].value)
    passages = sorted(found.values(), key=lambda x: reading_order(x.start, x.end, x.exact))
    return Reader(source, passages, _gaps(passages, text_length), text_length,
                  truncated=len(rows) > CAP)


def _length(store: Store, source: str) -> int | None:
    for row in store.query(bind(LENGTH, source=ox.NamedNode(source))):
        try:
            return max(0, int(row["n"].value))
        except (AttributeError, ValueError):
            return None
    return None


def _gaps(passages: list[ReaderPassage], text_length: int | None) -> list[Gap]:
    """The stretches no positioned passage covers, from the text's start (and to its end, when
    its length is known); each overlap noted on the later passage."""
    gaps: list[Gap] = []
    covered = 0
    earlier: list[ReaderPassage] = []
    for x in passages:
        if x.start is None or x.end is None:
            continue
        if x.start > covered:
            gaps.append(Gap(covered, x.start, x.start - covered))
        for before in earlier:
            assert before.end is not None
            if before.end > x.start:
                shared_end = min(before.end, x.end)
                x.overlaps.append(Overlap(before.anchor, x.start, shared_end,
                                          shared_end - x.start))
        earlier.append(x)
        covered = max(covered, x.end)
    if text_length is not None and text_length > covered and earlier:
        gaps.append(Gap(covered, text_length, text_length - covered))
    return gaps
