"""Crash safety for bulk writes: a journal written before the store changes, removed after.

Bulk loading (and, on a remote store, uploading in chunks) is fast because it is not one
transaction, so the journal supplies the all-or-nothing promise: if the process dies
mid-import, the next opening of the store drops the half-written graph and puts back the
version it was replacing (kept beside the store as N-Triples).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from service.store.interface import Store


@dataclass(frozen=True)
class Entry:
    graph: str
    import_iri: str
    backup: str | None  # N-Triples file of the replaced graph, if any


def journal_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".import-journal.json")


def backup_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".import-backup.nt")


def begin(store_path: Path, entry: Entry) -> None:
    """Record the import durably before the first write to the store."""
    path = journal_path(store_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(entry)), encoding="utf-8")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    tmp.replace(path)


def commit(store_path: Path) -> None:
    """The import is complete: forget the journal and the backup."""
    journal_path(store_path).unlink(missing_ok=True)
    backup_path(store_path).unlink(missing_ok=True)


def pending(store_path: Path) -> Entry | None:
    path = journal_path(store_path)
    if not path.is_file():
        return None
    return Entry(**json.loads(path.read_text(encoding="utf-8")))


def recover(store: Store, store_path: Path, provenance_graph: str) -> str | None:
    """Finish or undo an import the journal says was under way; say which, or None.

    The provenance record is written last, in one transaction: if it is there, the import
    completed and only the journal is left to remove; if not, the import is undone.
    """
    entry = pending(store_path)
    if entry is None:
        return None
    # IRIs enter query text only as pyoxigraph serialises them (validated, escaped)
    prov, record = ox.NamedNode(provenance_graph), ox.NamedNode(entry.import_iri)
    recorded = store.query(f"ASK {{ GRAPH {prov} {{ {record} ?p ?o }} }}")
    if bool(recorded):
        commit(store_path)
        return f"completed the import into <{entry.graph}> that was being recorded"
    store.drop_graph(entry.graph)
    if entry.backup and Path(entry.backup).is_file():
        store.create_graph(entry.graph)  # an empty graph that existed stays existing
        with open(entry.backup, "rb") as backup:
            store.load_graph(backup, ox.RdfFormat.N_TRIPLES, entry.graph)
    store.flush()
    commit(store_path)
    restored = " and restored the version it was replacing" if entry.backup else ""
    return f"undid an unfinished import into <{entry.graph}>{restored}"
