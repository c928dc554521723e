"""How a page shows an RDF term: a label, a link, a language, a readable date or number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox
from flask import url_for

from service.anchors import graph_href
from service.imports.graphs import graph_short_name
from service.namespaces import WD
from service.pages.iris import IriMap, curie, external_page
from service.pages.labels import Label, fallback_label

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
NUMBERS = {f"{XSD}{t}" for t in ("integer", "nonNegativeInteger", "positiveInteger", "int",
                                 "long", "decimal")}
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


@dataclass(frozen=True)
class Shown:
    """A term ready for a template; the template decides the markup and escapes the text."""

    text: str
    kind: str  # "iri", "date", "number", "literal" or "bnode"
    lang: str | None = None
    href: str | None = None
    external: bool = False
    iri: str | None = None
    datatype: str | None = None  # a prefixed name, shown only when it tells something
    machine: str | None = None  # the value for <time datetime> or <data value>

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.machine or self.text.casefold(), self.text)


@dataclass(frozen=True)
class Presenter:
    """Shows terms with the labels fetched for the page and links inside this service."""

    iris: IriMap
    labels: dict[str, Label]

    def label(self, iri: str) -> Label:
        return self.labels.get(iri) or fallback_label(iri)

    def href(self, iri: str) -> tuple[str | None, bool]:
        """The link for an IRI and whether it leaves this service."""
        if self.iris.is_ontology_term(iri):
            return self.term_href(iri), False
        if (path := self.iris.relative(iri)) is not None:
            return url_for("pages.page", path=path), False
        if iri.startswith(("http://", "https://")):
            return external_page(iri), True
        return None, False

    def term_href(self, iri: str) -> str:
        """Where a class or property is documented: the ontology page."""
        return url_for("pages.ontology", _anchor=self.iris.ontology_anchor(iri))

    def external_name(self, iri: str) -> str:
        """A link text for an IRI of another dataset: "Wikidata Q200881" for a Wikidata item
        (whatever an import labels it: the link names where it leads), else its label if the
        graph has one, else the IRI."""
        if wikidata := wikidata_name(iri):
            return wikidata
        if iri in self.labels:
            return self.labels[iri].text
        return iri

    def graph_name(self, iri: str) -> str:
        """What a page calls a named graph: its label, else a short form of its IRI."""
        label = self.labels.get(iri)
        return label.text if label else graph_short_name(iri)

    def graph_href(self, iri: str) -> str:
        """A graph's provenance: its entry on /graphs (never the graph's IRI, maybe off-site)."""
        return graph_href(iri)

    def class_href(self, iri: str) -> str:
        """The page listing the instances of a class."""
        return url_for("pages.class_page", name=curie(iri))

    def iri(self, iri: str) -> Shown:
        href, external = self.href(iri)
        if wikidata := wikidata_name(iri):  # a link to Wikidata (skos:exactMatch) says so
            return Shown(wikidata, "iri", None, href, external, iri)
        label = self.label(iri)
        return Shown(label.text, "iri", label.lang, href, external, iri)

    def show(self, term: object) -> Shown:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.Literal):
            return show_literal(term)
        if isinstance(term, ox.BlankNode):
            return Shown("(unnamed node)", "bnode")
        return Shown(str(term), "literal")


def wikidata_name(iri: str) -> str | None:
    """"Wikidata Q200881" for a Wikidata item's IRI, else None."""
    local = iri[len(str(WD)):] if iri.startswith(str(WD)) else ""
    return f"Wikidata {local}" if local[:1] in ("Q", "P", "L") and local[1:].isdigit() else None


def show_literal(term: ox.Literal) -> Shown:
    """Dates as dates, numbers with separators, language tags kept for ``lang``."""
    datatype = term.datatype.value
    value = term.value
    if term.language:
        return Shown(value, "literal", lang=term.language)
    if datatype == f"{XSD}date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return Shown(value, "literal", datatype="xsd:date")
        return Shown(f"{day.day} {day:%B %Y}", "date", machine=value)
    if datatype == f"{XSD}gYear":
        return Shown(value, "date", machine=value)
    if datatype in NUMBERS:
        try:
            number = float(value) if "." in value else int(value)
        except ValueError:
            return Shown(value, "literal", datatype=curie(datatype))
        return Shown(f"{number:,}", "number", machine=value)
    if datatype == f"{XSD}boolean":
        return Shown("yes" if value in ("true", "1") else "no", "literal")
    if datatype == f"{XSD}duration" and (m := _DURATION.match(value)):
        parts = [f"{n} {unit}{'s' if n != '1' else ''}"
                 for n, unit in zip(m.groups(), ("day", "hour", "minute"), strict=True) if n]
        return Shown(" ".join(parts) or value, "literal", machine=value)
    if datatype in (f"{XSD}string", RDF_LANGSTRING):
        return Shown(value, "literal")
    return Shown(value, "literal", datatype=curie(datatype))
