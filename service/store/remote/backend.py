"""A remote store as a backend: an existing SPARQL 1.1 server named by its query URL, whose
bundle graphs ``qantar load`` replaces in place, served by one process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from service.config import Settings
from service.store.interface import BundleLoading, Store, StoreService
from service.store.remote.service import RemoteService
from service.store.remote.store import RemoteStore


class RemoteBackend:
    """The ``Backend`` of a SPARQL 1.1 server."""

    bundle_loading = BundleLoading.IN_PLACE

    def claims(self, settings: Settings) -> bool:
        return settings.store_url is not None

    def open_store(self, settings: Settings, *, read_only: bool = False) -> Store:
        return RemoteStore.from_settings(settings)

    def open_service(self, settings: Settings) -> StoreService:
        return RemoteService(settings)

    def exists(self, settings: Settings) -> bool:
        return True

    def check_writable(self, settings: Settings) -> None:
        """Nothing to check before serving: the server may come back, and says so at each
        write (502 with the reason until it does)."""

    def serving_processes(self, settings: Settings) -> int:
        return 1  # what is cached about the server's content is per process

    @contextmanager
    def beside_server(self, settings: Settings) -> Iterator[Settings]:
        yield settings
