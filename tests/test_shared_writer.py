"""Several service processes over one store: the shared writer
(service.store.embedded.writer_host), the
snapshot holds every process takes (service.store.embedded.snapshots) and reads that follow other
processes'
writes. Real writer processes on real stores on disk; `qantar serve` with several workers in
tests/test_serve.py and tests/test_workers_live.py."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.config import REPO_ROOT, Settings
from service.errors import WriteTimeout
from service.store.embedded import snapshots
from service.store.embedded.service import EmbeddedService
from service.store.embedded.snapshots import Readers
from service.store.embedded.writer import SharedWriter, WriteSession
from service.store.embedded.writer_host import WriterHost
from tests.live import copy_store

EX = "http://example.org/shared/"
COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{EX}g> {{ ?s ?p ?o }} }}"


def _insert(n: int) -> str:
    return f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}s{n}> <{EX}p> {n} }} }}"


def _count(store: object) -> int:
    return int(next(iter(store.query(COUNT)))["n"].value)


@pytest.fixture
def host(tmp_path: Path, bundle_store_template: Path) -> Iterator[WriterHost]:
    host = WriterHost(copy_store(bundle_store_template, tmp_path / "store"), sandboxed=True)
    host.start()
    yield host
    host.stop()


def _write(writer: SharedWriter, update: str, limit: float = 60.0) -> int:
    deadline = time.monotonic() + limit
    writer.begin(deadline)
    WriteSession(writer, deadline).update(update)
    return writer.commit(deadline)


def test_writes_from_two_handles_are_serialised_and_announced(host: WriterHost) -> None:
    first = SharedWriter(host.store_path, host.socket_path)
    second = SharedWriter(host.store_path, host.socket_path)
    start = first.start()
    deadline = time.monotonic() + 60
    first.begin(deadline)
    WriteSession(first, deadline).update(_insert(1))
    # the writer serves one session at a time: the second waits for the first to commit
    with pytest.raises(WriteTimeout):
        second.begin(time.monotonic() + 1.0)
    generation = first.commit(deadline)
    assert generation == start + 1
    assert _write(second, _insert(2)) == start + 2
    watch = snapshots.Announcements(host.store_path)
    try:
        assert watch.newest() == start + 2
    finally:
        watch.close()
    snapshot = ox.Store.read_only(str(snapshots.snapshot_path(host.store_path, start + 2)))
    assert _count(snapshot) == 2


def test_a_session_that_ends_without_its_commit_is_undone(host: WriterHost) -> None:
    """A service process that dies mid-write leaves nothing of the write in the store."""
    writer = SharedWriter(host.store_path, host.socket_path)
    start = writer.start()
    deadline = time.monotonic() + 60
    writer.begin(deadline)
    WriteSession(writer, deadline).update(_insert(1))
    writer.stop()  # the connection closes without a commit, as when its process dies
    assert _write(writer, _insert(2)) == start + 1
    snapshot = ox.Store.read_only(str(snapshots.snapshot_path(host.store_path, start + 1)))
    assert [int(s["o"].value) for s in snapshot.query(
        f"SELECT ?o WHERE {{ GRAPH <{EX}g> {{ ?s ?p ?o }} }}")] == [2]


def test_a_killed_writer_is_started_again_and_rolls_back(host: WriterHost) -> None:
    writer = SharedWriter(host.store_path, host.socket_path)
    start = writer.start()
    deadline = time.monotonic() + 60
    writer.begin(deadline)
    WriteSession(writer, deadline).update(_insert(1))
    pid = writer._pid
    writer.kill()  # as at a write's time limit
    with pytest.raises(ProcessLookupError):
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)
    after = _write(writer, _insert(2))
    assert after > start  # the restart published the rolled-back state, then the write
    snapshot = ox.Store.read_only(str(snapshots.snapshot_path(host.store_path, after)))
    assert [int(s["o"].value) for s in snapshot.query(
        f"SELECT ?o WHERE {{ GRAPH <{EX}g> {{ ?s ?p ?o }} }}")] == [2]


def test_a_process_reads_what_another_published_before_it_answers(
        host: WriterHost) -> None:
    """Two services as two `qantar serve` workers have them: a write through one is read by
    the other at its next read, with no message between them."""
    settings = Settings.from_env({"QANTAR_STORE": str(host.store_path),
                                  "QANTAR_DATA_DIR": str(REPO_ROOT),
                                  "QANTAR_QUERY_WORKERS": "2", "QANTAR_WORKERS": "2"})
    settings = replace(settings, writer_socket=host.socket_path)
    one, other = EmbeddedService(settings), EmbeddedService(settings)
    try:
        for n in range(1, 4):
            with one.writing(time.monotonic() + 60) as store:
                store.update(_insert(n))
            assert _count(one.store) == n
            assert _count(other.store) == n
            assert other.generation == one.generation
    finally:
        one.close()
        other.close()


def test_a_snapshot_another_process_holds_is_kept_until_it_lets_go(
        tmp_path: Path, bundle_store_template: Path) -> None:
    """Holds are ``flock``s on open files, so two Readers in one process hold as two
    processes do."""
    host = WriterHost(copy_store(bundle_store_template, tmp_path / "store"), sandboxed=True)
    start = host.start()
    try:
        slow, quick = Readers(host.store_path, grace=0), Readers(host.store_path, grace=0)
        slow.switch(start)
        quick.switch(start)
        writer = SharedWriter(host.store_path, host.socket_path)
        newer = _write(writer, _insert(1))
        quick.switch(newer)
        quick.collect(set())
        assert snapshots.generations(host.store_path) == [start, newer], \
            "removed a snapshot another reader holds"
        newest = _write(writer, _insert(2))
        slow.switch(newest)
        slow.collect(set())
        assert start not in snapshots.generations(host.store_path)
        quick.switch(newest)
        quick.collect(set())
        assert snapshots.generations(host.store_path) == [newest]
        slow.close()
        quick.close()
    finally:
        host.stop()


def test_the_host_stops_its_writer(tmp_path: Path, bundle_store_template: Path) -> None:
    host = WriterHost(copy_store(bundle_store_template, tmp_path / "store"), sandboxed=True)
    host.start()
    handle = SharedWriter(host.store_path, host.socket_path)
    handle.begin(time.monotonic() + 60)
    writer_pid = handle._pid
    handle.stop()
    host.stop()
    with pytest.raises(ProcessLookupError):
        for _ in range(100):
            os.kill(writer_pid, 0)
            time.sleep(0.05)
    assert not Path(host.socket_path).exists()
