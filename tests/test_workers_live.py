"""`qantar serve` with several worker processes (QANTAR_WORKERS) on the embedded store: each
client reads its own writes whichever process answers, writes from every process land, a
runaway write stops alone, and stopping the server leaves nothing running."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.live import AUTH, WRITE_TOKEN, LiveServer, copy_store, serve

EX = "http://example.org/workers/"


def _count(server: LiveServer, graph: str = f"{EX}g") -> int:
    """A fresh connection each time, so that the answers come from either process."""
    answer = requests.get(server.sparql, timeout=60, headers={"Connection": "close"}, params={
        "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def _insert(server: LiveServer, n: int) -> requests.Response:
    return requests.post(server.sparql, timeout=60, headers={**AUTH, "Connection": "close"},
                         data={"update": f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}s{n}> "
                                         f"<{EX}p> {n} }} }}"})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, bundle_store_template: Path):
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("workers") / "store")
    with serve(store, QANTAR_WORKERS="3", QANTAR_WRITE_TOKEN=WRITE_TOKEN,
               QANTAR_WRITE_TIMEOUT="10", QANTAR_QUERY_TIMEOUT="10") as live:
        yield live


def test_the_server_runs_the_processes_it_was_asked_for(server: LiveServer) -> None:
    spawned = set(re.findall(r"Spawning worker-(\d+) with PID: (\d+)", server.output()))
    assert len(spawned) == 3, server.output()


def test_every_client_reads_its_own_write_at_once(server: LiveServer) -> None:
    before = _count(server)
    for n in range(1, 31):
        assert _insert(server, n).status_code == 204
        assert _count(server) == before + n, f"write {n} not seen by the next read"


def test_concurrent_writes_through_every_process_all_land(server: LiveServer) -> None:
    before = _count(server)
    statuses: list[int] = []
    lock = threading.Lock()

    def write(first: int) -> None:
        for n in range(first, first + 8):
            status = _insert(server, 1000 + n).status_code
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=write, args=(k * 8,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [204] * 48
    assert _count(server) == before + 48


def test_a_runaway_write_is_stopped_and_undone_while_others_write(server: LiveServer) -> None:
    """A write past QANTAR_WRITE_TIMEOUT kills the shared writer; its restart rolls the write
    back, and writes from the other processes go on."""
    before = _count(server, f"{EX}runaway")
    runaway = ("INSERT { GRAPH <" + EX + "runaway> { ?a <" + EX + "p> ?b } } "
               "WHERE { GRAPH ?g { ?a ?p1 ?o1 . ?b ?p2 ?o2 . ?c ?p3 ?o3 } }")
    outcome: list[requests.Response] = []
    started = time.monotonic()
    thread = threading.Thread(target=lambda: outcome.append(requests.post(
        server.sparql, data={"update": runaway}, headers=AUTH, timeout=60)))
    thread.start()
    thread.join(timeout=60)
    took = time.monotonic() - started
    assert outcome and outcome[0].status_code == 503, outcome and outcome[0].text
    assert took < 40
    assert _insert(server, 5000).status_code == 204
    assert _count(server, f"{EX}runaway") == before == 0
    answer = requests.get(server.sparql, timeout=60, params={
        "query": f"ASK {{ GRAPH <{EX}g> {{ <{EX}s5000> ?p ?o }} }}"})
    assert answer.json()["boolean"] is True
