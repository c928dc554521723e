"""Instances per class on the pages are the store's: blank nodes counted (issue 23: /ontology
said 0 participations where `qantar stats` says 30), on the embedded store and a remote one,
and the unnamed instances listed on their class's page through what they belong to."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from requests.utils import quote

from service.pages.catalog import class_counts
from service.pages.instances import instances
from service.pages.iris import curie
from service.stats import compute_stats
from service.store.embedded.store import EmbeddedStore
from service.store.interface import Store
from service.store.remote.store import RemoteStore
from tests.live import QANTAR, LiveServer, copy_store
from tests.w3c.backends import oxigraph_server

pytestmark = pytest.mark.slow

OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"
PARTICIPATION = "https://w3id.org/qantar/ontology#Participation"
HAS_PARTICIPATION = "https://w3id.org/qantar/ontology#hasParticipation"
# The store's own count of each class's instances, directly and with its subclasses'.
OWN_COUNTS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a%s ?c } GROUP BY ?c"""


class Expected:
    """What `qantar stats` and the store itself say of the bundle each server serves."""

    def __init__(self, store: Path) -> None:
        done = subprocess.run([QANTAR, "stats", "--json", "--store", str(store)],
                              capture_output=True, text=True, timeout=120, check=True)
        self.stats = {c["iri"]: c["count"] for c in json.loads(done.stdout)["classes"]}
        with EmbeddedStore(store, read_only=True) as db:
            self.direct = self._counts(db, "")
            self.total = self._counts(db, "/rdfs:subClassOf*")

    @staticmethod
    def _counts(db: EmbeddedStore, path: str) -> dict[str, int]:
        return {row["c"].value: int(row["n"].value) for row in db.query(OWN_COUNTS % path)}


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory, bundle_store_template: Path) -> Expected:
    return Expected(copy_store(bundle_store_template, tmp_path_factory.mktemp("n") / "store"))


def get_json(server: LiveServer, path: str) -> dict:
    answer = requests.get(server.url + path, timeout=60)
    assert answer.status_code == 200, (path, answer.text[-2000:])
    return answer.json()


def test_the_class_index_counts_as_qantar_stats_and_the_store_do(
        live_readonly: LiveServer, expected: Expected) -> None:
    server = live_readonly
    assert expected.stats[PARTICIPATION] > 0  # blank nodes, all of them
    rows = {row["iri"]["iri"]: row for row in get_json(server, "/classes.json")["rows"]}
    for iri, count in expected.stats.items():
        assert rows[iri]["direct"] == count, iri
    for iri, row in rows.items():
        assert (row["direct"], row["total"]) == (expected.direct.get(iri, 0),
                                                 expected.total.get(iri, 0)), iri


def test_the_ontology_counts_every_class_as_the_store_does(
        live_readonly: LiveServer, expected: Expected) -> None:
    server = live_readonly
    document = get_json(server, "/ontology.json")
    terms = [*document["own"], *(t for ts in document["reused"].values() for t in ts)]
    classes = {t["iri"]["iri"]: t["usage"] for t in terms if t["kind"] == OWL_CLASS}
    assert classes[PARTICIPATION] == expected.stats[PARTICIPATION]
    for iri, usage in classes.items():
        assert usage == expected.total.get(iri, 0), iri
    page = requests.get(server.url + "/ontology", headers={"Accept": "text/html"}, timeout=60)
    article = page.text[page.text.index('id="Participation"'):]
    shown = re.search(r'<dt>Instances</dt>\s*<dd><a href="/classes/qantar:Participation">'
                      r"(\d+)</a>", article[:article.index("</article>")])
    assert shown and int(shown.group(1)) == expected.stats[PARTICIPATION]


def test_every_class_page_counts_as_the_store_does(
        live_readonly: LiveServer, expected: Expected) -> None:
    server = live_readonly
    rows = get_json(server, "/classes.json")["rows"]
    for iri in (row["iri"]["iri"] for row in rows):
        name = quote(curie(iri), safe=":/")  # as the pages link it: void:'s "#" is %23
        count = get_json(server, f"/classes/{name}.json")["count"]
        assert count["total"] == expected.total.get(iri, 0), iri


