"""Versions of the data (service.versions): every acknowledged write records the version it
made, identified by the content of the data graphs; an export loaded afresh has the same
identifier; /graphs, VoID and the service description name the current version."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from service.imports.export import export_dataset
from service.imports.vocabulary import DCAT
from service.namespaces import VOID_GRAPH
from service.store.embedded.store import EmbeddedStore
from service.versions import (
    DEFAULT_GRAPH,
    changed_graphs,
    content_digests,
    current_version,
    recorded_digests,
    version_id,
)
from tests.live import AUTH

EX = "http://example.org/versions/"
TURTLE = {"Content-Type": "text/turtle"}


def _version(app: Flask) -> str:
    version = current_version(app.extensions["qantar"].store)
    assert version is not None
    return version.id


def test_the_loaded_bundle_is_in_the_version_its_content_gives(store_dir: Path) -> None:
    with EmbeddedStore(store_dir, read_only=True) as store:
        version = current_version(store)
        assert version is not None and version.by == "qantar load: the bundled graph"
        assert version.id == version_id(content_digests(store))
        assert recorded_digests(store) == content_digests(store)


def test_each_write_records_a_new_version_and_which_graphs_it_changed(
    writable_app: Flask,
) -> None:
    client = writable_app.test_client()
    store = lambda: writable_app.extensions["qantar"].store  # noqa: E731 - the newest snapshot
    before = _version(writable_app)
    graph = f"{EX}one"
    put = client.put(f"/store?graph={graph}", data=f"<{EX}a> <{EX}p> 1 .", headers={
        **TURTLE, **AUTH})
    assert put.status_code == 201, put.text
    after_put = current_version(store())
    assert after_put is not None and after_put.id != before
    assert after_put.by == f"HTTP PUT /store?graph={graph}"
    assert changed_graphs(store(), before) == [graph]
    assert after_put.id == version_id(content_digests(store()))
    # the previous version is named, and its record is kept
    previous = list(store().query(
        f"SELECT ?p WHERE {{ GRAPH <https://w3id.org/qantar/graph/provenance> {{ "
        f"<{after_put.iri}> <{DCAT.previousVersion}> ?p }} }}"))
    assert [row["p"].value for row in previous] == [current_version_iri(before)]

    update = client.post("/sparql", data={"update": f"INSERT DATA {{ <{EX}b> <{EX}p> 2 }}"},
                         headers=AUTH)
    assert update.status_code == 204, update.text
    after_update = current_version(store())
    assert after_update is not None and after_update.id not in (before, after_put.id)
    assert after_update.by == "SPARQL update (HTTP POST /sparql)"
    assert changed_graphs(store(), after_put.id) == [DEFAULT_GRAPH]
    assert changed_graphs(store(), before) == sorted([graph, DEFAULT_GRAPH])
    assert after_update.id == version_id(content_digests(store()))

    # the same content again is the same version, whatever wrote it
    client.post("/sparql", data={"update": f"DELETE DATA {{ <{EX}b> <{EX}p> 2 }}"},
                headers=AUTH)
    assert _version(writable_app) == after_put.id
    assert changed_graphs(store(), after_put.id) == []


def current_version_iri(ident: str) -> str:
    return f"https://w3id.org/qantar/id/version/{ident}"


def test_an_export_loaded_afresh_has_the_same_version(writable_app: Flask,
                                                      tmp_path: Path) -> None:
    client = writable_app.test_client()
    body = f"<{EX}s> <{EX}p> [ <{EX}q> \"blank\" ] . _:x <{EX}p> <{EX}s> ."
    assert client.put(f"/store?graph={EX}blank", data=body,
                      headers={**TURTLE, **AUTH}).status_code == 201
    store = writable_app.extensions["qantar"].store
    version = _version(writable_app)
    export = tmp_path / "export.nq"
    export.write_bytes(export_dataset(store, "nquads"))
    fresh = ox.Store(str(tmp_path / "fresh"))
    fresh.bulk_load(path=str(export), format=ox.RdfFormat.N_QUADS)  # blank nodes renamed
    fresh.flush()
    del fresh
    with EmbeddedStore(tmp_path / "fresh", read_only=True) as loaded:
        assert version_id(content_digests(loaded)) == version
        recorded = current_version(loaded)
        assert recorded is not None and recorded.id == version


def test_a_changed_blank_node_structure_or_literal_is_another_version(
    writable_app: Flask,
) -> None:
    client = writable_app.test_client()
    versions = set()
    for body in (f"<{EX}s> <{EX}p> \"x\" .", f"<{EX}s> <{EX}p> \"x\"@en .",
                 f"<{EX}s> <{EX}p> [] .", f"<{EX}s> <{EX}p> \"_:b .\" ."):
        assert client.put(f"/store?graph={EX}g", data=body,
                          headers={**TURTLE, **AUTH}).status_code in (201, 204)
        versions.add(_version(writable_app))
    assert len(versions) == 4


def test_graphs_void_and_the_service_description_name_the_current_version(
    client: FlaskClient, app: Flask,
) -> None:
    version = _version(app)
    page = client.get("/graphs")
    assert page.status_code == 200 and version in page.text
    twin = client.get("/graphs.json").get_json()
    assert {item["data_version"] for item in twin} == {version}
    digests = recorded_digests(app.extensions["qantar"].store)
    assert {item["iri"]: item["digest"] for item in twin if item["digest"]} == digests
    void = Graph().parse(data=client.get("/.well-known/void",
                                         headers={"Accept": "text/turtle"}).text,
                         format="turtle")
    assert (None, DCAT.hasCurrentVersion, URIRef(current_version_iri(version))) in void
    described = Graph().parse(data=client.get("/sparql", headers={
        "Accept": "text/turtle"}).text, format="turtle")
    assert (None, DCAT.hasCurrentVersion, URIRef(current_version_iri(version))) in described
    assert (URIRef(current_version_iri(version)), DCTERMS.identifier, None) in described
    assert str(VOID_GRAPH) not in digests
