"""A bounded response cache for query results, emptied by every write.

Keys hold the query, the chosen format, the dataset and the store generation, so a cached
answer can never outlive the data it was computed from.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class CachedResponse:
    mime: str
    body: bytes
    etag: str


class ResponseCache:
    """Least-recently-used, bounded by the total size of the bodies it holds."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, CachedResponse] = OrderedDict()
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

    def put(self, key: tuple, mime: str, body: bytes) -> CachedResponse:
        """Store a response (unless it is too big to be worth it) and return it with its ETag."""
        entry = CachedResponse(mime, body, etag_for(key))
        if not self.enabled or len(body) > self.max_bytes // 4:
            return entry
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = entry
            self._size += len(body)
            while self._size > self.max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted.body)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


def etag_for(key: tuple) -> str:
    """A strong ETag derived from the cache key (which includes the store generation)."""
    return '"' + hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:32] + '"'
