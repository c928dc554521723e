"""What an outside probe of `qantar serve` got through, each against the real server: oversized
chunked uploads, XML entity expansion, malformed input, slow bodies, a flood of expensive
queries, missing security headers, misleading errors, the per-client query limit, and queries
and updates that ask for gigabytes of memory, and long texts that only a slow parse can check."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from service.namespaces import PROVENANCE_GRAPH
from service.store.open import backend
from tests.live import (
    AUTH,
    WRITE_TOKEN,
    LiveServer,
    copy_store,
    evaluators,
    holds_the_store,
    serve,
    serve_on,
)

pytestmark = pytest.mark.slow

G = "http://example.org/graph/probe"
MAX_BODY = 100_000
BOMB = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaaaaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        b']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="http://example.org/x"><rdf:value>&c;</rdf:value>'
        b"</rdf:Description></rdf:RDF>")
TRUNCATED = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
             b'<rdf:Description rdf:about="http://example.org/x">\n'
             b"<rdf:value>cut</rdf:value>\n</rdf:Description>\n")
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
PERSON = "/id/person/kassym-jomart-tokayev"
#: 3 KB of SPARQL that asks for a string of 10^9 characters (the second probe's).
MEMORY_BOMB = ('BIND("' + "a" * 1000 + '" AS ?s) '
               'BIND(REPLACE(REPLACE(?s, "a", ?s), "a", ?s) AS ?r)')


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory,
           bundle_store_template: Path) -> Iterator[LiveServer]:
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("probe") / "store")
    with serve(store, QANTAR_WRITE_TOKEN=WRITE_TOKEN, QANTAR_MAX_BODY=str(MAX_BODY),
               QANTAR_QUERY_TIMEOUT="10", QANTAR_CACHE_BYTES="0") as server:
        yield server


def graph_status(server: LiveServer, graph: str = G) -> int:
    return requests.get(server.store, params={"graph": graph}).status_code


def lines(count: int, width: int = 60) -> Iterator[bytes]:
    for i in range(count):
        yield f'<http://example.org/s{i}> <http://example.org/p> "{"x" * width}" .\n'.encode()


def test_a_chunked_upload_over_the_limit_is_413_and_writes_nothing(probed: LiveServer) -> None:
    response = requests.put(probed.store, params={"graph": G}, data=lines(3000),
                            headers={**AUTH, "Content-Type": "application/n-triples"})
    assert response.status_code == 413, response.text
    assert graph_status(probed) == 404


def test_a_chunked_upload_under_the_limit_is_stored_whole(probed: LiveServer) -> None:
    graph = G + "/small"
    response = requests.put(probed.store, params={"graph": graph}, data=lines(50),
                            headers={**AUTH, "Content-Type": "application/n-triples"})
    assert response.status_code == 201, response.text
    count = requests.get(probed.sparql, params={
        "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "text/csv"}).text.split()
    assert count == ["n", "50"]


@pytest.mark.parametrize("body, words", [(BOMB, "entity"), (TRUNCATED, "line 5")])
def test_unsafe_or_truncated_rdf_xml_is_400_and_writes_nothing(
    probed: LiveServer, body: bytes, words: str
) -> None:
    for method in ("PUT", "POST"):
        response = requests.request(method, probed.store, params={"graph": G + "/xml"},
                                    data=body,
                                    headers={**AUTH, "Content-Type": "application/rdf+xml"})
        assert response.status_code == 400, response.text
        assert words in response.text
    assert graph_status(probed, G + "/xml") == 404


def test_the_command_line_refuses_an_entity_bomb_with_its_position(tmp_path: Path) -> None:
    from service.errors import UnreadableInput
    from service.rdf_files import parse_file

    bomb = tmp_path / "bomb.rdf"
    bomb.write_bytes(BOMB)
    with pytest.raises(UnreadableInput, match="entity"):
        parse_file(bomb)
    cut = tmp_path / "cut.rdf"
    cut.write_bytes(TRUNCATED)
    with pytest.raises(UnreadableInput) as error:
        parse_file(cut)
    assert error.value.line == 5


@pytest.mark.parametrize("kind", ["body", "form"])
def test_an_update_that_is_not_utf8_is_400_and_writes_nothing(
    probed: LiveServer, kind: str
) -> None:
    text = f'INSERT DATA {{ GRAPH <{G}/utf8> {{ <http://e/a> <http://e/b> "caf'.encode()
    text += b'\xe9" } }'  # Latin-1, not UTF-8
    if kind == "body":
        response = requests.post(probed.sparql, data=text, headers={
            **AUTH, "Content-Type": "application/sparql-update"})
    else:
        response = requests.post(probed.sparql, data={"update": text}, headers=AUTH)
    assert response.status_code == 400, response.text
    assert "UTF-8" in response.text
    assert graph_status(probed, G + "/utf8") == 404


def test_a_query_that_is_not_utf8_is_400(probed: LiveServer) -> None:
    response = requests.post(probed.sparql, data=b'SELECT * WHERE { ?s ?p "\xff" }',
                             headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400 and "UTF-8" in response.text


@pytest.mark.parametrize("path, params, accept", [
    ("/graphs", None, "text/html"),
    ("/conflicts", None, "text/html"),
    ("/sparql", {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"}, "text/html"),
    ("/query", None, "text/html"),
    (PERSON, None, "text/html"),
    ("/no/such/page", None, "text/html"),
])
def test_every_html_answer_has_the_security_headers(
    probed: LiveServer, path: str, params: dict | None, accept: str
) -> None:
    response = requests.get(probed.url + path, params=params, headers={"Accept": accept})
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy")
    if response.headers.get("Content-Type", "").startswith("text/html"):
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.fixture
def one_process(tmp_path: Path, bundle_store_template: Path) -> Iterator[LiveServer]:
    """One serving process (its 2 query workers are all there is), 5 s per query, no cache."""
    store = copy_store(bundle_store_template, tmp_path / "store")
    with serve(store, QANTAR_WORKERS="1", QANTAR_QUERY_TIMEOUT="5",
               QANTAR_CACHE_BYTES="0") as server:
        yield server


def flood(server: LiveServer, query: str, count: int) -> list[tuple[int, float, bool]]:
    """``count`` copies of ``query`` sent at once: (status, seconds, with Retry-After)."""
    answers: list[tuple[int, float, bool]] = []

    def ask() -> None:
        started = time.monotonic()
        response = requests.get(server.sparql, params={"query": query}, timeout=60)
        answers.append((response.status_code, time.monotonic() - started,
                        bool(response.headers.get("Retry-After"))))

    threads = [threading.Thread(target=ask) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_eight_cheap_queries_at_once_from_one_client_are_all_answered(
    one_process: LiveServer,
) -> None:
    """A researcher's script sending eight queries at a time gets answers, not 503s: two
    workers, the rest wait their turn within the time limit (issue 28: 54 of 200 refused)."""
    statuses: list[int] = []

    def client() -> None:
        for _ in range(25):
            response = requests.get(one_process.sparql, timeout=30, params={
                "query": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"})
            statuses.append(response.status_code)

    clients = [threading.Thread(target=client) for _ in range(8)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=120)
    assert len(statuses) == 200 and set(statuses) == {200}, sorted(set(statuses))


def test_a_flood_of_expensive_queries_is_turned_away_once_its_wait_cannot_fit(
    one_process: LiveServer,
) -> None:
    """Twenty queries that run to the 5 s limit: two run, eight wait (the queue of one
    process), the rest are turned away at once; each ends within its limit, and pages stay
    prompt. Once queries are known to run to the limit, the next flood is turned away at
    once but for the two that run and the one whose wait (about 2.5 s) fits."""
    pages: list[float] = []

    def browse(until: float) -> None:
        while time.monotonic() < until:
            for path in (PERSON, "/timeline", "/graphs"):
                started = time.monotonic()
                assert requests.get(one_process.url + path, timeout=30).status_code == 200
                pages.append(time.monotonic() - started)
            time.sleep(0.1)

    for path in (PERSON, "/timeline", "/graphs"):  # first views compile their templates
        assert requests.get(one_process.url + path, timeout=30).status_code == 200
    browser = threading.Thread(target=browse, args=(time.monotonic() + 6,))
    browser.start()
    first = flood(one_process, EXPLOSIVE, 20)
    browser.join()
    assert len(first) == 20 and {status for status, _, _ in first} <= {200, 503}, first
    # each waits at most its limit, then runs at most its limit; a worker replaced meanwhile
    # first starts (not counted in the limit: up to 6 s on a busy 2-core machine)
    assert all(took < 2 * 5 + 8 for _, took, _ in first), first
    # at once: well within the 5 s a wait may take (the refusal itself is a few milliseconds;
    # a busy 2-core machine may take a second to schedule it)
    at_once = [took for status, took, retry in first if status == 503 and retry and took < 2.5]
    assert len(at_once) >= 20 - 2 - 8, first
    assert max(pages) < 1.5, f"a page waited {max(pages):.1f} s behind the flood"
    second = flood(one_process, EXPLOSIVE, 20)
    at_once = [took for status, took, retry in second if status == 503 and retry and took < 2.5]
    assert len(at_once) >= 20 - 3 - 2, second  # 2 of margin: a request late to the flood
    ok = requests.get(one_process.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert ok.status_code in (200, 503)


def _query_workers(server: LiveServer) -> list[int]:
    return [pid for pid in evaluators(server)
            if not holds_the_store(pid, server.settings.store)]


def test_a_query_worker_that_died_while_idle_is_replaced_before_it_gets_a_job(
    probed: LiveServer,
) -> None:
    # queries on fresh connections, so that every worker process starts its query workers
    for _ in range(8):
        assert requests.get(probed.sparql, params={"query": "ASK { ?s ?p ?o }"},
                            headers={"Connection": "close"}).status_code == 200
    victims = _query_workers(probed)
    assert victims
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    for _ in range(6):
        response = requests.get(probed.sparql, params={"query": "ASK { ?a ?b ?c }"},
                                headers={"Connection": "close"})
        assert response.status_code == 200, response.text


def test_the_per_client_query_limit_answers_429_and_spares_the_token(
    tmp_path: Path, bundle_store_template: Path
) -> None:
    store = copy_store(bundle_store_template, tmp_path / "store")
    with serve(store, QANTAR_WRITE_TOKEN=WRITE_TOKEN, QANTAR_QUERY_RATE="3/minute") as server:
        codes = [requests.get(server.sparql, params={"query": "ASK {}"}).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = requests.get(server.sparql, params={"query": "ASK {}"})
        assert limited.status_code == 429 and limited.headers.get("Retry-After")
        assert "too many queries" in limited.text
        with_token = requests.get(server.sparql, params={"query": "ASK {}"}, headers=AUTH)
        assert with_token.status_code == 200
        assert requests.get(server.url + PERSON).status_code in (200, 303)


def _slow_body(host: str, port: int) -> socket.socket:
    """A connection whose body (100 bytes declared) stops after six."""
    sock = socket.create_connection((host, port))
    sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-"
                 b"query\r\nContent-Length: 100\r\n\r\nSELECT")
    return sock


def test_slow_bodies_from_one_client_cannot_take_every_thread(probed: LiveServer) -> None:
    """Bodies that come at once are all received (a script's parallel requests); once an
    address has half a process's threads' worth of bodies still arriving after a second
    (service.body ``SLOW``), its next ones are turned away, and pages stay prompt."""
    host, port = probed.url.removeprefix("http://").split(":")
    settings = probed.settings
    processes = backend(settings).serving_processes(settings)
    per_client = settings.threads // 2
    first = [_slow_body(host, int(port)) for _ in range(4 * processes * per_client)]
    second: list[socket.socket] = []
    try:
        time.sleep(1.5)  # the first wave is slow by now
        second = [_slow_body(host, int(port)) for _ in range(10)]
        time.sleep(0.5)
        started = time.monotonic()
        for path in (PERSON, "/timeline"):
            assert requests.get(probed.url + path, timeout=10).status_code == 200
        assert requests.get(probed.sparql, params={"query": "ASK {}"},
                            timeout=10).status_code == 200
        assert time.monotonic() - started < 3

        def refused(sock: socket.socket) -> bool:
            sock.settimeout(0.2)
            with contextlib.suppress(OSError):
                return sock.recv(64).startswith(b"HTTP/1.1 503")
            return False

        assert not any(refused(sock) for sock in first)  # none was slow when it came
        turned_away = sum(refused(sock) for sock in second)
        assert turned_away >= len(second) - processes * per_client
        assert turned_away >= 1
    finally:
        for sock in first + second:
            sock.close()


# --- the second probe (issue 26, items 5 to 8) -------------------------------------------------

NESTED = 10_000
NESTED_QUERY = "SELECT * WHERE " + "{" * NESTED + "}" * NESTED
NESTED_UPDATE = ("INSERT { <http://example.org/n> <http://example.org/p> 1 } WHERE "
                 + "{" * NESTED + "}" * NESTED)


def test_deeply_nested_queries_and_updates_kill_nothing(probed: LiveServer) -> None:
    """10,000 nested groups (20 KB) once overflowed the parser's stack and killed the query
    worker (and, as an update, the web process that checks it): each is answered, however
    often it is sent, with every process that evaluates SPARQL still the same."""
    for _ in range(8):  # on fresh connections: every server process starts its query workers
        requests.get(probed.sparql, params={"query": "ASK { ?s ?p ?o }"},
                     headers={"Connection": "close"})
    before = set(evaluators(probed))
    for _ in range(3):
        query = requests.post(probed.sparql, data={"query": NESTED_QUERY},
                              headers={"Accept": "application/sparql-results+json"})
        assert query.status_code == 200, query.text[:300]
        assert query.json()["results"]["bindings"] == [{}]
        broken = requests.post(probed.sparql, data={"query": NESTED_QUERY[:-1]})
        assert broken.status_code == 400, broken.text[:300]
        update = requests.post(probed.sparql, data={"update": NESTED_UPDATE}, headers=AUTH)
        assert update.status_code == 204, update.text[:300]
        normal = requests.get(probed.sparql, params={"query": "ASK { ?s ?p ?o }"})
        assert normal.status_code == 200
    assert before <= set(evaluators(probed))  # none died (and was replaced)
    assert "Traceback" not in probed.output()


def test_a_write_reaching_the_provenance_graph_unnamed_is_403_not_204(
    probed: LiveServer,
) -> None:
    graph = G + "/audited"
    assert requests.put(probed.store, params={"graph": graph}, data=b"<urn:a> <urn:b> 1 .",
                        headers={**AUTH, "Content-Type": "text/turtle"}).status_code == 201
    provenance = "https://w3id.org/qantar/graph/provenance"
    count = (f"SELECT (COUNT(*) AS ?n) FROM NAMED <{provenance}> "
             f"WHERE {{ GRAPH <{provenance}> {{ ?s ?p ?o }} }}")
    before = requests.get(probed.sparql, params={"query": count},
                          headers={"Accept": "text/csv"}).text
    update = ("INSERT { GRAPH ?g { <urn:forged> <urn:by> <urn:nobody> } } WHERE { "
              'BIND(IRI(CONCAT("https://w3id.org/qantar/graph/", "prov", "enance")) AS ?g) }')
    response = requests.post(probed.sparql, data={"update": update}, headers=AUTH)
    assert response.status_code == 403 and provenance in response.text
    assert requests.get(probed.sparql, params={"query": count},
                        headers={"Accept": "text/csv"}).text == before


@pytest.mark.parametrize("path, params", [
    ("/search", {"q": "x+(" * 3000}), ("/search.json", {"q": "a" * 10_000}),
    ("/reconcile/suggest/entity", {"prefix": "é" * 600}),
    ("/reconcile", {"queries": '{"q": {"query": "' + "a" * 10_000 + '"}}'}),
])
def test_long_search_text_is_a_400_not_a_500(probed: LiveServer, path: str,
                                             params: dict) -> None:
    response = requests.get(probed.url + path, params=params)
    assert response.status_code == 400 and "at most" in response.text
    long_id = requests.get(probed.url + "/id/person/" + "a" * 10_000,
                           headers={"Accept": "text/html"})
    assert long_id.status_code == 404
    assert "Traceback" not in probed.output()


def test_an_oversized_reconciliation_batch_is_refused_at_once(probed: LiveServer) -> None:
    """The probe's 50 queries × 1,000 properties × 10 values (11 MB once took 42 s): refused
    before any work, in well under a second."""
    batch = {f"q{i}": {"query": "Tokayev", "properties": [
        {"pid": "rdfs:label", "v": [f"v{j}" for j in range(10)]} for _ in range(1000)]}
        for i in range(50)}
    started = time.monotonic()
    response = requests.post(probed.url + "/reconcile", data={"queries": json.dumps(batch)})
    assert response.status_code == 413, response.text[:300]  # here QANTAR_MAX_BODY's own
    assert time.monotonic() - started < 5


def address_space_limit(pid: int) -> int | None:
    """The RLIMIT_AS of a running process, from /proc (None: unlimited)."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max address space"):
            soft = line.split()[3]
            return None if soft == "unlimited" else int(soft)
    return None


