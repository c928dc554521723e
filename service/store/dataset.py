"""The dataset a query sees: decided from the query's parse and the request, in one place.

Qantar's data lives in named graphs, so a query without its own dataset sees the union of
them as its default graph (when the store's default graph is empty), minus the system graphs.
A query that names its dataset (``FROM``, ``FROM NAMED``) or a request that does
(``default-graph-uri``, ``named-graph-uri``) gets exactly that dataset.

Whether the query names a dataset is decided from its parse tree (rdflib's SPARQL parser: a
``DatasetClause`` of the query form), never from its text: the word "from" in a comment, a
string or a variable name must not change the answer. pyoxigraph evaluates the query but
exposes no parse tree; rdflib's parser is the one that answers "does this query have a
``DatasetClause``", and the engine then applies the clause itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from service.namespaces import FINDINGS_GRAPH, PROVENANCE_GRAPH, QUERIES_GRAPH
from service.store.query_form import may_name_dataset, query_form

#: The provenance graph (the service's record of imports, uploads and versions), the saved
#: queries and the validation findings are the service's own; like system graphs they stay out
#: of the dataset a query sees unless named (FROM NAMED, named-graph-uri), so a client's data
#: comes back as it was written (the W3C suites check exactly that).
SYSTEM_GRAPHS = frozenset({str(PROVENANCE_GRAPH), str(QUERIES_GRAPH), str(FINDINGS_GRAPH)})


def has_dataset_clause(query: str) -> bool:
    """Whether ``query`` has FROM or FROM NAMED clauses of its own, according to its parse
    (service.store.query_form)."""
    return may_name_dataset(query) and query_form(query).own_dataset


@dataclass(frozen=True)
class StoreView:
    """What the dataset decision needs to know of a store view (computed once per view)."""

    default_graph_is_empty: bool
    #: the named graphs a query sees by default; None when there is no system graph to hide
    visible_graphs: tuple[ox.NamedNode, ...] | None

    @classmethod
    def of(cls, store: ox.Store) -> StoreView:
        empty = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())),
                     None) is None
        graphs = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
        visible = None
        if any(g.value in SYSTEM_GRAPHS for g in graphs):
            visible = tuple(g for g in graphs if g.value not in SYSTEM_GRAPHS)
        return cls(empty, visible)


def query_dataset(view: StoreView, query: str, *, default_graphs: tuple[str, ...] = (),
                  named_graphs: tuple[str, ...] = (),
                  union_default: bool | None = None) -> dict:
    """The dataset keyword arguments of ``pyoxigraph.Store.query`` for this query and request.

    ``union_default`` None means: the union when the store's default graph is empty.
    """
    kwargs: dict = {}
    union = union_default if union_default is not None else view.default_graph_is_empty
    if default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    elif named_graphs or has_dataset_clause(query):
        pass  # the request or the query itself says what the dataset is
    elif view.visible_graphs is not None:
        if union:
            kwargs["default_graph"] = list(view.visible_graphs) or [ox.DefaultGraph()]
        kwargs["named_graphs"] = list(view.visible_graphs)
    elif union:
        kwargs["use_default_graph_as_union"] = True
    if named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    return kwargs
