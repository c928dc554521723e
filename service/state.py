"""The per-app state: what requests read, the one way to write, the cache and the query runner.

One ``Qantar`` object lives in ``app.extensions["qantar"]``; nothing else is global. How the
store is run (a writer process and snapshots, or a remote server) is the store service's
business (service.backends chooses it); this module adds what every store shares: writes one
at a time within their time limit, and the response cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from flask import current_app
from rdflib import Graph

from service.backends import open_service
from service.config import Settings
from service.errors import WriteTimeout
from service.rdf_files import parse_file
from service.sparql.cache import ResponseCache
from service.store import QueryRunner, Store


class Qantar:
    """Everything a request handler may need, owned by one Flask app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache = ResponseCache(settings.cache_bytes)
        self._write_lock = threading.Lock()
        self.service = open_service(settings)

    @property
    def store(self) -> Store:
        """What requests read: the newest published snapshot, or the remote store."""
        return self.service.store

    @property
    def generation(self) -> int:
        """Counts published writes: the cache's answers belong to one generation."""
        return self.service.generation

    def runner_for(self, fetches: bool) -> QueryRunner:
        """Where a query runs: outside the sandbox only when it calls allowed SERVICEs."""
        return self.service.runner_for(fetches)

    @cached_property
    def shapes(self) -> Graph:
        """The SHACL shapes uploads are validated against (read once)."""
        return parse_file(self.settings.shapes_file)

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """The one way to write: serialised, within QANTAR_WRITE_TIMEOUT (the wait for earlier
        writes included), published to every reader before the block's caller answers."""
        limit = self.settings.write_timeout
        deadline = time.monotonic() + limit
        if not self._write_lock.acquire(timeout=limit):
            raise WriteTimeout(f"other writes kept the store busy for {limit:g} s, so nothing "
                               "was written; try again")
        try:
            with self.service.writing(deadline) as store:
                yield store
        finally:
            self._write_lock.release()
            self.cache.clear()

    def close(self) -> None:
        self.service.close()


def qantar() -> Qantar:
    """The state of the app handling the current request."""
    return current_app.extensions["qantar"]
