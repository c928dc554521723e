"""A remote store as a backend: an existing SPARQL 1.1 server named by its query URL, whose
bundle graphs ``qantar load`` replaces in place, served by one process."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pyoxigraph as ox
from rdflib import Graph

from service.config import Settings
from service.store.interface import Store, StoreService
from service.store.remote.service import RemoteService
from service.store.remote.store import RemoteStore


class RemoteBackend:
    """The ``Backend`` of a SPARQL 1.1 server."""

    def load_bundle(self, settings: Settings, graphs: Mapping[str, Graph]) -> dict[str, int]:
        """Replace the bundle's graphs on the server (one SPARQL Update, one transaction on
        servers that run an update as one, as Oxigraph, Fuseki and GraphDB do; graph by graph
        where the server refuses blank nodes in updates, as Virtuoso does); other graphs
        stay."""
        triples = {}
        for iri, graph in graphs.items():
            data = graph.serialize(format="nt", encoding="utf-8")
            triples[iri] = [ox.Triple(q.subject, q.predicate, q.object)
                            for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        with self.open_store(settings) as store:
            store.replace_graphs(triples)
            return {iri: store.triple_count(iri) for iri in sorted(graphs)}

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
