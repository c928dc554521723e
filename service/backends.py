"""Which store Qantar runs on, chosen here and nowhere else: the embedded Oxigraph store, or
an existing SPARQL 1.1 server. Callers get a ``service.store.Store`` and never name a backend.

A new backend is one module implementing ``Store`` and a ``QueryRunner``, plus its branch in
``open_store`` and ``query_runners`` below.
"""

from __future__ import annotations

from pathlib import Path

from service import snapshots
from service.config import Settings
from service.errors import NotFound
from service.remote_store import RemoteStore
from service.sparql.remote_runner import RemoteQueryRunner
from service.sparql.workers import QueryPool
from service.store import EmbeddedStore, QueryRunner, Store


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    """The store named by ``QANTAR_STORE``: a directory (embedded) or a query URL (remote)."""
    if settings.store_url:
        return RemoteStore(settings.store_url, settings.store_update, settings.store_gsp,
                           settings.store_auth, timeout=settings.query_timeout,
                           write_timeout=settings.write_timeout,
                           union_parameter=settings.store_union or None)
    if read_only:
        return open_for_reading(settings.store)
    return EmbeddedStore(settings.store)


def query_runners(settings: Settings,
                  store: Store | None = None) -> tuple[QueryRunner, QueryRunner | None]:
    """The runner of the endpoint's queries on the store ``settings`` names, and the one for
    queries whose SERVICE targets are all allowed (None: there is none, or the first one).

    A remote store answers through ``store`` itself. The embedded store's runners are worker
    processes that read the snapshots the writer publishes (service.snapshots), never the live
    store: a quarter of the request threads may wait for a busy worker, the rest stay free for
    pages; with hosts allowed, LOAD and SERVICE must reach them, outside the sandbox.
    """
    if isinstance(store, RemoteStore):
        return RemoteQueryRunner(store), None
    pool = QueryPool(settings.store, settings.query_workers,
                     queue_limit=max(1, settings.threads // 4))
    federation = QueryPool(settings.store, 2, sandboxed=False) if settings.fetch_allow else None
    return pool, federation


def open_path(path: Path, *, read_only: bool = False) -> Store:
    """The embedded store in the directory ``path`` itself, for what builds, checks or copies
    a store directory (``qantar load``, ``qantar serve``'s start-up check). ``read_only`` only
    where nobody writes, or to copy from a store a server holds (as ``qantar load`` does)."""
    return EmbeddedStore(path, read_only=read_only)


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
            newest = snapshots.newest(path)
            if newest is None:
                raise
            return EmbeddedStore(snapshots.snapshot_path(path, newest), read_only=True)
    return EmbeddedStore(path, read_only=True)
