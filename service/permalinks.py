"""Saved queries, the records behind query permalinks: the text, and the version of the data it
was saved on (service.versions), in the graph of saved queries.

A saved query is named by its content: the first hex digits of the SHA-256 of the version's
identifier and the text, so saving the same query on the same data again gives the same link,
and a link names one text on one version. Nothing else of the request is kept (no address, no
header, no token).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from service.namespaces import ID, QANTAR, QUERIES_GRAPH
from service.store.interface import QueryDataset, Store
from service.versions import VERSION

#: Where saved queries' IRIs begin; the page of one is /queries/<id>.
SAVED = ID["query/"]
#: Hex digits of a link's identifier (48 bits): more only if two texts ever share them.
SHORT = 12
_PREFIXES = ("PREFIX dcterms: <http://purl.org/dc/terms/> "
             "PREFIX schema: <https://schema.org/> "
             f"PREFIX qantar: <{QANTAR}> ")


@dataclass(frozen=True)
class SavedQuery:
    id: str
    text: str
    version: str  # the identifier of the version of the data it was saved on
    saved: str  # xsd:dateTime

    @property
    def iri(self) -> str:
        return SAVED + self.id


def saved_query(store: Store, ident: str) -> SavedQuery | None:
    """The saved query ``ident`` names, or None."""
    if not ident.isalnum():
        return None
    rows = list(store.query(_PREFIXES + f"""SELECT ?text ?version ?saved WHERE {{
        GRAPH <{QUERIES_GRAPH}> {{ {ox.NamedNode(SAVED + ident)} schema:text ?text ;
          qantar:savedOnVersion/dcterms:identifier ?version ; dcterms:created ?saved }} }}""",
                            QueryDataset.DEFAULT))
    if not rows:
        return None
    row = rows[0]
    return SavedQuery(ident, row["text"].value, row["version"].value,  # type: ignore[index]
                      row["saved"].value)  # type: ignore[index]


def saved_count(store: Store) -> int:
    rows = list(store.query(_PREFIXES + f"""SELECT (COUNT(?q) AS ?n) WHERE {{
        GRAPH <{QUERIES_GRAPH}> {{ ?q a qantar:SavedQuery }} }}""", QueryDataset.DEFAULT))
    return int(rows[0]["n"].value) if rows else 0  # type: ignore[index]


def link_id(store: Store, text: str, version: str) -> tuple[str, bool]:
    """The identifier of ``text`` saved on ``version``, and whether it is saved already."""
    digest = hashlib.sha256(f"{version}\n{text}".encode()).hexdigest()
    for length in range(SHORT, len(digest) + 1, 4):
        found = saved_query(store, digest[:length])
        if found is None:
            return digest[:length], False
        if found.text == text and found.version == version:
            return digest[:length], True
    raise AssertionError("a SHA-256 digest shared by two texts")


def save(store: Store, ident: str, text: str, version: str) -> SavedQuery:
    """Write the saved query (in the caller's write: service.state ``writing``)."""
    now = datetime.now(UTC).isoformat()
    query = ox.NamedNode(SAVED + ident)
    stamp = ox.Literal(now, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))
    store.update(_PREFIXES + f"""INSERT DATA {{ GRAPH <{QUERIES_GRAPH}> {{
        {query} a qantar:SavedQuery ; dcterms:identifier {ox.Literal(ident)} ;
          schema:text {ox.Literal(text)} ; dcterms:created {stamp} ;
          qantar:savedOnVersion {ox.NamedNode(VERSION + version)} .
        {ox.NamedNode(VERSION + version)} dcterms:identifier {ox.Literal(version)} }} }}""")
    return SavedQuery(ident, text, version, now)
