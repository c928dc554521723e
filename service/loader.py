"""Load the bundle: read it, validate it whole, and hand its graphs to the store's backend,
which puts them in all or nothing (service.store.interface ``Backend.load_bundle``)."""

from __future__ import annotations

from rdflib import Graph

from service.bundle import Bundle, read_bundle
from service.config import Settings
from service.errors import InvalidData
from service.findings import refresh as refresh_findings
from service.rdf_files import parse_file
from service.store.open import backend, open_store
from service.validate import conforms, format_report, validate_graph
from service.versions import record_version


def load_bundle(settings: Settings) -> dict[str, int]:
    """Parse, validate and load the bundle into ``settings.store``; triple counts per graph.

    Raises UnreadableInput for a broken file and InvalidData (with the report) for a bundle
    that breaks the manifest or the shapes; the existing store is then not touched.
    """
    bundle = read_bundle(settings)
    shapes = parse_file(settings.shapes_file)
    check_bundle(bundle, shapes)
    counts = backend(settings).load_bundle(settings, {str(iri): graph
                                                      for iri, graph in bundle.graphs.items()})
    with open_store(settings) as store:  # the version the data is in now (service.versions)
        record_version(store, None, "qantar load: the bundled graph")
        # the graphs carried over are judged by the shapes of now (service.findings)
        refresh_findings(store, None, shapes)
    return counts


def check_bundle(bundle: Bundle, shapes: Graph) -> None:
    """Raise InvalidData with the readable report unless the bundle conforms to ``shapes``."""
    data = bundle.union()
    findings = validate_graph(data, shapes)
    if not conforms(findings):
        raise InvalidData(format_report(findings, dict(_prefixes(data))))


def _prefixes(graph: Graph) -> list[tuple[str, str]]:
    return [(prefix, str(ns)) for prefix, ns in graph.namespaces() if prefix]
