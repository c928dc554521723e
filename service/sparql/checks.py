"""The checks of a client's SPARQL text made before it runs, as one call each, for a worker.

The guard (service.sparql.guard) and the protected graphs (service.store.protected) parse the text
with rdflib, whose parser takes seconds per 100 KB (0.94 MB of integers in ``VALUES`` with a
``# service`` comment: 36 s); the engine's parser names syntax mistakes, and overflows its
stack on deeply nested braces. None of that may hold or crash the service's process, so the
endpoint runs these functions in a query worker (service.store.workers ``CheckJob``), within
the request's time limit and memory limit. Only texts that need a parse are sent:
``mentions_fetch`` is one pass over the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.errors import Forbidden
from service.sparql.guard import check_fetches
from service.sparql.using import apply_dataset
from service.store.protected import (
    Reach,
    graphs_named_by,
    names_protected_graph,
    refusal,
    update_reach,
)
from service.store.syntax_errors import check_query, check_update


def query_fetches(text: str, allowed: frozenset[str],
                  base_iri: str | None) -> list[tuple[str, str]]:
    """The query's SERVICE targets, all allowed; Forbidden otherwise. A text rdflib cannot
    parse is refused only when the engine parses it; else it gets the syntax error that names
    the mistake."""
    try:
        return check_fetches(text, allowed, update=False)
    except Forbidden:
        check_query(text, base_iri)
        raise


@dataclass(frozen=True)
class CheckedUpdate:
    """A client's update as its checks found it."""

    #: the update as it will run (the protocol's dataset written in)
    text: str
    #: the SERVICE and LOAD targets it reaches, all allowed
    targets: list[tuple[str, str]]
    #: the IRIs it names, for the search index (None: it may write any graph)
    named: set[str] | None
    #: how far it writes beyond the graphs it names (None: not asked, the store checks the
    #: effect itself)
    reach: Reach | None


def checked_update(text: str, using: tuple[str, ...], using_named: tuple[str, ...],
                   allowed: frozenset[str], base_iri: str | None,
                   needs_reach: bool) -> CheckedUpdate:
    """Raises BadQuery (the engine's word on its syntax, named where the client wrote it),
    Forbidden (a host not allowed) or ProtectedGraph (it names one). ``needs_reach``: the
    store cannot compare the graphs before and after the update (service.store.interface ``effects
    checked``), so it asks how far the update reaches (service.store.protected ``update_reach``)."""
    check_update(text, base_iri)
    text = apply_dataset(text, list(using), list(using_named))
    targets = check_fetches(text, allowed, update=True)
    protected = names_protected_graph(text)
    if protected is not None:
        raise refusal(protected)
    return CheckedUpdate(text, targets, graphs_named_by(text, base_iri),
                         update_reach(text) if needs_reach else None)