def test_every_process_that_evaluates_sparql_has_its_memory_capped(probed: LiveServer) -> None:
    for _ in range(4):  # every worker process starts its query workers
        assert requests.get(probed.sparql, params={"query": "ASK { ?s ?p ?o }"},
                            headers={"Connection": "close"}).status_code == 200
    limit = probed.settings.worker_memory
    assert limit > 0
    capped = {pid: address_space_limit(pid) for pid in evaluators(probed)}
    assert any(holds_the_store(pid, probed.settings.store) for pid in capped)  # the writer
    assert len(capped) >= 2 and set(capped.values()) == {limit}, capped


def test_a_query_that_needs_too_much_memory_is_503_and_the_next_is_answered(
    probed: LiveServer,
) -> None:
    for _ in range(2):
        started = time.monotonic()
        response = requests.post(probed.sparql, data={
            "query": f"SELECT (STRLEN(?r) AS ?n) WHERE {{ {MEMORY_BOMB} }}"}, timeout=60)
        assert response.status_code == 503, response.text[:300]
        assert "needed more memory than the limit" in response.text
        assert time.monotonic() - started < probed.settings.query_timeout
        after = requests.get(probed.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert after.status_code == 200 and "true" in after.text


def test_an_update_that_needs_too_much_memory_is_503_and_changes_nothing(
    probed: LiveServer,
) -> None:
    graph = G + "/memory"
    response = requests.post(probed.sparql, headers=AUTH, data={
        "update": f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:a> <urn:x:b> 1 }} }} ; "
                  f"INSERT {{ GRAPH <{graph}> {{ <urn:x:a> <urn:x:c> ?r }} }} "
                  f"WHERE {{ {MEMORY_BOMB} }}"}, timeout=120)
    assert response.status_code == 503, response.text[:300]
    assert "needed more memory than the limit" in response.text
    assert "exactly as it was before" in response.text
    assert graph_status(probed, graph) == 404  # its first operation was undone too
    written = requests.post(probed.sparql, headers=AUTH, data={
        "update": f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:a> <urn:x:b> 2 }} }}"}, timeout=60)
    assert written.status_code == 204, written.text
    assert graph_status(probed, graph) == 200


