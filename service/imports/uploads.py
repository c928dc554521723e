"""Graph Store Protocol writes as imports: validated like ``qantar import`` and recorded in the
provenance graph (the URL, a checksum of the body, the size, who by token fingerprint)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox
from rdflib import Graph

from service.errors import InvalidData
from service.imports.checks import check_triples
from service.imports.importer import CONTEXT_GRAPHS, current_version
from service.imports.provenance import ImportRecord, SourceRecord, record_update
from service.namespaces import PROVENANCE_GRAPH
from service.search_index import touching
from service.store import Store
from service.validate import conforms, format_report


@dataclass(frozen=True)
class Upload:
    """What the provenance record says of the request that uploaded (the web layer fills it)."""

    url: str
    method: str
    path: str
    client: str | None
    body: bytes
    media_type: str


def validate_upload(store: Store, graph: str | None, triples: list[ox.Triple],
                    shapes: Graph, lenient: bool = False) -> tuple[str, str | None]:
    """The validation outcome (and report, if ``lenient`` (``?lenient=true``) let violations
    in); raises InvalidData (422, with the report) when the upload breaks the shapes."""
    findings, focus = check_triples(store, triples, CONTEXT_GRAPHS, shapes)
    if findings is None:
        return "not validated: no node of the Qantar ontology's classes", None
    if conforms(findings):
        return f"conforms ({focus} node{'s' if focus != 1 else ''} of our classes checked)", None
    report = format_report(findings)
    if lenient:
        return "violations accepted (lenient=true)", report
    target = f"<{graph}>" if graph else "the default graph"
    raise InvalidData(f"the upload into {target} breaks the shapes, so nothing was written "
                      f"(add ?lenient=true to write it anyway):\n{report}")


def record_upload(store: Store, graph: str, upload: Upload, write_token: str,
                  started: datetime, validation: str, report: str | None) -> None:
    """Write the provenance record of an upload into ``graph`` (after the write)."""
    if graph == str(PROVENANCE_GRAPH):
        return
    fingerprint = hashlib.sha256(write_token.encode("utf-8")).hexdigest()[:12]
    record = ImportRecord(
        graph=graph,
        sources=[SourceRecord(upload.url, hashlib.sha256(upload.body).hexdigest(),
                              len(upload.body), upload.media_type)],
        triples=store.triple_count(graph),
        agent=f"Graph Store Protocol client at {upload.client}, write token "
              f"sha256:{fingerprint}",
        command=f"HTTP {upload.method} {upload.path}",
        started=started, ended=datetime.now(UTC), validation=validation, report=report,
        previous_version=current_version(store, graph),
    )
    touching(store, [str(PROVENANCE_GRAPH)])  # the search index re-indexes just that graph
    store.update(record_update(record, str(PROVENANCE_GRAPH)))


def now() -> datetime:
    return datetime.now(UTC)
