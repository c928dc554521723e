"""A remote SPARQL 1.1 server as ``qantar serve`` runs it: requests, writes and the endpoint's
queries all go to the server (service.store.remote.store, service.store.remote.runner)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from service.config import Settings
from service.namespaces import PROVENANCE_GRAPH
from service.store import journal
from service.store.interface import QueryRunner, Store
from service.store.remote.runner import RemoteQueryRunner
from service.store.remote.store import RemoteStore
from service.store.workers import CheckJob, QueryPool, waiting_places


class RemoteService:
    """The ``StoreService`` of a remote store."""

    #: a server cannot show what an update wrote before it is done
    checks_update_effects = False
    #: other clients of the server may have written it since
    keeps_search_index = False

    def __init__(self, settings: Settings) -> None:
        remote = RemoteStore.from_settings(settings)
        self.store: Store = remote
        # an import cut short by a crash is finished or undone before anything is served
        journal.recover(remote, settings.store, str(PROVENANCE_GRAPH))
        # the checks of a client's text run in worker processes of their own (no store open),
        # started on first use; checks wait for one within their time limit
        self._checks = QueryPool(2, queue_limit=waiting_places(settings),
                                 memory=settings.worker_memory)
        self._runner = RemoteQueryRunner(remote, self._checks.check)
        self.generation = 0

    @property
    def announced(self) -> int:
        return self.generation

    def reader(self) -> Store:
        """The server itself: each of a page's requests has the server's time limit
        (``QANTAR_QUERY_TIMEOUT``), and the server stops what it evaluates."""
        return self.store

    def runner_for(self, fetches: bool) -> QueryRunner:
        return self._runner  # the server itself decides what its SERVICE calls may reach

    def check(self, job: CheckJob, timeout: float, *, queued: bool = True,
              client: str = "") -> object:
        return self._checks.check(job, timeout, queued=queued, client=client)

    @contextmanager
    def writing(self, deadline: float) -> Iterator[Store]:
        """Writes go straight to the server (its own transactions; imports are journalled)."""
        try:
            yield self.store
        finally:
            self.generation += 1
            self._runner.publish(self.generation)

    def start_page_workers(self) -> None:
        pass  # pages read the server itself (``reader``)

    def close(self) -> None:
        self._checks.close()
        self._runner.close()
        self.store.close()
