"""The per-app state: what requests read, the one way to write, the cache and the query runner.

One ``Qantar`` object lives in ``app.extensions["qantar"]``; nothing else is global. How the
store is run (a writer process and snapshots, or a remote server) is the store service's
business (service.store.open chooses it); this module adds what every store shares: writes one
at a time within their time limit, and the response cache.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from flask import current_app
from rdflib import Graph

from service.config import Settings
from service.errors import WriteTimeout
from service.findings import refresh as refresh_findings
from service.precedence import GraphRanking, rank_graphs
from service.rdf_files import parse_file
from service.search_index import ChangeRecorder, SearchIndex
from service.search_records import index_dir
from service.sparql.cache import ResponseCache
from service.store.interface import QueryRunner, Store
from service.store.open import open_service
from service.versions import NOT_DATA, record_version

log = logging.getLogger(__name__)


class Qantar:
    """Everything a request handler may need, owned by one Flask app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache = ResponseCache(settings.cache_bytes)
        self._write_lock = threading.Lock()
        self.service = open_service(settings)
        self.search = SearchIndex(index_dir(settings.store), settings.base_iri)
        self._ranking: tuple[int, GraphRanking] | None = None

    @property
    def store(self) -> Store:
        """What requests read: the newest published snapshot, or the remote store."""
        return self.service.store

    def reader(self) -> Store:
        """What one request's pages read, each read within the page time limit
        (``QANTAR_PAGE_TIMEOUT``, counted from now)."""
        return self.service.reader()

    @property
    def generation(self) -> int:
        """Counts published writes: the cache's answers belong to one generation."""
        return self.service.generation

    @property
    def ranking(self) -> GraphRanking:
        """Which graph's names, dates and values come first (service.precedence), as of the
        generation readers see: one small query after each write."""
        generation, cached = self.generation, self._ranking
        if cached is None or cached[0] != generation:
            cached = self._ranking = (generation,
                                      rank_graphs(self.store, self.settings.graph_order))
        return cached[1]

    @property
    def announced(self) -> int:
        """The newest generation published, without moving to it (never blocks)."""
        return self.service.announced

    def runner_for(self, fetches: bool) -> QueryRunner:
        """Where a query runs: outside the sandbox only when it calls allowed SERVICEs."""
        return self.service.runner_for(fetches)

    @cached_property
    def shapes(self) -> Graph:
        """The SHACL shapes uploads are validated against (read once)."""
        return parse_file(self.settings.shapes_file)

    @contextmanager
    def writing(self, made_by: str = "a write through the service") -> Iterator[Store]:
        """The one way to write: serialised, within QANTAR_WRITE_TIMEOUT (the wait for earlier
        writes included), published to every reader before the block's caller answers, with
        the version of the data it made recorded in the same write (service.versions;
        ``made_by`` names the write there: never a secret) and the findings of the graphs it
        changed judged again (service.findings). A write to none but the service's own graphs
        (a saved query) makes no version."""
        limit = self.settings.write_timeout
        deadline = time.monotonic() + limit
        if not self._write_lock.acquire(timeout=limit):
            raise WriteTimeout(f"other writes kept the store busy for {limit:g} s, so nothing "
                               "was written; try again")
        try:
            with self.service.writing(deadline) as store:
                recorder = ChangeRecorder(store)
                yield recorder  # type: ignore[misc]
                changed = None if recorder.changed is None else set(recorder.changed)
                # the recorder names the named graphs written; none: the default graph, maybe
                if changed is None or not changed or changed - NOT_DATA:
                    # the service's own records, past the recorder: no name to index there
                    refresh_findings(store, changed, self.shapes)  # it skips its own graphs
                    record_version(store, changed, made_by)
            self.search.changed(self.generation, recorder.changed)
        finally:
            self._write_lock.release()
            self.cache.clear()
        self.refresh_search()

    @property
    def keeps_search_index(self) -> bool:
        """Whether a search index left by an earlier run may be kept (the store service's
        word: service.store.interface)."""
        return self.service.keeps_search_index

    def start_page_workers(self) -> None:
        """Start the page workers now (service.store.interface ``StoreService``)."""
        self.service.start_page_workers()

    def refresh_search(self) -> threading.Thread:
        """Bring the search index to the published generation in the background (a search
        arriving meanwhile waits for it rather than read a stale index)."""
        def refresh() -> None:
            try:
                self.search.at(self.store, self.generation, self.keeps_search_index)
            except Exception:  # the next search tries again, and reports what fails
                log.exception("the search index could not be brought up to date")

        thread = threading.Thread(target=refresh, name="qantar-search-index", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self.service.close()


def qantar() -> Qantar:
    """The state of the app handling the current request."""
    return current_app.extensions["qantar"]
