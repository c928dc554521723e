"""Which store Qantar runs on, chosen here and nowhere else: the registry of backends.

Each backend is a folder of service/store/ with a ``Backend`` (service.store.interface): the
embedded Oxigraph store (``embedded/``) and an existing SPARQL 1.1 server (``remote/``).
Callers get a ``Store`` (the store itself), a ``StoreService`` (the store as ``qantar serve``
runs it) or the ``Backend`` (what differs between them: how the bundle is loaded, how many
processes serve, what runs beside them) and never name a backend. A new backend is a new
folder with its ``Backend`` and one entry in ``BACKENDS``.
"""

from __future__ import annotations

from service.config import Settings
from service.store.embedded.backend import EmbeddedBackend
from service.store.interface import Backend, Store, StoreService
from service.store.remote.backend import RemoteBackend

#: Asked in this order which one ``QANTAR_STORE`` names.
BACKENDS: tuple[Backend, ...] = (RemoteBackend(), EmbeddedBackend())


def backend(settings: Settings) -> Backend:
    """The backend of the store ``QANTAR_STORE`` names."""
    return next(candidate for candidate in BACKENDS if candidate.claims(settings))


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    """The store named by ``QANTAR_STORE``: a directory (embedded) or a query URL (remote)."""
    return backend(settings).open_store(settings, read_only=read_only)


def open_service(settings: Settings) -> StoreService:
    """The store named by ``QANTAR_STORE`` as the service runs it (one per app)."""
    return backend(settings).open_service(settings)
