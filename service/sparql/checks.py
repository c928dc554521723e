"""The checks of a client's SPARQL text made before it runs, as one call each, for a worker.

The guard (service.sparql.guard) and the protected graphs (service.protected) parse the text
with rdflib, whose parser takes seconds per 100 KB (0.94 MB of integers in ``VALUES`` with a
``# service`` comment: 36 s); the engine's parser names syntax mistakes, and overflows its
stack on deeply nested braces. None of that may hold or crash the service's process, so the
endpoint runs these functions in a query worker (service.sparql.workers ``CheckJob``), within
the request's time limit and memory limit. Only texts that need a parse are sent:
``mentions_fetch`` is one pass over the text.
"""

from __future__ import annotations

from service.errors import Forbidden
from service.protected import graphs_named_by, names_protected_graph, refusal
from service.sparql.guard import check_fetches
from service.sparql.syntax_errors import check_query, check_update
from service.sparql.using import apply_dataset


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


def checked_update(text: str, using: tuple[str, ...], using_named: tuple[str, ...],
                   allowed: frozenset[str], base_iri: str | None,
                   ) -> tuple[str, list[tuple[str, str]], set[str] | None]:
    """The update as it will run (the protocol's dataset written in), the hosts its SERVICE
    and LOAD reach, and the IRIs it names (for the search index: None when it may write any
    graph); raises BadQuery (the engine's word on its syntax, named where the client wrote
    it), Forbidden (a host not allowed) or ProtectedGraph (it names one)."""
    check_update(text, base_iri)
    text = apply_dataset(text, list(using), list(using_named))
    targets = check_fetches(text, allowed, update=True)
    protected = names_protected_graph(text)
    if protected is not None:
        raise refusal(protected)
    return text, targets, graphs_named_by(text, base_iri)
