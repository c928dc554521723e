"""/reconcile on the real `qantar serve`, on both stores, driven as OpenRefine drives it: the
manifest, a batch of queries with a type, the view and preview of a candidate, suggest, property
proposals and data extension. Every answer is checked against the specification's schemas."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import requests

from tests.live import LiveServer
from tests.reconciliation import assert_valid

pytestmark = pytest.mark.slow

#: What OpenRefine sends with every request of a standard service.
HEADERS = {"Origin": "http://127.0.0.1:3333", "User-Agent": "OpenRefine/3.8"}
NAMES = ["Tokajev", "Masja", "Misja", "Nazarbajev", "Alichan Smailov", "Omirbek", "Almaty",
         "CSTO", "Zhovtis", "Putin"]


def fill(template: str, identifier: str) -> str:
    return template.replace("{{id}}", quote(identifier, safe=""))


def test_openrefine_session(live_readonly: LiveServer) -> None:
    url = live_readonly.url + "/reconcile"
    manifest = requests.get(url, headers=HEADERS, timeout=30)
    assert manifest.status_code == 200
    assert manifest.headers["Access-Control-Allow-Origin"] == "*"
    manifest = manifest.json()
    assert_valid("manifest", manifest)
    assert manifest["view"]["url"].startswith(live_readonly.url + "/")

    # a column of names, reconciled against the type "agent", in one batch
    queries = {f"q{i}": {"query": name, "type": "qantar:Agent", "type_strict": "should"}
               for i, name in enumerate(NAMES)}
    response = requests.post(url, data={"queries": json.dumps(queries)}, headers=HEADERS,
                             timeout=60)
    assert response.status_code == 200, response.text
    batch = response.json()
    assert_valid("reconciliation-result-batch", batch)
    assert set(batch) == set(queries)
    tokayev = batch["q0"]["result"][0]
    assert tokayev["id"] == "person/kassym-jomart-tokayev" and tokayev["match"] is True
    assert batch["q1"]["result"][0]["id"] == "person/masja"
    assert batch["q2"]["result"][0]["id"] == "person/misja"

    # the candidate's page and its preview, as OpenRefine opens them
    page = requests.get(fill(manifest["view"]["url"], tokayev["id"]), timeout=30)
    assert page.status_code == 200 and "Kassym-Jomart Tokayev" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    preview = requests.get(fill(manifest["preview"]["url"], tokayev["id"]), headers=HEADERS,
                           timeout=30)
    assert preview.status_code == 200 and "Kassym-Jomart Tokayev" in preview.text
    assert "X-Frame-Options" not in preview.headers
    assert "frame-ancestors *" in preview.headers["Content-Security-Policy"]
    css = requests.get(live_readonly.url + "/reconcile/assets/preview.css", timeout=30)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")

    # "search for match" and the extension dialog
    suggest = manifest["suggest"]["entity"]
    found = requests.get(suggest["service_url"] + suggest["service_path"],
                         params={"prefix": "Masj"}, headers=HEADERS, timeout=30).json()
    assert_valid("suggest-entities-response", found)
    assert found["result"][0]["id"] == "person/masja"
    propose = manifest["extend"]["propose_properties"]
    proposal = requests.get(propose["service_url"] + propose["service_path"],
                            params={"type": "qantar:Person"}, headers=HEADERS,
                            timeout=30).json()
    assert_valid("data-extension-property-proposal", proposal)
    ids = [p["id"] for p in proposal["properties"]]
    wanted = ["skos:altLabel", "skos:altLabel@graph", "^qantar:claimant"]
    assert set(wanted) <= set(ids)
    extension = {"ids": [tokayev["id"], "person/masja"],
                 "properties": [{"id": p} for p in wanted]}
    response = requests.post(url, data={"extend": json.dumps(extension)}, headers=HEADERS,
                             timeout=60)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert_valid("data-extension-response", answer)
    row = answer["rows"][tokayev["id"]]
    assert {"str": "Tokajev"} in row["skos:altLabel"]
    assert len(row["skos:altLabel"]) == len(row["skos:altLabel@graph"])
    assert all(g["str"].startswith("https://w3id.org/qantar/graph/")
               for g in row["skos:altLabel@graph"])
    assert {"id": "claim/tokayev-coup-attempt",
            "name": "Tokayev: the unrest was a coup attempt"} in row["^qantar:claimant"]


@pytest.mark.parametrize("data", [
    {"queries": "{oops"},
    {"queries": json.dumps({"q": {"query": "x" * 500}})},
    {"queries": json.dumps({"q": {"query": "x", "limit": 10**9}})},
    {"extend": json.dumps({"ids": "person/masja"})},
])
def test_bad_input_over_http_is_a_400_never_a_500(live_readonly: LiveServer,
                                                  data: dict) -> None:
    response = requests.post(live_readonly.url + "/reconcile", data=data, headers=HEADERS,
                             timeout=30)
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
