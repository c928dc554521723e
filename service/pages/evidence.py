"""The article's own words that statements rest on, fetched for a whole page in two queries.

Events, relations, claims and figures point with ``qantar:evidence`` to W3C Web Annotation
passages: a specific resource of the source whose text quote selector holds the passage
verbatim (``oa:exact``). That is what the article itself says, which pages keep apart from a
claimant's quote (``qantar:quote``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.anchors import passage_anchor
from service.pages.binding import PROLOGUE, bind
from service.store.interface import Store

# One query for every node a page shows; the passage lives in the same graph as the statement
# pointing to it, so the graph says where the statement comes from.
EVIDENCE = PROLOGUE + """
SELECT ?x ?g ?exact ?source ?prefix ?suffix WHERE {
  VALUES ?x { }
  GRAPH ?g {
    ?x qantar:evidence ?e .
    ?e oa:hasSelector ?selector .
    ?selector oa:exact ?exact .
    OPTIONAL { ?e oa:hasSource ?source }
    OPTIONAL { ?selector oa:prefix ?prefix }
    OPTIONAL { ?selector oa:suffix ?suffix }
  }
}"""
# Where each passage stands in its source, in a query of its own and without an OPTIONAL. As an
# OPTIONAL of the query above, or beside one here, Oxigraph planned the position selector's
# patterns without the page's nodes bound and went through every position selector of the
# store for each passage: 1.1 s a passage at 1M triples (a page took minutes at 10M), against
# milliseconds for this one. A passage is known by its node, graph, source and words; one
# without a source (which the shapes refuse) has no place in a source's reader anyway.
POSITIONS = PROLOGUE + """
SELECT ?x ?g ?exact ?source ?start ?end WHERE {
  VALUES ?x { }
  GRAPH ?g {
    ?x qantar:evidence ?e .
    ?e oa:hasSelector ?selector, ?position .
    ?selector oa:exact ?exact .
    ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    ?e oa:hasSource ?source .
  }
}"""

#: How many nodes go into one VALUES block (as labels.fetch_labels does).
CHUNK = 500
QUOTE_MARKS = "\"'“”„‘’«»"


@dataclass
class Passage:
    """One passage of a source, verbatim, with the words around it when the data gives them."""

    exact: str
    lang: str | None
    source: str | None
    prefix: str | None = None
    suffix: str | None = None
    graphs: list[str] = field(default_factory=list)
    start: int | None = None  # where it stands in the source (oa:TextPositionSelector)
    end: int | None = None
    reader: str | None = None  # its place in the source page's reader, when it has a position

    @property
    def anchor(self) -> str | None:
        """Its id in the source's reader, when its position is recorded."""
        return passage_anchor(self.start, self.end, self.exact) if self.end is not None else None

    @property
    def web_source(self) -> str | None:
        """The source as a URL for ``cite`` and JSON-LD: web addresses only (never javascript:)."""
        if self.source and self.source.startswith(("http://", "https://")):
            return self.source
        return None


def fetch_passages(store: Store, iris: Iterable[str]) -> dict[str, list[Passage]]:
    """The passages of each IRI that has some, each once, in a stable order.

    The same words picked twice (with other context) read the same, so they are shown once.
    Passages are ordered by where they stand in their source when the data records it (an
    ``oa:TextPositionSelector``), the others after them by their words (opening quotation
    marks aside): the service holds no copy of the text.
    """
    nodes = sorted(set(iris))
    found: dict[str, dict[tuple[str, str], Passage]] = {}
    spans: dict[tuple[str, str, str, str], tuple[int, int]] = {}
    for start in range(0, len(nodes), CHUNK):
        chunk = [ox.NamedNode(i) for i in nodes[start:start + CHUNK]]
        for row in store.query(bind(POSITIONS, x=chunk)):
            if isinstance(row["exact"], ox.Literal) and (
                    span := offsets(row["start"], row["end"])):
                spans.setdefault(_known_by(row), span)
        for row in store.query(bind(EVIDENCE, x=chunk)):
            exact = row["exact"]
            if not isinstance(exact, ox.Literal):  # not words: nothing to show
                continue
            source = row["source"].value if isinstance(row["source"], ox.NamedNode) else None
            passages = found.setdefault(row["x"].value, {})
            passage = passages.get((source or "", exact.value))
            if passage is None:
                passage = passages[(source or "", exact.value)] = Passage(
                    exact.value, exact.language or None, source, _value(row["prefix"]),
                    _value(row["suffix"]))
            if passage.end is None and (span := spans.get(_known_by(row))):
                passage.start, passage.end = span
            if row["g"].value not in passage.graphs:
                passage.graphs.append(row["g"].value)
    return {iri: sorted(passages.values(), key=_reading_order)
            for iri, passages in found.items()}


def _known_by(row: ox.QuerySolution) -> tuple[str, str, str, str]:
    """A passage's node, graph, source and words: what both queries say of it."""
    source = row["source"]
    return (row["x"].value, row["g"].value,
            source.value if isinstance(source, ox.NamedNode) else "", row["exact"].value)


def offsets(start: object, end: object) -> tuple[int, int] | None:
    """A position selector's offsets, when both are non-negative integers, start before end."""
    try:
        first, last = int(start.value), int(end.value)  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        return None
    return (first, last) if 0 <= first < last else None


def _value(term: object) -> str | None:
    return term.value if isinstance(term, ox.Literal) else None


def _reading_order(passage: Passage) -> tuple[str, int, int, str, str]:
    return (passage.source or "", *reading_order(passage.start, passage.end, passage.exact))


def reading_order(start: int | None, end: int | None, exact: str) -> tuple[int, int, str, str]:
    """Positioned passages by where they stand, then the others by their words."""
    if start is not None and end is not None:
        return 0, start, str(end).zfill(12), exact
    return 1, 0, exact.lstrip(QUOTE_MARKS).casefold(), exact
