"""Where the search index of a store lives and the records that say whether it matches it.

A module of its own, importing nothing of Qantar's, because the store marks its index stale on
every write (service.store.embedded.store) while the index itself (service.search_index) reads the
store.
"""

from __future__ import annotations

from pathlib import Path

#: Present while the index matches the store it is beside: written when a service has brought
#: it up to date, removed by the first write of anyone to that store (service.store.embedded.store).
STATE_FILE = "qantar-state.json"
#: The generation the index reflects in this run (written after each catch-up).
INDEXED_FILE = "indexed.json"


def index_dir(store_path: Path) -> Path:
    """Where the index of ``store_path`` lives: beside it (the remote store's state directory
    for a remote store)."""
    return store_path.with_name(store_path.name + ".search")


def mark_stale(store_path: Path) -> None:
    """The store at ``store_path`` is about to change: its index no longer matches it until
    a service brings it up to date (any process, any command that writes calls this)."""
    for name in (STATE_FILE, INDEXED_FILE):
        (index_dir(store_path) / name).unlink(missing_ok=True)
