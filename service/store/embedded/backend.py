"""The embedded store as a backend: a directory on disk, built anew by ``qantar load``, written
by one writer process (shared by the serving processes when there are several)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from rdflib import Graph

from service.config import Settings
from service.errors import StoreBusy, StoreFailure
from service.store.embedded.reading import open_for_reading
from service.store.embedded.rebuild import build_store, recover
from service.store.embedded.service import EmbeddedService
from service.store.embedded.store import EmbeddedStore
from service.store.embedded.writer_host import WriterHost
from service.store.interface import Store, StoreService


class EmbeddedBackend:
    """The ``Backend`` of the embedded Oxigraph store."""

    def load_bundle(self, settings: Settings, graphs: Mapping[str, Graph]) -> dict[str, int]:
        """A new store directory built beside the old one, what is not the bundle's carried
        over, and swapped into place (service.store.embedded.rebuild)."""
        recover(settings.store)
        return build_store(graphs, settings.store)

    def claims(self, settings: Settings) -> bool:
        return settings.store_url is None

    def open_store(self, settings: Settings, *, read_only: bool = False) -> Store:
        return open_for_reading(settings.store) if read_only else EmbeddedStore(settings.store)

    def open_service(self, settings: Settings) -> StoreService:
        return EmbeddedService(settings)

    def exists(self, settings: Settings) -> bool:
        return Path(settings.store).is_dir()

    def check_writable(self, settings: Settings) -> None:
        try:
            EmbeddedStore(settings.store).close()
        except (OSError, StoreBusy) as err:
            raise StoreFailure(f"the store {settings.store} cannot be opened for writing: "
                               f"{err}") from None

    def serving_processes(self, settings: Settings) -> int:
        # the rate limit counts per process, so it needs one
        return 1 if settings.query_rate else max(1, settings.workers)

    @contextmanager
    def beside_server(self, settings: Settings) -> Iterator[Settings]:
        """Several serving processes share one writer, started first (RocksDB allows one)."""
        if self.serving_processes(settings) == 1:
            yield settings
            return
        host = WriterHost(settings.store, sandboxed=not settings.fetch_allow,
                          memory=settings.worker_memory)
        host.start()
        try:
            yield replace(settings, writer_socket=host.socket_path)
        finally:
            host.stop()
