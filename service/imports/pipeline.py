"""The one way RDF data becomes (part of) a graph: `qantar import` and the Graph Store
Protocol's PUT and POST of one graph both run it, so the same data is judged the same way.

1. ``read``: parse every source with the same settings for a file and a body (the graph's IRI
   as base, blank nodes renamed, RDF/XML checked by service.xml_safety first, UTF-8), noting
   what was read (checksum, size, media type).
2. ``judge``: validate the *candidate*, the graph as it will be after the write, in an in-memory
   staging store: its nodes of our classes, with the ontology, article and editorial graphs as
   context. A violation refuses the write unless lenient.
3. ``record`` and ``recording``: the provenance record, its IRIs checked before it is written.
4. Write, all or nothing, graph and record together. An upload (``stage``, then
   ``write_together``) is read into the staging store, judged, then written with its record in
   one transaction. A file may hold millions of triples, so `qantar import`
   (service.imports.importer) reads straight into the store under its journal, the fast path,
   then judges the graph as loaded (``stored_candidate``) and writes the record last; a refusal
   or a failure rolls the journal back. The order differs for scale; the candidate and the
   decision are the same (tests/test_import_pipeline.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph

from service.errors import BadRequest, InvalidData, UnreadableInput
from service.formats import N_TRIPLES
from service.imports.checks import focus_in_staging, focus_in_store, judge_candidate
from service.imports.provenance import ImportRecord, SourceRecord, record_update, source_iri
from service.imports.sources import CountingReader, Source
from service.namespaces import ARTICLE_GRAPH, EDITORIAL_GRAPH, ONTOLOGY_GRAPH, PROVENANCE_GRAPH
from service.rdf_files import _OX_LOCATION
from service.search_index import touching
from service.store.interface import Store
from service.validate import Finding, conforms, format_report
from service.xml_safety import UnsafeXml, check_xml

#: Graphs whose nodes a candidate's references may resolve to (never focus nodes themselves).
CONTEXT_GRAPHS = [str(ONTOLOGY_GRAPH), str(ARTICLE_GRAPH), str(EDITORIAL_GRAPH)]
#: The staging store's graph of what an upload read (its default graph is the candidate).
INPUT = ox.NamedNode("urn:qantar:import:input")
LENIENT = "violations accepted (lenient)"

#: Where parsed data goes: called with (reader, format, base IRI).
Sink = Callable[[BinaryIO, ox.RdfFormat, str], None]


@dataclass
class Candidate:
    """The graph as it will be after the write, where it is judged."""

    data: ox.Store  # in memory; its default graph: the candidate and its context
    focus: list[ox.NamedNode]  # the candidate's nodes of our classes
    triples: int


@dataclass
class Staged:
    """An upload read apart from the store: the graph it will make, and what was read."""

    candidate: Candidate
    sources: list[SourceRecord]
    adds: bool
    read: list[ox.Triple]  # what to write

@dataclass(frozen=True)
class Judgement:
    validation: str  # the record's validation outcome
    report: str | None = None  # kept with the record when lenient let violations in
    findings: list[Finding] = field(default_factory=list)  # the shapes said (lenient: violations)


def read(sink: Sink, source: Source, base_iri: str,
         progress: Callable[[int], None] | None = None) -> SourceRecord:
    """Parse ``source`` into ``sink``; what was read of it. Errors say where (file:line:col)."""
    if source.format == ox.RdfFormat.RDF_XML:
        with source.open() as raw:
            try:
                check_xml(raw)  # no entity expansion, no document cut short
            except UnsafeXml as err:
                raise UnreadableInput(source.name, err.message, err.line, err.column) from None
    with source.open() as raw:
        reader = CountingReader(raw, progress)
        try:
            sink(reader, source.format, base_iri)
        except SyntaxError as err:
            message = _OX_LOCATION.sub("", str(err.msg))
            raise UnreadableInput(source.name, message, err.lineno, err.offset) from None
        except (OSError, ValueError) as err:
            raise UnreadableInput(source.name, str(err)) from None
        reader.drain()
    return SourceRecord(source.name, reader.digest.hexdigest(), reader.bytes_read,
                        source.format.media_type)


def stage(store: Store, graph: str | None, sources: list[Source], *, base_iri: str,
          adds: bool) -> Staged:
    """Read ``sources`` into a staging store beside a copy of the graph as it is, if ``adds``.
    A body for one graph may not name graphs of its own (`qantar import` folds a file's into
    the graph: the stores' ``load_graph``)."""
    data = ox.Store()

    def sink(reader: BinaryIO, fmt: ox.RdfFormat, base: str) -> None:
        if fmt.supports_datasets:
            quads = ox.parse(reader, format=fmt, base_iri=base, rename_blank_nodes=True,
                             without_named_graphs=True)
            data.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, INPUT) for q in quads)
        else:  # the store's loader renames blank nodes too
            data.bulk_load(reader, format=fmt, to_graph=INPUT, base_iri=base)

    records = [read(sink, source, base_iri) for source in sources]
    triples = [q.triple for q in data.quads_for_pattern(None, None, None, INPUT)]
    data.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    if adds and store.graph_exists(graph):
        data.bulk_load(store.dump(graph, N_TRIPLES) or b"", format=ox.RdfFormat.N_TRIPLES,
                       to_graph=ox.DefaultGraph())
    count = len(list(data.quads_for_pattern(None, None, None, ox.DefaultGraph())))
    candidate = Candidate(data, focus_in_staging(data), count)
    return Staged(_with_context(store, candidate), records, adds, triples)


