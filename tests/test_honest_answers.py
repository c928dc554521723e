"""Nothing the service sends passes for a whole answer when it is not one.

An answer cut by the time limit after its status went out must reach the client as an
incomplete transfer (the connection aborted without the final chunk), in every results format
and on both stores; and a read right after the service's own write sees that write (a graph
just deleted is a clean 404, never a 200 whose body breaks off).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live import AUTH, BACKENDS, WRITE_TOKEN, LiveServer, copy_store, serve_on

#: 3,500 triples squared: twelve million rows, far more than one second can write out.
CROSS_PRODUCT = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }"
FORMATS = ("text/csv", "text/tab-separated-values", "application/sparql-results+json",
           "application/sparql-results+xml")
LIMIT_S = 1


@pytest.fixture(scope="module", params=BACKENDS)
def short_limit(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                bundle_store_template: Path) -> Iterator[LiveServer]:
    """`qantar serve` with a one-second query limit, and a write token."""
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("cut") / "store")
    with serve_on(request.param, store, QANTAR_QUERY_TIMEOUT=str(LIMIT_S),
                  QANTAR_WRITE_TOKEN=WRITE_TOKEN) as server:
        yield server


def _read_all(response: requests.Response) -> int:
    """Read the body to its end without keeping it; the bytes read. Raises what the client
    raises on a transfer that breaks off."""
    total = 0
    for chunk in response.iter_content(1 << 20):
        total += len(chunk)
    return total


@pytest.mark.parametrize("mime", FORMATS)
def test_an_answer_cut_by_the_time_limit_never_ends_cleanly(short_limit: LiveServer,
                                                            mime: str) -> None:
    with requests.get(short_limit.sparql, params={"query": CROSS_PRODUCT},
                      headers={"Accept": mime}, stream=True, timeout=60) as response:
        if response.status_code != 200:  # cut before the first byte: the status says so
            assert response.status_code == 503, response.text[:300]
            assert "limit" in response.text
            return
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            read = _read_all(response)
            pytest.fail(f"a {mime} answer cut by the time limit ended cleanly after {read} "
                        "bytes")
    assert "answer cut short" in short_limit.output()
    assert CROSS_PRODUCT in short_limit.output()  # the log says which query


def test_a_whole_streamed_answer_still_ends_cleanly(live_readonly: LiveServer) -> None:
    """An answer large enough to be streamed (over the 256 KiB held back), finished within the
    limit, is read to its end. On the shared server with the usual limit: a one-second limit
    could cut even this on a loaded machine."""
    query = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 5000"
    response = requests.get(live_readonly.sparql, params={"query": query},
                            headers={"Accept": "text/csv"}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    assert len(response.content) > 256 * 1024
    assert response.text.count("\n") == 5001


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_graph_deleted_by_the_service_is_gone_for_the_next_read(
    backend: str, tmp_path: Path, bundle_store_template: Path
) -> None:
    store = copy_store(bundle_store_template, tmp_path / "store")
    graph = {"graph": "http://example.org/graph/put-delete-get"}
    with serve_on(backend, store, QANTAR_WRITE_TOKEN=WRITE_TOKEN) as server:
        for _ in range(10):
            put = requests.put(server.store, params=graph, data="<urn:x:a> <urn:x:b> _:c .",
                               headers={**AUTH, "Content-Type": "text/turtle"}, timeout=60)
            assert put.status_code in (201, 204), put.text
            assert requests.get(server.store, params=graph, timeout=60).status_code == 200
            deleted = requests.delete(server.store, params=graph, headers=AUTH, timeout=60)
            assert deleted.status_code == 204, deleted.text
            gone = requests.get(server.store, params=graph, timeout=60)  # reads the body whole
            assert gone.status_code == 404, gone.text[:300]
