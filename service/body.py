"""Request bodies are read whole, within a size limit, before the app sees them.

A chunked body has no length to refuse in advance, and Werkzeug's own limit cut it short
silently, so part of an upload was stored. This WSGI middleware reads every body first:

- over ``QANTAR_MAX_BODY`` bytes (declared, or received when chunked): 413, and the app never
  runs, so nothing is written;
- Granian hands a request to a Python thread as soon as its headers are in, so a body that
  trickles in holds that thread: one client address may have at most half of
  ``QANTAR_THREADS`` bodies in flight, and all clients together one thread fewer than there
  are, so pages and queries always keep a thread; beyond that: 503 at once, with Retry-After.

The app then reads the body from memory, with an exact ``Content-Length``. What is not done
here: a time limit on reading a body (Granian 2.8 has none for bodies; see ``_read``).
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from service.errors import BadRequest, Busy, QantarError, TooLarge, plain_text

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class BoundedBody:
    """Wraps a WSGI app so that it only ever sees complete bodies within the limits."""

    def __init__(self, app: WSGIApp, max_body: int, threads: int) -> None:
        self.app = app
        self.max_body = max_body
        self.per_client = max(1, threads // 2)
        self.in_all = max(1, threads - 1)
        self._reading: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        length = _content_length(environ)
        if length is None and not chunked:
            return self.app(environ, start_response)
        if length is not None and length > self.max_body:
            return _answer(start_response, TooLarge(self.max_body))
        client = environ.get("REMOTE_ADDR", "")
        if not self._begin(client):
            return _answer(start_response, Busy("too many request bodies are being received at "
                                                "once; try again", headers={"Retry-After": "1"}))
        try:
            outcome = self._read(environ["wsgi.input"])
        finally:
            self._end(client)
        if outcome == "gone":
            return _answer(start_response,
                           BadRequest("the request body ended before it was complete"))
        if outcome == "large":
            return _answer(start_response, TooLarge(self.max_body))
        assert isinstance(outcome, bytes)
        environ["wsgi.input"] = io.BytesIO(outcome)
        environ["CONTENT_LENGTH"] = str(len(outcome))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = True
        return self.app(environ, start_response)

    def _begin(self, client: str) -> bool:
        with self._lock:
            if (self._reading[client] >= self.per_client
                    or sum(self._reading.values()) >= self.in_all):
                return False
            self._reading[client] += 1
            return True

    def _end(self, client: str) -> None:
        with self._lock:
            self._reading[client] -= 1
            if self._reading[client] <= 0:
                del self._reading[client]

    def _read(self, stream: Any) -> bytes | str:
        """The whole body, or "large" past the size limit.

        One read() of the whole body, in the request thread: Granian has no body timeout,
        its read(n) of a body that stops arriving stalls the worker's other requests, and so
        does answering while another thread still waits for the body (tried: a 408 after
        QANTAR_READ_TIMEOUT left every later request hanging until the slow client closed).
        A declared length is checked before, so this holds at most QANTAR_MAX_BODY; a chunked
        body is held as it arrives until it is complete.
        """
        try:
            body = stream.read()
        except (OSError, ValueError):
            return "gone"
        return "large" if len(body) > self.max_body else bytes(body)


def _content_length(environ: dict) -> int | None:
    raw = environ.get("CONTENT_LENGTH", "")
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value > 0 else None


def _answer(start_response: Callable, err: QantarError) -> Iterable[bytes]:
    """The plain-text answer to ``err`` that the app would give (service.app), written here
    because the app does not run."""
    reasons = {400: "Bad Request", 413: "Content Too Large", 503: "Service Unavailable"}
    status, headers, body = plain_text(err.status, str(err), err.headers)
    start_response(f"{status} {reasons[status]}", [*headers.items(), ("Connection", "close"),
                                                   ("Content-Length", str(len(body)))])
    return [body]
