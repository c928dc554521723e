"""Claims and figures linked to a resource, with their statuses, for lists on any page."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from service.pages.binding import PROLOGUE, bind, limited
from service.pages.terms import show_literal
from service.pages.timespan import between
from service.store.interface import Store

# ?how says how the claim is linked: made by, about, relayed by, told to, disputing, relaying
# (reporting it second-hand), in source.
CLAIMS = PROLOGUE + """
SELECT ?claim ?how ?claimant ?status ?value ?figure ?on ?notBefore ?notAfter WHERE {
  VALUES ?x { }
  { ?claim qantar:claimant ?x BIND("made" AS ?how) }
  UNION { ?claim qantar:about ?x BIND("about" AS ?how) }
  UNION { ?claim qantar:concernsPlace ?x BIND("about" AS ?how) }
  UNION { ?claim qantar:reportedBy ?x BIND("relayed" AS ?how) }
  UNION { ?claim qantar:statedTo ?x BIND("told" AS ?how) }
  UNION { ?claim qantar:disputes ?x BIND("disputes" AS ?how) }
  UNION { ?claim qantar:relays ?x BIND("relaying" AS ?how) }
  UNION { ?claim qantar:source ?x BIND("source" AS ?how) }
  ?claim a/rdfs:subClassOf* qantar:Claim .
  OPTIONAL { ?claim qantar:claimant ?claimant }
  OPTIONAL { ?claim qantar:status ?status }
  OPTIONAL { ?claim qantar:value ?value }
  OPTIONAL { ?claim qantar:statedOn ?on }
  OPTIONAL { ?claim qantar:statedNotBefore ?notBefore }
  OPTIONAL { ?claim qantar:statedNotAfter ?notAfter }
  BIND(EXISTS { ?claim a qantar:Figure } AS ?figure)
} LIMIT 1"""

HOW_TITLES = {
    "made": "Claims and figures stated by this",
    "about": "Claims and figures about this",
    "relayed": "Claims relayed by this",
    "told": "Claims made to this",
    "disputes": "Claims that dispute this one",
    "relaying": "Claims that relay this one",
    "source": "Claims and figures in this source",
}


@dataclass
class ClaimLink:
    """One claim with what a list shows at a glance."""

    iri: str
    claimants: set[str] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    value: ox.Literal | None = None
    is_figure: bool = False
    when: str = "date not given"  # when it was stated, in words (``claim_when``)
    when_machine: str | None = None  # its ISO date, when exact


def fetch_claims(
    store: Store, node: ox.NamedNode, limit: int
) -> tuple[dict[str, list[ClaimLink]], bool]:
    """Claims linked to ``node``, by how they are linked (keys of ``HOW_TITLES``), in that order,
    and whether that is all of them.

    At most ``limit`` result rows are read, so a hub (the article every claim cites) stays
    fast; its full list is in "What links here", which paginates.
    """
    found: dict[str, dict[str, ClaimLink]] = {how: {} for how in HOW_TITLES}
    rows = 0
    for row in store.query(limited(bind(CLAIMS, x=node), limit)):
        rows += 1
        iri = row["claim"].value
        link = found[row["how"].value].setdefault(iri, ClaimLink(iri))
        if row["claimant"] is not None:
            link.claimants.add(row["claimant"].value)
        if row["status"] is not None:
            link.statuses.add(row["status"].value)
        if row["value"] is not None:
            link.value = row["value"]
        link.is_figure = row["figure"].value == "true"
        link.when, link.when_machine = claim_when(row["on"], row["notBefore"], row["notAfter"])
    return {how: list(links.values()) for how, links in found.items() if links}, rows < limit


def claim_when(stated_on: object, not_before: object, not_after: object) -> tuple[str, str | None]:
    """When a claim was stated, in words, and its ISO date when it is exact."""
    def text(term: object) -> str:
        return show_literal(term).text if isinstance(term, ox.Literal) else ""

    if isinstance(stated_on, ox.Literal):
        return text(stated_on), stated_on.value
    if isinstance(not_before, ox.Literal) and isinstance(not_after, ox.Literal):
        return between(not_before.value, not_after.value), None
    if not_after is not None:
        return f"on or before {text(not_after)}", None
    if not_before is not None:
        return f"on or after {text(not_before)}", None
    return "date not given", None
