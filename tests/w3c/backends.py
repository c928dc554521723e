"""The SPARQL servers the W3C suites run against, over HTTP: Qantar and the native Oxigraph.

Both are driven the same way: data in through the Graph Store Protocol, queries and updates
through the SPARQL Protocol, the store emptied between tests with ``DROP ALL`` (not
``CLEAR ALL``, which leaves empty named graphs behind, so a later PUT would answer 204, not 201).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.live import WRITE_TOKEN, serve


@dataclass
class Backend:
    """One server under test: where it answers queries, updates and Graph Store requests."""

    name: str
    query_url: str
    update_url: str
    store_url: str
    headers: dict[str, str] = field(default_factory=dict)  # sent with every request (the token)
    session: requests.Session = field(default_factory=requests.Session)

    def request(self, method: str, url: str, **kwargs: object) -> requests.Response:
        headers = {**self.headers, **(kwargs.pop("headers", None) or {})}
        return self.session.request(method, url, headers=headers, timeout=60, **kwargs)

    def update(self, text: str) -> None:
        response = self.request("POST", self.update_url, data=text.encode("utf-8"),
                                headers={"Content-Type": "application/sparql-update"})
        if response.status_code >= 300:
            raise RuntimeError(f"{self.name}: update failed {response.status_code}: "
                               f"{response.text[:300]}")

    def reset(self) -> None:
        self.update("DROP ALL")

    def load(self, graph: str | None, ntriples: bytes) -> None:
        """Add N-Triples to the default graph (None) or a named graph, by Graph Store POST."""
        params = {"default": ""} if graph is None else {"graph": graph}
        response = self.request("POST", self.store_url, params=params, data=ntriples,
                                headers={"Content-Type": "application/n-triples"})
        if response.status_code >= 300:
            raise RuntimeError(f"{self.name}: loading {graph or 'the default graph'} failed "
                               f"{response.status_code}: {response.text[:300]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command from the PyPI package, beside this interpreter or on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@contextmanager
def oxigraph_server(location: Path) -> Iterator[Backend]:
    """The native Oxigraph server on a free loopback port, until the block ends."""
    binary = oxigraph_binary()
    if binary is None:
        raise FileNotFoundError("the oxigraph command is not installed (pip install oxigraph)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/query?query=ASK%7B%7D", process)
        yield Backend("oxigraph", base + "/query", base + "/update", base + "/store")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited: {process.stderr.read().decode()[:500]}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"oxigraph serve did not answer at {url} within {timeout:g} s")


@contextmanager
def qantar_server(store_dir: Path) -> Iterator[Backend]:
    """Qantar's own service (`qantar serve`, as users run it) on a free loopback port, writable."""
    with serve(store_dir, bundle=False, QANTAR_WRITE_TOKEN=WRITE_TOKEN,
               QANTAR_QUERY_TIMEOUT="20") as live:
        yield Backend("qantar", live.sparql, live.sparql, live.store,
                      headers={"Authorization": f"Bearer {WRITE_TOKEN}"})


def without_union(qantar: Backend) -> Backend:
    """The same Qantar server, its queries sent with ``union-default-graph=false``."""
    return Backend("qantar-no-union", qantar.query_url + "?union-default-graph=false",
                   qantar.update_url, qantar.store_url, dict(qantar.headers))


class GraphByGraph(Backend):
    """A backend whose server ignores ``DROP ALL`` (Virtuoso answers 200 and drops nothing):
    emptied by dropping each graph by name, and its default graph."""

    def reset(self) -> None:
        response = self.request("GET", self.query_url, params={
            "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"})
        graphs = [row["g"]["value"] for row in response.json()["results"]["bindings"]]
        drops = [f"DROP SILENT GRAPH <{g}>" for g in graphs if g != PROVENANCE]
        self.update(" ;\n".join(["DROP SILENT DEFAULT", *drops]))


PROVENANCE = "https://w3id.org/qantar/graph/provenance"


@contextmanager
def qantar_on_virtuoso(directory: Path) -> Iterator[Backend]:
    """`qantar serve` (empty, writable) on a Virtuoso of its own (tests/virtuoso.py), with the
    settings docs/remote-stores.md gives."""
    from service.config import REPO_ROOT
    from tests.live import QANTAR, start_server
    from tests.virtuoso import virtuoso_server

    with virtuoso_server(directory / "virtuoso") as virtuoso, start_server(
        {**virtuoso.env(), "QANTAR_DATA_DIR": str(REPO_ROOT),
         "QANTAR_STATE_DIR": str(directory / "state"), "QANTAR_WRITE_TOKEN": WRITE_TOKEN,
         "QANTAR_QUERY_TIMEOUT": "20", "QANTAR_QUERY_WORKERS": "2", "QANTAR_THREADS": "8"},
        [QANTAR, "serve", "--no-bundle"],
    ) as live:
        yield GraphByGraph("qantar-virtuoso", live.sparql, live.sparql, live.store,
                           headers={"Authorization": f"Bearer {WRITE_TOKEN}"})
