"""Reading an embedded store from a command while a server may hold it."""

from __future__ import annotations

import os
import weakref
from pathlib import Path

from service.errors import NotFound, StoreBusy
from service.store.embedded import snapshots
from service.store.embedded.store import EmbeddedStore
from service.store.interface import Store


def _held_snapshot(path: Path) -> Store:
    """The newest snapshot, held against removal by the server's processes for as long as the
    returned store lives."""
    while (newest := snapshots.newest(path)) is not None:
        try:
            fd = snapshots.hold(path, newest)
        except FileNotFoundError:
            continue  # superseded and removed meanwhile: take the newer one
        store = EmbeddedStore(snapshots.snapshot_path(path, newest), read_only=True)
        weakref.finalize(store, os.close, fd)
        return store
    raise NotFound(f"the store at {path} is held by a server that published no snapshot")


def open_for_reading(path: Path) -> Store:
    """The embedded store for a command that only reads, by a well-defined path.

    With no server running, the store itself (read-write, so it is exclusive: pyoxigraph calls
    a read-only view beside a writing process undefined behaviour). While ``qantar serve`` holds
    it, the newest snapshot the server published (service.store.embedded.snapshots). On a medium
    that cannot be written, a read-only view, since nothing can write there either.
    """
    if not path.is_dir():
        raise NotFound(f"no store at {path} (run `qantar load` first)")
    try:
        return EmbeddedStore(path)
    except StoreBusy:
        return _held_snapshot(path)
    except OSError:
        return EmbeddedStore(path, read_only=True)
