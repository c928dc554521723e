"""A bounded response cache for query results, emptied by every write.

Keys hold the query, the chosen format, the dataset and the store generation, so a cached
answer can never outlive the data it was computed from.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from service.formats import Format


@dataclass(frozen=True)
class CachedResponse:
    format: Format
    body: bytes
    etag: str


class ResponseCache:
    """Least-recently-used, bounded by the total size of the bodies it holds."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, CachedResponse] = OrderedDict()
        self._replays: OrderedDict[tuple, object] = OrderedDict()
        self._replay_sizes: dict[tuple, int] = {}
        self._size = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: tuple) -> CachedResponse | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, fmt: Format, body: bytes) -> CachedResponse:
        """Store a response (unless it is too big to be worth it) and return it with its ETag."""
        entry = CachedResponse(fmt, body, etag_for(key))
        if not self.enabled or len(body) > self.max_bytes // 4:
            return entry
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = entry
            self._size += len(body)
            self._evict()
        return entry

    def get_replay(self, key: tuple) -> object | None:
        """A whole recorded response (service.sparql.replay), or None."""
        with self._lock:
            entry = self._replays.get(key)
            if entry is not None:
                self._replays.move_to_end(key)
            return entry

    def put_replay(self, key: tuple, recorded: object, size: int) -> None:
        """Keep a recorded response; replays share the byte budget with the answers."""
        if not self.enabled or size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._replays:
                return
            self._replays[key] = recorded
            self._replay_sizes[key] = size
            self._size += size
            self._evict()

    def _evict(self) -> None:
        """Drop the least recently used answers, then replays, until the budget holds."""
        while self._size > self.max_bytes and self._entries:
            _, evicted = self._entries.popitem(last=False)
            self._size -= len(evicted.body)
        while self._size > self.max_bytes and self._replays:
            key, _ = self._replays.popitem(last=False)
            self._size -= self._replay_sizes.pop(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._replays.clear()
            self._replay_sizes.clear()
            self._size = 0


def etag_for(key: tuple) -> str:
    """A strong ETag derived from the cache key (which includes the store generation)."""
    return '"' + hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:32] + '"'
