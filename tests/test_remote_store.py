"""The remote store when the SPARQL server is down, slow or answers garbage: clear errors, in
time, and no hung request threads. (Everything else runs on both stores through the live
fixtures of conftest.py.)"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from service.store.remote.store import RemoteStore, StoreUnavailable
from tests.live import serve, serve_in_process

TOKAYEV = "/page/id/person/kassym-jomart-tokayev"


class Garbage(BaseHTTPRequestHandler):
    """Answers every request 200 with text that is no SPARQL result."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(b"<html>this is not JSON</html>")

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def garbage_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/query"
    server.shutdown()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/query"
    sock.close()


def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/query"


def remote_env(url: str, tmp_path: Path, timeout: str = "2") -> dict[str, str]:
    return {"QANTAR_STORE": url, "QANTAR_STATE_DIR": str(tmp_path / "state"),
            "QANTAR_QUERY_TIMEOUT": timeout}


def test_a_store_that_is_down_gives_a_clear_error(tmp_path: Path) -> None:
    store = RemoteStore(closed_port_url(), timeout=2)
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        store.query("ASK { ?s ?p ?o }")


def test_the_service_on_a_store_that_is_down_answers_502_with_the_reason(
    tmp_path: Path,
) -> None:
    url = closed_port_url()
    with serve(tmp_path / "unused", **remote_env(url, tmp_path)) as live:
        query = requests.get(live.sparql, params={"query": "ASK { ?s ?p ?o }"})
        page = requests.get(live.url + TOKAYEV)
    assert query.status_code == 502 and "cannot be reached" in query.text
    assert page.status_code == 502 and "cannot be reached" in page.text


def test_a_slow_store_times_out_with_a_clear_error(silent_server: str, tmp_path: Path) -> None:
    store = RemoteStore(silent_server, timeout=1)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="did not answer within 1 s"):
        store.query("ASK { ?s ?p ?o }")
    assert time.monotonic() - started < 3


def test_garbage_from_the_store_is_reported_not_crashed_on(garbage_server: str) -> None:
    store = RemoteStore(garbage_server, timeout=2)
    with pytest.raises(StoreUnavailable, match="not valid application/sparql-results"):
        store.query("SELECT * WHERE { ?s ?p ?o }")


def test_the_service_on_a_store_answering_garbage_says_so(garbage_server: str,
                                                          tmp_path: Path) -> None:
    with serve(tmp_path / "unused", **remote_env(garbage_server, tmp_path)) as live:
        query = requests.get(live.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o }",
                                                  "format": "csv"})
        page = requests.get(live.url + TOKAYEV)
    assert query.status_code == 502
    assert page.status_code == 502 and "not valid" in page.text


def test_a_store_that_goes_silent_after_start_up_gives_timeouts_not_hung_threads(
    tmp_path: Path, bundle_store_template: Path
) -> None:
    from tests.live import copy_store
    from tests.w3c.backends import oxigraph_server

    store_dir = copy_store(bundle_store_template, tmp_path / "store")
    with oxigraph_server(store_dir) as remote:
        env = remote_env(remote.query_url, tmp_path, timeout="2")
        # in process: the test points the running app at a server that has gone silent
        with serve_in_process(store_dir, **env) as live:
            assert requests.get(live.sparql, params={"query": "ASK { ?s ?p ?o }"}).json()[
                "boolean"] is True
            live.app.extensions["qantar"].store.query_url = silent_url = _silent()[0]
            started = time.monotonic()
            answer = requests.get(live.sparql, params={"query": "ASK { ?a ?b ?c }"})
            assert answer.status_code == 503
            assert "limit of 2 s" in answer.text
            page = requests.get(live.url + TOKAYEV)
            assert page.status_code == 502
            assert "did not answer within" in page.text
            assert time.monotonic() - started < 8
            assert silent_url


def _silent() -> tuple[str, socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    _SOCKETS.append(sock)
    return f"http://127.0.0.1:{sock.getsockname()[1]}/query", sock


_SOCKETS: list[socket.socket] = []


def test_the_command_line_works_on_a_remote_store(tmp_path: Path) -> None:
    """load, import (chunked uploads through the Graph Store Protocol, journal, provenance),
    graphs, conflicts, export, query and stats against a real `oxigraph serve`."""
    import json

    from click.testing import CliRunner

    from service.cli import cli
    from tests.w3c.backends import oxigraph_server

    external = Path(__file__).parent / "fixtures" / "external"
    (tmp_path / "server").mkdir()
    with oxigraph_server(tmp_path / "server") as remote:
        env = {"QANTAR_STORE": remote.query_url, "QANTAR_STATE_DIR": str(tmp_path / "state")}

        def run(*args: str) -> str:
            result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
            assert result.exit_code == 0, result.output
            return result.output

        assert "triples loaded into " + remote.query_url in run("load")
        big = tmp_path / "big.nt"
        big.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n'
                               for i in range(150_000)))  # two chunks of at most 100k
        assert "imported 150,000 triples" in run("import", str(big), "--graph",
                                                 "https://example.org/big")
        run("import", str(external / "other-team.ttl"), "--graph", "https://example.org/other")
        listing = run("graphs")
        assert "<https://example.org/big>  [import]" in listing
        assert "150,000" in listing
        conflicts = json.loads(run("conflicts", "--json"))
        assert {c["kind"] for c in conflicts} >= {"figure", "dispute"}
        assert "https://example.org/other" in run("export", "--format", "nquads")
        assert "Vladimir Putin" in run("query", "@06-on-whose-decision-the-csto-force-came.rq")
        assert "triples" in run("stats")
        run("graphs", "drop", "https://example.org/big")
        assert "example.org/big" not in run("graphs")
        # a second load replaces the bundle's graphs and keeps the imported one
        run("load")
        assert "<https://example.org/other>  [import]" in run("graphs")


def test_every_query_form_through_the_command_line_on_a_remote_store(tmp_path: Path) -> None:
    """SELECT, ASK, CONSTRUCT and DESCRIBE through `qantar query` against a real `oxigraph
    serve`: the remote store answers with the same result types as the embedded one."""
    from click.testing import CliRunner

    from service.cli import cli
    from tests.w3c.backends import oxigraph_server

    (tmp_path / "server").mkdir()
    with oxigraph_server(tmp_path / "server") as remote:
        store = RemoteStore(remote.query_url, remote.update_url, remote.store_url)
        store.add_graph("https://example.org/g", [ox.Triple(
            ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"),
            ox.Literal("o"))])
        store.close()
        env = {"QANTAR_STORE": remote.query_url, "QANTAR_STATE_DIR": str(tmp_path / "state")}

        def run(*args: str) -> str:
            result = CliRunner().invoke(cli, ["query", *args], env=env, catch_exceptions=False)
            assert result.exit_code == 0, result.output
            return result.output

        assert "(1 row)" in run("SELECT ?o WHERE { ?s ?p ?o }")
        assert run("ASK { ?s ?p ?o }") == "true\n"
        constructed = run("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        assert '<https://example.org/s> <https://example.org/p> "o"' in constructed
        assert "https://example.org/s" in run("DESCRIBE <https://example.org/s>")
        assert run("SELECT ?o WHERE { ?s ?p ?o }", "--format", "csv").split() == ["o", "o"]
