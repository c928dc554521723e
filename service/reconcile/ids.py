"""Identifiers as the Reconciliation API shows them.

Entities are named by their path below the identifier space ``<base>id/`` (``person/masja``), as
Wikidata's service names ``Q42`` below ``http://www.wikidata.org/entity/``; types and properties
by their prefixed name (``qantar:Person``, ``skos:altLabel``), which people can read in
OpenRefine's column headers. Full IRIs are accepted wherever an identifier is.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from service.pages.iris import curie, expand_curie


@dataclass(frozen=True)
class Spaces:
    """The service's identifier space, from the base IRI it serves."""

    base: str

    @property
    def identifiers(self) -> str:
        return f"{self.base}id/"

    def entity_id(self, iri: str) -> str | None:
        """``person/masja`` for ``<base>id/person/masja``; None for an IRI outside the space."""
        if not iri.startswith(self.identifiers) or len(iri) == len(self.identifiers):
            return None
        return iri[len(self.identifiers):]

    def entity_iri(self, identifier: str) -> ox.NamedNode | None:
        """The IRI of an entity identifier (or of a full IRI in the space), None if not one."""
        if identifier.startswith(self.identifiers):
            iri = identifier
        elif identifier and ":" not in identifier:  # "qantar:Person", "http://…" are not ours
            iri = f"{self.identifiers}{identifier}"
        else:
            return None
        try:
            return ox.NamedNode(iri)
        except ValueError:
            return None


def term_id(iri: str) -> str:
    """The identifier of a type or property: its prefixed name, else the IRI."""
    return curie(iri)


def term_iri(identifier: str) -> str | None:
    """The IRI of a type or property identifier (prefixed name or full IRI), None if neither."""
    node = expand_curie(identifier.strip())
    return node.value if node is not None else None
