"""The Reconciliation Service API 0.2 at /reconcile, through Flask's test client on the bundled
graph: every answer is checked against the specification's JSON schemas."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.namespaces import ARTICLE_GRAPH, ONTOLOGY_GRAPH, QANTAR
from service.reconcile.extend import literal_cell
from service.reconcile.queries import BATCH_SIZE, MAX_LIMIT
from tests.reconciliation import SCHEMAS, assert_valid, errors

TOKAYEV = "person/kassym-jomart-tokayev"


def reconcile(client: FlaskClient, queries: dict) -> dict:
    response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.text
    assert_valid("reconciliation-result-batch", response.json)
    return response.json


def extend(client: FlaskClient, ids: list[str], properties: list[str]) -> dict:
    query = {"ids": ids, "properties": [{"id": p} for p in properties]}
    assert_valid("data-extension-query", query)
    response = client.post("/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code == 200, response.text
    assert_valid("data-extension-response", response.json)
    return response.json


def store_of(app: Flask):
    return app.extensions["qantar"].store


# --- the schemas themselves -----------------------------------------------------------------


@pytest.mark.parametrize("example", sorted((SCHEMAS / "examples").rglob("*.json")),
                         ids=lambda p: str(p.relative_to(SCHEMAS / "examples")))
def test_the_vendored_schemas_judge_the_specifications_own_examples(example: Path) -> None:
    kind, verdict = example.parent.parent.name, example.parent.name
    name = "data-extension-property-proposal" if kind == "data-extension-property-proposal" \
        else kind
    found = errors(name, json.loads(example.read_text(encoding="utf-8")))
    assert (not found) == (verdict == "valid"), found


# --- manifest -------------------------------------------------------------------------------


def test_the_manifest_is_valid_and_names_our_spaces(app: Flask, client: FlaskClient) -> None:
    response = client.get("/reconcile", headers={"Origin": "http://127.0.0.1:3333"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    manifest = response.json
    assert_valid("manifest", manifest)
    assert manifest["versions"] == ["0.2"]
    base = app.extensions["qantar"].settings.base_iri
    assert manifest["identifierSpace"] == f"{base}id/"
    assert manifest["schemaSpace"] == str(QANTAR)
    assert manifest["batchSize"] == BATCH_SIZE
    assert set(manifest["suggest"]) == {"entity", "type", "property"}
    assert manifest["extend"]["propose_properties"]["service_path"] == "/propose_properties"


def test_the_default_types_are_the_ontologys_own_classes(app: Flask,
                                                          client: FlaskClient) -> None:
    declared = {row["c"].value for row in store_of(app).query(
        f"SELECT ?c WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?c a "
        "<http://www.w3.org/2002/07/owl#Class> }}")
        if row["c"].value.startswith(str(QANTAR))}
    types = client.get("/reconcile").json["defaultTypes"]
    assert {str(QANTAR) + t["id"].removeprefix("qantar:") for t in types} == declared
    person = next(t for t in types if t["id"] == "qantar:Person")
    assert person["name"] == "person"
    assert {"id": "qantar:Agent", "name": "agent"} in person["broader"]


def test_the_view_and_preview_templates_open_the_entity(client: FlaskClient) -> None:
    manifest = client.get("/reconcile").json
    for key, mimetype in (("view", "text/html"), ("preview", "text/html")):
        # OpenRefine puts the identifier in encoded as a URI component
        url = manifest[key]["url"].replace("{{id}}", quote(TOKAYEV, safe=""))
        response = client.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200, (key, url)
        assert response.mimetype == mimetype
        assert "Kassym-Jomart Tokayev" in response.text


# --- reconciliation queries -----------------------------------------------------------------


def test_tokajev_finds_tokayev_the_person_as_a_match(client: FlaskClient) -> None:
    result = reconcile(client, {"q0": {"query": "Tokajev"}})["q0"]["result"]
    top = result[0]
    assert top["id"] == TOKAYEV and top["name"] == "Kassym-Jomart Tokayev"
    assert top["match"] is True and top["score"] == 100
    assert {"id": "qantar:Person", "name": "person"} in top["type"]
    assert [c["score"] for c in result] == sorted((c["score"] for c in result), reverse=True)
    assert not any(c["match"] for c in result[1:])


def test_a_near_spelling_finds_him_but_is_no_match(client: FlaskClient) -> None:
    top = reconcile(client, {"q": {"query": "Tokaiev"}})["q"]["result"][0]
    assert top["id"] == TOKAYEV
    assert 80 <= top["score"] < 95 and top["match"] is False


def test_masja_and_misja_stay_two(client: FlaskClient) -> None:
    answer = reconcile(client, {"masja": {"query": "Masja"}, "misja": {"query": "Misja"}})
    for name, other in (("masja", "misja"), ("misja", "masja")):
        result = answer[name]["result"]
        ids = [c["id"] for c in result]
        assert ids[0] == f"person/{name}" and result[0]["match"] is True
        assert f"person/{other}" in ids  # the other one is a candidate of its own, far below
        second = result[ids.index(f"person/{other}")]
        assert second["match"] is False and second["score"] <= result[0]["score"] - 10


def test_a_wrong_type_demotes_the_candidate(client: FlaskClient) -> None:
    answer = reconcile(client, {
        "any": {"query": "Tokajev", "limit": 20},
        "right": {"query": "Tokajev", "type": "qantar:Agent"},
        "wrong": {"query": "Tokajev", "type": "qantar:Organization", "limit": 20},
        "should": {"query": "Tokajev", "type": ["qantar:Organization"], "limit": 20,
                   "type_strict": "should"},
    })

    def tokayev(key: str) -> dict:
        return next(c for c in answer[key]["result"] if c["id"] == TOKAYEV)

    assert tokayev("right")["match"] is True  # a superclass of his type fits
    assert {"id": "type", "value": True} in tokayev("right")["features"]
    wrong = tokayev("wrong")
    assert wrong["score"] < tokayev("any")["score"] and wrong["match"] is False
    assert {"id": "type", "value": False} in wrong["features"]
    assert {"id": "qantar:Person", "name": "person"} in wrong["type"]  # why it was demoted
    assert wrong["score"] < tokayev("should")["score"] < tokayev("any")["score"]


def test_an_identifier_or_iri_as_the_query_finds_the_entity(app: Flask,
                                                            client: FlaskClient) -> None:
    base = app.extensions["qantar"].settings.base_iri
    answer = reconcile(client, {"id": {"query": "person/misja"},
                                "iri": {"query": f"{base}id/person/misja"}})
    for key in ("id", "iri"):
        top = answer[key]["result"][0]
        assert top["id"] == "person/misja" and top["score"] == 100


def test_property_constraints_raise_the_candidate_that_has_them(client: FlaskClient) -> None:
    answer = reconcile(client, {
        "with": {"query": "Smailov", "properties": [
            {"pid": "skos:altLabel", "v": "Alikhan Smailov"},
            {"pid": "^qantar:appointee", "v": {"id": "relation/tokayev-appoints-smailov"}}]},
        "against": {"query": "Smailov", "properties": [
            {"pid": "skos:altLabel", "v": "Somebody Else"}]},
    })
    top = answer["with"]["result"][0]
    assert top["id"] == "person/alikhan-smailov"
    assert {"id": "property:skos:altLabel", "value": 1.0} in top["features"]
    assert {"id": "property:^qantar:appointee", "value": 1.0} in top["features"]
    against = next(c for c in answer["against"]["result"] if c["id"] == top["id"])
    assert against["score"] < top["score"] and against["match"] is False


def test_a_query_of_properties_alone_finds_what_has_them(app: Flask,
                                                         client: FlaskClient) -> None:
    made = {row["c"].value.rsplit("/id/", 1)[1] for row in store_of(app).query(
        "SELECT ?c WHERE { ?c <https://w3id.org/qantar/ontology#claimant> "
        "<https://w3id.org/qantar/id/person/masja> }")}
    result = reconcile(client, {"q": {"properties": [
        {"pid": "qantar:claimant", "v": {"id": "person/masja"}}], "limit": 50}})["q"]["result"]
    assert {c["id"] for c in result} == made and len(made) > 1


def test_get_with_queries_works_too(client: FlaskClient) -> None:
    response = client.get("/reconcile?queries=" + quote(json.dumps({"q": {"query": "Masja"}})))
    assert response.status_code == 200
    assert response.json["q"]["result"][0]["id"] == "person/masja"


def test_a_batch_over_the_batch_size_is_the_apis_413(client: FlaskClient) -> None:
    batch = {f"q{i}": {"query": "x"} for i in range(BATCH_SIZE + 1)}
    response = client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert response.status_code == 413, response.text
    assert f"at most {BATCH_SIZE} queries" in response.text


@pytest.mark.parametrize("data", [
    {"queries": "{not json"},
    {"queries": "[]"},
    {"queries": json.dumps({"q": "Tokayev"})},
    {"queries": json.dumps({"q": {"query": "x", "limit": 10**12}})},
    {"queries": json.dumps({"q": {"query": "x", "limit": 0}})},
    {"queries": json.dumps({"q": {"query": "x", "limit": "5"}})},
    {"queries": json.dumps({"q": {"query": ""}})},
    {"queries": json.dumps({"q": {"type": "qantar:Person"}})},
    {"queries": json.dumps({"q": {"query": "x", "typ": "qantar:Person"}})},
    {"queries": json.dumps({"q": {"query": "x", "type": "not a type"}})},
    {"queries": json.dumps({"q": {"query": "x", "type_strict": "maybe"}})},
    {"queries": json.dumps({"q": {"query": "x", "properties": [{"pid": "nope nope", "v": 1}]}})},
    {"queries": json.dumps({"q": {"query": "x", "properties": [{"p": "rdfs:label"}]}})},
    {"queries": "[" * 100_000},
    {"extend": "{}"},
    {"extend": json.dumps({"ids": ["person/masja"], "properties": [{"id": "not a property"}]})},
    {"extend": json.dumps({"ids": ["x"] * 10_000, "properties": [{"id": "rdfs:label"}]})},
    {"queries": "{}", "extend": "{}"},
    {},
])
def test_bad_input_is_a_clear_400(client: FlaskClient, data: dict) -> None:
    response = client.post("/reconcile", data=data)
    assert response.status_code == 400, response.text
    assert response.mimetype == "text/plain"
    assert response.text.strip()


def test_a_json_body_is_refused_with_415(client: FlaskClient) -> None:
    response = client.post("/reconcile", json={"q": {"query": "Masja"}})
    assert response.status_code == 415
    assert "queries=" in response.text


def test_the_limit_is_kept(client: FlaskClient) -> None:
    answer = reconcile(client, {"one": {"query": "Tokayev", "limit": 1},
                                "max": {"query": "a", "limit": MAX_LIMIT}})
    assert len(answer["one"]["result"]) == 1
    assert len(answer["max"]["result"]) <= MAX_LIMIT


# --- suggest and property proposals ---------------------------------------------------------


def test_suggest_entities_by_prefix_and_by_identifier(client: FlaskClient) -> None:
    response = client.get("/reconcile/suggest/entity?prefix=Toka")
    assert_valid("suggest-entities-response", response.json)
    first = response.json["result"][0]
    assert first["id"] == TOKAYEV
    assert {"id": "qantar:Person", "name": "person"} in first["notable"]
    by_id = client.get(f"/reconcile/suggest/entity?prefix={TOKAYEV}").json["result"]
    assert by_id[0]["id"] == TOKAYEV
    page2 = client.get("/reconcile/suggest/entity?prefix=Toka&cursor=1").json["result"]
    assert page2[0] == response.json["result"][1]


def test_suggest_types_and_properties(client: FlaskClient) -> None:
    types = client.get("/reconcile/suggest/type?prefix=pers").json
    assert_valid("suggest-types-response", types)
    assert types["result"][0]["id"] == "qantar:Person"
    properties = client.get("/reconcile/suggest/property?prefix=claim").json
    assert_valid("suggest-properties-response", properties)
    assert "qantar:claimant" in [p["id"] for p in properties["result"]]


@pytest.mark.parametrize("url", ["/reconcile/suggest/entity", "/reconcile/suggest/type?x=1",
                                 "/reconcile/suggest/entity?prefix=a&cursor=-1",
                                 "/reconcile/propose_properties?type=qantar:Person&limit=0",
                                 "/reconcile/propose_properties?type=no%20type",
                                 "/reconcile/suggest/property?prefix=%FF"])
def test_bad_suggest_and_proposal_requests_are_400(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400, response.text


def test_proposed_properties_are_what_the_type_has(client: FlaskClient) -> None:
    response = client.get("/reconcile/propose_properties?type=qantar:Person&limit=100")
    proposal = response.json
    assert_valid("data-extension-property-proposal", proposal)
    assert proposal["type"] == "qantar:Person" and proposal["limit"] == 100
    ids = [p["id"] for p in proposal["properties"]]
    for expected in ("skos:altLabel", "skos:altLabel@graph", "qantar:statedAge",
                     "^qantar:claimant", "^qantar:about", "^qantar:about@claimant"):
        assert expected in ids
    assert "sem:hasPlace" not in ids  # events have places, people do not
    limited = client.get("/reconcile/propose_properties?type=qantar:Person&limit=3").json
    assert [p["id"] for p in limited["properties"]] == ids[:3]


# --- data extension -------------------------------------------------------------------------


def test_values_come_with_the_graph_that_states_them(app: Flask, client: FlaskClient) -> None:
    answer = extend(client, [TOKAYEV, "person/masja", "person/nobody"],
                    ["skos:altLabel", "skos:altLabel@graph", "qantar:statedAge"])
    assert [m["id"] for m in answer["meta"]] == ["skos:altLabel", "skos:altLabel@graph",
                                                 "qantar:statedAge"]
    row = answer["rows"][TOKAYEV]
    pairs = {(v["str"], g["str"]) for v, g in zip(row["skos:altLabel"],
                                                   row["skos:altLabel@graph"], strict=True)}
    expected = {(r["n"].value, r["g"].value) for r in store_of(app).query(
        "SELECT ?n ?g WHERE { GRAPH ?g { <https://w3id.org/qantar/id/person/kassym-jomart-"
        "tokayev> <http://www.w3.org/2004/02/skos/core#altLabel> ?n } }")}
    assert pairs == expected and ("Tokajev", str(ARTICLE_GRAPH)) in pairs
    assert answer["rows"]["person/nobody"] == {"skos:altLabel": [], "skos:altLabel@graph": [],
                                               "qantar:statedAge": []}
    ages = extend(client, ["person/nursultan-nazarbayev"], ["qantar:statedAge"])
    assert ages["rows"]["person/nursultan-nazarbayev"]["qantar:statedAge"] == [{"int": 81}]


def test_claims_come_with_their_claimant(app: Flask, client: FlaskClient) -> None:
    event = "event/january-2022-unrest"
    answer = extend(client, [event], ["^qantar:about", "^qantar:about@claimant",
                                      "^qantar:about@graph"])
    row = answer["rows"][event]
    assert len(row["^qantar:about"]) == len(row["^qantar:about@claimant"]) \
        == len(row["^qantar:about@graph"])
    pairs = {(c["id"], w["id"]) for c, w in zip(row["^qantar:about"],
                                                row["^qantar:about@claimant"], strict=True)}
    expected = {(r["c"].value.split("/id/")[1], r["w"].value.split("/id/")[1])
                for r in store_of(app).query(
        "PREFIX q: <https://w3id.org/qantar/ontology#> SELECT ?c ?w WHERE { "
        "?c q:about <https://w3id.org/qantar/id/event/january-2022-unrest> ; q:claimant ?w }")}
    assert pairs == expected
    assert ("claim/tokayev-coup-attempt", TOKAYEV) in pairs
    names = {w["id"]: w["name"] for w in row["^qantar:about@claimant"]}
    assert names[TOKAYEV] == "Kassym-Jomart Tokayev"


def test_dates_follow_the_schema(client: FlaskClient) -> None:
    answer = extend(client, ["claim/nrc-use-of-live-ammunition-unclear"], ["qantar:statedOn"])
    assert answer["rows"]["claim/nrc-use-of-live-ammunition-unclear"]["qantar:statedOn"] == [
        {"str": "2022-01-15"}]  # a day, not a midnight
    xsd = "http://www.w3.org/2001/XMLSchema#"
    cells = {
        "2022-01-05T23:30:00+06:00": {"date": "2022-01-05T23:30:00+06:00"},
        "2022-01-05T23:30:00": {"date": "2022-01-05T23:30:00"},
    }
    for text, cell in cells.items():
        assert literal_cell(ox.Literal(text, datatype=ox.NamedNode(xsd + "dateTime"))) == cell
    assert literal_cell(ox.Literal("2.5", datatype=ox.NamedNode(xsd + "decimal"))) == {
        "float": 2.5}
    assert literal_cell(ox.Literal("NaN", datatype=ox.NamedNode(xsd + "double"))) == {
        "str": "NaN"}
    for cell in [*cells.values(), {"str": "NaN"}]:
        assert_valid("data-extension-response", {"meta": [{"id": "p", "name": "p"}],
                                                 "rows": {"x": {"p": [cell]}}})


# --- preview and framing --------------------------------------------------------------------


def test_only_the_preview_may_be_framed(app: Flask, client: FlaskClient) -> None:
    preview = client.get(f"/reconcile/preview?id={quote(TOKAYEV, safe='')}")
    assert preview.status_code == 200 and preview.mimetype == "text/html"
    assert "X-Frame-Options" not in preview.headers
    assert "frame-ancestors *" in preview.headers["Content-Security-Policy"]
    assert "Tokajev" in preview.text  # the other names tell namesakes apart
    checked = 0
    urls = [r.rule for r in app.url_map.iter_rules()
            if "GET" in r.methods and not r.arguments and r.endpoint != "reconcile.preview"]
    urls += ["/page/id/person/masja", "/classes/qantar:Person", "/search?q=Masja",
             "/page/id/person/nobody", "/no/such/page", "/sparql?query=ASK%7B%7D"]
    for url in urls:
        response = client.get(url, headers={"Accept": "text/html"})
        if response.mimetype != "text/html":
            continue
        checked += 1
        assert response.headers.get("X-Frame-Options") == "DENY", url
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], url
    assert checked >= 10


def test_the_preview_of_an_unknown_entity_is_404(client: FlaskClient) -> None:
    for identifier in ("person/nobody", "", "http://example.org/x", "a b"):
        response = client.get(f"/reconcile/preview?id={quote(identifier)}")
        assert response.status_code == 404
