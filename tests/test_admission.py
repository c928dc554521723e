"""Who gets a query worker (service.store.workers ``Admission``): a query waits within its time
limit rather than being refused, is refused at once only when its wait cannot fit, and a freed
worker goes to the client with the fewest queries running. The workers here are stand-ins:
admission only hands them on."""

from __future__ import annotations

import threading
import time

import pytest

from service.config import Settings
from service.errors import Busy
from service.store.workers import (
    Admission,
    CheckJob,
    QueryPool,
    starting_seconds,
    waiting_places,
    waiting_threads,
)


def waiting(admission: Admission, client: str, limit: float,
            got: list[tuple[str, object]]) -> threading.Thread:
    """A thread that waits for a worker for ``client`` and notes what it got (or Busy)."""
    def wait() -> None:
        try:
            got.append((client, admission.acquire(client, time.monotonic() + limit,
                                                  queued=True)))
        except Busy as err:
            got.append((client, err))

    thread = threading.Thread(target=wait)
    thread.start()
    return thread


def until_waiting(admission: Admission, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(admission._waiting) < count:
        assert time.monotonic() < deadline, "the waiters did not queue"
        time.sleep(0.01)


def refused_at_once(admission: Admission, client: str, limit: float, match: str) -> None:
    """``client``'s query, with ``limit`` seconds, is refused (``match``) without waiting."""
    started = time.monotonic()
    with pytest.raises(Busy, match=match):
        admission.acquire(client, time.monotonic() + limit, queued=True)
    assert time.monotonic() - started < 0.5


def test_an_idle_worker_is_given_at_once_and_a_burst_of_cheap_queries_is_queued_not_refused(
) -> None:
    admission = Admission(2, queue_limit=6)
    for worker in ("w1", "w2"):
        admission.release(worker, None)
    refused: list[Busy] = []

    def client(name: str) -> None:
        for _ in range(25):
            try:
                worker = admission.acquire(name, time.monotonic() + 5, queued=True)
            except Busy as err:
                refused.append(err)
                continue
            time.sleep(0.002)  # a cheap query
            admission.took(0.002)
            admission.release(worker, name)

    threads = [threading.Thread(target=client, args=(f"c{i % 2}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert refused == []
    assert sorted(admission._idle) == ["w1", "w2"] and admission._running == {}


def test_a_freed_worker_goes_to_the_client_with_fewest_queries_running() -> None:
    admission = Admission(2, queue_limit=6)
    for worker in ("w1", "w2"):
        admission.release(worker, None)
    first = admission.acquire("busy", time.monotonic() + 5, queued=True)
    admission.acquire("busy", time.monotonic() + 5, queued=True)
    got: list[tuple[str, object]] = []
    burst = waiting(admission, "busy", 5, got)
    until_waiting(admission, 1)
    lone = waiting(admission, "lone", 5, got)  # arrives later, has nothing running
    until_waiting(admission, 2)
    admission.release(first, "busy")
    lone.join(timeout=5)
    assert got == [("lone", first)]
    admission.close()
    burst.join(timeout=5)
    assert isinstance(got[1][1], Busy)  # closed: it stops waiting


def test_a_full_queue_refuses_at_once() -> None:
    admission = Admission(1, queue_limit=1)
    admission.release("w1", None)
    admission.acquire("a", time.monotonic() + 5, queued=True)
    got: list[tuple[str, object]] = []
    waiter = waiting(admission, "b", 5, got)
    until_waiting(admission, 1)
    refused_at_once(admission, "c", 5, "1 queries are waiting")
    # a write's check does not take a place: it waits all the same
    writes: list[object] = []
    write = threading.Thread(target=lambda: writes.append(
        admission.acquire("w", time.monotonic() + 5, queued=False)))
    write.start()
    until_waiting(admission, 2)
    admission.release("w1", "a")
    waiter.join(timeout=5)
    assert got == [("b", "w1")]
    admission.release("w1", "b")
    write.join(timeout=5)
    assert writes == ["w1"]


def test_a_wait_that_cannot_fit_in_the_time_limit_is_refused_at_once() -> None:
    """Queries lately ran to their 10 s limit on 2 workers: the first waiter would wait about
    5 s and waits; the second, about 10 s, more than its limit, is told at once."""
    admission = Admission(2, queue_limit=6)
    for worker in ("w1", "w2"):
        admission.release(worker, None)
    admission.took(10.0)
    admission.took(10.0)
    running = [admission.acquire(c, time.monotonic() + 10, queued=True) for c in "ab"]
    got: list[tuple[str, object]] = []
    first = waiting(admission, "c", 10, got)
    until_waiting(admission, 1)
    refused_at_once(admission, "d", 9.9, "would take about 10 s, longer than this one's time limit")
    admission.release(running[0], "a")
    first.join(timeout=5)
    assert got == [("c", running[0])]


def test_a_query_that_waited_its_whole_limit_is_refused_and_leaves_the_queue() -> None:
    admission = Admission(1, queue_limit=4)
    admission.release("w1", None)
    admission.acquire("a", time.monotonic() + 5, queued=True)
    started = time.monotonic()
    with pytest.raises(Busy, match="stayed busy for the whole time limit"):
        admission.acquire("b", time.monotonic() + 0.3, queued=True)
    assert 0.25 < time.monotonic() - started < 2
    assert admission._waiting == []
    admission.release("w1", "a")
    assert admission.acquire("c", time.monotonic() + 1, queued=True) == "w1"


def test_the_pool_serving_queries_has_room_for_every_waiting_and_running_query_and_one_more(
) -> None:
    settings = Settings.from_env({"QANTAR_THREADS": "8", "QANTAR_QUERY_WORKERS": "2"})
    assert waiting_places(settings) == 8
    assert waiting_threads(settings) == 8 + 8 + 1
    many = Settings.from_env({"QANTAR_THREADS": "4", "QANTAR_QUERY_WORKERS": "12"})
    assert waiting_threads(many) == 4 + 12 + 1


def test_the_time_a_worker_takes_to_start_is_given_back_to_the_request() -> None:
    """A request that checks its text and then runs it in one limit (service.sparql.endpoint)
    does not count Python's start in a fresh worker (seconds on a busy machine) as its own."""
    pool = QueryPool(1)
    try:
        starting_seconds()
        assert pool.check(CheckJob(len, ("abc",)), 30) == 3
        assert starting_seconds() > 0.05  # the first job started the worker
        assert starting_seconds() == 0.0  # asked again: nothing since
        assert pool.check(CheckJob(len, ("abcd",)), 30) == 4
        assert starting_seconds() == 0.0  # a started worker costs nothing to start
    finally:
        pool.close()