def commented_values(size: int, *, update: bool = False, comment: str = "service") -> str:
    """A query (or update) of about ``size`` characters, a VALUES block of integers, whose
    comment "# service" makes the guard parse it (rdflib: 36 s for 0.94 MB); on a remote
    store, "# from" makes the dataset check parse it."""
    numbers, length, i = [], 0, 0
    while length < size:
        numbers.append(str(i))
        length += len(numbers[-1]) + 1
        i += 1
    rows = " ".join(numbers)
    if update:
        return f"# {comment}\nINSERT {{ GRAPH <{G}/values> {{ <urn:x:a> <urn:x:b> ?x }} }} " \
               f"WHERE {{ VALUES ?x {{ {rows} }} }}"
    return f"# {comment}\nSELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {rows} }} }}"


@pytest.fixture(scope="module")
def short_limits(tmp_path_factory: pytest.TempPathFactory,
                 bundle_store_template: Path) -> Iterator[LiveServer]:
    """A service whose queries and writes have 3 s each, and the default body limit."""
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("short") / "store")
    with serve(store, QANTAR_WRITE_TOKEN=WRITE_TOKEN, QANTAR_QUERY_TIMEOUT="3",
               QANTAR_WRITE_TIMEOUT="3", QANTAR_CACHE_BYTES="0") as server:
        yield server


