"""Pages read the store in page workers that the page time limit stops
(service.store.embedded.page_reads): the same answers as the store gives, a runaway read ends
at the limit with its worker killed and the next page served, and `qantar serve` answers a page
past its limit with 503 while queries go on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from flask import Flask

from service.errors import PageTimeout
from service.store.interface import QueryDataset, Triples
from tests.apps import make_app
from tests.live import copy_store, descendants, serve

EX = "http://example.org/page-reads/"
#: on the bundled graph, a cross product of three copies of it: far beyond any page limit
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture
def paged_app(store_dir: Path):
    app = make_app(store_dir, testing=True, QANTAR_PAGE_TIMEOUT="3")
    yield app
    app.extensions["qantar"].close()


def _terms(result: object) -> list[tuple]:
    return sorted(tuple(str(t) for t in row) for row in result)  # type: ignore[attr-defined]


def test_a_reader_answers_what_the_store_answers(paged_app: Flask) -> None:
    state = paged_app.extensions["qantar"]
    store, reader = state.store, state.reader()
    select = ("SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isBlank(?s) || isLiteral(?o)) } "
              "ORDER BY ?s ?p ?o LIMIT 500")
    assert _terms(reader.query(select)) == _terms(store.query(select))
    named = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    assert _terms(reader.query(named, QueryDataset.DEFAULT)) == _terms(
        store.query(named, QueryDataset.DEFAULT))
    ask = "ASK { ?s a ?type }"
    assert isinstance(reader.query(ask), ox.QueryBoolean)
    assert bool(reader.query(ask)) is True
    assert bool(reader.query(f"ASK {{ <{EX}nothing> ?p ?o }}")) is False
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 300"
    triples = reader.query(construct)
    assert isinstance(triples, Triples)
    triples = list(triples)
    assert triples and all(isinstance(t, ox.Triple) for t in triples)
    assert sorted(map(str, triples)) == sorted(map(str, store.query(construct)))
    assert sorted(reader.graphs()) == sorted(store.graphs())
    graph = store.graphs()[0]
    assert reader.triple_count(graph) == store.triple_count(graph) > 0
    assert reader.graph_exists(graph) and not reader.graph_exists(f"{EX}absent")
    assert reader.default_graph_is_empty() == store.default_graph_is_empty()


def test_page_workers_started_before_serving_are_ready_before_the_first_page(
    paged_app: Flask,
) -> None:
    """`qantar serve` starts them as its worker loads (service.server ``serving_app``): the
    first page must not wait for Python to start in a worker process."""
    state = paged_app.extensions["qantar"]
    before = set(descendants(os.getpid()))
    state.start_page_workers()
    started = set(descendants(os.getpid())) - before
    assert len(started) == 1  # QANTAR_PAGE_WORKERS=1 in tests.apps
    pages = state.service._pages
    assert all(worker.ready and worker.process.is_alive() for worker in pages._all)
    assert bool(state.reader().query("ASK { ?s ?p ?o }")) is True
    assert set(descendants(os.getpid())) - before == started  # that worker read it


def test_a_runaway_read_ends_at_the_page_limit_and_its_worker_is_killed(
    paged_app: Flask,
) -> None:
    state = paged_app.extensions["qantar"]
    assert state.reader().query("ASK { ?s ?p ?o }")  # the page worker has started
    before = set(descendants(os.getpid()))
    reader = state.reader()
    started = time.monotonic()
    with pytest.raises(PageTimeout, match="longer than the limit of 3 s"):
        list(reader.query(RUNAWAY))
    assert time.monotonic() - started < 3 + 10  # the limit, and the kill (not the query)
    gone = before - set(descendants(os.getpid()))
    assert len(gone) == 1, "the page worker that ran the read was killed"
    # the request's limit is spent: its later reads are refused at once
    with pytest.raises(PageTimeout):
        reader.graphs()
    # the next page reads on a fresh worker
    assert state.reader().triple_count() >= 0
    assert bool(state.reader().query("ASK { ?s ?p ?o }"))


def test_a_page_reads_one_version_of_the_data(paged_app: Flask) -> None:
    """A write published while a page is being read does not show in the middle of it."""
    state = paged_app.extensions["qantar"]
    reader = state.reader()
    ask = f"ASK {{ GRAPH <{EX}g> {{ <{EX}s> <{EX}p> 1 }} }}"
    assert not reader.query(ask)
    with state.service.writing(time.monotonic() + 60) as store:
        store.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}s> <{EX}p> 1 }} }}")
    assert not reader.query(ask), "the page began before the write"
    assert state.reader().query(ask), "a page begun after it sees it"


def test_serve_answers_a_page_past_its_limit_with_503_and_queries_go_on(
    tmp_path: Path, bundle_store_template: Path,
) -> None:
    store = copy_store(bundle_store_template, tmp_path / "store")
    with serve(store, QANTAR_PAGE_TIMEOUT="0.000001") as live:
        page = requests.get(f"{live.url}/", timeout=60, headers={"Accept": "text/html"})
        assert page.status_code == 503, page.text
        assert "longer than the limit of 1e-06 s" in page.text
        twin = requests.get(f"{live.url}/timeline", timeout=60,
                            headers={"Accept": "application/json"})
        assert twin.status_code == 503
        query = requests.get(live.sparql, timeout=60, params={"query": "ASK { ?s ?p ?o }"},
                             headers={"Accept": "application/sparql-results+json"})
        assert query.status_code == 200 and query.json()["boolean"] is True
