"""Which store Qantar runs on: the embedded Oxigraph store, or an existing SPARQL server."""

from __future__ import annotations

from pathlib import Path

from service import snapshots
from service.config import Settings
from service.errors import NotFound
from service.remote_store import RemoteStore
from service.store import EmbeddedStore

AnyStore = EmbeddedStore | RemoteStore


def open_store(settings: Settings, *, read_only: bool = False) -> AnyStore:
    """The store named by ``QANTAR_STORE``: a directory (embedded) or a query URL (remote)."""
    if settings.store_url:
        return RemoteStore(settings.store_url, settings.store_update, settings.store_gsp,
                           settings.store_auth, timeout=settings.query_timeout,
                           write_timeout=settings.write_timeout,
                           union_parameter=settings.store_union or None)
    if read_only:
        return open_for_reading(settings.store)
    return EmbeddedStore(settings.store)


def open_for_reading(path: Path) -> EmbeddedStore:
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
            newest = snapshots.newest(path)
            if newest is None:
                raise
            return EmbeddedStore(snapshots.snapshot_path(path, newest), read_only=True)
    return EmbeddedStore(path, read_only=True)
