"""Which store Qantar runs on: the embedded Oxigraph store, or an existing SPARQL server."""

from __future__ import annotations

from service.config import Settings
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
    return EmbeddedStore(settings.store, read_only=read_only)
