"""How ``qantar load`` puts the bundle into the embedded store: all or nothing.

The new store is written beside the live one (``<store>.new-<pid>``), what is not the bundle's
is carried over from the old one, and the new one is swapped in with two renames, so an invalid
bundle or a crash leaves the previous store answering as before.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from service.formats import N_TRIPLES
from service.namespaces import PROVENANCE_GRAPH
from service.search_records import mark_stale
from service.store import journal
from service.store.embedded.store import EmbeddedStore
from service.store.interface import Store


def build_store(graphs: Mapping[str, Graph], store_path: Path) -> dict[str, int]:
    """Write the bundle's ``graphs`` into a fresh store beside ``store_path``, then swap it
    into place; the triple count of each bundle graph."""
    store_path.parent.mkdir(parents=True, exist_ok=True)
    new = _sibling(store_path, "new")
    shutil.rmtree(new, ignore_errors=True)
    try:
        store = EmbeddedStore(new)
        try:
            for iri, graph in graphs.items():
                store.add_graph(iri, graph)
            bundle_graphs = set(graphs)
            carry_over(store_path, store, bundle_graphs)
            counts = {iri: store.triple_count(iri) for iri in sorted(bundle_graphs)}
        finally:
            store.close()
        _swap(new, store_path)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return counts


def recover(store_path: Path) -> None:
    """Repair what a crashed load may have left beside ``store_path``.

    A crash between the two renames leaves only ``<store>.old-<pid>``: it is moved back.
    Leftover ``.old-*`` dirs beside a live store and ``.new-*`` dirs of dead processes go.
    """
    olds = sorted(_siblings(store_path, "old"), key=lambda p: p.stat().st_mtime)
    if olds and not store_path.exists():
        olds.pop().rename(store_path)
    for old in olds:
        shutil.rmtree(old, ignore_errors=True)
    for new in _siblings(store_path, "new"):
        if not _pid_alive(new.name.rpartition("-")[2]):
            shutil.rmtree(new, ignore_errors=True)


def _swap(new: Path, store_path: Path) -> None:
    mark_stale(store_path)  # its search index described the store being replaced
    old = _sibling(store_path, "old")
    if store_path.exists():
        store_path.rename(old)
    new.rename(store_path)
    shutil.rmtree(old, ignore_errors=True)


def _sibling(store_path: Path, kind: str) -> Path:
    return store_path.with_name(f"{store_path.name}.{kind}-{os.getpid()}")


def _siblings(store_path: Path, kind: str) -> list[Path]:
    if not store_path.parent.is_dir():
        return []
    return [p for p in store_path.parent.glob(f"{store_path.name}.{kind}-*") if p.is_dir()]


def _pid_alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def carry_over(old_path: Path, new: Store, bundle_graphs: set[str]) -> None:
    """Copy what is not the bundle's (imported graphs, their provenance, the default graph)
    from the old store into the new one, so reloading the bundle loses no import."""
    if not old_path.is_dir():
        return
    if journal.pending(old_path) is not None:  # an import was cut short: settle it first
        with EmbeddedStore(old_path) as old_writable:
            journal.recover(old_writable, old_path, str(PROVENANCE_GRAPH))
    with EmbeddedStore(old_path, read_only=True) as old:
        default = old.dump(None, N_TRIPLES)
        if default:
            new.load_graph(io.BytesIO(default), ox.RdfFormat.N_TRIPLES, None)
        for graph in old.graphs():
            if graph not in bundle_graphs:
                data = old.dump(graph, N_TRIPLES)
                new.create_graph(graph)
                if data:
                    new.load_graph(io.BytesIO(data), ox.RdfFormat.N_TRIPLES, graph)
