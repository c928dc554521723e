"""Real SPARQL clients against the running service: SPARQLWrapper and rdflib's SPARQL stores."""

from __future__ import annotations

import pytest
import requests
from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, Unauthorized

from tests.live import WRITE_TOKEN, LiveServer

pytestmark = pytest.mark.slow

TOKAYEV = URIRef("https://w3id.org/qantar/id/person/kassym-jomart-tokayev")
LABEL = Literal("Kassym-Jomart Tokayev", lang="en")
NEW_GRAPH = URIRef("https://w3id.org/qantar/graph/client-test")
EX = "http://example.org/"


def wrapper(server: LiveServer, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_sparqlwrapper_selects_as_json_by_get_and_post(live_readonly: LiveServer) -> None:
    query = f"SELECT ?label WHERE {{ <{TOKAYEV}> <{RDFS.label}> ?label }}"
    for method in ("GET", POST):
        client = wrapper(live_readonly, query, JSON)
        client.setMethod(method)
        bindings = client.queryAndConvert()["results"]["bindings"]
        assert bindings == [{"label": {"type": "literal", "xml:lang": "en",
                                       "value": "Kassym-Jomart Tokayev"}}]


def test_sparqlwrapper_asks_as_xml_and_selects_as_csv(live_readonly: LiveServer) -> None:
    ask = wrapper(live_readonly, f"ASK {{ <{TOKAYEV}> ?p ?o }}", XML)
    assert ask.query().convert().getElementsByTagName("boolean")[0].firstChild.data == "true"
    select = wrapper(live_readonly, f"SELECT ?label {{ <{TOKAYEV}> <{RDFS.label}> ?label }}", CSV)
    assert select.queryAndConvert().decode("utf-8").splitlines() == [
        "label", "Kassym-Jomart Tokayev"]


def test_sparqlwrapper_constructs_a_graph(live_readonly: LiveServer) -> None:
    pattern = f"<{TOKAYEV}> <{RDFS.label}> ?l"
    query = f"CONSTRUCT {{ {pattern} }} WHERE {{ {pattern} }}"
    for fmt in (XML, TURTLE):
        result = wrapper(live_readonly, query, fmt).queryAndConvert()
        graph = result if isinstance(result, Graph) else Graph().parse(data=result,
                                                                        format="turtle")
        assert set(graph) == {(TOKAYEV, RDFS.label, LABEL)}


def test_sparqlwrapper_reports_a_malformed_query(live_readonly: LiveServer) -> None:
    with pytest.raises(QueryBadFormed) as caught:
        wrapper(live_readonly, "SELECT ?x WHERE { ?x ", JSON).query()
    assert "line" in str(caught.value) or "column" in str(caught.value)


def test_sparqlwrapper_updates_with_the_token_only(live_writable: LiveServer) -> None:
    update = f"INSERT DATA {{ GRAPH <{NEW_GRAPH}> {{ <{EX}a> <{EX}p> 'wrapper' }} }}"
    anonymous = SPARQLWrapper(live_writable.sparql, updateEndpoint=live_writable.sparql)
    anonymous.setMethod(POST)
    anonymous.setQuery(update)
    with pytest.raises(Unauthorized):
        anonymous.query()
    client = SPARQLWrapper(live_writable.sparql, updateEndpoint=live_writable.sparql)
    client.setMethod(POST)
    client.addCustomHttpHeader("Authorization", f"Bearer {WRITE_TOKEN}")
    client.setQuery(update)
    assert client.query().response.status == 204
    check = wrapper(live_writable, f"ASK {{ GRAPH <{NEW_GRAPH}> {{ ?s ?p 'wrapper' }} }}", JSON)
    assert check.queryAndConvert()["boolean"] is True


def test_rdflib_sparqlstore_reads_the_graph(live_readonly: LiveServer) -> None:
    graph = Graph(store=SPARQLStore(query_endpoint=live_readonly.sparql))
    assert LABEL in set(graph.objects(TOKAYEV, RDFS.label))
    rows = list(graph.query(
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert int(rows[0][0]) == 4
    assert (TOKAYEV, RDFS.label, LABEL) in graph


def test_rdflib_sparqlupdatestore_writes_a_named_graph(live_writable: LiveServer) -> None:
    auth = {"Authorization": f"Bearer {WRITE_TOKEN}"}
    store = SPARQLUpdateStore(query_endpoint=live_writable.sparql,
                              update_endpoint=live_writable.sparql, headers=auth)
    graph = Graph(store=store, identifier=NEW_GRAPH)
    triple = (URIRef(EX + "b"), URIRef(EX + "p"), Literal("rdflib"))
    graph.add(triple)
    assert triple in graph
    on_the_wire = requests.get(live_writable.store, params={"graph": str(NEW_GRAPH)},
                               headers={"Accept": "application/n-triples"})
    assert on_the_wire.status_code == 200
    assert set(Graph().parse(data=on_the_wire.text, format="nt")) == {triple}
    # rdflib scopes Graph.update to the graph: its WHERE reads this graph, not the others
    graph.update(f"INSERT {{ <{EX}c> <{EX}p> ?l }} WHERE {{ <{EX}b> <{EX}p> ?l }}")
    assert (URIRef(EX + "c"), URIRef(EX + "p"), Literal("rdflib")) in graph
    graph.remove(triple)
    assert triple not in graph
    assert len(graph) == 1
    store.close()


def test_rdflib_sparqlupdatestore_without_the_token_is_refused(live_writable: LiveServer) -> None:
    store = SPARQLUpdateStore(query_endpoint=live_writable.sparql,
                              update_endpoint=live_writable.sparql)
    graph = Graph(store=store, identifier=NEW_GRAPH)
    with pytest.raises(Exception) as caught:
        graph.add((URIRef(EX + "b"), URIRef(EX + "p"), Literal("x")))
    assert "401" in str(caught.value)
