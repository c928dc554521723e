"""Every format the service reads or writes, in one table, and the one content negotiation.

A ``Format`` names a serialisation once: its media types, file extensions, short names (for
``--format`` and ``format=``), and what pyoxigraph and rdflib call it. Each surface (the SPARQL
endpoint, the Graph Store, the pages, imports, the CLI) offers a sequence of these formats, in its
order of preference, and ``negotiate`` picks one with werkzeug's Accept parser (q-values,
wildcards, specificity). Adding a format is one row here and its place in the offers below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

_W3C = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One serialisation: what it is called by people, media types, files and libraries."""

    name: str  # for people: "Turtle"
    media_type: str  # the canonical type, written in Content-Type
    #: Other media types clients send for it, honoured wherever the format is offered.
    aliases: tuple[str, ...] = ()
    #: Non-standard names (``application/x-turtle`` …), honoured by the pages and in bodies.
    legacy: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()  # without the dot; the first is the one we write
    names: tuple[str, ...] = ()  # short names (``--format``, ``format=``); the first is canonical
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    rdflib: str | None = None  # rdflib's parser/serializer name
    named_graphs: bool = False  # written with the named graph of each statement (a dataset)
    iri: str | None = None  # the format's unique IRI (W3C's list), for service descriptions
    text: bool = False  # a text format: Content-Type says charset=utf-8

    def __reduce__(self) -> tuple:
        """Pickled as its name in the table (pyoxigraph's formats cannot be pickled), so that a
        format crosses to the worker processes as itself."""
        return (_format_named, (self.name,))

    @property
    def rdf_format(self) -> ox.RdfFormat:
        """pyoxigraph's name of this RDF format; ValueError for a format that is not RDF."""
        if self.rdf is None:
            raise ValueError(f"{self.name} is not an RDF format")
        return self.rdf

    @property
    def content_type(self) -> str:
        """The Content-Type header value we send."""
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type

    @property
    def extension(self) -> str:
        return self.extensions[0]

    @property
    def short_name(self) -> str:
        return self.names[0]

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases, *self.legacy)


TURTLE = Format("Turtle", "text/turtle", legacy=("application/x-turtle",), extensions=("ttl",),
                names=("turtle", "ttl"), rdf=ox.RdfFormat.TURTLE, rdflib="turtle",
                iri=_W3C + "Turtle", text=True)
N_TRIPLES = Format("N-Triples", "application/n-triples", aliases=("text/plain",),
                   extensions=("nt",), names=("ntriples", "nt"), rdf=ox.RdfFormat.N_TRIPLES,
                   rdflib="nt", iri=_W3C + "N-Triples", text=True)
RDF_XML = Format("RDF/XML", "application/rdf+xml", aliases=("application/xml",),
                 extensions=("rdf", "xml", "owl"), names=("rdfxml", "xml", "rdf"),
                 rdf=ox.RdfFormat.RDF_XML, rdflib="xml", iri=_W3C + "RDF_XML")
JSON_LD = Format("JSON-LD", "application/ld+json", legacy=("application/json",),
                 extensions=("jsonld",), names=("jsonld", "json-ld", "json"),
                 rdf=ox.RdfFormat.JSON_LD, rdflib="json-ld", iri=_W3C + "JSON-LD")
N_QUADS = Format("N-Quads", "application/n-quads", legacy=("text/x-nquads",), extensions=("nq",),
                 names=("nquads", "nq"), rdf=ox.RdfFormat.N_QUADS, rdflib="nquads",
                 named_graphs=True, iri=_W3C + "N-Quads", text=True)
TRIG = Format("TriG", "application/trig", legacy=("application/x-trig",), extensions=("trig",),
              names=("trig",), rdf=ox.RdfFormat.TRIG, rdflib="trig", named_graphs=True,
              iri=_W3C + "TriG", text=True)
#: Read (Graph Store bodies, a remote store's answers), never offered.
N3 = Format("N3", "text/n3", rdf=ox.RdfFormat.N3, rdflib="n3", iri=_W3C + "N3")

SPARQL_JSON = Format("SPARQL JSON", "application/sparql-results+json",
                     aliases=("application/json",), extensions=("srj",), names=("json", "srj"),
                     results=ox.QueryResultsFormat.JSON, iri=_W3C + "SPARQL_Results_JSON")
SPARQL_XML = Format("SPARQL XML", "application/sparql-results+xml", aliases=("application/xml",),
                    extensions=("srx",), names=("xml", "srx"), results=ox.QueryResultsFormat.XML,
                    iri=_W3C + "SPARQL_Results_XML")
CSV = Format("CSV", "text/csv", extensions=("csv",), names=("csv",),
             results=ox.QueryResultsFormat.CSV, iri=_W3C + "SPARQL_Results_CSV", text=True)
