"""A resource's representations: its HTML page and RDF documents, and their serialisation.

The formats are service.formats'; this module only says which the pages offer, in which order,
and how a document's URL names one (``/data/<path>.<ext>``). TriG and N-Quads keep the named
graph of each statement.
"""

from __future__ import annotations

import pyoxigraph as ox

from service.formats import (
    HTML,
    JSON,
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    RDF_XML,
    TRIG,
    TURTLE,
    XHTML,
    Format,
)
from service.namespaces import prefixes_used

#: The page itself (a browser asking for XHTML gets it too).
PAGE_FORMATS = (HTML, XHTML)
#: Every RDF document format, in order of preference when a client accepts several equally.
DOCUMENT_FORMATS = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML, TRIG, N_QUADS)
#: What a resource is offered as: HTML first, so ``*/*`` (curl, a browser's fallback) gets the
#: page; then the page's JSON twin (``application/json``: being a canonical type here, it wins
#: over JSON-LD's legacy name, so JSON-LD is ``application/ld+json`` or ``.jsonld``); then RDF.
OFFERED = (*PAGE_FORMATS, JSON, *DOCUMENT_FORMATS)
#: A document URL names its format by the format's own extension only (``.ttl``, not ``.owl``).
BY_EXTENSION = {f.extension: f for f in DOCUMENT_FORMATS}


def serialize(fmt: Format, quads: list[ox.Quad]) -> bytes:
    """``quads`` in ``fmt``; a triple format merges the graphs (each triple once)."""
    statements: list = quads if fmt.named_graphs else list({str(q.triple): q.triple
                                                            for q in quads}.values())
    prefixes = prefixes_used(statements) if fmt in (TURTLE, TRIG) else None
    out = ox.serialize(statements, format=fmt.rdf, prefixes=prefixes)
    return out if out.endswith(b"\n") or not out else out + b"\n"


def split_document_path(path: str) -> tuple[str, Format | None]:
    """``id/person/x.ttl`` -> (``id/person/x``, Turtle); a path without a known extension
    comes back whole, with None (the format is then negotiated)."""
    stem, dot, ext = path.rpartition(".")
    if dot and ext in BY_EXTENSION and "/" not in ext:
        return stem, BY_EXTENSION[ext]
    return path, None
