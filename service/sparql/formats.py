"""The result formats the endpoint speaks, by media type, and content negotiation over them.

Negotiation uses werkzeug's Accept parser (q-values, wildcards, specificity); this module only
lists what we can produce.
"""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept

#: Media types of SELECT/ASK results, in order of preference when the client does not care.
RESULTS_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/json",
    "application/xml",
)

#: Media types of CONSTRUCT/DESCRIBE results (and of graphs), in order of preference.
GRAPH_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-quads",
    "application/trig",
    "text/plain",
    "application/xml",
)

#: Media types able to carry several graphs (for whole-dataset downloads).
DATASET_TYPES = ("application/trig", "application/n-quads")

#: ``format=`` short names, per kind of result.
RESULTS_NAMES = {
    "json": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_NAMES = {
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "ntriples": "application/n-triples",
    "nt": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "xml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "json": "application/ld+json",
    "nquads": "application/n-quads",
    "nq": "application/n-quads",
    "trig": "application/trig",
}

#: The media type written in Content-Type for each negotiable one (aliases map to canonical).
CANONICAL = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/plain": "application/n-triples",
}
GRAPH_CANONICAL = {"application/xml": "application/rdf+xml", "text/plain": "application/n-triples"}


def choose(accept: MIMEAccept, format_param: str | None) -> tuple[str | None, str | None]:
    """The media type for a results answer and for a graph answer (None: nothing fits).

    An explicit ``format`` parameter (short name or media type) wins over ``Accept``.
    """
    if format_param:
        name = format_param.strip().lower()
        results = RESULTS_NAMES.get(name) or (name if name in RESULTS_TYPES else None)
        graph = GRAPH_NAMES.get(name) or (name if name in GRAPH_TYPES else None)
        return (
            CANONICAL.get(results, results) if results else None,
            GRAPH_CANONICAL.get(graph, graph) if graph else None,
        )
    if not accept:  # no Accept header: the client takes anything
        return RESULTS_TYPES[0], GRAPH_TYPES[0]
    accept = without_parameters(accept)
    results = accept.best_match(RESULTS_TYPES)
    graph = accept.best_match(GRAPH_TYPES)
    return (
        CANONICAL.get(results, results) if results else None,
        GRAPH_CANONICAL.get(graph, graph) if graph else None,
    )


def choose_graph_type(accept: MIMEAccept, candidates: tuple[str, ...] = GRAPH_TYPES) -> str | None:
    """The RDF media type for a graph answer (Graph Store, entity pages)."""
    if not accept:
        return candidates[0]
    match = without_parameters(accept).best_match(candidates)
    return GRAPH_CANONICAL.get(match, match) if match else None


def without_parameters(accept: MIMEAccept) -> MIMEAccept:
    """The same preferences with media type parameters (``; charset=utf-8``) dropped: werkzeug
    would otherwise not match ``application/sparql-results+json; charset=utf-8`` at all."""
    return MIMEAccept([(value.split(";", 1)[0].strip(), quality) for value, quality in accept])
