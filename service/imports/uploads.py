"""Graph Store Protocol writes of one graph, as imports: the same pipeline as `qantar import`
(service.imports.pipeline), written with the provenance record in one transaction. What is
particular to HTTP is only what the record says of the request: its URL, the writer by an
opaque id (service.imports.writer_id: nothing of the token, no client address), and the
method and path as the command."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox
from rdflib import Graph

from service.imports.pipeline import judge, record, recording, stage, write_together
from service.imports.sources import Source
from service.namespaces import PROVENANCE_GRAPH
from service.store.interface import Store


@dataclass(frozen=True)
class Upload:
    """A request's body for one graph and what the provenance record says of the request."""

    url: str  # as sent, percent-encoding kept: where the record says the data came from
    method: str
    path: str
    parts: list[tuple[bytes, ox.RdfFormat]]  # the body, or each file of a multipart body
    lenient: bool = False

    def sources(self) -> list[Source]:
        if len(self.parts) == 1:
            return [Source(self.url, self.parts[0][1], len(self.parts[0][0]),
                           data=self.parts[0][0])]
        return [Source(f"{self.url}#part-{n}", fmt, len(data), data=data)
                for n, (data, fmt) in enumerate(self.parts, start=1)]


def upload(writing: Callable[[], AbstractContextManager[Store]], graph: str | None,
           base_iri: str, body: Upload, *, replace: bool, shapes: Graph,
           agent: str) -> bool:
    """Replace or add to ``graph`` with the body, judged as `qantar import` judges a file;
    the change and its provenance record (a named graph's) commit together or not at all.
    True if the graph was created. Runs in the write session, so what is judged (a graph
    added to, the record's previous version) is what is written over."""
    started = datetime.now(UTC)
    with writing() as store:
        staged = stage(store, graph, body.sources(), base_iri=base_iri, adds=not replace)
        judgement = judge(staged.candidate, graph, shapes, body.lenient)
        update = None
        if graph is not None and graph != str(PROVENANCE_GRAPH):
            update = recording(record(store, graph, staged.candidate, staged.sources, judgement,
                                      agent=agent,
                                      command=f"HTTP {body.method} {body.path}",
                                      started=started))
        return write_together(store, graph, staged, update)

