"""The per-app state: the store, the response cache, the query workers and the write lock.

One ``Qantar`` object lives in ``app.extensions["qantar"]``; nothing else is global.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from flask import current_app
from rdflib import Graph

from service.backends import AnyStore, open_store
from service.config import Settings
from service.imports import journal
from service.imports.vocabulary import PROVENANCE_GRAPH
from service.rdf_files import parse_file
from service.remote_store import RemoteStore
from service.sparql.cache import ResponseCache
from service.sparql.remote_runner import RemoteQueryRunner
from service.sparql.workers import QueryPool


class Qantar:
    """Everything a request handler may need, owned by one Flask app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: AnyStore = open_store(settings)
        # an import cut short by a crash is finished or undone before anything is served
        journal.recover(self.store, settings.store, str(PROVENANCE_GRAPH))
        self.cache = ResponseCache(settings.cache_bytes)
        # the endpoint's queries: killable local worker processes, or the remote server itself
        self.pool: QueryPool | RemoteQueryRunner = (
            RemoteQueryRunner(self.store) if isinstance(self.store, RemoteStore)
            else QueryPool(settings.store, settings.query_workers))
        self._write_lock = threading.Lock()

    @cached_property
    def shapes(self) -> Graph:
        """The SHACL shapes uploads are validated against (read once)."""
        return parse_file(self.settings.shapes_file)

    @property
    def generation(self) -> int:
        """Changes after every write; part of every cache key and ETag."""
        return self.pool.generation

    @contextmanager
    def writing(self) -> Iterator[AnyStore]:
        """Serialise writes; afterwards the cache is emptied and the query workers reopen."""
        with self._write_lock:
            try:
                yield self.store
            finally:
                # a failed flush (a full disk) must not hide the write's own error
                with contextlib.suppress(OSError):
                    self.store.flush()
                self.pool.bump_generation()
                self.cache.clear()

    def close(self) -> None:
        self.pool.close()
        self.store.close()


def qantar() -> Qantar:
    """The state of the app handling the current request."""
    return current_app.extensions["qantar"]
