"""How far one request travels in the serving process: the service's functions it enters, the
modules they live in, and the messages it sends down a pipe (to a query worker or the writer).

``python -m bench.hops STORE_DIR`` copies the store, serves it in process with the cache off,
sends each request once to warm up (workers started, pages compiled), then traces the second:
an uncached ``GET /sparql`` point lookup and a Graph Store ``PUT`` of a small graph. Only the
serving process is traced (the worker and the writer are other processes: their side of the
work is counted as the messages sent to them). The figures are for docs/architecture.md;
they do not depend on the machine, only on the code.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from service.app import create_app
from service.config import REPO_ROOT, Settings

SERVICE = str(REPO_ROOT / "service")
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


def main(store: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="qantar-hops-") as scratch:
        copy = Path(scratch) / "store"
        shutil.copytree(store, copy)
        app = create_app(Settings.from_env({
            "QANTAR_STORE": str(copy), "QANTAR_DATA_DIR": str(REPO_ROOT),
            "QANTAR_QUERY_WORKERS": "1", "QANTAR_CACHE_BYTES": "0",
            "QANTAR_WRITE_TOKEN": TOKEN}))
        client = app.test_client()

        def lookup() -> object:
            response = client.get("/sparql", query_string={"query": LOOKUP},
                                  headers={"Accept": "application/sparql-results+json"})
            assert response.status_code == 200, response.text
            return response.data

        def put() -> object:
            response = client.put("/store", query_string={"graph": GRAPH}, data=DATA,
                                  headers={"Content-Type": "application/n-triples",
                                           "Authorization": f"Bearer {TOKEN}"})
            assert response.status_code in (201, 204), response.text
            return response.data

        try:
            for name, request in (("GET /sparql (point lookup, uncached)", lookup),
                                  ("PUT /store (Graph Store, 2 triples)", put)):
                request()  # warm: workers started, templates and caches filled
                trace = traced(request)
                print(f"{name}: {len(trace.functions)} functions in {len(trace.modules)} "
                      f"modules ({trace.calls} calls), {trace.sent} pipe messages sent")
                if "-v" in sys.argv:
                    for module, function in sorted(trace.functions):
                        print(f"    {module}.{function}")
        finally:
            app.extensions["qantar"].close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
