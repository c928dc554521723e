"""The pages' reads of the embedded store, in page worker processes that can be stopped.

pyoxigraph cannot stop a query once it runs, so a page that read the store in the serving
process could hold its thread for minutes on a large store (an entity page at 10M triples did).
Each read of a page is sent instead to a page worker (a ``QueryPool`` of their own, so that
pages never wait behind clients' queries), on the version of the data the page began with;
the page's reads share one deadline, past which the worker reading is killed and the page
answers 503. Answers cross the pipe as pyoxigraph writes them (SPARQL results in TSV,
N-Triples) and are read back by pyoxigraph: the page gets the same result types as from the
store itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from service.errors import PageTimeout, QantarError, QueryTimeout
from service.store.interface import QueryDataset, QueryResult, Store, Triples
from service.store.messages import Failure, Returned
from service.store.workers import QueryPool, ReadJob

#: the ``Store`` methods a page may read through (nothing that writes)
READS = frozenset({"query", "graphs", "triple_count", "graph_exists", "default_graph_is_empty"})
_RESULTS = ox.QueryResultsFormat.TSV  # lossless, and the quickest to write and read
_TRIPLES = ox.RdfFormat.N_TRIPLES


@dataclass(frozen=True)
class _Written:
    """A query's answer as pyoxigraph wrote it in the worker: results or triples."""

    data: bytes
    triples: bool

    def read(self) -> QueryResult:
        if self.triples:
            # pyoxigraph's parser gives quads (in the default graph): their triples are the answer
            return Triples(quad.triple for quad in ox.parse(self.data, _TRIPLES))
        return ox.parse_query_results(self.data, _RESULTS)


def answer_read(store: Store, job: ReadJob) -> Returned | Failure:
    """In the worker: what the read ``job`` returns, its query answers written whole."""
    if job.method not in READS:
        return Failure(QantarError(f"{job.method} is not a read of the store"))
    try:
        value = getattr(store, job.method)(*job.args)
    except QantarError as err:  # a page's own query that the store refused (a defect)
        return Failure(err)
    except (RuntimeError, ValueError) as err:  # what pyoxigraph raises while evaluating
        return Failure(QantarError(f"reading the store for this page failed: {err}"))
    if isinstance(value, Triples):
        return Returned(_Written(value.serialize(format=_TRIPLES) or b"", triples=True))
    if isinstance(value, ox.QuerySolutions | ox.QueryBoolean):
        return Returned(_Written(value.serialize(format=_RESULTS) or b"", triples=False))
    return Returned(value)


class PageReader:
    """What one request's pages read: the store's reading methods, each answered by a page
    worker on the version of the data the request began with, all of them by ``deadline``
    (``limit`` seconds after it began). It writes nothing."""

    read_only = True

    def __init__(self, pool: QueryPool, path: Path, version: int, limit: float) -> None:
        self.path = path
        self._pool = pool
        self._version = version
        self._limit = limit
        self._deadline = time.monotonic() + limit

    def _read(self, method: str, *args: object) -> object:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise PageTimeout(self._limit)
        try:
            value = self._pool.read(ReadJob(method, args), remaining, self._version)
        except QueryTimeout:
            raise PageTimeout(self._limit) from None
        return value.read() if isinstance(value, _Written) else value

    def query(self, sparql: str, dataset: QueryDataset = QueryDataset.UNION) -> QueryResult:
        return self._read("query", sparql, QueryDataset(dataset))  # type: ignore[return-value]

    def graphs(self) -> list[str]:
        return self._read("graphs")  # type: ignore[return-value]

    def triple_count(self, graph: str | None = None) -> int:
        return self._read("triple_count", graph)  # type: ignore[return-value]

    def graph_exists(self, graph: str | None) -> bool:
        return self._read("graph_exists", graph)  # type: ignore[return-value]

    def default_graph_is_empty(self) -> bool:
        return self._read("default_graph_is_empty")  # type: ignore[return-value]
