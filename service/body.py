"""Request bodies are received whole, within a size and a time limit, before a thread runs.

The front (service.front) calls :meth:`BodyReceiver.receive` on Granian's event loop, so a body
that trickles in costs a coroutine and its bytes, never a request thread, from any number of
addresses:

- over ``QANTAR_MAX_BODY`` bytes (declared, or received when chunked): 413, and the app never
  runs, so nothing is written;
- not whole within ``QANTAR_BODY_TIMEOUT`` seconds of its headers: 408, the same;
- one client address may have at most ``per_client`` slow bodies arriving at once (still
  arriving ``SLOW`` seconds after their headers; 503 beyond, with Retry-After), so that one
  address cannot pile up trickling connections, while a script's parallel requests, whose
  bodies come at once, are never turned away for their number;
- the bodies a process holds, arriving or waiting for their request to end, count against
  ``budget`` bytes (503 with Retry-After beyond), so that many addresses cannot pile them up
  either: memory for bodies is bounded whatever the number of clients.

The app then reads the body from memory, with an exact ``Content-Length``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from service.errors import BadRequest, BodyTimeout, Busy, TooLarge

Receive = Callable[[], Awaitable[dict]]
#: Seconds after its headers a body still arriving counts as slow.
SLOW = 1.0


class BodyReceiver:
    """The limits on bodies of one worker process (its counts live on its event loop)."""

    def __init__(self, max_body: int, timeout: float, per_client: int, budget: int) -> None:
        self.max_body = max_body
        self.timeout = timeout
        self.per_client = max(1, per_client)
        self.budget = max(budget, max_body)  # one body of the largest size always fits
        self.held = 0  # bytes of the bodies held now
        self._arriving: dict[str, list[float]] = {}  # when each body now arriving began

    @asynccontextmanager
    async def holding(self, receive: Receive, client: str,
                      declared: int | None) -> AsyncIterator[bytes]:
        """The whole body of a request that has one (``declared`` is its Content-Length, None
        when it is chunked), counted as held until the block ends. Raises TooLarge,
        BodyTimeout, Busy or BadRequest before the block."""
        counted = [0]
        try:
            yield await self._receive(receive, client, declared, counted)
        finally:
            self.held -= counted[0]

    async def _receive(self, receive: Receive, client: str, declared: int | None,
                       counted: list[int]) -> bytes:
        if declared is not None and declared > self.max_body:
            raise TooLarge(self.max_body)
        now = asyncio.get_running_loop().time()
        arriving = self._arriving.setdefault(client, [])
        if sum(now - began > SLOW for began in arriving) >= self.per_client:
            raise Busy("too many slow request bodies from this address are arriving at once; "
                       "try again", headers={"Retry-After": "1"})
        arriving.append(now)
        try:
            async with asyncio.timeout(self.timeout or None):
                return await self._read(receive, counted)
        except TimeoutError:
            raise BodyTimeout(self.timeout) from None
        finally:
            arriving.remove(now)
            if not arriving:
                del self._arriving[client]

    async def _read(self, receive: Receive, counted: list[int]) -> bytes:
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":  # http.disconnect: the client went away
                raise BadRequest("the request body ended before it was complete")
            chunk = message.get("body", b"")
            if len(body) + len(chunk) > self.max_body:
                raise TooLarge(self.max_body)
            if self.held + len(chunk) > self.budget:
                raise Busy(f"this server process holds {self.held // 2**20:,} MiB of request "
                           "bodies already, its limit; try again in a moment",
                           headers={"Retry-After": "1"})
            self.held += len(chunk)
            counted[0] += len(chunk)
            body += chunk
            if not message.get("more_body", False):
                return bytes(body)
