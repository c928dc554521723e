"""Time spans from SEM time stamps, exact or vague, said the way a reader says them.

A bound is never said as if it were the date: an earliest begin reads "on or after 2 January
2022", two bounds "between 2 and 15 January 2022", and an event whose date the source does not
give (``qantar:beginDateUnknown``) reads "date not given", with the bounds the context sets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox

from service.anchors import conflict_anchor
from service.namespaces import QANTAR, SEM
from service.pages.binding import PROLOGUE, bind
from service.pages.labels import current_ranking
from service.pages.terms import XSD, show_literal
from service.precedence import GraphRanking
from service.store.interface import Store

BEGIN, END = str(SEM.hasBeginTimeStamp), str(SEM.hasEndTimeStamp)
EARLIEST_BEGIN, LATEST_BEGIN = str(SEM.hasEarliestBeginTimeStamp), str(SEM.hasLatestBeginTimeStamp)
EARLIEST_END, LATEST_END = str(SEM.hasEarliestEndTimeStamp), str(SEM.hasLatestEndTimeStamp)
UNKNOWN = str(QANTAR.beginDateUnknown)

#: How precisely a begin is known (the words competency question 08 uses too).
EXACT, BETWEEN, NOT_BEFORE, NOT_AFTER, NOT_GIVEN = (
    "exact", "between", "not before", "not after", "unknown")
#: Sorts after every ISO date and year.
LAST = "9999"

# The predicates are filtered, not bound by VALUES (see labels.LABELS for why). Each stamp with
# its graph: a span is read from one graph's stamps, never pieced together from several.
TIMES = PROLOGUE + """
SELECT ?x ?p ?t ?g WHERE {
  VALUES ?x { }
  GRAPH ?g { ?x ?p ?t
    FILTER(?p IN (sem:hasBeginTimeStamp, sem:hasEndTimeStamp, sem:hasEarliestBeginTimeStamp,
                  sem:hasLatestBeginTimeStamp, sem:hasEarliestEndTimeStamp,
                  sem:hasLatestEndTimeStamp, qantar:beginDateUnknown)) }
}"""


def show_stamp(value: str) -> str:
    """An ISO date or year as a reader writes it: "2 January 2022", "2019"."""
    datatype = "gYear" if len(value) == 4 else "date"
    return show_literal(ox.Literal(value, datatype=ox.NamedNode(f"{XSD}{datatype}"))).text


def between(low: str, high: str) -> str:
    """"between 2 and 15 January 2022": a month or year the two dates share is said once."""
    try:
        a, b = date.fromisoformat(low), date.fromisoformat(high)
    except ValueError:  # a year, or a date Python cannot read
        return f"between {show_stamp(low)} and {show_stamp(high)}"
    if (a.year, a.month) == (b.year, b.month):
        return f"between {a.day} and {show_stamp(high)}"
    if a.year == b.year:
        return f"between {a.day} {a:%B} and {show_stamp(high)}"
    return f"between {show_stamp(low)} and {show_stamp(high)}"


def bounded(low: str | None, high: str | None) -> str | None:
    """Two, one or no bounds as words; None when there are none."""
    if low and high:
        return show_stamp(low) if low == high else between(low, high)
    if low:
        return f"on or after {show_stamp(low)}"
    if high:
        return f"by {show_stamp(high)}"
    return None


@dataclass(frozen=True)
class Dating:
    """When something began, as precisely as the source says: one day, or bounds only.

    ``not_after`` also takes the end into account (a thing begins by the time it ends), so that
    "arrests, ended by 15 January" reads "between 2 and 15 January 2022".
    """

    precision: str  # EXACT, BETWEEN, NOT_BEFORE, NOT_AFTER or NOT_GIVEN
    begin: str | None = None  # the day (or year), when exact
    not_before: str | None = None
    not_after: str | None = None

    @property
    def text(self) -> str:
        """"5 January 2022", "between 2 and 15 January 2022", "date not given, by …"."""
        if self.begin:
            return show_stamp(self.begin)
        bounds = bounded(self.not_before, self.not_after)
        if self.precision == NOT_GIVEN:
            return f"date not given, {bounds}" if bounds else "date not given"
        return bounds or ""

    @property
    def heading(self) -> str:
        text = self.text
        return text[:1].upper() + text[1:]

    @property
    def sort_key(self) -> tuple[str, int, str]:
        """By the best-known bound; on one day, "by" that day first, then the day itself, then
        the spans that begin on it, narrowest first."""
        anchor = self.begin or self.not_before or self.not_after or LAST
        if self.begin:
            rank = 1
        elif self.not_before:
            rank = 2
        else:
            rank = 0
        return anchor, rank, self.not_after or LAST


@dataclass(frozen=True)
class OtherDating:
    """Another graph's dating of the same thing, shown beside the one that ranks first;
    ``disputed`` when the two cannot both be true (``anchor``: its entry on /conflicts)."""

    graph: str
    span: TimeSpan
    disputed: bool
    anchor: str | None = None

    @property
    def text(self) -> str:
        """The other dating as a reader says it: a begin alone reads "4 January 2022" (not
        "from 4 January 2022", which would claim it lasted)."""
        span = self.span
        if not span.end and span.start:
            return span.start
        return span.text


@dataclass(frozen=True)
class TimeSpan:
    """The stamps of one event or relation, from the graph that ranks first, with the other
    graphs' differing datings (``others``; ``graph`` names the first graph only then); ``text``
    reads them, ``sort_key`` orders them."""

    stamps: dict[str, str]
    graph: str | None = None
    others: tuple[OtherDating, ...] = ()

    @property
    def unknown(self) -> bool:
        """Whether the source gives no date for the begin (an exact begin overrides it)."""
        return self.stamps.get(UNKNOWN) == "true" and BEGIN not in self.stamps

    def _bound(self, exact: str, earliest: str, latest: str) -> str | None:
        """A begin or an end as text: exact, a range, or one bound; None when not known."""
        s = self.stamps
        if exact in s:
            return show_stamp(s[exact])
        return bounded(s.get(earliest), s.get(latest))

    @property
    def start(self) -> str | None:
        """The begin alone, from the begin's own stamps."""
        found = self._bound(BEGIN, EARLIEST_BEGIN, LATEST_BEGIN)
        if self.unknown:
            return f"date not given, {found}" if found else "date not given"
        return found

    @property
    def end(self) -> str | None:
        return self._bound(END, EARLIEST_END, LATEST_END)

    @property
    def dating(self) -> Dating:
        """The begin, bounded by the end where the begin has no upper bound of its own."""
        s = self.stamps
        if BEGIN in s:
            return Dating(EXACT, begin=s[BEGIN])
        low = s.get(EARLIEST_BEGIN)
        high = s.get(LATEST_BEGIN) or s.get(END) or s.get(LATEST_END)
        if self.unknown or not (low or high):
            precision = NOT_GIVEN
        else:
            precision = BETWEEN if low and high else NOT_BEFORE if low else NOT_AFTER
        return Dating(precision, not_before=low, not_after=high)

    @property
    def text(self) -> str:
        s = self.stamps
        start, end = self.start, self.end
        if BEGIN in s:
            if end is None:
                return f"from {start}"
            if END in s:
                return start if start == end else f"{start} – {end}"
            return f"from {start}, ended {end}"
        if END in s and not (EARLIEST_BEGIN in s or LATEST_BEGIN in s):
            until = f"until {end}"
            return f"date not given, {until}" if self.unknown else until
        # When the end is only an upper bound that the dating already uses, the dating says the
        # span the whole thing lies in ("between 2 and 15 January 2022"); otherwise say both.
        end_high = s.get(END) or s.get(LATEST_END)
        if end and (EARLIEST_END in s or s.get(LATEST_BEGIN, end_high) != end_high):
            began = self._bound(BEGIN, EARLIEST_BEGIN, LATEST_BEGIN)
            said = f"began {began}, ended {end}" if began else f"ended {end}"
            return f"date not given, {said}" if self.unknown else said
        return self.dating.text if s else ""

    @property
    def machine(self) -> str | None:
        """An ISO date for ``<time datetime>`` when the begin is exact."""
        return self.stamps.get(BEGIN)

    @property
    def sort_key(self) -> tuple[str, int, str]:
        """Chronological order by the best-known bound (see ``Dating.sort_key``)."""
        return self.dating.sort_key


