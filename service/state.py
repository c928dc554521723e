"""The per-app state: what requests read, the one way to write, the cache and the query runner.

One ``Qantar`` object lives in ``app.extensions["qantar"]``; nothing else is global.

On the embedded store this process never opens the live store: a writer process
(service.writer) owns it, and requests read published snapshots (service.snapshots). A write
is acknowledged only after its snapshot is published and every reader here has moved to it,
so whoever made the write reads it back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from flask import current_app
from rdflib import Graph

from service import journal
from service.backends import open_store, query_runners
from service.config import Settings
from service.errors import QantarError, WriteTimeout
from service.namespaces import PROVENANCE_GRAPH
from service.rdf_files import parse_file
from service.snapshots import Readers
from service.sparql.cache import ResponseCache
from service.store import QueryRunner, Store
from service.writer import StoreWriter, WriteSession


class Qantar:
    """Everything a request handler may need, owned by one Flask app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache = ResponseCache(settings.cache_bytes)
        self._write_lock = threading.Lock()
        self.generation = 0
        #: the federation runner runs the queries whose SERVICE targets are all allowed,
        #: outside the sandbox
        self.pool: QueryRunner
        self.federation: QueryRunner | None
        self.writer: StoreWriter | None = None
        self._remote: Store | None = None
        self._readers: Readers | None = None
        if settings.remote:
            self._remote = open_store(settings)
            # an import cut short by a crash is finished or undone before anything is served
            journal.recover(self._remote, settings.store, str(PROVENANCE_GRAPH))
            self.pool, self.federation = query_runners(settings, self._remote)
        else:
            # with hosts allowed, LOAD must reach them: the writer then relies on the guard alone
            self.writer = StoreWriter(settings.store, sandboxed=not settings.fetch_allow)
            self._readers = Readers(settings.store, grace=max(60.0, 2 * settings.query_timeout))
            self.pool, self.federation = query_runners(settings)
            self._published(self.writer.start())

    @property
    def store(self) -> Store:
        """What requests read: the newest published snapshot, or the remote store."""
        if self._remote is not None:
            return self._remote
        assert self._readers is not None and self._readers.current is not None
        return self._readers.current

    def runner_for(self, fetches: bool) -> QueryRunner:
        """Where a query runs: outside the sandbox only when it calls allowed SERVICEs."""
        return self.federation if fetches and self.federation is not None else self.pool

    @cached_property
    def shapes(self) -> Graph:
        """The SHACL shapes uploads are validated against (read once)."""
        return parse_file(self.settings.shapes_file)

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """The one way to write: serialised, within QANTAR_WRITE_TIMEOUT (the wait for earlier
        writes included), published to every reader before the block's caller answers."""
        limit = self.settings.write_timeout
        deadline = time.monotonic() + limit
        if not self._write_lock.acquire(timeout=limit):
            raise WriteTimeout(f"other writes kept the store busy for {limit:g} s, so nothing "
                               "was written; try again")
        try:
            if self._remote is not None:
                try:
                    yield self._remote
                finally:
                    self._published(self.generation + 1)
                return
            writer = self.writer
            assert writer is not None
            if not writer.running:  # stopped at a time limit: roll back and start again
                self._published(writer.start())
            try:
                yield WriteSession(writer, deadline)
            except BaseException:
                self._settle(writer, deadline, quiet=True)
                raise
            self._settle(writer, deadline, quiet=False)
        finally:
            self._write_lock.release()
            self.cache.clear()

    def _settle(self, writer: StoreWriter, deadline: float, *, quiet: bool) -> None:
        """Publish what the write did; if that fails, stop the writer so that its restart rolls
        the store back (the write is then undone whole). ``quiet``: an error is on its way."""
        if not writer.running:
            return
        try:
            self._published(writer.commit(deadline))
        except (OSError, QantarError):
            writer.kill()
            if not quiet:
                raise

    def _published(self, generation: int) -> None:
        """Every reader of this process reads ``generation`` from now on."""
        self.generation = generation
        if self._readers is not None:
            self._readers.switch(generation)
        self.pool.publish(generation)
        held = self.pool.held()
        if self.federation is not None:
            self.federation.publish(generation)
            held |= self.federation.held()
        self.cache.clear()
        if self._readers is not None:
            self._readers.collect(held)

    def close(self) -> None:
        self.pool.close()
        if self.federation is not None:
            self.federation.close()
        if self.writer is not None:
            self.writer.stop()
        if self._readers is not None:
            self._readers.close()
        if self._remote is not None:
            self._remote.close()


def qantar() -> Qantar:
    """The state of the app handling the current request."""
    return current_app.extensions["qantar"]
