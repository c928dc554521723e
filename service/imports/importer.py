"""Import RDF files into a named graph of their own: bulk speed, all or nothing, with provenance.

Order of work: journal; back up the graph being replaced (N-Triples beside the store); bulk
load (pyoxigraph's fast path, not one transaction); validate what landed; write the provenance
record in one transaction; forget the journal. Any failure before the record undoes the import
(journal.recover), and so does the next opening of the store after a crash.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from service import journal
from service.errors import GraphExists, InvalidData, UnreadableInput
from service.imports.checks import check_imported_graph
from service.imports.provenance import ImportRecord, SourceRecord, record_update
from service.imports.sources import CountingReader, Source
from service.namespaces import ARTICLE_GRAPH, EDITORIAL_GRAPH, ONTOLOGY_GRAPH, PROVENANCE_GRAPH
from service.protected import PROTECTED_GRAPHS
from service.rdf_files import _OX_LOCATION
from service.store import Store
from service.validate import conforms, format_report
from service.xml_safety import UnsafeXml, check_xml

#: Graphs no import writes: the bundle's and the provenance record (service.protected).
RESERVED_GRAPHS = PROTECTED_GRAPHS
CONTEXT_GRAPHS = [str(ONTOLOGY_GRAPH), str(ARTICLE_GRAPH), str(EDITORIAL_GRAPH)]


@dataclass(frozen=True)
class ImportOptions:
    graph: str
    replace: bool = False
    lenient: bool = False
    agent: str = ""
    command: str = "qantar import"


def cli_agent() -> str:
    return f"qantar command line, as {getpass.getuser()}@{socket.gethostname()}"


def check_target(graph: str) -> ox.NamedNode:
    """The target graph as a node; refuses malformed IRIs and the reserved graphs."""
    try:
        node = ox.NamedNode(graph)
    except ValueError as err:
        raise UnreadableInput(graph, f"not a valid IRI for a graph: {err}") from None
    if ":" not in graph:
        raise UnreadableInput(graph, "the graph IRI must be absolute (e.g. https://...)")
    if graph in RESERVED_GRAPHS:
        raise InvalidData(f"<{graph}> is written only by `qantar load`; import into another graph")
    return node


def import_sources(
    store: Store,
    store_path: Path,
    sources: list[Source],
    options: ImportOptions,
    shapes: Graph,
    progress: Callable[[int], None] | None = None,
) -> ImportRecord:
    """Import ``sources`` into ``options.graph``; returns the provenance record written."""
    target = check_target(options.graph)
    started = datetime.now(UTC)
    existed = store.graph_exists(options.graph)
    if existed and not options.replace:
        raise GraphExists(f"<{options.graph}> exists already: use --replace to replace it")
    previous = current_version(store, options.graph) if existed else None
    record = ImportRecord(graph=options.graph, sources=[], triples=0,
                          agent=options.agent or cli_agent(), command=options.command,
                          started=started, ended=started, validation="", previous_version=previous)
    backup = journal.backup_path(store_path) if existed else None
    journal.begin(store_path, journal.Entry(options.graph, record.iri,
                                            str(backup) if backup else None))
    try:
        if existed and backup is not None:
            with backup.open("wb") as out:
                store.dump(options.graph, "application/n-triples", out)
            store.drop_graph(options.graph)
        store.create_graph(options.graph)
        for source in sources:
            record.sources.append(_load(store, source, target, progress))
        record.triples = store.triple_count(options.graph)
        findings, focus = check_imported_graph(store, options.graph, CONTEXT_GRAPHS, shapes)
        if findings is None:
            record.validation = "not validated: no node of the Qantar ontology's classes"
        elif conforms(findings):
            nodes = f"{focus} node{'s' if focus != 1 else ''}"
            record.validation = f"conforms ({nodes} of our classes checked)"
        elif options.lenient:
            record.validation = "violations accepted (--lenient)"
            record.report = format_report(findings)
        else:
            raise InvalidData(f"the import into <{options.graph}> breaks the shapes, so nothing "
                              f"was imported (--lenient imports it anyway):\n"
                              + format_report(findings))
        record.ended = datetime.now(UTC)
        store.update(record_update(record, str(PROVENANCE_GRAPH)))
        store.flush()
    except BaseException:
        journal.recover(store, store_path, str(PROVENANCE_GRAPH))
        raise
    journal.commit(store_path)
    return record


def _load(
    store: Store, source: Source, target: ox.NamedNode,
    progress: Callable[[int], None] | None,
) -> SourceRecord:
    base = Path(source.name).resolve().as_uri() if source.path else None
    if source.format == ox.RdfFormat.RDF_XML:
        with source.open() as raw:
            try:
                check_xml(raw)  # no entity expansion, no document cut short
            except UnsafeXml as err:
                raise UnreadableInput(source.name, err.message, err.line, err.column) from None
    with source.open() as raw:
        reader = CountingReader(raw, progress)
        try:
            store.load_graph(reader, source.format, target.value, base_iri=base)
        except SyntaxError as err:
            message = _OX_LOCATION.sub("", str(err.msg))
            raise UnreadableInput(source.name, message, err.lineno, err.offset) from None
        except (OSError, ValueError) as err:
            raise UnreadableInput(source.name, str(err)) from None
        reader.drain()
    return SourceRecord(source.name, reader.digest.hexdigest(), reader.bytes_read,
                        source.format.media_type)


def current_version(store: Store, graph: str) -> str | None:
    prov, node = ox.NamedNode(str(PROVENANCE_GRAPH)), ox.NamedNode(graph)
    current = "<http://www.w3.org/ns/dcat#hasCurrentVersion>"
    rows = list(store.query(f"SELECT ?v WHERE {{ GRAPH {prov} {{ {node} {current} ?v }} }}"))
    return rows[0]["v"].value if rows else None