def stored_candidate(store: Store, graph: str) -> Candidate:
    """The graph as loaded into the store (by `qantar import`) as a candidate: copied into a
    staging store only when it has nodes of our classes (else there is nothing to judge)."""
    candidate = Candidate(ox.Store(), focus_in_store(store, graph), store.triple_count(graph))
    if not candidate.focus:
        return candidate
    candidate.data.bulk_load(store.dump(graph, N_TRIPLES) or b"", format=ox.RdfFormat.N_TRIPLES,
                             to_graph=ox.DefaultGraph())
    return _with_context(store, candidate)


def _with_context(store: Store, candidate: Candidate) -> Candidate:
    if candidate.focus:  # with nothing to judge, no context is needed
        for context in CONTEXT_GRAPHS:
            if store.graph_exists(context):
                candidate.data.bulk_load(store.dump(context, N_TRIPLES) or b"",
                                         format=ox.RdfFormat.N_TRIPLES,
                                         to_graph=ox.DefaultGraph())
    return candidate


def judge(candidate: Candidate, graph: str | None, shapes: Graph, lenient: bool) -> Judgement:
    """The validation outcome of the candidate; raises InvalidData (nothing written) when it
    breaks the shapes and ``lenient`` (``--lenient``, ``?lenient=true``) is not given."""
    findings = judge_candidate(candidate.data, candidate.focus, shapes)
    focus = len(candidate.focus)
    if findings is None:
        return Judgement("not validated: no node of the Qantar ontology's classes")
    if conforms(findings):
        return Judgement(f"conforms ({focus} node{'s' if focus != 1 else ''} of our classes "
                         "checked)", findings=findings)  # warnings, if any
    report = format_report(findings)
    if lenient:
        return Judgement(LENIENT, report, findings)
    target = f"<{graph}>" if graph else "the default graph"
    raise InvalidData(f"the data for {target} breaks the shapes, so nothing was written "
                      f"(`qantar import --lenient` or ?lenient=true writes it anyway):\n"
                      + report)


def record(store: Store, graph: str, candidate: Candidate, sources: list[SourceRecord],
           judgement: Judgement, *, agent: str, command: str, started: datetime,
           iri: str | None = None) -> ImportRecord:
    """The provenance record of writing the candidate into ``graph`` (``iri``: the one a
    journal already names it by)."""
    rec = ImportRecord(graph=graph, sources=sources, triples=candidate.triples, agent=agent,
                       command=command, started=started, ended=datetime.now(UTC),
                       validation=judgement.validation, report=judgement.report,
                       previous_version=current_version(store, graph))
    if iri is not None:
        rec.iri = iri
    return rec


def recording(rec: ImportRecord) -> str:
    """The SPARQL Update that writes ``rec``, checked first: a source the record would name by
    something that is not a valid IRI refuses the write, before any of it is made."""
    try:
        for source in rec.sources:
            ox.NamedNode(str(source_iri(source.name)))
        return record_update(rec, str(PROVENANCE_GRAPH))
    except ValueError as err:
        raise BadRequest(f"the provenance record of this write would not be valid RDF, so "
                         f"nothing was written: {err}") from None


def write_together(store: Store, graph: str | None, staged: Staged, update: str | None) -> bool:
    """Replace or add to ``graph`` and run ``update`` (the record) in one transaction; True if
    the graph was created."""
    if update:
        touching(store, [str(PROVENANCE_GRAPH)])  # the record is written there alone
    if staged.adds:
        return store.add_to_graph(graph, staged.read, then=update)
    return store.replace_graph(graph, staged.read, then=update)


def current_version(store: Store, graph: str) -> str | None:
    prov, node = ox.NamedNode(str(PROVENANCE_GRAPH)), ox.NamedNode(graph)
    current = "<http://www.w3.org/ns/dcat#hasCurrentVersion>"
    rows = list(store.query(f"SELECT ?v WHERE {{ GRAPH {prov} {{ {node} {current} ?v }} }}"))
    return rows[0]["v"].value if rows else None
