"""Linked Data over real HTTP: RDF clients dereference our IRIs on the running service."""

from __future__ import annotations

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from service.namespaces import QANTAR
from tests.live import LiveServer

pytestmark = pytest.mark.slow

BASE = "https://w3id.org/qantar/"
TOKAYEV = "id/person/kassym-jomart-tokayev"
LABEL = (URIRef(BASE + TOKAYEV), RDFS.label, Literal("Kassym-Jomart Tokayev", lang="en"))


def test_rdflib_parses_an_entity_url_of_the_running_service(live_readonly: LiveServer) -> None:
    graph = Graph().parse(f"{live_readonly.url}/{TOKAYEV}")
    assert LABEL in graph
    # the statements are about the published IRI, whatever host served them
    assert (URIRef(BASE + "id/claim/tokayev-coup-attempt"), QANTAR.claimant,
            URIRef(BASE + TOKAYEV)) in graph


@pytest.mark.parametrize("rdflib_format", ["turtle", "json-ld", "xml", "nt"])
def test_rdflib_gets_the_format_it_asks_for(live_readonly: LiveServer, rdflib_format: str) -> None:
    graph = Graph().parse(f"{live_readonly.url}/{TOKAYEV}", format=rdflib_format)
    assert LABEL in graph


def test_the_iri_answers_303_and_the_document_200(live_readonly: LiveServer) -> None:
    response = requests.get(f"{live_readonly.url}/{TOKAYEV}", allow_redirects=False,
                            headers={"Accept": "text/turtle"}, timeout=10)
    assert response.status_code == 303
    assert response.headers["Vary"] == "Accept"
    document = requests.get(live_readonly.url + response.headers["Location"], timeout=10)
    assert document.status_code == 200
    assert document.headers["Content-Type"] == "text/turtle; charset=utf-8"


def test_a_browser_gets_the_page(live_readonly: LiveServer) -> None:
    response = requests.get(f"{live_readonly.url}/{TOKAYEV}", timeout=10, headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.url.endswith(f"/page/{TOKAYEV}")
    assert "<h1 lang=\"en\">Kassym-Jomart Tokayev</h1>" in response.text


def test_rdflib_dereferences_the_ontology_hash_iris(live_readonly: LiveServer) -> None:
    graph = Graph().parse(f"{live_readonly.url}/ontology")
    assert (QANTAR.Person, RDF.type, OWL.Class) in graph
    assert (QANTAR.Person, RDFS.subClassOf, QANTAR.Agent) in graph


def test_an_unknown_iri_is_a_404_for_rdflib(live_readonly: LiveServer) -> None:
    with pytest.raises(Exception) as caught:
        Graph().parse(f"{live_readonly.url}/id/person/nobody")
    assert "404" in str(caught.value)
