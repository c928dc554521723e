"""Where the W3C SPARQL suites are, and how their files are named on the wire.

The suites are read from ``../shared/w3c-rdf-tests/`` beside the repository (never copied into
it). Their relative IRIs are resolved against the suites' published location
(``https://w3c.github.io/rdf-tests/``), so that graph names, query bases and expected results
agree whichever directory the files are read from.
"""

from __future__ import annotations

import os
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import Namespace

REPO_ROOT = Path(__file__).resolve().parents[2]
SUITES = Path(os.environ.get("QANTAR_W3C_TESTS") or REPO_ROOT.parent / "shared" / "w3c-rdf-tests")
SPARQL11 = SUITES / "sparql" / "sparql11"
PUBLISHED = "https://w3c.github.io/rdf-tests/"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")

#: The query-evaluation sub-suites issue 3 asks for, in the order they are reported.
QUERY_SUITES = (
    "aggregates", "bind", "bindings", "construct", "exists", "functions", "grouping",
    "negation", "project-expression", "property-path", "subquery", "json-res", "csv-tsv-res",
)


def missing_reason() -> str | None:
    """Why the suites cannot run here, or None when they can."""
    if not (SPARQL11 / "manifest-sparql11-query.ttl").is_file():
        return f"the W3C SPARQL test suites are not at {SUITES} (set QANTAR_W3C_TESTS)"
    return None


def iri_of(path: Path) -> str:
    """The published IRI of a file of the suites."""
    return PUBLISHED + path.resolve().relative_to(SUITES.resolve()).as_posix()


def path_of(iri: str) -> Path:
    """The local file behind a published IRI of the suites."""
    if not iri.startswith(PUBLISHED):
        raise ValueError(f"{iri} is not a file of the W3C suites")
    return SUITES / iri[len(PUBLISHED):]


def read_manifest(path: Path) -> tuple[Graph, list[URIRef]]:
    """A manifest parsed at its published IRI, and its test entries in order."""
    graph = Graph().parse(path, format="turtle", publicID=iri_of(path))
    manifest = URIRef(iri_of(path))
    head = graph.value(manifest, MF.entries)
    entries = [URIRef(e) for e in Collection(graph, head)] if head is not None else []
    return graph, entries
