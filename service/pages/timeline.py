"""The timeline's groups: a day for events dated to the day, a span for those dated only roughly.

An event is listed under a day only when the source gives that day (``sem:hasBeginTimeStamp``).
One known only between bounds gets a group of its own, headed the way a reader would say it
("Between 2 and 15 January 2022", "On or after 2 January 2022"), placed right after the day its
span begins on (a span reaching back to the unrest's first day follows that day, not the fourth),
and one known only to have begun by a day comes just before that day. That keeps the story in
order where the source is vague without ever heading an event with a bound as if it were its
date. Events whose date the source does not give at all come last, as "Date not given, …" with
the bounds the rest of the story sets: their place among the days is unknown, and listing them
at their earliest bound would put them at the start of the unrest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.pages.timespan import EXACT, NOT_GIVEN, Dating


@dataclass
class Group:
    """One heading of the timeline and its events, in order."""

    dating: Dating
    events: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """"day", "vague" (bounds only) or "undated": the template's class for the group."""
        if self.dating.precision == EXACT:
            return "day"
        return "undated" if self.dating.precision == NOT_GIVEN else "vague"


def group(ordered: list[tuple[Dating, str]]) -> list[Group]:
    """Consecutive events with the same dating under one heading (``ordered`` is in timeline
    order already: ``catalog.events_in_order``)."""
    groups: list[Group] = []
    for dating, iri in ordered:
        if not groups or groups[-1].dating != dating:
            groups.append(Group(dating))
        groups[-1].events.append(iri)
    return groups
