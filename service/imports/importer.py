"""Import RDF files into a named graph of their own: bulk speed, all or nothing, with provenance.

The steps are the pipeline every graph write shares (service.imports.pipeline: read, judge,
record), in the order a file of millions of triples needs: journal; back up the graph being
replaced (N-Triples beside the store); bulk load (pyoxigraph's fast path, not one transaction);
judge the graph as loaded; write the provenance record in one transaction; forget the journal.
A refusal or any failure before the record undoes the import (journal.recover), and so does
the next opening of the store after a crash.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph

from service.errors import GraphExists, InvalidData, UnreadableInput
from service.findings import replace as replace_findings
from service.formats import N_TRIPLES
from service.imports.pipeline import judge, read, record, recording, stored_candidate
from service.imports.provenance import ImportRecord, new_import_iri
from service.imports.sources import Source
from service.namespaces import PROVENANCE_GRAPH
from service.store import journal
from service.store.interface import Store
from service.store.protected import PROTECTED_GRAPHS
from service.versions import record_version

#: Graphs no import writes: the bundle's and the provenance record (service.store.protected).
RESERVED_GRAPHS = PROTECTED_GRAPHS


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
    check_target(options.graph)
    started = datetime.now(UTC)
    existed = store.graph_exists(options.graph)
    if existed and not options.replace:
        raise GraphExists(f"<{options.graph}> exists already: use --replace to replace it")
    journal_iri = new_import_iri()
    backup = journal.backup_path(store_path) if existed else None
    journal.begin(store_path, journal.Entry(options.graph, journal_iri,
                                            str(backup) if backup else None))
    try:
        if existed and backup is not None:
            with backup.open("wb") as out:
                store.dump(options.graph, N_TRIPLES, out)
            store.drop_graph(options.graph)
        store.create_graph(options.graph)

        def sink(reader: BinaryIO, fmt: ox.RdfFormat, base: str) -> None:
            store.load_graph(reader, fmt, options.graph, base_iri=base)

        read_sources = [read(sink, source, options.graph, progress) for source in sources]
        candidate = stored_candidate(store, options.graph)
        judgement = judge(candidate, options.graph, shapes, options.lenient)
        rec = record(store, options.graph, candidate, read_sources, judgement,
                     agent=options.agent or cli_agent(), command=options.command,
                     started=started, iri=journal_iri)
        store.update(recording(rec))
        replace_findings(store, [options.graph], {options.graph: judgement.findings})
        record_version(store, [options.graph], options.command)
        store.flush()
    except BaseException:
        journal.recover(store, store_path, str(PROVENANCE_GRAPH))
        raise
    journal.commit(store_path)
    return rec
