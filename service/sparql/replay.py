"""Repeated queries answered before Flask: a recorded answer replayed byte for byte.

A cached answer still costs Flask's routing, negotiation, the SERVICE guard and the after-request
hooks, about 0.5 ms of Python per request. This middleware records the whole response (status,
headers, body) of a ``GET /sparql`` that the endpoint answered from the response cache, under the
raw request (query string, Accept, host) and the store generation the endpoint read, and answers
the same request again with it directly. Everything the endpoint checks is a function of that
raw request and the settings, so a request that was refused never gets here, and a replayed
answer is exactly the one Flask would give. Replays live in the response cache, so a write
empties them with the rest; a request Flask should see anyway (a conditional request, a body,
a rate limit to count) goes through Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from service.sparql.cache import ResponseCache

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
#: The environ key under which the endpoint says which generation a cacheable answer is from.
REPLAYABLE = "qantar.replayable"
#: The request headers (and server variables) a query's answer may depend on.
KEYED = ("QUERY_STRING", "HTTP_ACCEPT", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT",
         "SCRIPT_NAME", "wsgi.url_scheme")


@dataclass(frozen=True)
class Recorded:
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class Replay:
    """WSGI middleware in front of the app (see the module's docstring)."""

    def __init__(self, app: WSGIApp, cache: ResponseCache, generation: Callable[[], int],
                 announced: Callable[[], int] | None = None) -> None:
        self.app = app
        self.cache = cache
        self.generation = generation
        self.announced = announced or generation

    def recorded(self, environ: dict) -> Recorded | None:
        """The recorded answer to this request, without running anything that may block: the
        key holds the newest published generation, so a hit is exactly what the app would
        replay once it has moved to it (service.front asks on the event loop)."""
        key = self._key(environ, self.announced)
        found = self.cache.get_replay(key) if key is not None else None
        return found if isinstance(found, Recorded) else None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        recorded = self.cache.get_replay(key)
        if isinstance(recorded, Recorded):
            start_response(recorded.status, list(recorded.headers))
            return [recorded.body]
        seen: list = []

        def capture(status: str, headers: list, exc_info: object = None) -> Callable:
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        if environ.get(REPLAYABLE) != key[0] or not seen or not seen[0].startswith("200 "):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self.cache.put_replay(key, Recorded(seen[0], tuple(seen[1]), body), len(body))
        return [body]

    def _key(self, environ: dict, generation: Callable[[], int] | None = None) -> tuple | None:
        """The request's key, or None when it must go through Flask."""
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql"
                or not environ.get("QUERY_STRING") or "HTTP_IF_NONE_MATCH" in environ
                or environ.get("CONTENT_LENGTH") not in (None, "", "0")
                or "HTTP_TRANSFER_ENCODING" in environ):
            return None
        return ((generation or self.generation)(), *(environ.get(name) for name in KEYED))