def slowest_page(server: LiveServer, until: Callable[[], bool]) -> float:
    """The longest a page took, asked again and again until ``until()``."""
    slowest = 0.0
    while not until():
        for path in (PERSON, "/timeline"):
            started = time.monotonic()
            assert requests.get(server.url + path, timeout=30).status_code == 200
            slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.1)
    return slowest


@pytest.fixture(params=["short_limits", "remote_short_limits"],
                ids=["embedded", "remote"])
def each_store(request: pytest.FixtureRequest) -> LiveServer:
    """The service with 3 s limits on each backend: the same behaviour is asked of both."""
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("each_store, comment", [
    ("short_limits", "service"), ("remote_short_limits", "service"),
    ("remote_short_limits", "from"),
], ids=["embedded-service", "remote-service", "remote-from"], indirect=["each_store"])
def test_a_long_query_the_guard_must_parse_answers_within_its_time_limit(
    each_store: LiveServer, comment: str,
) -> None:
    """A text whose check needs rdflib's parse (the SERVICE guard reads "service"; a remote
    store must know whether a query has FROM before it sends it; on the embedded store FROM
    is the engine's own) is parsed in a check worker within the query's limit, and pages do
    not wait for it."""
    answers: list[tuple[int, str, float]] = []

    def ask(text: str) -> None:
        started = time.monotonic()
        response = requests.post(each_store.sparql, data=text.encode(), timeout=120,
                                 headers={"Content-Type": "application/sparql-query"})
        answers.append((response.status_code, response.text, time.monotonic() - started))

    for _ in range(8):  # fresh connections: every worker process starts its query workers
        warm = requests.get(each_store.sparql, params={"query": f"# {comment}\nASK {{}}"},
                            headers={"Connection": "close"}, timeout=60)
        assert warm.status_code == 200, warm.text
    big = threading.Thread(target=ask, args=(commented_values(1_000_000, comment=comment),))
    big.start()
    slowest = slowest_page(each_store, lambda: not big.is_alive())
    [(status, text, took)] = answers
    assert status == 503 and "longer than the limit of 3 s" in text, text[:300]
    assert took < 3 + 2.5, took
    assert slowest < 2, f"a page took {slowest:.1f} s while the query was checked"
    answers.clear()
    copies = [threading.Thread(target=ask, args=(commented_values(550_000, comment=comment),))
              for _ in range(8)]
    for thread in copies:
        thread.start()
    slowest = slowest_page(each_store, lambda: not any(t.is_alive() for t in copies))
    assert len(answers) == 8
    # each is turned away at once when every place is taken, or waits for a worker (at most
    # the limit) and is stopped at the limit; a worker replaced meanwhile first starts (not
    # counted in the limit: up to 6 s on a busy 2-core machine)
    assert all(status == 503 and took < 2 * 3 + 8 for status, _, took in answers), [
        (status, text[:60], round(took, 1)) for status, text, took in answers]
    assert slowest < 2, f"a page took {slowest:.1f} s while eight queries were checked"
    ok = requests.get(each_store.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert ok.status_code == 200 and "true" in ok.text
    # what is parsed is still judged: a SERVICE to a host not allowed, a short FROM
    refused = requests.get(each_store.sparql, timeout=30, params={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert refused.status_code == 403 and "not allowed" in refused.text
    own = requests.get(each_store.sparql, timeout=30, params={
        "query": f"SELECT (COUNT(*) AS ?n) FROM <{PROVENANCE_GRAPH}> WHERE {{ ?s ?p ?o }}"})
    assert own.status_code == 200, own.text


def test_a_long_update_the_guard_must_parse_is_stopped_at_the_write_limit(
    each_store: LiveServer,
) -> None:
    """An update's checks (the SERVICE guard; on a remote store how far it reaches, GRAPH ?g
    in a template) come from its parse in a check worker, stopped at the write limit, and
    nothing is written."""
    started = time.monotonic()
    response = requests.post(each_store.sparql, data=commented_values(
        1_000_000, update=True).encode(), timeout=120, headers={
        **AUTH, "Content-Type": "application/sparql-update"})
    assert response.status_code == 503, response.text[:300]
    assert "longer than the limit of 3 s" in response.text
    assert "nothing was written" in response.text
    assert time.monotonic() - started < 3 + 2.5
    assert graph_status(each_store, G + "/values") == 404


def test_deep_nesting_the_guard_must_parse_costs_a_worker_not_the_service(
    short_limits: LiveServer,
) -> None:
    nested = "# service\nSELECT * WHERE " + "{" * 10_000 + "}" * 10_000
    for _ in range(3):
        response = requests.post(short_limits.sparql, data=nested.encode(), timeout=60,
                                 headers={"Content-Type": "application/sparql-query"})
        assert response.status_code in (400, 403, 503), response.text[:300]
        for path in (PERSON, "/timeline"):
            assert requests.get(short_limits.url + path, timeout=30).status_code == 200
    ok = requests.get(short_limits.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert ok.status_code == 200


@pytest.fixture(scope="module")
def remote_short_limits(tmp_path_factory: pytest.TempPathFactory,
                        bundle_store_template: Path) -> Iterator[LiveServer]:
    """The service on `oxigraph serve` (a remote store) with 3 s for queries and writes."""
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("remote-short") / "store")
    with serve_on("remote", store, QANTAR_WRITE_TOKEN=WRITE_TOKEN, QANTAR_QUERY_TIMEOUT="3",
                  QANTAR_WRITE_TIMEOUT="3", QANTAR_CACHE_BYTES="0") as server:
        yield server


def test_on_a_remote_store_a_deeply_nested_text_is_not_sent_to_the_server(
    remote_short_limits: LiveServer,
) -> None:
    """`oxigraph serve` dies of a stack overflow on 3,000 nested groups (measured on 0.5): a
    query or an update nested deeper than the dialect's bound is a 400, and the server goes on
    answering."""
    nested = "{" * NESTED + "}" * NESTED
    query = requests.post(remote_short_limits.sparql, data={"query": "SELECT * WHERE " + nested},
                          timeout=60)
    assert query.status_code == 400 and "levels deep" in query.text, query.text[:300]
    update = requests.post(remote_short_limits.sparql, headers=AUTH, timeout=60, data={
        "update": "INSERT { <urn:x:a> <urn:x:b> 1 } WHERE " + nested})
    assert update.status_code == 400 and "nothing was run" in update.text, update.text[:300]
    fine = "SELECT * WHERE " + "{" * 500 + "}" * 500
    assert requests.post(remote_short_limits.sparql, data={"query": fine},
                         timeout=60).status_code == 200
    ok = requests.get(remote_short_limits.sparql, params={"query": "ASK { ?s ?p ?o }"},
                      timeout=30)
    assert ok.status_code == 200 and "true" in ok.text


def test_heavy_reconciliation_batches_leave_the_pages_prompt(
    short_limits: LiveServer,
) -> None:
    """Reconciliation batches of the largest size allowed (7 s each alone, measured) run in the
    pool of `/sparql` and `/store`, not the pages': twice as many as there are request threads,
    at once, each answered or stopped at the 3 s limit, and the pages answer within 2 s."""
    batch = json.dumps({f"q{i}": {"query": "Tokayev protest Almaty", "properties": [
        {"pid": "rdfs:label", "v": [f"value {i} {j} {k}" for k in range(20)]}
        for j in range(20)]} for i in range(50)})
    answers: list[tuple[int, float]] = []

    def reconcile() -> None:
        started = time.monotonic()
        response = requests.post(short_limits.url + "/reconcile", data={"queries": batch},
                                 timeout=120)
        answers.append((response.status_code, time.monotonic() - started))

    threads = [threading.Thread(target=reconcile) for _ in range(2 * short_limits.settings.threads)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    slowest = slowest_page(short_limits, lambda: not any(t.is_alive() for t in threads))
    assert {status for status, _ in answers} <= {200, 503}, answers
    assert max(took for _, took in answers) > 2.5, answers  # they were heavy while we looked
    assert slowest < 2, f"a page took {slowest:.1f} s while reconciliation batches ran"
