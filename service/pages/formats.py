"""A resource's representations: its HTML page and RDF documents, and the choice among them.

Negotiation uses werkzeug's Accept parser (q-values, wildcards, specificity), as ``/sparql``
does; serialisation is pyoxigraph's. TriG and N-Quads keep the named graph of each statement.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept

from service.namespaces import prefixes_used
from service.sparql.oxiformats import RDF_FORMATS, content_type

HTML = "text/html"


@dataclass(frozen=True)
class DocFormat:
    ext: str  # the document URL's extension: /data/<path>.<ext>
    mime: str
    name: str
    quads: bool = False  # carries named graphs

    @property
    def content_type(self) -> str:
        return content_type(self.mime)

    def serialize(self, quads: list[ox.Quad]) -> bytes:
        """``quads`` in this format; a triple format merges the graphs (each triple once)."""
        statements: list = quads if self.quads else list({str(q.triple): q.triple
                                                          for q in quads}.values())
        prefixes = prefixes_used(statements) if self.mime in ("text/turtle", "application/trig") \
            else None
        out = ox.serialize(statements, format=RDF_FORMATS[self.mime], prefixes=prefixes)
        return out if out.endswith(b"\n") or not out else out + b"\n"


#: Every RDF document format, in order of preference when a client accepts several equally.
FORMATS = (
    DocFormat("ttl", "text/turtle", "Turtle"),
    DocFormat("jsonld", "application/ld+json", "JSON-LD"),
    DocFormat("nt", "application/n-triples", "N-Triples"),
    DocFormat("rdf", "application/rdf+xml", "RDF/XML"),
    DocFormat("trig", "application/trig", "TriG", quads=True),
    DocFormat("nq", "application/n-quads", "N-Quads", quads=True),
)
BY_EXT = {f.ext: f for f in FORMATS}
BY_MIME = {f.mime: f for f in FORMATS}

#: Media types clients ask for, in our order of preference, and what each gets. HTML comes
#: first, so ``*/*`` (curl, a browser's fallback) gets the page; the aliases are types that
#: rdflib and other clients send for the same formats.
OFFERED = (
    (HTML, None), ("application/xhtml+xml", None),
    *((f.mime, f) for f in FORMATS),
    ("application/x-turtle", BY_EXT["ttl"]), ("application/json", BY_EXT["jsonld"]),
    ("text/plain", BY_EXT["nt"]), ("application/xml", BY_EXT["rdf"]),
)
_OFFERED_TYPES = [mime for mime, _ in OFFERED]
_CHOICE = dict(OFFERED)


def negotiate(accept: MIMEAccept) -> DocFormat | None | bool:
    """The representation the client prefers: a DocFormat, None for the HTML page, or False
    when it accepts none of them. No Accept header at all means the page."""
    if not accept:
        return None
    best = accept.best_match(_OFFERED_TYPES)
    if best is None:
        return False
    return _CHOICE[best]


def split_document_path(path: str) -> tuple[str, DocFormat | None]:
    """``id/person/x.ttl`` -> (``id/person/x``, Turtle); a path without a known extension
    comes back whole, with None (the format is then negotiated)."""
    stem, dot, ext = path.rpartition(".")
    if dot and ext in BY_EXT and "/" not in ext:
        return stem, BY_EXT[ext]
    return path, None
