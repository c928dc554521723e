"""How far one request travels in the serving process: the service's functions it enters, the
modules they live in, and the messages it sends down a pipe (to a query worker or the writer).

``python -m bench.hops STORE_DIR`` copies the store, serves it in process with the cache off,
sends each request once to warm up (workers started, pages compiled), then traces the second,
called as the server calls the app (Flask's and werkzeug's own calls are counted apart):
an uncached ``GET /sparql`` point lookup and a Graph Store ``PUT`` of a small graph. Only the
serving process is traced (the worker and the writer are other processes: their side of the
work is counted as the messages sent to them). The figures are for docs/architecture.md;
they do not depend on the machine, only on the code. Last, the CPU time the serving process
spends per uncached point lookup (all its threads; the query worker is another process): a
figure of the machine, but one that another process's load changes little.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from flask import Flask
from werkzeug.test import EnvironBuilder

from service.app import create_app
from service.config import REPO_ROOT, Settings

SERVICE = str(REPO_ROOT / "service")
#: Point lookups (each a different text) over which the serving process's CPU is averaged.
CPU_SAMPLE = 2000
FRAMEWORK = re.compile(r"/site-packages/(flask|werkzeug)/")
TOKEN = "hops-token"
LOOKUP = ("SELECT ?p ?o WHERE { <https://w3id.org/qantar/id/person/kassym-jomart-tokayev> "
          "?p ?o }")
GRAPH = "http://example.org/graph/hops"
DATA = b"<urn:x:a> <urn:x:b> <urn:x:c> .\n<urn:x:a> <urn:x:d> \"e\" .\n"


@dataclass
class Trace:
    """What one request entered: service functions (module, name) and pipe messages sent."""

    functions: set[tuple[str, str]] = field(default_factory=set)
    calls: int = 0
    sent: int = 0
    framework: int = 0  # calls of Flask's and werkzeug's functions

    def __call__(self, frame: FrameType, event: str, arg: object) -> None:
        if event != "call":
            return
        code = frame.f_code
        if code.co_filename.startswith(SERVICE):
            module = code.co_filename[len(SERVICE) - len("service"):-3].replace("/", ".")
            self.functions.add((module, code.co_qualname))
            self.calls += 1
        elif code.co_filename.endswith("multiprocessing/connection.py") \
                and code.co_name == "send":
            self.sent += 1
        elif FRAMEWORK.search(code.co_filename):
            self.framework += 1

    @property
    def modules(self) -> set[str]:
        return {module for module, _ in self.functions}


def traced(request: Callable[[], object]) -> Trace:
    """The request's own thread (what runs beside it, such as the search index catching up
    after a write, is not the request's path)."""
    trace = Trace()
    sys.setprofile(trace)
    try:
        request()
    finally:
        sys.setprofile(None)
    return trace


def calling(app: Flask, environ: dict, status: str) -> Callable[[], object]:
    """The app called as the server calls it, on an environ made beforehand (so that what
    makes the request is not traced), its answer read to the end."""
    def call() -> object:
        seen: list[str] = []
        body = b"".join(app(environ, lambda s, h, e=None: seen.append(s)))
        assert seen[0].startswith(status), (seen, body)
        return body

    return call


def main(store: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="qantar-hops-") as scratch:
        copy = Path(scratch) / "store"
        shutil.copytree(store, copy)
        app = create_app(Settings.from_env({
            "QANTAR_STORE": str(copy), "QANTAR_DATA_DIR": str(REPO_ROOT),
            "QANTAR_QUERY_WORKERS": "1", "QANTAR_CACHE_BYTES": "0",
            "QANTAR_WRITE_TOKEN": TOKEN}))

        def lookup(n: int = 0) -> Callable[[], object]:
            return calling(app, EnvironBuilder(
                "/sparql", query_string={"query": f"{LOOKUP} # {n}"},
                headers={"Accept": "application/sparql-results+json"}).get_environ(), "200")

        def put() -> Callable[[], object]:
            return calling(app, EnvironBuilder(
                "/store", method="PUT", query_string={"graph": GRAPH}, data=DATA,
                headers={"Content-Type": "application/n-triples",
                         "Authorization": f"Bearer {TOKEN}"}).get_environ(), "20")

        try:
            for name, request in (("GET /sparql (point lookup, uncached)", lookup),
                                  ("PUT /store (Graph Store, 2 triples)", put)):
                request()()  # warm: workers started, templates and caches filled
                trace = traced(request())
                print(f"{name}: {len(trace.functions)} functions in {len(trace.modules)} "
                      f"modules ({trace.calls} calls), {trace.sent} pipe messages sent, "
                      f"{trace.framework} calls of Flask and werkzeug")
                if "-v" in sys.argv:
                    for module, function in sorted(trace.functions):
                        print(f"    {module}.{function}")
            calls = [lookup(n) for n in range(CPU_SAMPLE)]  # made before the clock starts
            started = time.process_time()
            for call in calls:
                call()
            spent = (time.process_time() - started) / CPU_SAMPLE
            print(f"GET /sparql (point lookup, uncached): {spent * 1000:.3f} ms of CPU in the "
                  f"serving process per request (mean of {CPU_SAMPLE}; the query worker's is "
                  "not counted)")
        finally:
            app.extensions["qantar"].close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
