"""Where the pages find the per-app store, settings and caches: one place.

The app factory keeps the store and settings in ``app.extensions["qantar"]`` (``service.state``);
the pages add a small cache of their own beside it, for things that are costly to compute and
change only when the data does (the name index, the class counts, the ontology summary).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g

from service.config import Settings
from service.pages.iris import IriMap
from service.state import qantar
from service.store.interface import Store

#: Key under ``app.extensions`` of the pages' cache.
CACHE_KEY = "qantar.pages"
#: Name under ``flask.g`` of the request's reader (``get_store``).
READER_KEY = "qantar_reader"

T = TypeVar("T")


class DerivedCache:
    """Values computed from the store, kept until the store's generation changes (a write)."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[int, object]] = {}
        self._lock = threading.Lock()

    def get(self, name: str, generation: int, compute: Callable[[], T]) -> T:
        with self._lock:
            held = self._values.get(name)
            if held is not None and held[0] == generation:
                return held[1]  # type: ignore[return-value]
        value = compute()  # outside the lock: a slow computation must not block other names
        with self._lock:
            self._values[name] = (generation, value)
        return value


def get_store() -> Store:
    """What the current request's pages read: one version of the data, every read within the
    page time limit counted from the request's first read (``Qantar.reader``)."""
    if READER_KEY not in g:
        setattr(g, READER_KEY, qantar().reader())
    return getattr(g, READER_KEY)


def get_settings() -> Settings:
    """The settings of the current app."""
    return qantar().settings


def iri_map() -> IriMap:
    return IriMap(get_settings().base_iri)


def page_size() -> int:
    """How many links a page lists before it paginates."""
    return get_settings().page_size


def derived(name: str, compute: Callable[[], T]) -> T:
    """``compute()``, cached per app until the next write to the store."""
    cache = current_app.extensions.setdefault(CACHE_KEY, DerivedCache())
    return cache.get(name, qantar().generation, compute)
