"""The persistent search index: found at once after a write, never a rolled-back one, kept
across restarts, rebuilt when the store changed while the service was down, transliterated."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
import tantivy
from flask import Flask
from flask.testing import FlaskClient

from service.search_index import LOCK_FILE, SearchIndex
from service.search_records import index_dir
from service.store.embedded.store import EmbeddedStore
from tests.apps import make_app
from tests.live import AUTH, WRITE_TOKEN

GRAPH = "https://w3id.org/qantar/graph/search-test"
PERSON = "https://w3id.org/qantar/id/person/zhanbolat-testov"
TOKAYEV = "/page/id/person/kassym-jomart-tokayev"
BASE = "https://w3id.org/qantar/"
TURTLE = f"""<{PERSON}> a <https://schema.org/Person> ;
  <http://www.w3.org/2000/01/rdf-schema#label> "Zhanbolat Testov"@en ;
  <http://www.w3.org/2004/02/skos/core#prefLabel> "Жанболат Тестов"@ru .
"""


def _app(store: Path) -> Flask:
    """An app as ``writable_app`` is, on ``store`` (to open it again, as after a restart)."""
    return make_app(store, testing=True, QANTAR_WRITE_TOKEN=WRITE_TOKEN)


def hits(client: FlaskClient, query: str) -> list[str]:
    answer = client.get("/search.json", query_string={"q": query})
    assert answer.status_code == 200
    return [hit["iri"] for hit in answer.get_json()]


def test_a_name_written_is_found_at_once_and_gone_with_its_graph(writable_app: Flask) -> None:
    client = writable_app.test_client()
    assert hits(client, "Testov") == []
    put = client.put("/store", query_string={"graph": GRAPH}, data=TURTLE,
                     headers={**AUTH, "Content-Type": "text/turtle"})
    assert put.status_code == 201
    index: SearchIndex = writable_app.extensions["qantar"].search
    # just that graph, and the provenance graph that records the upload
    assert index._pending[writable_app.extensions["qantar"].generation] == {
        GRAPH, "https://w3id.org/qantar/graph/provenance"}
    assert hits(client, "Testov") == [PERSON]
    assert hits(client, "Тестов") == [PERSON]  # in Cyrillic, and by its transliteration:
    assert hits(client, "Zhanbolat Testov") == [PERSON]
    assert client.delete("/store", query_string={"graph": GRAPH},
                         headers=AUTH).status_code == 204
    assert hits(client, "Testov") == []


def test_a_refused_write_is_never_indexed(writable_app: Flask) -> None:
    client = writable_app.test_client()
    broken = TURTLE + "<oops"
    put = client.put("/store", query_string={"graph": GRAPH}, data=broken,
                     headers={**AUTH, "Content-Type": "text/turtle"})
    assert put.status_code == 400
    assert hits(client, "Testov") == []


def test_a_sparql_update_reindexes_the_graphs_it_names(writable_app: Flask) -> None:
    client = writable_app.test_client()
    update = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {TURTLE} }} }}"
    answer = client.post("/sparql", data={"update": update}, headers=AUTH)
    assert answer.status_code in (200, 204)
    state = writable_app.extensions["qantar"]
    assert state.search._pending[state.generation] == {GRAPH}  # not the person, a subject
    assert hits(client, "zhanbolat") == [PERSON]
    # relative to the endpoint, as the engine resolves it
    relative = "DELETE WHERE { GRAPH <search-test> { ?s ?p ?o } }"
    base_graph = "http://localhost/search-test"
    client.post("/sparql", data={"update": f"INSERT DATA {{ GRAPH <{base_graph}> {{ "
                                           f"{TURTLE.replace('Testov', 'Relativov')} }} }}"},
                headers=AUTH)
    assert hits(client, "Relativov") == [PERSON]
    assert client.post("/sparql", data={"update": relative},
                       headers=AUTH).status_code in (200, 204)
    assert state.search._pending[state.generation] == {base_graph}
    assert hits(client, "Relativov") == []


def test_an_update_that_may_touch_any_graph_rebuilds(writable_app: Flask) -> None:
    client = writable_app.test_client()
    client.put("/store", query_string={"graph": GRAPH}, data=TURTLE,
               headers={**AUTH, "Content-Type": "text/turtle"})
    assert hits(client, "Testov") == [PERSON]
    update = ("DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o "
              "FILTER(?s = <" + PERSON + ">) } }")
    assert client.post("/sparql", data={"update": update},
                       headers=AUTH).status_code in (200, 204)
    state = writable_app.extensions["qantar"]
    assert state.search._pending[state.generation] is None
    assert hits(client, "Testov") == []


def test_a_transliteration_finds_a_name_written_in_cyrillic(writable_app: Flask) -> None:
    # "Tokaev" is how Токаев transliterates; his English name, Tokayev, does not contain it
    found = hits(writable_app.test_client(), "Tokaev")
    assert found and found[0].endswith(TOKAYEV.removeprefix("/page/"))


def test_the_index_is_kept_across_restarts(store_dir: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    first = _app(store_dir)
    try:
        assert hits(first.test_client(), "Tokayev")
    finally:
        first.extensions["qantar"].close()
    assert (index_dir(store_dir) / "qantar-state.json").is_file()

    def rebuild(self: SearchIndex, _store: object) -> None:
        raise AssertionError("the index was built again")

    monkeypatch.setattr(SearchIndex, "_rebuild", rebuild)
    again = _app(store_dir)
    try:
        found = hits(again.test_client(), "Tokayev")
        assert found[0].endswith(TOKAYEV.removeprefix("/page/"))
    finally:
        again.extensions["qantar"].close()


def test_a_store_changed_while_the_service_was_down_is_indexed_again(store_dir: Path) -> None:
    first = _app(store_dir)
    try:
        assert hits(first.test_client(), "Testov") == []
    finally:
        first.extensions["qantar"].close()
    with EmbeddedStore(store_dir) as db:  # as a command writes while the service is down
        db.load_graph(io.BytesIO(TURTLE.encode()), ox.RdfFormat.TURTLE, GRAPH)
    again = _app(store_dir)
    try:
        assert hits(again.test_client(), "Testov") == [PERSON]
    finally:
        again.extensions["qantar"].close()


def test_processes_share_one_index_through_the_change_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two service processes (two SearchIndex objects, as two QANTAR_WORKERS have them): the
    one that did not write reads the writer's change log and re-indexes only that graph, and
    once one has brought the index to a generation the other only reloads it."""
    data = EmbeddedStore(tmp_path / "data")
    path = index_dir(tmp_path / "data")  # its writes mark the index stale, as a store's do
    base = "https://w3id.org/qantar/"
    one, other = SearchIndex(path, base), SearchIndex(path, base)
    rebuilt: list[str] = []
    reindexed: list[list[str]] = []
    rebuild, reindex = SearchIndex._rebuild, SearchIndex._reindex
    monkeypatch.setattr(SearchIndex, "_rebuild",
                        lambda self, store: (rebuilt.append("x"), rebuild(self, store))[1])
    monkeypatch.setattr(SearchIndex, "_reindex", lambda self, store, graphs: (
        reindexed.append(graphs), reindex(self, store, graphs))[1])

    def found(index: SearchIndex, generation: int, word: str) -> int:
        searcher = index.at(data, generation, keep=True)
        query = index._index.parse_query(word, ["words"])
        return searcher.search(query, 10).count

    assert found(one, 1, "testov") == 0
    assert found(other, 1, "testov") == 0
    assert rebuilt == ["x"], "the second process rebuilt an index the first had just built"
    data.update(f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{PERSON}> "
                "<http://www.w3.org/2000/01/rdf-schema#label> 'Zhanbolat Testov'@en } }")
    one.changed(2, {GRAPH})  # the writing process logs what its write changed
    assert found(other, 2, "testov") == 1
    assert reindexed == [[GRAPH]] and rebuilt == ["x"]
    assert found(one, 2, "testov") == 1
    assert reindexed == [[GRAPH]], "the writing process re-indexed what the other had done"
    data.close()


