"""The provenance record of one import, in PROV-O, DCAT 3, VoID and SPDX terms.

The graph itself is a void:Dataset / dcat:Dataset whose dcat:hasCurrentVersion is the
version this import produced; each version says where it was derived from (file or upload,
with a SHA-256 checksum), when, by which agent and command, how many triples, the validation
outcome, and the version it replaced (dcat:previousVersion, prov:wasRevisionOf).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from service.imports.vocabulary import DCAT, IMPORT, SPDX, VOID
from service.namespaces import QANTAR


@dataclass(frozen=True)
class SourceRecord:
    name: str  # path or URL
    sha256: str
    size: int
    media_type: str


@dataclass
class ImportRecord:
    graph: str
    sources: list[SourceRecord]
    triples: int
    agent: str  # who: "qantar import (CLI) as user@host", or the HTTP client and token
    command: str
    started: datetime
    ended: datetime
    validation: str  # "conforms (...)", "not validated: ...", "violations accepted (lenient)"
    report: str | None = None
    previous_version: str | None = None
    iri: str = field(default_factory=lambda: new_import_iri())

    @property
    def version_iri(self) -> str:
        return self.iri + "/version"


def new_import_iri() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return str(IMPORT[f"{stamp}-{uuid.uuid4().hex[:8]}"])


def source_iri(name: str) -> URIRef:
    """A file's URI, or the URL as given."""
    if "://" in name or name.startswith("urn:"):
        return URIRef(name)
    return URIRef(Path(name).resolve().as_uri())


def record_graph(record: ImportRecord) -> Graph:
    """The triples of the record (to go into the provenance graph)."""
    g = Graph()
    graph, activity, version = URIRef(record.graph), URIRef(record.iri), URIRef(record.version_iri)
    stamp = Literal(record.ended.isoformat(), datatype=XSD.dateTime)
    for cls in (VOID.Dataset, DCAT.Dataset, PROV.Entity):
        g.add((graph, RDF.type, cls))
    g.add((graph, DCAT.hasCurrentVersion, version))
    g.add((graph, DCAT.hasVersion, version))
    g.add((graph, DCTERMS.modified, stamp))
    g.add((graph, VOID.triples, Literal(record.triples, datatype=XSD.integer)))

    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, RDFS.label, Literal(record.command)))
    started = Literal(record.started.isoformat(), datatype=XSD.dateTime)
    g.add((activity, PROV.startedAtTime, started))
    g.add((activity, PROV.endedAtTime, stamp))
    agent = URIRef(f"{record.iri}/agent")  # an IRI: see the checksum below
    g.add((agent, RDF.type, PROV.SoftwareAgent))
    g.add((agent, RDFS.label, Literal(record.agent)))
    g.add((activity, PROV.wasAssociatedWith, agent))

    for cls in (PROV.Entity, DCAT.Distribution):
        g.add((version, RDF.type, cls))
    g.add((version, RDFS.label, Literal(f"<{record.graph}> as imported at {stamp}")))
    g.add((version, PROV.specializationOf, graph))
    g.add((version, PROV.wasGeneratedBy, activity))
    g.add((version, PROV.generatedAtTime, stamp))
    g.add((version, VOID.triples, Literal(record.triples, datatype=XSD.integer)))
    g.add((version, QANTAR.validationOutcome, Literal(record.validation)))
    if record.report:
        g.add((version, QANTAR.validationReport, Literal(record.report)))
    if record.previous_version:
        previous = URIRef(record.previous_version)
        g.add((version, DCAT.previousVersion, previous))
        g.add((version, PROV.wasRevisionOf, previous))
    for number, source in enumerate(record.sources, start=1):
        # the file as read by this import (its bytes, checksum), at its location
        node = URIRef(f"{record.iri}/source/{number}")
        location = source_iri(source.name)
        g.add((node, RDF.type, PROV.Entity))
        g.add((node, PROV.atLocation, location))
        g.add((activity, PROV.used, node))
        g.add((version, PROV.wasDerivedFrom, node))
        g.add((version, DCTERMS.source, location))
        g.add((node, RDFS.label, Literal(source.name)))
        g.add((node, DCAT.byteSize, Literal(source.size, datatype=XSD.nonNegativeInteger)))
        g.add((node, DCAT.mediaType, Literal(source.media_type)))
        # an IRI, not a blank node: INSERT DATA with blank nodes is refused by some servers
        # (Virtuoso), and the record is one SPARQL Update on every store
        checksum = URIRef(f"{node}/checksum")
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(source.sha256, datatype=XSD.hexBinary)))
    return g


def record_update(record: ImportRecord, provenance_graph: str) -> str:
    """One SPARQL Update that moves the graph's current-version pointer and adds the record."""
    body = record_graph(record).serialize(format="nt")
    graph = str(ox.NamedNode(record.graph))  # validated and escaped by pyoxigraph
    prov = str(ox.NamedNode(provenance_graph))
    moved = ", ".join(f"<{p}>" for p in (DCAT.hasCurrentVersion, DCTERMS.modified, VOID.triples))
    return (
        f"DELETE {{ GRAPH {prov} {{ {graph} ?p ?o }} }} WHERE {{ GRAPH {prov} {{ {graph} ?p ?o "
        f"FILTER(?p IN ({moved})) }} }} ;\n"
        f"INSERT DATA {{ GRAPH {prov} {{ {body} }} }}"
    )
