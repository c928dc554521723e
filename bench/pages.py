"""How long the pages take on a big entity: the bundled graph plus N claims by one person.

    .venv/bin/python -m bench.pages            # 30,000 claims
    .venv/bin/python -m bench.pages 3000

Each page is requested twice through Flask's test client (the first request also compiles
templates and fills the per-write caches: class counts, the name index); both times are
printed. Not part of the test suite; ``tests/test_pages_safety.py`` holds the 3,000-claim bound.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph

from service.app import create_app
from service.config import Settings
from service.loader import load_bundle
from service.store.embedded.store import EmbeddedStore

HUB = "https://w3id.org/qantar/id/person/hub"
PAGES = ("/page/id/person/hub", "/page/id/person/hub?page=50", "/classes/qantar:Claim",
         "/classes/qantar:Claim?page=40", "/search?q=claim%2012", "/timeline", "/",
         "/page/id/person/kassym-jomart-tokayev", "/data/id/person/hub.ttl")


def main(claims: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        load_bundle(Settings.from_env({"QANTAR_STORE": str(store)}))
        lines = [f'<{HUB}> a <https://w3id.org/qantar/ontology#Person> ; '
                 f'<http://www.w3.org/2000/01/rdf-schema#label> "Hub"@en .']
        lines += [f"<https://w3id.org/qantar/id/claim/hub-{i:06d}> "
                  f"a <https://w3id.org/qantar/ontology#Claim> ; "
                  f'<http://www.w3.org/2000/01/rdf-schema#label> "Claim {i}"@en ; '
                  f"<https://w3id.org/qantar/ontology#claimant> <{HUB}> ."
                  for i in range(claims)]
        with EmbeddedStore(store) as db:
            db.add_graph("https://w3id.org/qantar/graph/bench",
                         Graph().parse(data="\n".join(lines), format="turtle"))
        app = create_app(Settings.from_env({"QANTAR_STORE": str(store),
                                            "QANTAR_QUERY_WORKERS": "1"}))
        client = app.test_client()
        print(f"the bundled graph plus {claims:,} claims by one person")
        print(f"{'first':>9} {'again':>9}  page")
        try:
            for path in PAGES:
                times = []
                for _ in range(2):
                    started = time.perf_counter()
                    status = client.get(path, headers={"Accept": "text/html"}).status_code
                    times.append((time.perf_counter() - started) * 1000)
                    assert status == 200, (path, status)
                print(f"{times[0]:7.0f}ms {times[1]:7.0f}ms  {path}")
        finally:
            app.extensions["qantar"].close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30_000)
