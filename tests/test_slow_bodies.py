"""Slow clients hold no request thread (issue 26), against the real `qantar serve`.

Forty request bodies trickling in a byte a second from forty loopback addresses, plus two
anonymous cross-product queries, froze the pages for a minute when Granian gave each body a
thread. Bodies are now received on the event loop within ``QANTAR_BODY_TIMEOUT`` (408 after
it), and pages have threads of their own (service.front).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from service.body import BodyReceiver
from service.errors import Busy, TooLarge
from tests.live import LiveServer, copy_store, serve

pytestmark = pytest.mark.slow

BODY_TIMEOUT = 6.0
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ENDLESS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PAGES = ("/timeline", "/id/person/kassym-jomart-tokayev")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory,
           bundle_store_template: Path) -> Iterator[LiveServer]:
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("slow") / "store")
    with serve(store, QANTAR_BODY_TIMEOUT=str(BODY_TIMEOUT), QANTAR_CACHE_BYTES="0",
               QANTAR_QUERY_TIMEOUT="10") as live:
        yield live


def _port(server: LiveServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


class SlowBody(threading.Thread):
    """A POST whose body comes a byte a second from its own address; records the status line
    it gets and when."""

    def __init__(self, port: int, address: str, chunked: bool = False) -> None:
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), source_address=(address, 0))
        framing = (b"Transfer-Encoding: chunked" if chunked else b"Content-Length: 100000")
        self.chunked = chunked
        self.sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                          b"sparql-query\r\n" + framing + b"\r\n\r\n")
        self.started = time.monotonic()
        self.status = b""
        self.after = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        self.sock.settimeout(1.0)
        while not self.stop.is_set():
            try:
                answer = self.sock.recv(100)
            except TimeoutError:
                with contextlib.suppress(OSError):
                    self.sock.sendall(b"1\r\n \r\n" if self.chunked else b" ")
                continue
            except OSError:
                answer = b""
            self.status = answer.split(b"\r\n", 1)[0]
            self.after = time.monotonic() - self.started
            return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_slow_bodies_and_heavy_queries_leave_the_pages_prompt_and_get_408(
    server: LiveServer,
) -> None:
    port = _port(server)
    slow = [SlowBody(port, f"127.0.0.{n + 2}", chunked=n % 10 == 0) for n in range(40)]
    for body in slow:
        body.start()
    heavy: list[int] = []

    def query() -> None:
        heavy.append(requests.get(server.sparql, params={"query": CROSS}, timeout=120)
                     .status_code)

    queries = [threading.Thread(target=query, daemon=True) for _ in range(2)]
    try:
        time.sleep(1.0)
        for thread in queries:
            thread.start()
        time.sleep(0.5)
        times: dict[str, float] = {}
        while time.monotonic() - slow[0].started < BODY_TIMEOUT + 1:
            for path in PAGES:
                started = time.monotonic()
                response = requests.get(server.url + path, timeout=30)
                took = time.monotonic() - started
                assert response.status_code == 200, (path, response.status_code)
                times[path] = max(times.get(path, 0.0), took)
        assert max(times.values()) < 2.0, f"pages waited behind the slow bodies: {times}"
        for body in slow:
            body.join(timeout=BODY_TIMEOUT + 10)
        statuses = {body.status for body in slow}
        assert statuses == {b"HTTP/1.1 408 Request Timeout"}, statuses
        for body in slow:
            assert BODY_TIMEOUT - 0.5 <= body.after <= BODY_TIMEOUT + 5, body.after
    finally:
        for body in slow:
            body.close()
    for thread in queries:
        thread.join(timeout=120)
    assert all(status in (200, 503) for status in heavy), heavy


def test_a_body_that_arrives_within_the_time_limit_is_answered(server: LiveServer) -> None:
    sock = socket.create_connection(("127.0.0.1", _port(server)),
                                    source_address=("127.0.0.42", 0))
    query = b"ASK { ?s ?p ?o }"
    with sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-"
                     b"query\r\nAccept: application/sparql-results+json\r\nContent-Length: "
                     + str(len(query)).encode() + b"\r\nConnection: close\r\n\r\n")
        for i in range(0, len(query), 4):  # over two seconds, within the limit
            time.sleep(0.15)
            sock.sendall(query[i:i + 4])
        sock.settimeout(30)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert answer.rstrip().endswith(b"true}")


def test_a_client_that_leaves_a_streamed_answer_frees_its_query_worker(
    tmp_path: Path, bundle_store_template: Path,
) -> None:
    """One worker process with one query worker: a stream whose client went away must give
    the worker back at once, not write out the rest of an endless answer until the limit."""
    store = copy_store(bundle_store_template, tmp_path / "store")
    with serve(store, QANTAR_WORKERS="1", QANTAR_QUERY_WORKERS="1", QANTAR_QUERY_TIMEOUT="60",
               QANTAR_CACHE_BYTES="0") as live:
        with requests.get(live.sparql, params={"query": ENDLESS}, stream=True, timeout=30,
                          headers={"Accept": "text/csv"}) as response:
            assert response.status_code == 200
            read = 0
            for chunk in response.iter_content(65536):
                read += len(chunk)
                if read > 1_000_000:
                    break
        started = time.monotonic()
        answer = requests.get(live.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert time.monotonic() - started < 5, "the query worker was still writing for nobody"


def _chunks(*parts: bytes) -> Callable[[], Awaitable[dict]]:
    """An ASGI ``receive`` that gives ``parts`` as one body."""
    messages = [{"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
                for i, part in enumerate(parts)]

    async def receive() -> dict:
        return messages.pop(0)

    return receive


def test_the_bodies_a_process_holds_are_bounded_whatever_the_number_of_addresses() -> None:
    """Bodies from many addresses count against one budget until their requests end: one
    more is refused with 503 and Retry-After, and is received again once one has ended."""
    bodies = BodyReceiver(max_body=60, timeout=5, per_client=1, budget=100)

    async def scenario() -> None:
        async with bodies.holding(_chunks(b"a" * 30, b"b" * 30), "10.0.0.1", None) as first:
            assert first == b"a" * 30 + b"b" * 30 and bodies.held == 60
            with pytest.raises(Busy) as refused:
                async with bodies.holding(_chunks(b"c" * 30, b"d" * 30), "10.0.0.2", 60):
                    pass
            assert refused.value.headers == {"Retry-After": "1"}
            assert bodies.held == 60  # the refused body's first part was let go
        assert bodies.held == 0
        async with bodies.holding(_chunks(b"c" * 60), "10.0.0.2", 60) as second:
            assert second == b"c" * 60
        with pytest.raises(TooLarge):
            async with bodies.holding(_chunks(b"e" * 61), "10.0.0.3", None):
                pass
        assert bodies.held == 0

    # in a thread of its own: the browser tests' driver may run an event loop in this one
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, scenario()).result()
