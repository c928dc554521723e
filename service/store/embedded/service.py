"""The embedded store as ``qantar serve`` runs it: one writer process, snapshot readers, and
query worker processes.

This process never opens the live store: the writer process (service.store.embedded.writer) owns
it, and
requests read published snapshots (service.store.embedded.snapshots). A write is acknowledged only
after its
snapshot is published and every reader here has moved to it, so whoever made the write reads
it back. The endpoint's queries run in killable worker processes (service.store.workers) on
the same snapshots, for the time limit, and so do the pages' reads, in workers of their own
(service.store.embedded.page_reads).

With several service processes (``QANTAR_WORKERS``) the writer is shared
(service.store.embedded.writer_host)
and each process checks, before it reads, whether another one published a newer snapshot
(a memory read), so no process answers from older data than the last acknowledged write.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from service.config import Settings
from service.errors import QantarError
from service.store.embedded.evaluation import SnapshotEvaluator
from service.store.embedded.page_reads import PageReader
from service.store.embedded.snapshots import Announcements, Readers
from service.store.embedded.writer import SharedWriter, StoreWriter, WriteSession
from service.store.interface import QueryRunner, Store
from service.store.workers import CheckJob, QueryPool, waiting_places


class EmbeddedService:
    """The ``StoreService`` of the embedded Oxigraph store."""

    #: the writer compares the protected graphs before and after each client update
    checks_update_effects = True
    #: every write says so to the index on disk first (service.search_records)
    keeps_search_index = True

    def __init__(self, settings: Settings) -> None:
        # with hosts allowed, LOAD must reach them: the writer then relies on the guard alone
        memory = settings.worker_memory  # every process that evaluates a client's SPARQL
        self.writer = (SharedWriter(settings.store, settings.writer_socket, memory)
                       if settings.writer_socket
                       else StoreWriter(settings.store, sandboxed=not settings.fetch_allow,
                                        memory=memory))
        # a superseded snapshot stays while a query or a page that began on it may still read
        self._readers = Readers(settings.store, grace=max(
            60.0, 2 * max(settings.query_timeout, settings.page_timeout)))
        # QANTAR_QUERY_WORKERS in each service process (with fewer, one runaway query would
        # hold every query sent to its process); queries wait for a busy worker within their
        # time limit (service.store.workers Admission); with hosts allowed, LOAD and SERVICE
        # must reach them, outside the sandbox
        evaluator = partial(SnapshotEvaluator, str(settings.store))
        self._pool = QueryPool(settings.query_workers, evaluator=evaluator,
                               queue_limit=waiting_places(settings), memory=memory)
        self._federation = (QueryPool(2, evaluator=evaluator, sandboxed=False, memory=memory)
                            if settings.fetch_allow else None)
        # the pages' reads, killable at their time limit (service.store.embedded.page_reads);
        # as many may wait as there are threads for pages (service.front)
        self._pages = QueryPool(settings.page_workers, evaluator=evaluator, memory=memory,
                                queue_limit=max(1, settings.threads), kind="page",
                                checks=False)
        self._page_timeout = settings.page_timeout
        self._path = settings.store
        self._generation = 0
        self._switching = threading.RLock()
        self._published(self.writer.start())
        self._announcements = Announcements(settings.store)

    @property
    def generation(self) -> int:
        """The generation this process reads: the newest any process published."""
        newest = self._announcements.newest()
        if newest > self._generation:
            with self._switching:
                while (newest := self._announcements.newest()) > self._generation:
                    with contextlib.suppress(FileNotFoundError):  # superseded already
                        self._published(newest)
        return self._generation

    @property
    def announced(self) -> int:
        return self._announcements.newest()

    @property
    def store(self) -> Store:
        self.generation  # noqa: B018 - moves to a newer snapshot first
        assert self._readers.current is not None
        return self._readers.current

    def reader(self) -> Store:
        return PageReader(self._pages, self._path, self.generation, self._page_timeout)

    def runner_for(self, fetches: bool) -> QueryRunner:
        return self._federation if fetches and self._federation is not None else self._pool

    def check(self, job: CheckJob, timeout: float, *, queued: bool = True,
              client: str = "") -> object:
        # sandboxed: it fetches nothing
        return self._pool.check(job, timeout, queued=queued, client=client)

    def start_page_workers(self) -> None:
        self._pages.start()

    @contextmanager
    def writing(self, deadline: float) -> Iterator[Store]:
        writer = self.writer
        if not writer.running:  # stopped at a time limit: roll back and start again
            self._published(writer.start())
        writer.begin(deadline)
        try:
            yield WriteSession(writer, deadline)  # type: ignore[misc]
        except BaseException:
            self._settle(deadline, quiet=True)
            raise
        self._settle(deadline, quiet=False)

    def _settle(self, deadline: float, *, quiet: bool) -> None:
        """Publish what the write did; if that fails, stop the writer so that its restart rolls
        the store back (the write is then undone whole). ``quiet``: an error is on its way."""
        if not self.writer.running:
            return
        try:
            self._published(self.writer.commit(deadline))
        except (OSError, QantarError):
            self.writer.kill()
            if not quiet:
                raise

    def _published(self, generation: int) -> None:
        """Every reader of this process reads ``generation`` from now on (never an older one
        than it reads: another thread may have moved it on meanwhile)."""
        with self._switching:
            if generation < self._generation:
                return
            self._readers.switch(generation)
            self._generation = generation
            held: set[int] = set()
            for runner in filter(None, (self._pool, self._federation, self._pages)):
                runner.publish(generation)
                held |= runner.held()
        self._readers.collect(held)

    def close(self) -> None:
        for runner in filter(None, (self._pool, self._federation, self._pages)):
            runner.close()
        self.writer.stop()
        self._readers.close()
        self._announcements.close()
