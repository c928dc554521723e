"""The preview OpenRefine shows in an iframe beside a candidate: what tells namesakes apart.

The one page of the service that other sites may frame (service.headers.FRAMEABLE).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.pages import catalog
from service.pages.binding import PROLOGUE, bind
from service.store.interface import Store

OTHER_NAMES = PROLOGUE + """
SELECT DISTINCT ?name WHERE {
  VALUES ?x { } ?x ?p ?name FILTER(?p IN (skos:altLabel, skos:prefLabel, rdfs:label))
}"""
#: Names a preview lists at most (it has a fixed size).
NAMES_SHOWN = 8


@dataclass
class Preview:
    name: str
    types: list[str]
    description: str | None
    other_names: list[str] = field(default_factory=list)


def preview(store: Store, node: ox.NamedNode, type_name: Callable[[str], str]) -> Preview:
    """What the preview of ``node`` shows; ``type_name`` names its types."""
    summary = catalog.summaries(store, [node.value])[node.value]
    name = summary.label or node.value
    others = sorted({row["name"].value for row in store.query(bind(OTHER_NAMES, x=node))}
                    - {name}, key=str.casefold)
    return Preview(name, sorted(type_name(t) for t in summary.types), summary.description,
                   others[:NAMES_SHOWN])