def test_a_process_arriving_while_another_creates_the_index_waits_for_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 23: the first process to bring a new index up removed its directory, lock file
    and all, so a second arriving then locked a new file of that name and removed the index
    under the first. Two SearchIndex objects hold separate flocks, as two processes do."""
    data = EmbeddedStore(tmp_path / "data")
    data.load_graph(io.BytesIO(TURTLE.encode()), ox.RdfFormat.TURTLE, GRAPH)
    path = index_dir(tmp_path / "data")
    one, other = SearchIndex(path, BASE), SearchIndex(path, BASE)
    building, go = threading.Event(), threading.Event()
    rebuilt: list[SearchIndex] = []
    rebuild = SearchIndex._rebuild

    def held_up(self: SearchIndex, store: EmbeddedStore) -> None:
        rebuilt.append(self)
        if self is one:  # the first is caught mid-build while the other arrives
            building.set()
            go.wait(30)
        rebuild(self, store)

    monkeypatch.setattr(SearchIndex, "_rebuild", held_up)
    found: dict[str, int] = {}
    errors: list[BaseException] = []

    def search(name: str, index: SearchIndex) -> None:
        try:
            searcher = index.at(data, 1, keep=True)
            found[name] = searcher.search(index._index.parse_query("testov", ["words"]),
                                          10).count
        except BaseException as error:  # reported below, with the thread's name
            errors.append(error)

    first = threading.Thread(target=search, args=("one", one))
    first.start()
    assert building.wait(30)
    second = threading.Thread(target=search, args=("other", other))
    second.start()
    second.join(1.0)  # long enough to get past a lock it does not share
    go.set()
    first.join(60)
    second.join(60)
    data.close()
    assert errors == []
    assert rebuilt == [one], "the second process built the index while the first did"
    assert found == {"one": 2, "other": 2}  # his English name and his Russian one


def test_an_index_of_another_schema_is_made_again_in_place(tmp_path: Path) -> None:
    """An older Qantar's index (another schema), even one recorded as current, is created anew
    and filled, in the same directory: the lock other processes wait on stays where it is."""
    data = EmbeddedStore(tmp_path / "data")
    data.load_graph(io.BytesIO(TURTLE.encode()), ox.RdfFormat.TURTLE, GRAPH)
    path = index_dir(tmp_path / "data")
    path.mkdir()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=True)
    tantivy.Index(builder.build(), path=str(path))
    (path / "qantar-state.json").write_text('{"layout": 2, "generation": 1}')
    (path / "indexed.json").write_text('{"generation": 1}')
    lock = path / LOCK_FILE
    lock.touch()
    before = (path.stat().st_ino, lock.stat().st_ino)
    index = SearchIndex(path, BASE)
    searcher = index.at(data, 1, keep=True)
    assert searcher.search(index._index.parse_query("testov", ["words"]), 10).count == 2
    assert (path.stat().st_ino, lock.stat().st_ino) == before
    data.close()