#: For each end of a span, the stamps of an exact date, of its lower and of its upper bound.
SPAN_ENDS = {"begin": (BEGIN, EARLIEST_BEGIN, LATEST_BEGIN), "end": (END, EARLIEST_END, LATEST_END)}


def disputed_ends(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """The ends ("begin", "end") two graphs' stamps disagree on: both say something of it and
    their days cannot meet (a date inside the other's bounds is no disagreement; a year
    allows all its days)."""
    found = []
    for end, stamps in SPAN_ENDS.items():
        first, second = _days(a, *stamps), _days(b, *stamps)
        if first and second and not (first[0] <= second[1] and second[0] <= first[1]):
            found.append(end)
    return found


def _days(s: dict[str, str], exact: str, earliest: str, latest: str) -> tuple[str, str] | None:
    """The first and last day an end's stamps allow; None when they say nothing of it."""
    if exact in s:
        return _first_day(s[exact]), _last_day(s[exact])
    if earliest not in s and latest not in s:
        return None
    return (_first_day(s[earliest]) if earliest in s else "",
            _last_day(s[latest]) if latest in s else LAST)


def _first_day(value: str) -> str:
    return value[:10] if len(value) >= 10 else value[:4] + "-01-01"


def _last_day(value: str) -> str:
    return value[:10] if len(value) >= 10 else value[:4] + "-12-31"


def fetch_spans(store: Store, iris: Iterable[str],
                ranking: GraphRanking | None = None) -> dict[str, TimeSpan]:
    """The time span of each IRI (an empty span for those without stamps): the stamps of the
    graph that ranks first (service.precedence), with every other graph's differing dating."""
    nodes = sorted(set(iris))
    stamps: dict[str, dict[str, dict[str, str]]] = {iri: {} for iri in nodes}
    if nodes:
        query = bind(TIMES, x=[ox.NamedNode(i) for i in nodes])
        for row in store.query(query):
            by_graph = stamps[row["x"].value].setdefault(row["g"].value, {})
            by_graph.setdefault(row["p"].value, row["t"].value)
    if any(len(graphs) > 1 for graphs in stamps.values()):
        ranking = ranking if ranking is not None else current_ranking(store)
    return {iri: _span(iri, graphs, ranking) for iri, graphs in stamps.items()}


def _span(iri: str, graphs: dict[str, dict[str, str]], ranking: GraphRanking | None) -> TimeSpan:
    if not graphs:
        return TimeSpan({})
    if len(graphs) == 1 or ranking is None:
        [own] = graphs.values()
        return TimeSpan(own)
    ordered = sorted(graphs, key=ranking.rank)
    first = TimeSpan(graphs[ordered[0]], ordered[0])
    others = []
    for graph in ordered[1:]:
        span = TimeSpan(graphs[graph], graph)
        if span.text == first.text:
            continue
        ends = disputed_ends(first.stamps, span.stamps)
        anchor = conflict_anchor("date", iri, ends[0]) if ends else None
        others.append(OtherDating(graph, span, bool(ends), anchor))
    return TimeSpan(first.stamps, first.graph if others else None, tuple(others))
