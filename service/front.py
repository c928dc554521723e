"""The server's front: bodies received on the event loop, the Flask app run in a thread.

Granian serves this ASGI app (its ``asginl`` interface). Served as WSGI, Granian gave a
request to a Python thread as soon as its headers were in, and a body that trickled in held
that thread with no time limit (Granian has none for bodies); forty slow bodies from forty
addresses plus two queries waiting for a worker froze the pages for a minute (issue 26). Here,
for each request:

1. the body, if any, is received on Granian's event loop (service.body): within
   ``QANTAR_MAX_BODY`` (413) and ``QANTAR_BODY_TIMEOUT`` (408). A slow client holds no thread.
2. the WSGI app (Flask, with the body in memory) runs in a thread of one of two pools: one for
   ``/sparql`` and ``/store``, which wait for the query workers and the writer, one for
   everything else; each has ``QANTAR_THREADS``. Pages never wait behind query admission.
3. the answer goes out as the app yields it: a page or another answer of declared length up to
   256 KiB in one message, any other piece by piece, each send waiting for room in Granian's
   bounded channel, so a large answer is never held whole and a slow reader slows its
   producer. When the client of a streamed answer goes away, the app's iterator is closed (its
   query worker goes back to the pool at once).

A query answered before and recorded whole (service.sparql.replay) is replayed on the event
loop, before any thread: the recording is looked up without anything that may block.

An answer that fails after its status went out must not end cleanly (service.sparql.endpoint):
the app's exception is raised again here, after the pieces so far, and Granian then aborts the
connection without the final chunk.

Not a2wsgi, which does the same job in general: it hands the app a body that blocks the thread
while the client sends it (the thing this module exists to avoid), has one pool, and does not
stop an answer whose client has gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote_to_bytes

from service.body import BodyReceiver
from service.errors import QantarError, plain_text

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]

#: Paths whose requests may wait for another process (query workers, the writer) or run long
#: (a reconciliation batch: up to the query time limit): their own pool, so pages never wait.
WAITING_PATHS = ("/sparql", "/store", "/reconcile")
#: The most bytes of an answer of declared length held to be sent in one message.
WHOLE = 256 * 1024


class Front:
    """An ASGI app around a WSGI app (see the module's docstring)."""

    def __init__(self, app: WSGIApp, *, threads: int, max_body: int, body_timeout: float,
                 recorded: Callable[[dict], Any] | None = None,
                 waiting_threads: int = 0) -> None:
        self.app = app
        self.recorded = recorded
        threads = max(1, threads)
        self.pages = ThreadPoolExecutor(threads, thread_name_prefix="pages")
        # queries wait there for a worker within their time limit (service.store.workers)
        self.waiting = ThreadPoolExecutor(max(threads, waiting_threads),
                                          thread_name_prefix="waiting")
        # every request thread, and as many again waiting, may hold a body of the largest size
        self.bodies = BodyReceiver(max_body, body_timeout, per_client=threads // 2,
                                   budget=2 * threads * max_body)

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no websockets here
            return
        environ = wsgi_environ(scope)
        if self.recorded is not None:
            answer = self.recorded(environ)
            if answer is not None:  # a repeated query: no thread needed
                await send({"type": "http.response.start",
                            "status": int(answer.status.split(" ", 1)[0]),
                            "headers": [(_latin1(k.lower()), _latin1(v))
                                        for k, v in answer.headers]})
                await send({"type": "http.response.body", "body": answer.body})
                return
        declared = _content_length(environ)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        async with contextlib.AsyncExitStack() as held:
            body = b""
            if declared or chunked:
                client = environ.get("REMOTE_ADDR", "")
                try:  # held in memory, and counted, until the answer is sent
                    body = await held.enter_async_context(self.bodies.holding(
                        receive, client, None if chunked else declared))
                except QantarError as err:
                    await _refuse(send, err)
                    return
            environ["wsgi.input"] = io.BytesIO(body)
            environ["wsgi.input_terminated"] = True
            if declared or chunked:
                environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            await self._answer(environ, receive, send)

    async def _answer(self, environ: dict, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        gone = threading.Event()
        watcher: asyncio.Task | None = None

        async def watch() -> None:
            # after the body, Granian's receive() answers http.disconnect once the client is
            # gone (or the answer is finished)
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        async def stream(message: dict) -> None:
            nonlocal watcher
            if watcher is None:  # only a streamed answer needs to know when its client goes
                watcher = loop.create_task(watch())
            await send(message)

        def send_now(message: dict) -> None:
            asyncio.run_coroutine_threadsafe(stream(message), loop).result()

        path = environ["PATH_INFO"]
        pool = (self.waiting if any(path == p or path.startswith(p + "/") for p in WAITING_PATHS)
                else self.pages)
        try:
            whole = await loop.run_in_executor(pool, _run, self.app, environ, send_now, gone)
            if whole is not None:
                status, headers, body = whole
                await send({"type": "http.response.start", "status": status,
                            "headers": headers})
                await send({"type": "http.response.body", "body": body})
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await watcher


def _run(app: WSGIApp, environ: dict, send_now: Callable[[dict], None],
         gone: threading.Event) -> tuple[int, list, bytes] | None:
    """Call the app in this thread. An answer whose length the app declared, up to ``WHOLE``
    bytes, is returned whole for the loop to send in one message (pages, cached answers); any
    other is sent from here piece by piece as the app yields it (and None is returned)."""
    started: list = []
    streaming = False

    def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
        if exc_info is not None and streaming:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [int(status.split(" ", 1)[0]),
                      [(_latin1(k.lower()), _latin1(v)) for k, v in headers]]
        return _no_write

    result = app(environ, start_response)
    try:
        held: list[bytes] = []
        size = 0
        for chunk in result:
            if not chunk:
                continue
            if not streaming:
                sized = any(k == b"content-length" for k, _ in started[1])
                if sized and size + len(chunk) <= WHOLE:
                    held.append(bytes(chunk))
                    size += len(chunk)
                    continue
                streaming = True
                send_now({"type": "http.response.start", "status": started[0],
                          "headers": started[1]})
                for piece in held:
                    send_now({"type": "http.response.body", "body": piece, "more_body": True})
            if gone.is_set():  # the client went away: stop making an answer for nobody
                return None
            send_now({"type": "http.response.body", "body": bytes(chunk), "more_body": True})
        if streaming:
            send_now({"type": "http.response.body", "body": b""})
            return None
        return started[0], started[1], b"".join(held)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def _latin1(text: str) -> bytes:
    """A header as bytes: Latin-1 as WSGI has it, UTF-8 where a value is not (Granian's WSGI
    interface sent such a value as UTF-8 too)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _no_write(data: bytes) -> None:
    raise NotImplementedError("write() of start_response is not supported; return an iterable")


async def _refuse(send: Send, err: QantarError) -> None:
    """The plain-text answer to ``err`` that the app would give (service.app), given here
    because the app does not run; the connection is closed after it (its body may still be
    coming)."""
    status, headers, body = plain_text(err.status, str(err), err.headers)
    pairs = [(_latin1(k.lower()), _latin1(v)) for k, v in headers.items()]
    pairs += [(b"connection", b"close"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": pairs})
    await send({"type": "http.response.body", "body": body})


def wsgi_environ(scope: dict) -> dict:
    """The WSGI environ of an ASGI HTTP scope, as Granian's WSGI interface builds it (PEP 3333:
    PATH_INFO percent-decoded, as bytes read as Latin-1; repeated headers joined)."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    version = scope.get("http_version", "1.1")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(scope.get("raw_path") or scope["path"].encode())
        .decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": "HTTP/1.0" if version == "1" else f"HTTP/{version}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_SOFTWARE": "Granian",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name == "content-type":
            key = "CONTENT_TYPE"
        elif name == "content-length":
            key = "CONTENT_LENGTH"
        else:
            key = "HTTP_" + name.upper().replace("-", "_")
        if key in environ:
            value = environ[key] + ("; " if name == "cookie" else ",") + value
        environ[key] = value
    return environ


def _content_length(environ: dict) -> int | None:
    try:
        value = int(environ.get("CONTENT_LENGTH", ""))
    except ValueError:
        return None
    return value if value > 0 else None
