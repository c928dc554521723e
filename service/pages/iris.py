"""The map between IRIs under the base and the paths of this service.

The path below the base is the path here: with the default base ``https://w3id.org/qantar/``,
``GET /id/person/masja`` stands for ``<https://w3id.org/qantar/id/person/masja>``, and
``GET /graph/editorial`` for the named graph ``<https://w3id.org/qantar/graph/editorial>``.
The ontology's terms are hash IRIs (``…/ontology#Person``), so they all resolve to ``/ontology``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from service.namespaces import PREFIXES, WD, shorten

WIKIDATA_PAGE = "https://www.wikidata.org/wiki/"


@dataclass(frozen=True)
class IriMap:
    """Turns request paths into IRIs and IRIs into the links a page shows."""

    base: str

    @property
    def ontology(self) -> str:
        """The ontology document's IRI; its terms are ``<ontology>#Name``."""
        return f"{self.base}ontology"

    def resolve(self, path: str) -> ox.NamedNode | None:
        """The IRI ``<base><path>``, or None when that is not a valid IRI.

        pyoxigraph validates the IRI (it refuses ``<``, ``>``, ``"``, spaces, braces …), so
        only a well-formed IRI ever reaches a query.
        """
        if not path:
            return None
        try:
            return ox.NamedNode(f"{self.base}{path}")
        except ValueError:
            return None

    def relative(self, iri: str) -> str | None:
        """The path below the base for an IRI under it (without a fragment), else None."""
        if not iri.startswith(self.base) or len(iri) == len(self.base) or "#" in iri:
            return None
        return iri[len(self.base):]

    def is_ontology_term(self, iri: str) -> bool:
        return iri == self.ontology or iri.startswith(f"{self.ontology}#")

    def ontology_anchor(self, iri: str) -> str:
        """The fragment that names a term on the ontology page.

        Our own terms are hash IRIs, so their fragment is their anchor; reused terms are
        anchored by their prefixed name (``skos:prefLabel``).
        """
        ours = f"{self.ontology}#"
        return iri[len(ours):] if iri.startswith(ours) else curie(iri)


def curie(iri: str) -> str:
    """``prefix:local`` for a known namespace, else the IRI itself."""
    short = shorten(iri)
    return iri if short.startswith("<") else short


def expand_curie(name: str) -> ox.NamedNode | None:
    """The IRI for ``prefix:local`` with a known prefix (or a full http(s) IRI), or None."""
    prefix, sep, local = name.partition(":")
    if not sep:
        return None
    candidate = name if prefix in ("http", "https") else None
    if prefix in PREFIXES:
        candidate = PREFIXES[prefix] + local
    if candidate is None:
        return None
    try:
        return ox.NamedNode(candidate)
    except ValueError:
        return None


def external_page(iri: str) -> str:
    """Where a person reads about an external IRI: Wikidata items open their wiki page."""
    if iri.startswith(str(WD)):
        return WIKIDATA_PAGE + iri[len(str(WD)):]
    return iri