def test_unnamed_instances_are_listed_through_what_they_belong_to(
        live_readonly: LiveServer, expected: Expected) -> None:
    server = live_readonly
    twin = get_json(server, f"/classes/{curie(PARTICIPATION)}.json")
    unnamed = twin["unnamed"]
    assert len(unnamed) == expected.stats[PARTICIPATION] and twin["members"] == {}
    for entry in unnamed:
        assert [t["iri"] for t in entry["types"]] == [PARTICIPATION]
        assert [p["iri"] for p in entry["path"]] == [HAS_PARTICIPATION]
        assert entry["owner"]["url"].startswith("/page/id/event/")
    page = requests.get(server.url + f"/classes/{curie(PARTICIPATION)}",
                        headers={"Accept": "text/html"}, timeout=60).text
    assert f"{len(unnamed)} instances" in page
    rows = re.findall(r"<tr><td>(.*?)</td>", page)
    assert len(rows) == len(unnamed)
    for entry, row in zip(unnamed, rows, strict=True):  # the page lists them in the same order
        assert f'href="{entry["owner"]["url"]}"' in row and "(unnamed node)" in row
    owner = requests.get(server.url + unnamed[0]["owner"]["url"],
                         headers={"Accept": "text/html"}, timeout=60)
    assert owner.status_code == 200



Q = "https://w3id.org/qantar/ontology#"
EX = "https://w3id.org/qantar/id/test/"
TRICKY = f"""@prefix q: <{Q}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <{EX}> .
GRAPH <https://w3id.org/qantar/graph/ontology> {{
  q:Witness rdfs:subClassOf q:Person . q:Person rdfs:subClassOf q:Agent . }}
GRAPH <http://example.org/one> {{
  ex:a a q:Person .
  ex:e q:hasParticipation [ a q:Participation ; q:participant ex:a ] ,
                          [ a q:Participation , q:Witness ; rdfs:label "someone"@en ] .
  ex:c q:evidence [ q:hasSelector [ a q:Participation ] ] .
  [ a q:Person ] . }}
GRAPH <http://example.org/two> {{ ex:a a q:Person . }}
"""

Seen = tuple[dict[str, tuple[int, int]], dict[str, int], list[tuple]]


def seen(store: Store) -> Seen:
    """The pages' counts (direct, total), `qantar stats`'s, and the unnamed participations
    as the class page lists them (owner, path, label)."""
    counts = {c: (n.direct, n.total) for c, n in class_counts(store).items()}
    stats = {c.iri: c.count for c in compute_stats(store).classes}
    page = instances(store, ox.NamedNode(f"{Q}Participation"), 0, 50)
    listed = sorted((u.owner or "", tuple(u.path), u.label or "") for u in page.unnamed)
    return counts, stats, listed


def test_blank_nodes_and_types_said_twice_count_as_qantar_stats_counts_them(
        tmp_path: Path) -> None:
    """On both stores: a blank instance is counted (once, when it has two types with one
    ancestor), a resource typed in two graphs once, and a blank node two levels down is listed
    through the named resource it belongs to."""
    location = tmp_path / "tricky"
    with EmbeddedStore(location) as db:
        db.add_quads(list(ox.parse(TRICKY.encode(), ox.RdfFormat.TRIG)))
        embedded = seen(db)
    with oxigraph_server(location) as remote:
        assert seen(RemoteStore(remote.query_url, remote.update_url,
                                remote.store_url)) == embedded
    counts, stats, listed = embedded
    assert stats == {f"{Q}Person": 2, f"{Q}Participation": 3, f"{Q}Witness": 1}
    assert {c: counts[c] for c in stats} == {c: (n, n + (c == f"{Q}Person")) for c, n in
                                             stats.items()}  # a witness is a person too
    assert counts[f"{Q}Agent"] == (0, 3)  # ex:a, the blank person, the blank witness
    assert listed == [(f"{EX}c", (f"{Q}evidence", f"{Q}hasSelector"), ""),
                      (f"{EX}e", (f"{Q}hasParticipation",), ""),
                      (f"{EX}e", (f"{Q}hasParticipation",), "someone")]
