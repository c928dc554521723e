"""Versions of the data: an identifier for the state of every data graph, derived from their
content, recorded in the provenance graph by each write that changes what readers see.

A graph's digest is the sum, modulo 2^256, of the SHA-256 of each of its triples written as
N-Triples with every blank node written ``_:`` (so a fresh load of an export, whose blank
nodes are renamed, gives the same digest; two graphs that differ only in how blank nodes are
shared do not differ here). The version's identifier is the SHA-256 of the sorted lines
``<graph> digest``. The service's own graphs (provenance, VoID, saved queries, validation
findings) are not data: they describe it.

A version is ``<id/version/ID> dcterms:hasPart <state>``: one state per graph
(``prov:specializationOf`` the graph, ``qantar:contentDigest``), shared by every version in
which that graph had that content, so that which graphs changed between two versions is a
comparison of their states (``changed_graphs``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from service.formats import N_TRIPLES
from service.namespaces import (
    BASE,
    FINDINGS_GRAPH,
    ID,
    PROVENANCE_GRAPH,
    QANTAR,
    QUERIES_GRAPH,
    VOID_GRAPH,
    dataset_iri,
)
from service.store.interface import QueryDataset, Store

#: Graphs that describe the data rather than hold it: no part of a version.
NOT_DATA = frozenset(map(str, (PROVENANCE_GRAPH, VOID_GRAPH, QUERIES_GRAPH, FINDINGS_GRAPH)))
VERSION = ID["version/"]
#: What every version is a version of: the dataset as VoID names it at the default base.
DATASET = str(dataset_iri(BASE))
_MODULUS = 2 ** 256
#: The key of the default graph among a version's graphs (when it holds anything).
DEFAULT_GRAPH = "urn:qantar:default-graph"
_PREFIXES = ("PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX prov: <http://www.w3.org/ns/prov#> "
             "PREFIX dcterms: <http://purl.org/dc/terms/> "
             "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
             f"PREFIX qantar: <{QANTAR}> ")


@dataclass(frozen=True)
class Version:
    """A recorded version: its identifier, IRI, when it was last made, and what made it."""

    id: str
    iri: str
    made: str | None = None  # xsd:dateTime of the newest write that made it
    by: str | None = None  # that write's label


def graph_digest(store: Store, graph: str) -> str:
    """The digest of ``graph``'s content (see the module's docstring): each triple parsed
    from the store's N-Triples and written again by pyoxigraph, so that how a server spells a
    term (Virtuoso's N-Triples are not pyoxigraph's) does not change it."""
    total = 0
    data = store.dump(None if graph == DEFAULT_GRAPH else graph, N_TRIPLES) or b""
    for triple in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
        line = " ".join("_:" if isinstance(term, ox.BlankNode) else str(term)
                        for term in (triple.subject, triple.predicate, triple.object))
        total += int.from_bytes(hashlib.sha256(line.encode()).digest(), "big")
    return f"{total % _MODULUS:064x}"


def version_id(digests: Mapping[str, str]) -> str:
    """The identifier of the version whose data graphs have ``digests``."""
    text = "".join(f"<{graph}> {digest}\n" for graph, digest in sorted(digests.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def data_graphs(store: Store) -> list[str]:
    """The graphs a version covers: the named ones that hold data, and the default graph
    (``DEFAULT_GRAPH``) when it is not empty."""
    named = [g for g in store.graphs() if g not in NOT_DATA]
    return named if store.default_graph_is_empty() else [*named, DEFAULT_GRAPH]


def content_digests(store: Store) -> dict[str, str]:
    """Every data graph's digest, computed from the store (what a version must be)."""
    return {graph: graph_digest(store, graph) for graph in data_graphs(store)}


def recorded_digests(store: Store, version: str | None = None) -> dict[str, str]:
    """The graphs' digests as the provenance graph records them for ``version`` (an id; the
    current version if None); empty if there is no record."""
    if version is None:
        which = f"GRAPH <{PROVENANCE_GRAPH}> {{ <{DATASET}> dcat:hasCurrentVersion ?v }}"
    else:
        which = f"BIND({ox.NamedNode(VERSION + version)} AS ?v)"
    rows = store.query(_PREFIXES + f"""SELECT ?g ?d WHERE {{ {which}
        GRAPH <{PROVENANCE_GRAPH}> {{ ?v dcterms:hasPart ?s .
          ?s prov:specializationOf ?g ; qantar:contentDigest ?d }} }}""", QueryDataset.DEFAULT)
    return {row["g"].value: row["d"].value for row in rows}  # type: ignore[union-attr]


