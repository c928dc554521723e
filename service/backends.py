"""Which store Qantar runs on, chosen here and nowhere else: the embedded Oxigraph store, or
an existing SPARQL 1.1 server. Callers get a ``service.store.Store`` (the store itself) or a
``service.store.StoreService`` (the store as ``qantar serve`` runs it, with its query runner)
and never name a backend.

A new backend is one module implementing ``Store`` and ``StoreService`` (its query runner
included), plus its branch in ``open_store`` and ``open_service`` below.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path

from service import snapshots
from service.config import Settings
from service.embedded_service import EmbeddedService
from service.errors import NotFound
from service.remote_service import RemoteService
from service.remote_store import RemoteStore
from service.store import EmbeddedStore, Store, StoreService


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    """The store named by ``QANTAR_STORE``: a directory (embedded) or a query URL (remote)."""
    if settings.remote:
        return RemoteStore.from_settings(settings)
    if read_only:
        return open_for_reading(settings.store)
    return EmbeddedStore(settings.store)


def open_service(settings: Settings) -> StoreService:
    """The store named by ``QANTAR_STORE`` as the service runs it (one per app)."""
    if settings.remote:
        return RemoteService(settings)
    return EmbeddedService(settings)


def open_path(path: Path, *, read_only: bool = False) -> Store:
    """The embedded store in the directory ``path`` itself, for what builds, checks or copies
    a store directory (``qantar load``, ``qantar serve``'s start-up check). ``read_only`` only
    where nobody writes, or to copy from a store a server holds (as ``qantar load`` does)."""
    return EmbeddedStore(path, read_only=read_only)


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
    it, the newest snapshot the server published (service.snapshots). On a medium that cannot
    be written, a read-only view, since nothing can write there either.
    """
    if not path.is_dir():
        raise NotFound(f"no store at {path} (run `qantar load` first)")
    try:
        return EmbeddedStore(path)
    except OSError as err:
        if "lock" in str(err).lower():
            return _held_snapshot(path)
    return EmbeddedStore(path, read_only=True)