TSV = Format("TSV", "text/tab-separated-values", extensions=("tsv",), names=("tsv",),
             results=ox.QueryResultsFormat.TSV, iri=_W3C + "SPARQL_Results_TSV", text=True)

HTML = Format("HTML", "text/html", extensions=("html",), names=("html",))
XHTML = Format("XHTML", "application/xhtml+xml")  # browsers ask for it; they get the HTML page
JSON = Format("JSON", "application/json", extensions=("json",))  # plain JSON views

#: Every RDF serialisation we read and write, in order of preference for a graph answer
#: (CONSTRUCT, DESCRIBE, a graph of the Graph Store, VoID, the service description).
RDF_FORMATS = (TURTLE, N_TRIPLES, RDF_XML, JSON_LD, N_QUADS, TRIG)
#: Every RDF serialisation we read.
READABLE_RDF = (*RDF_FORMATS, N3)
#: SELECT and ASK results, in order of preference.
RESULTS_FORMATS = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
#: What a whole dataset is served as.
DATASET_FORMATS = (TRIG, N_QUADS)
#: The whole table.
FORMATS = (*READABLE_RDF, *RESULTS_FORMATS, HTML, XHTML, JSON)
_BY_NAME = {fmt.name: fmt for fmt in FORMATS}


def _format_named(name: str) -> Format:
    return _BY_NAME[name]


def by_media_type(media_type: str | None, among: Iterable[Format] = READABLE_RDF, *,
                  legacy: bool = False) -> Format | None:
    """The format ``media_type`` (parameters and case ignored) names among ``among``."""
    if not media_type:
        return None
    wanted = media_type.split(";", 1)[0].strip().lower()
    for fmt in among:
        if wanted == fmt.media_type or wanted in fmt.aliases or (legacy and wanted in fmt.legacy):
            return fmt
    return None


def by_extension(extension: str, among: Iterable[Format] = RDF_FORMATS) -> Format | None:
    """The format of a file name's extension (``.ttl`` or ``ttl``, any case)."""
    wanted = extension.lower().removeprefix(".")
    return next((fmt for fmt in among if wanted in fmt.extensions), None)


def by_name(name: str, among: Iterable[Format], *, legacy: bool = False) -> Format | None:
    """The format a short name (``turtle``, ``json``) or a media type names among ``among``."""
    among = tuple(among)
    wanted = name.strip().lower()
    found = next((fmt for fmt in among if wanted in fmt.names), None)
    return found or by_media_type(wanted, among, legacy=legacy)


def short_names(among: Iterable[Format]) -> list[str]:
    return [name for fmt in among for name in fmt.names]


def extensions(among: Iterable[Format] = RDF_FORMATS) -> list[str]:
    """The known file extensions, with their dots, sorted (for messages)."""
    return sorted(f".{ext}" for fmt in among for ext in fmt.extensions)


def content_type(media_type: str) -> str:
    """The Content-Type we send for a canonical media type (text formats say their charset)."""
    fmt = next((f for f in FORMATS if f.media_type == media_type), None)
    return fmt.content_type if fmt else media_type


def accept_of(header: MIMEAccept | str | None) -> MIMEAccept:
    """An Accept header's preferences, with media type parameters dropped.

    werkzeug matches ``text/turtle; charset=utf-8`` against nothing we offer, yet it asks for
    exactly what we send (every text format here is written in UTF-8).
    """
    if not isinstance(header, MIMEAccept):
        header = parse_accept_header(header, MIMEAccept)
    return MIMEAccept([(value.split(";", 1)[0].strip(), quality) for value, quality in header])


def negotiate(accept: MIMEAccept | str | None, offered: Sequence[Format], *,
              legacy: bool = False) -> Format | None:
    """The offered format the client prefers; None when it accepts none of them.

    No Accept header means the first offered. Ties go to the earlier offer, and a format's
    canonical media type to its aliases (all canonical types are tried before any alias);
    ``legacy`` also honours the non-standard names.
    """
    accept = accept_of(accept)
    if not accept:
        return offered[0]
    candidates: dict[str, Format] = {}
    for fmt in offered:
        candidates.setdefault(fmt.media_type, fmt)
    for fmt in offered:
        for alias in (*fmt.aliases, *(fmt.legacy if legacy else ())):
            candidates.setdefault(alias, fmt)
    best = accept.best_match(list(candidates))
    return candidates[best] if best else None


def prefers(accept: MIMEAccept | str | None, wanted: Format, over: Format) -> bool:
    """Whether the client ranks ``wanted`` strictly above ``over`` (a tie keeps ``over``)."""
    accept = accept_of(accept)
    return negotiate(accept, (over, wanted)) is wanted and \
        accept.quality(wanted.media_type) > accept.quality(over.media_type)
