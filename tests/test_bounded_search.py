"""Search and reconciliation do bounded work (issue 26, items 6, 7 and 8c), on the real
`qantar serve`: text past the search limit is a clear 400 (the 404 page cuts it), never a 500
nor a traceback; a reconciliation batch is capped in queries, properties and values, and runs
under the query time limit, answering all of it or none."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from service.pages.search import SEARCH_TEXT_LIMIT
from service.reconcile.queries import BATCH_SIZE, MAX_PROPERTIES, MAX_REQUEST_BYTES, MAX_VALUES
from tests.live import LiveServer, copy_store, serve

pytestmark = pytest.mark.slow

HTML = {"Accept": "text/html"}
#: Characters that mean something to tantivy's query and regex syntax, and wide ones.
SPECIAL = "a+b*(c)[d]{e}|f^g$h.i?j\\k~l-m&n#o\"p:q/r 中ж😀é"


def texts(length: int) -> list[str]:
    return ["a" * length, (SPECIAL * (length // len(SPECIAL) + 1))[:length]]


LONG = [t for n in (600, 10_000) for t in texts(n)]
LONG_IDS = [f"{kind}-{len(t)}" for t in LONG for kind in ["plain" if t[0] == t[1] else "special"]]


def no_traceback(server: LiveServer) -> None:
    assert "Traceback" not in server.output()


@pytest.mark.parametrize("text", LONG, ids=LONG_IDS)
@pytest.mark.parametrize("path, name, accept", [
    ("/search", "q", "text/html"), ("/search", "q", "application/json"),
    ("/search.json", "q", "application/json"), ("/reconcile/suggest/entity", "prefix", "*/*")])
def test_long_search_text_is_a_clear_400(live_readonly: LiveServer, path: str, name: str,
                                         accept: str, text: str) -> None:
    response = requests.get(live_readonly.url + path, params={name: text},
                            headers={"Accept": accept}, timeout=30)
    assert response.status_code == 400, response.text[:300]
    assert f"at most {SEARCH_TEXT_LIMIT} characters" in response.text
    no_traceback(live_readonly)


@pytest.mark.parametrize("text", LONG, ids=LONG_IDS)
def test_a_long_reconciliation_query_is_a_clear_400(live_readonly: LiveServer,
                                                   text: str) -> None:
    batch = {"q0": {"query": "Tokayev"}, "q1": {"query": text}}
    response = requests.post(live_readonly.url + "/reconcile",
                             data={"queries": json.dumps(batch)}, timeout=30)
    assert response.status_code == 400, response.text[:300]
    assert "'q1'" in response.text and f"at most {SEARCH_TEXT_LIMIT}" in response.text
    valued = {"q0": {"query": "Tokayev", "properties": [{"pid": "rdfs:label", "v": text}]}}
    response = requests.post(live_readonly.url + "/reconcile",
                             data={"queries": json.dumps(valued)}, timeout=30)
    assert response.status_code == 400 and "property value" in response.text
    no_traceback(live_readonly)


@pytest.mark.parametrize("text", LONG, ids=LONG_IDS)
def test_the_404_page_of_a_long_path_is_a_404(live_readonly: LiveServer, text: str) -> None:
    url = live_readonly.url + "/id/person/" + quote(text.replace("/", "-"), safe="")
    response = requests.get(url, headers=HTML, timeout=30)
    assert response.status_code == 404, response.text[:300]
    no_traceback(live_readonly)


def test_search_text_at_the_limit_is_searched(live_readonly: LiveServer) -> None:
    text = ("Tokayev " * SEARCH_TEXT_LIMIT)[:SEARCH_TEXT_LIMIT]
    response = requests.get(live_readonly.url + "/search.json", params={"q": text}, timeout=30)
    assert response.status_code == 200 and response.json() == []
    found = requests.get(live_readonly.url + "/search.json", params={"q": "Tokayev"}).json()
    assert found


def reconcile(server: LiveServer, batch: dict) -> requests.Response:
    return requests.post(server.url + "/reconcile", data={"queries": json.dumps(batch)},
                         timeout=120)


def properties(count: int, values: int) -> list[dict]:
    return [{"pid": "rdfs:label", "v": [f"value {i} {j}" for j in range(values)]}
            for i in range(count)]


def test_a_batch_over_the_batch_size_is_413_saying_the_limit(live_readonly: LiveServer) -> None:
    response = reconcile(live_readonly, {f"q{i}": {"query": "x"} for i in range(BATCH_SIZE + 1)})
    assert response.status_code == 413
    assert f"at most {BATCH_SIZE} queries" in response.text


def test_the_probes_batch_is_refused_before_it_is_parsed(live_readonly: LiveServer) -> None:
    """50 queries × 1,000 properties × 10 values (11 MB once took 42 s): a 413 naming the
    limit on the request's size, before seconds go into reading it as a form."""
    batch = {f"q{i}": {"query": "Tokayev", "properties": properties(1000, 10)}
             for i in range(50)}
    response = reconcile(live_readonly, batch)
    assert response.status_code == 413, response.text[:300]
    assert f"at most {MAX_REQUEST_BYTES} bytes" in response.text


def test_too_many_properties_or_values_are_a_400_saying_the_limit(
    live_readonly: LiveServer,
) -> None:
    many = reconcile(live_readonly, {"q": {"query": "Tokayev",
                                           "properties": properties(MAX_PROPERTIES + 1, 1)}})
    assert many.status_code == 400 and f"at most {MAX_PROPERTIES} properties" in many.text
    wide = reconcile(live_readonly, {"q": {"query": "Tokayev",
                                           "properties": properties(1, MAX_VALUES + 1)}})
    assert wide.status_code == 400 and f"at most {MAX_VALUES} values" in wide.text
    fits = reconcile(live_readonly, {"q": {"query": "Tokayev",
                                           "properties": properties(MAX_PROPERTIES,
                                                                    MAX_VALUES)}})
    assert fits.status_code == 200 and fits.json()["q"]["result"]


def test_the_largest_batch_allowed_finishes_or_is_refused_whole(
    tmp_path: Path, bundle_store_template: Path,
) -> None:
    """Under a tiny query time limit, the heaviest batch the caps allow is a 503 that says
    so, with no answer for any query; under the usual limit, it is answered whole."""
    heavy = {f"q{i}": {"query": name, "properties": properties(MAX_PROPERTIES, MAX_VALUES)}
             for i, name in enumerate(["Tokayev", "Almaty", "Masja", "CSTO", "Putin"]
                                      * (BATCH_SIZE // 5))}
    store = copy_store(bundle_store_template, tmp_path / "store")
    with serve(store, QANTAR_QUERY_TIMEOUT="0.2") as server:
        refused = reconcile(server, heavy)
        assert refused.status_code == 503, refused.text[:300]
        assert "reconciliation batch ran longer than the limit of 0.2 s" in refused.text
        assert "result" not in refused.text
        no_traceback(server)
    with serve(store, QANTAR_QUERY_TIMEOUT="60") as server:
        answered = reconcile(server, heavy)
        assert answered.status_code == 200
        assert sorted(answered.json()) == sorted(heavy)


def test_the_manifest_varies_by_host(live_readonly: LiveServer) -> None:
    response = requests.get(live_readonly.url + "/reconcile",
                            headers={"Host": "example.org"}, timeout=30)
    assert response.status_code == 200
    assert "Host" in [v.strip() for v in response.headers["Vary"].split(",")]
    assert response.json()["view"]["url"].startswith("http://example.org/")
