"""The memory limit of the processes that evaluate a client's SPARQL, each failure path on the
real processes: Python's MemoryError in a query worker, and Rust's abort in the lone writer
(the shared writer's, and a query worker's abort, are in tests/test_probe.py against
`qantar serve`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from service.errors import OutOfMemory
from service.store.embedded.evaluation import SnapshotEvaluator
from service.store.embedded.writer import StoreWriter
from service.store.workers import CheckJob, QueryPool
from tests.live import copy_store

LIMIT = 2 * 1024**3
#: An update whose WHERE makes a string of 10^9 characters (Rust aborts at the limit).
BOMB = ('INSERT { GRAPH <http://example.org/g> { <urn:x:a> <urn:x:b> ?r } } WHERE { BIND("'
        + "a" * 1000 + '" AS ?s) BIND(REPLACE(REPLACE(?s, "a", ?s), "a", ?s) AS ?r) }')
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture
def pool(tmp_path: Path, bundle_store_template: Path) -> Iterator[QueryPool]:
    store = copy_store(bundle_store_template, tmp_path / "store")
    pool = QueryPool(1, evaluator=partial(SnapshotEvaluator, str(store)), memory=LIMIT)
    yield pool
    pool.close()


def test_a_memory_error_in_a_query_worker_is_out_of_memory_and_the_worker_is_replaced(
    pool: QueryPool,
) -> None:
    assert pool.check(CheckJob(len, ("abc",)), 30) == 3
    before = {w.process.pid for w in pool._all}
    with pytest.raises(OutOfMemory, match="needed more memory than the limit of 2,048 MiB"):
        pool.check(CheckJob(bytearray, (3 * 1024**3,)), 30)  # Python's MemoryError
    assert pool.check(CheckJob(len, ("abcd",)), 30) == 4
    assert not before & {w.process.pid for w in pool._all}


def test_an_update_that_aborts_the_lone_writer_is_out_of_memory_and_undone(
    tmp_path: Path, bundle_store_template: Path,
) -> None:
    writer = StoreWriter(copy_store(bundle_store_template, tmp_path / "store"), memory=LIMIT)
    writer.start()
    try:
        deadline = time.monotonic() + 60
        count = writer.call("query", (COUNT,), deadline)
        before = next(iter(count))["n"].value
        with pytest.raises(OutOfMemory, match="the store is exactly as it was before"):
            writer.call("client_update", (BOMB,), deadline)
        assert not writer.running
        writer.start()  # as the service does: it rolls the write back
        after = next(iter(writer.call("query", (COUNT,), time.monotonic() + 60)))["n"].value
        assert after == before
    finally:
        writer.stop()
