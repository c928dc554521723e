"""Faults: readers during writes, a full disk, a store directory that cannot be written.

tests/test_imports.py holds ``kill -9`` in the middle of an import. The disk tests mount a small
tmpfs (``mount -t tmpfs -o size=...``), which needs root or CAP_SYS_ADMIN; where the sandbox
refuses it they are skipped, saying so. (A file system cannot be remounted read-only under a
running service that holds files open for writing, so the read-only case is a service started
on a read-only directory.)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from service.formats import N_QUADS
from service.store.embedded.store import EmbeddedStore
from service.versions import DATASET
from tests.live import AUTH, WRITE_TOKEN, LiveServer, copy_store, serve

pytestmark = pytest.mark.slow

G = "http://example.org/graph/versioned"
VALUE = "http://example.org/value"
VERSIONS = {"A": 3000, "B": 2000}  # version: triples (different subjects, sizes and values)
BY_VALUE = (f"SELECT ?v (COUNT(*) AS ?n) WHERE {{ GRAPH <{G}> {{ ?s <{VALUE}> ?v }} }} "
            "GROUP BY ?v")


def version(name: str) -> str:
    return "".join(f'<http://example.org/{name}/{i}> <{VALUE}> "{name}" .\n'
                   for i in range(VERSIONS[name]))


def as_update(name: str) -> str:
    """The same replacement as one SPARQL Update request of two operations."""
    return f"DROP SILENT GRAPH <{G}> ; INSERT DATA {{ GRAPH <{G}> {{ {version(name)} }} }}"


@pytest.fixture
def versioned(tmp_path: Path, bundle_store_template: Path) -> Iterator[LiveServer]:
    store = copy_store(bundle_store_template, tmp_path / "store")
    with serve(store, QANTAR_WRITE_TOKEN=WRITE_TOKEN, QANTAR_CACHE_BYTES="0",
               QANTAR_QUERY_WORKERS="2", QANTAR_QUERY_TIMEOUT="20") as server:
        put = requests.put(server.store, params={"graph": G}, data=version("A").encode(),
                           headers={**AUTH, "Content-Type": "application/n-triples"})
        assert put.status_code == 201, put.text
        yield server


def read_versions(server: LiveServer, stop: threading.Event, seen: list, errors: list,
                  latencies: list) -> None:
    session = requests.Session()
    while not stop.is_set():
        started = time.monotonic()
        response = session.get(server.sparql, params={"query": BY_VALUE},
                               headers={"Accept": "application/sparql-results+json"})
        latencies.append(time.monotonic() - started)
        if response.status_code != 200:
            errors.append((response.status_code, response.text))
            continue
        seen.append(tuple(sorted((b["v"]["value"], int(b["n"]["value"]))
                                 for b in response.json()["results"]["bindings"])))


@pytest.mark.parametrize("writer", ["graph store PUT", "SPARQL Update"])
def test_readers_during_writes_see_the_old_or_the_new_graph_never_a_mix(
    versioned: LiveServer, writer: str
) -> None:
    stop, seen, errors, latencies = threading.Event(), [], [], []
    readers = [threading.Thread(target=read_versions,
                                args=(versioned, stop, seen, errors, latencies))
               for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        for round_ in range(8):
            name = "B" if round_ % 2 == 0 else "A"
            if writer == "graph store PUT":
                response = requests.put(versioned.store, params={"graph": G},
                                        data=version(name).encode(),
                                        headers={**AUTH, "Content-Type": "application/n-triples"})
            else:
                response = requests.post(versioned.sparql, data=as_update(name).encode(),
                                         headers={**AUTH,
                                                  "Content-Type": "application/sparql-update"})
            assert response.status_code in (201, 204), response.text
            time.sleep(0.1)  # let the readers see this version too
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=60)
    latencies.sort()
    timing = (f"{len(latencies)} reads, median {latencies[len(latencies) // 2]:.3f} s, "
              f"slowest {latencies[-1]:.3f} s")
    assert errors == [], timing
    whole = {(("A", VERSIONS["A"]),), (("B", VERSIONS["B"]),)}
    mixed = [answer for answer in seen if answer not in whole]
    assert mixed == [], f"{len(mixed)} of {len(seen)} answers saw a mix, e.g. {mixed[:3]}"
    assert set(seen) == whole, "the readers should have seen both versions"
    assert len(seen) >= 16, timing
    print(timing)


# --- the disk -------------------------------------------------------------------------------


@contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where``; skips the test where mounting is refused."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN): "
                    f"{mounted.stderr.strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


def remount(where: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True)


def quads_of(store_dir: Path) -> set[ox.Quad]:
    with EmbeddedStore(store_dir, read_only=True) as store:
        dump = store.dump_dataset(N_QUADS)
    return set(ox.parse(dump, format=ox.RdfFormat.N_QUADS))


def big_graph(triples: int) -> bytes:
    return "".join(f'<http://example.org/s{i}> <http://example.org/p> "{"x" * 120} {i}" .\n'
                   for i in range(triples)).encode()


def free_space(disk: Path) -> None:
    """What an operator does: the disk grows and the file that filled it goes."""
    remount(disk, "size=256m")
    (disk / "filler").unlink(missing_ok=True)


@pytest.fixture
def full_disk(tmp_path: Path, bundle_store_template: Path) -> Iterator[tuple[Path, LiveServer]]:
    """A service whose store sits on a disk with about 2 MB free. Afterwards space is freed,
    and the store, reopened (read-only: this process may still hold the lock of the store
    whose close failed), must hold exactly the quads it held before."""
    before = quads_of(bundle_store_template)
    with small_disk(tmp_path / "disk", "8m") as disk:
        store = copy_store(bundle_store_template, disk / "store")
        free = shutil.disk_usage(disk).free
        (disk / "filler").write_bytes(b"\0" * max(0, free - 2_000_000))
        try:
            with serve(store, QANTAR_WRITE_TOKEN=WRITE_TOKEN,
                       QANTAR_MAX_BODY=str(64 * 1024 * 1024)) as server:
                yield disk, server
                free_space(disk)
        except OSError as err:
            # RocksDB keeps the write error: the final flush fails even with space again (see
            # test_writes_work_again_once_space_is_freed); the data is what counts here
            assert "No space left" in str(err)
        after = quads_of(store)
        # only test_writes_work_again_once_space_is_freed writes (once there is space again);
        # its write moves the pointer to the current version of the data (service.versions)
        pointer = ox.NamedNode("http://www.w3.org/ns/dcat#hasCurrentVersion")
        kept = {q for q in before if not (q.predicate == pointer
                                          and q.subject == ox.NamedNode(DATASET))}
        assert kept <= after, "the store lost data to the full disk"
        assert not {q for q in after - before if "graph/big" in str(q.graph_name)}, \
            "the write that filled the disk left part of itself"


def put(server: LiveServer, graph: str, body: bytes) -> requests.Response:
    return requests.put(server.store, params={"graph": graph}, data=body,
                        headers={**AUTH, "Content-Type": "application/n-triples"})


def put_too_much(server: LiveServer) -> requests.Response:
    return put(server, "http://example.org/graph/big", big_graph(60_000))


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
JSON = {"Accept": "application/sparql-results+json"}


def test_a_write_that_fills_the_disk_changes_nothing_and_reads_go_on(
    full_disk: tuple[Path, LiveServer],
) -> None:
    disk, server = full_disk
    before = requests.get(server.sparql, params={"query": COUNT}, headers=JSON).json()
    response = put_too_much(server)
    assert response.status_code >= 400
    after = requests.get(server.sparql, params={"query": COUNT}, headers=JSON)
    assert after.status_code == 200 and after.json() == before
    assert requests.get(server.store, params={"graph": "http://example.org/graph/big"}
                        ).status_code == 404
    page = requests.get(server.url + "/page/id/person/kassym-jomart-tokayev")
    assert page.status_code == 200
    free_space(disk)
    assert requests.get(server.sparql, params={"query": COUNT}, headers=JSON).json() == before
    # the fixture then checks the store reopens with exactly its old quads, and takes writes


def test_a_write_that_fills_the_disk_says_so(full_disk: tuple[Path, LiveServer]) -> None:
    _, server = full_disk
    response = put_too_much(server)
    assert response.status_code == 507, response.text
    assert "space" in response.text.lower()


def test_writes_work_again_once_space_is_freed(full_disk: tuple[Path, LiveServer]) -> None:
    """RocksDB keeps a write error until the store is reopened; the writer process that met
    it is stopped, and the next write starts a fresh one on the rolled-back store."""
    disk, server = full_disk
    assert put_too_much(server).status_code >= 400
    free_space(disk)
    response = put(server, "http://example.org/graph/small", big_graph(10))
    assert response.status_code == 201, response.text
    assert requests.get(server.store, params={"graph": "http://example.org/graph/big"}
                        ).status_code == 404


def test_serving_a_read_only_store_directory_fails_with_a_clear_message(
    tmp_path: Path, bundle_store_template: Path
) -> None:
    with small_disk(tmp_path / "disk", "64m") as disk:
        store = copy_store(bundle_store_template, disk / "store")
        remount(disk, "ro")
        result = subprocess.run(
            [sys.executable, "-c", "from service.cli import main; main()", "serve", "--store",
             str(store), "--port", "0"], capture_output=True, text=True, timeout=120,
            cwd=Path(__file__).parent.parent)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr, result.stderr[-800:]
        assert "read-only" in result.stderr.lower() and str(store) in result.stderr
