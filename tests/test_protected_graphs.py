"""No client request writes the bundle's graphs or the provenance record: 403 with the reason,
nothing written, over the Graph Store Protocol and SPARQL Update alike, on both stores."""

from __future__ import annotations

import pytest
import requests

from tests.live import AUTH, LiveServer

pytestmark = pytest.mark.slow

PROVENANCE = "https://w3id.org/qantar/graph/provenance"
ARTICLE = "https://w3id.org/qantar/graph/nrc-2022-01-15"
EDITORIAL = "https://w3id.org/qantar/graph/editorial"
MINE = "http://example.org/graph/mine"
TURTLE = {**AUTH, "Content-Type": "text/turtle"}
TRIPLE = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> ."


def fingerprint(server: LiveServer) -> dict[str, int]:
    """Triples per graph, the protected ones included (named explicitly to be counted)."""
    named = " ".join(f"FROM NAMED <{g}>" for g in (PROVENANCE, ARTICLE, EDITORIAL, MINE))
    query = f"SELECT ?g (COUNT(*) AS ?n) {named} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    response = requests.get(server.sparql, params={"query": query},
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return {b["g"]["value"]: int(b["n"]["value"]) for b in response.json()["results"]["bindings"]}


def provenance(server: LiveServer) -> set[tuple[str, str, str]]:
    """The triples of the provenance graph (as N-Triples terms)."""
    query = (f"SELECT ?s ?p ?o FROM NAMED <{PROVENANCE}> "
             f"WHERE {{ GRAPH <{PROVENANCE}> {{ ?s ?p ?o }} }}")
    response = requests.get(server.sparql, params={"query": query},
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return {tuple(str(b[v]) for v in ("s", "p", "o"))
            for b in response.json()["results"]["bindings"]}


def client_triples_in_provenance(server: LiveServer) -> set[tuple[str, str, str]]:
    """What of the provenance graph is about example.org's resources: a client's, not the
    service's records (which name graphs, versions and writes under w3id.org/qantar)."""
    return {t for t in provenance(server) if "example.org/a" in t[0]}


@pytest.fixture
def uploaded(live_writable: LiveServer) -> LiveServer:
    """The bundle plus one upload, so that the provenance graph exists."""
    response = requests.put(live_writable.store, params={"graph": MINE}, data=TRIPLE,
                            headers=TURTLE)
    assert response.status_code == 201, response.text
    return live_writable


def assert_refused(response: requests.Response) -> None:
    assert response.status_code == 403, response.text
    assert "nothing was written" in response.text


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
@pytest.mark.parametrize("graph", [PROVENANCE, ARTICLE])
def test_the_graph_store_protocol_cannot_write_a_protected_graph(
    uploaded: LiveServer, method: str, graph: str
) -> None:
    before = fingerprint(uploaded)
    response = requests.request(method, uploaded.store, params={"graph": graph},
                                data=TRIPLE, headers=TURTLE)
    assert_refused(response)
    assert fingerprint(uploaded) == before


def test_a_dataset_upload_with_a_quad_in_a_protected_graph_writes_nothing(
    uploaded: LiveServer,
) -> None:
    before = fingerprint(uploaded)
    trig = (f"<{MINE}> {{ <http://example.org/x> <http://example.org/y> 1 }}\n"
            f"<{PROVENANCE}> {{ <http://example.org/x> <http://example.org/y> 2 }}")
    for method in ("POST", "PUT"):
        response = requests.request(method, uploaded.store, data=trig.encode(),
                                    headers={**AUTH, "Content-Type": "application/trig"})
        assert_refused(response)
    assert fingerprint(uploaded) == before


def test_a_put_of_the_whole_dataset_cannot_replace_the_bundle(uploaded: LiveServer) -> None:
    before = fingerprint(uploaded)
    response = requests.put(uploaded.store, data=f"<{MINE}> {{ {TRIPLE.decode()} }}".encode(),
                            headers={**AUTH, "Content-Type": "application/trig"})
    assert_refused(response)
    assert fingerprint(uploaded) == before


@pytest.mark.parametrize("update", [
    f"DROP GRAPH <{PROVENANCE}>",
    f"CLEAR GRAPH <{ARTICLE}>",
    f"INSERT DATA {{ GRAPH <{EDITORIAL}> {{ <http://example.org/a> <http://example.org/b> 1 }} }}",
    "PREFIX g: <https://w3id.org/qantar/graph/> DELETE WHERE { GRAPH g:editorial { ?s ?p ?o } }",
    "BASE <https://w3id.org/qantar/graph/> DROP GRAPH <provenance>",
    f"WITH <{PROVENANCE}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    f"MOVE <{MINE}> TO <{ARTICLE}>",
    f"INSERT DATA {{ GRAPH <{MINE}> {{ <http://example.org/d> <http://example.org/e> 1 }} }} ; "
    f"DROP GRAPH <{PROVENANCE}>",
])
def test_an_update_naming_a_protected_graph_is_refused(uploaded: LiveServer, update: str) -> None:
    before = fingerprint(uploaded)
    assert_refused(requests.post(uploaded.sparql, data={"update": update}, headers=AUTH))
    assert fingerprint(uploaded) == before


@pytest.mark.parametrize("update", [
    # the graph is computed, so only the effect shows it; the insert into MINE goes too
    f"INSERT DATA {{ GRAPH <{MINE}> {{ <http://example.org/f> <http://example.org/g> 1 }} }} ; "
    "INSERT { GRAPH ?g { <http://example.org/a> <http://example.org/b> 1 } } WHERE { "
    'BIND(IRI(CONCAT("https://w3id.org/qantar/graph/", "editorial")) AS ?g) }',
    "DROP ALL",
    "CLEAR NAMED",
    # the provenance graph reached through GRAPH ?g: written into, or some of it deleted
    f"INSERT DATA {{ GRAPH <{MINE}> {{ <http://example.org/f> <http://example.org/g> 1 }} }} ; "
    "INSERT { GRAPH ?g { <http://example.org/a> <http://example.org/b> 1 } } WHERE { "
    'BIND(IRI(CONCAT("https://w3id.org/qantar/graph/", "provenance")) AS ?g) }',
    "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o "
    'FILTER(STRENDS(STR(?g), "provenance") && isLiteral(?o)) } }',
])
def test_an_update_reaching_a_bundle_graph_unnamed_is_undone_whole(
    uploaded: LiveServer, update: str
) -> None:
    before = fingerprint(uploaded)
    response = requests.post(uploaded.sparql, data={"update": update}, headers=AUTH)
    assert_refused(response)
    if "provenance" in update and uploaded.settings.store_url is None:
        assert PROVENANCE in response.text  # names the graph the write reached
    assert fingerprint(uploaded) == before


def test_without_protected_graphs_drop_all_works_and_keeps_the_audit_trail(
    live_empty: LiveServer,
) -> None:
    put = requests.put(live_empty.store, params={"graph": MINE}, data=TRIPLE, headers=TURTLE)
    assert put.status_code == 201, put.text
    records = provenance(live_empty)
    response = requests.post(live_empty.sparql, data={"update": "DROP ALL"}, headers=AUTH)
    if live_empty.settings.store_url is not None:
        assert_refused(response)  # the remote store cannot check the effect: refused
        return
    assert response.status_code == 204, response.text
    after = fingerprint(live_empty)
    assert MINE not in after
    # every record is kept (but the pointer to the current version of the data, which moves to
    # the version the update made: service.versions)
    current = "http://www.w3.org/ns/dcat#hasCurrentVersion"
    kept = {t for t in records if not (current in t[1] and "/dataset" in t[0])}
    assert kept < provenance(live_empty)


def test_on_an_empty_store_no_update_creates_the_provenance_graph(live_empty: LiveServer) -> None:
    """Before the first upload there is no audit trail to compare with: an update that would
    create it through a computed graph name is refused all the same (the remote store, which
    cannot see the effect, refuses every INSERT into graphs the update does not name)."""
    forged = ("INSERT { GRAPH ?g { <http://example.org/a> <http://example.org/b> 1 } } WHERE { "
              'BIND(IRI(CONCAT("https://w3id.org/qantar/graph/", "prov", "enance")) AS ?g) }')
    assert_refused(requests.post(live_empty.sparql, data={"update": forged}, headers=AUTH))
    assert PROVENANCE not in fingerprint(live_empty)  # a refused write records no version
    ordinary = ("INSERT { GRAPH ?g { <http://example.org/a> <http://example.org/b> 1 } } "
                f"WHERE {{ BIND(<{MINE}> AS ?g) }}")
    response = requests.post(live_empty.sparql, data={"update": ordinary}, headers=AUTH)
    if live_empty.settings.store_url is not None:
        assert_refused(response)
        assert "name the graphs" in response.text
        assert MINE not in fingerprint(live_empty)
    else:
        assert response.status_code == 204, response.text
        assert fingerprint(live_empty)[MINE] == 1
    named = (f"INSERT DATA {{ GRAPH <{MINE}> {{ "
             "<http://example.org/b> <http://example.org/c> 2 } }")
    response = requests.post(live_empty.sparql, data={"update": named}, headers=AUTH)
    assert response.status_code == 204, response.text
    # the provenance graph holds the versions the service recorded, nothing of the client's
    assert client_triples_in_provenance(live_empty) == set()
