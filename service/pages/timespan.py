"""Time spans from SEM time stamps, exact or vague, said the way a reader says them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from service.namespaces import QANTAR, SEM
from service.pages.binding import PROLOGUE, bind
from service.pages.terms import show_literal
from service.store import Store

BEGIN, END = str(SEM.hasBeginTimeStamp), str(SEM.hasEndTimeStamp)
EARLIEST_BEGIN, LATEST_BEGIN = str(SEM.hasEarliestBeginTimeStamp), str(SEM.hasLatestBeginTimeStamp)
EARLIEST_END, LATEST_END = str(SEM.hasEarliestEndTimeStamp), str(SEM.hasLatestEndTimeStamp)
UNKNOWN = str(QANTAR.beginDateUnknown)

# The predicates are filtered, not bound by VALUES (see labels.LABELS for why).
TIMES = PROLOGUE + """
SELECT ?x ?p ?t WHERE {
  VALUES ?x { }
  ?x ?p ?t
  FILTER(?p IN (sem:hasBeginTimeStamp, sem:hasEndTimeStamp, sem:hasEarliestBeginTimeStamp,
                sem:hasLatestBeginTimeStamp, sem:hasEarliestEndTimeStamp,
                sem:hasLatestEndTimeStamp, qantar:beginDateUnknown))
}"""


@dataclass(frozen=True)
class TimeSpan:
    """The stamps of one event or relation; ``text`` reads them, ``sort_key`` orders them."""

    stamps: dict[str, str]

    def _show(self, key: str) -> str:
        value = self.stamps[key]
        datatype = "gYear" if len(value) == 4 else "date"
        return show_literal(ox.Literal(value, datatype=ox.NamedNode(
            f"http://www.w3.org/2001/XMLSchema#{datatype}"))).text

    def _bound(self, exact: str, earliest: str, latest: str) -> str | None:
        """A begin or an end as text: exact, a range, or one bound; None when not known."""
        s = self.stamps
        if exact in s:
            return self._show(exact)
        if earliest in s and latest in s:
            return f"between {self._show(earliest)} and {self._show(latest)}"
        if earliest in s:
            return f"on or after {self._show(earliest)}"
        if latest in s:
            return f"by {self._show(latest)}"
        return None

    @property
    def start(self) -> str | None:
        return self._bound(BEGIN, EARLIEST_BEGIN, LATEST_BEGIN)

    @property
    def end(self) -> str | None:
        return self._bound(END, EARLIEST_END, LATEST_END)

    @property
    def text(self) -> str:
        start, end = self.start, self.end
        unknown = self.stamps.get(UNKNOWN) == "true"
        if start and end:
            return start if start == end else f"{start} – {end}"
        if start:
            return f"from {start}" if BEGIN in self.stamps else start
        if end:
            return f"until {end}"
        return "date not given" if unknown else ""

    @property
    def machine(self) -> str | None:
        """An ISO date for ``<time datetime>`` when the begin is exact."""
        return self.stamps.get(BEGIN)

    @property
    def sort_key(self) -> str:
        """The best guess of the begin: exact, else the earliest, else the latest bound."""
        for key in (BEGIN, EARLIEST_BEGIN, LATEST_BEGIN, END, LATEST_END):
            if key in self.stamps:
                return self.stamps[key]
        return "9999"


def fetch_spans(store: Store, iris: Iterable[str]) -> dict[str, TimeSpan]:
    """The time span of each IRI (an empty span for those without stamps)."""
    nodes = sorted(set(iris))
    stamps: dict[str, dict[str, str]] = {iri: {} for iri in nodes}
    if nodes:
        query = bind(TIMES, x=[ox.NamedNode(i) for i in nodes])
        for row in store.query(query):
            stamps[row["x"].value].setdefault(row["p"].value, row["t"].value)
    return {iri: TimeSpan(s) for iri, s in stamps.items()}
