"""Which graph speaks first when graphs give an entity different names, dates or values.

The bundle's graphs rank first (the article's statements, then the editors' additions, then the
ontology and the bundle's metadata), then the imported graphs in the order they were first
imported (the earliest version recorded in the provenance graph), then graphs nobody recorded
(written by a SPARQL update), by IRI. ``QANTAR_GRAPH_ORDER`` puts the graphs it lists before
all of these. Pages, twins, search and reconciliation show the value of the graph that ranks
first and every other graph's differing value beside it, so an import never silently replaces
what the article says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.namespaces import (
    ARTICLE_GRAPH,
    EDITORIAL_GRAPH,
    METADATA_GRAPH,
    ONTOLOGY_GRAPH,
    PROVENANCE_GRAPH,
)
from service.store.interface import Store

BUNDLE_ORDER = tuple(str(g) for g in (ARTICLE_GRAPH, EDITORIAL_GRAPH, ONTOLOGY_GRAPH,
                                      METADATA_GRAPH, PROVENANCE_GRAPH))

# The first version of each graph the provenance graph records, whether current, replaced or
# dropped since: a graph keeps its place when it is imported again.
FIRST_IMPORTS = f"""
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g (MIN(?when) AS ?first) WHERE {{
  GRAPH <{PROVENANCE_GRAPH}> {{ ?version prov:specializationOf ?g ; prov:generatedAtTime ?when }}
}} GROUP BY ?g"""


@dataclass(frozen=True)
class GraphRanking:
    """Graphs in the order their values are shown; a graph not listed ranks after all."""

    order: tuple[str, ...]

    def rank(self, graph: str | None) -> tuple[int, str]:
        """A sort key: lower ranks first; graphs not listed by IRI after the listed ones."""
        if graph is None:
            return (len(self.order) + 1, "")
        try:
            return (self.order.index(graph), "")
        except ValueError:
            return (len(self.order), graph)

    def first(self, graphs: Sequence[str]) -> str | None:
        """The graph among ``graphs`` that ranks first."""
        return min(graphs, key=self.rank, default=None)


def rank_graphs(store: Store, first: Sequence[str] = ()) -> GraphRanking:
    """The ranking of ``store``'s graphs now: ``first`` (the setting), the bundle's, then the
    imported ones by their first import."""
    imported = sorted((row["first"].value, row["g"].value) for row in store.query(FIRST_IMPORTS)
                       if row["first"] is not None)
    order: list[str] = []
    for graph in (*first, *BUNDLE_ORDER, *(g for _, g in imported)):
        if graph not in order:
            order.append(graph)
    return GraphRanking(tuple(order))