def current_version(store: Store) -> Version | None:
    """The version the provenance graph names current, with when and by what it was made."""
    rows = list(store.query(_PREFIXES + f"""SELECT ?v ?id ?made ?by WHERE {{
        GRAPH <{PROVENANCE_GRAPH}> {{ <{DATASET}> dcat:hasCurrentVersion ?v .
          ?v dcterms:identifier ?id .
          OPTIONAL {{ ?v prov:generatedAtTime ?made . ?w prov:generated ?v ;
                       prov:endedAtTime ?made ; rdfs:label ?by }} }}
        }} ORDER BY DESC(?made) LIMIT 1""", QueryDataset.DEFAULT))
    if not rows:
        return None
    row = rows[0]
    return Version(row["id"].value, row["v"].value,  # type: ignore[index]
                   row["made"].value if row["made"] is not None else None,  # type: ignore[index]
                   row["by"].value if row["by"] is not None else None)  # type: ignore[index]


def version_exists(store: Store, version: str) -> bool:
    return bool(store.query(_PREFIXES + f"""ASK {{ GRAPH <{PROVENANCE_GRAPH}> {{
        {ox.NamedNode(VERSION + version)} dcterms:identifier ?id }} }}""", QueryDataset.DEFAULT))


def changed_graphs(store: Store, since: str) -> list[str] | None:
    """The graphs whose content differs between the version ``since`` and the current one
    (added, removed or changed), sorted; None if either is not recorded."""
    then, now = recorded_digests(store, since), recorded_digests(store)
    if not then or not now:
        return None
    return sorted(g for g in then.keys() | now.keys() if then.get(g) != now.get(g))


def record_version(store: Store, changed: Iterable[str] | None, made_by: str) -> Version:
    """Record the version the data is in after a write (the write's last step, in its
    transaction): the digests of the ``changed`` named graphs (every graph when None) and of
    the default graph (which ``changed`` does not name) are computed again, the others' are
    taken from the current record. ``made_by`` names the write."""
    digests = recorded_digests(store)
    present = set(data_graphs(store))
    stale = present if changed is None else (
        (set(changed) | {DEFAULT_GRAPH}) & present) | (present - digests.keys())
    digests = {g: d for g, d in digests.items() if g in present}
    digests.update({graph: graph_digest(store, graph) for graph in stale})
    ident = version_id(digests)
    version = ox.NamedNode(VERSION + ident)
    now = datetime.now(UTC)
    stamp = ox.Literal(now.isoformat(), datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#dateTime"))
    activity = ox.NamedNode(f"{ID}write/{now.strftime('%Y%m%dT%H%M%S%f')}-{ident[:8]}")
    dataset = ox.NamedNode(DATASET)
    lines = [f"{dataset} dcat:hasCurrentVersion {version} ; dcat:hasVersion {version} .",
             f"{version} a dcat:Dataset, prov:Entity ; dcterms:identifier {ox.Literal(ident)} ;"
             f" prov:specializationOf {dataset} ; prov:generatedAtTime {stamp} .",
             f"{activity} a prov:Activity ; rdfs:label {ox.Literal(made_by)} ;"
             f" prov:endedAtTime {stamp} ; prov:generated {version} ."]
    for graph, digest in sorted(digests.items()):
        state = ox.NamedNode(f"{VERSION}graph-state/"
                             + hashlib.sha256(f"<{graph}> {digest}".encode()).hexdigest())
        lines.append(f"{version} dcterms:hasPart {state} . {state} prov:specializationOf "
                     f"{ox.NamedNode(graph)} ; qantar:contentDigest {ox.Literal(digest)} .")
    previous = current_version(store)
    if previous is not None and previous.id != ident:
        lines.append(f"{version} dcat:previousVersion {ox.NamedNode(previous.iri)} .")
    prov = ox.NamedNode(str(PROVENANCE_GRAPH))
    store.update(_PREFIXES + f"""
        DELETE {{ GRAPH {prov} {{ {dataset} dcat:hasCurrentVersion ?v }} }}
        WHERE {{ GRAPH {prov} {{ {dataset} dcat:hasCurrentVersion ?v }} }} ;
        INSERT DATA {{ GRAPH {prov} {{ {' '.join(lines)} }} }}""")
    return Version(ident, version.value, now.isoformat(), made_by)
