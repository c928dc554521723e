"""The production HTTP server: Granian (Rust HTTP, WSGI app in a pool of Python threads).

One worker process, because the embedded store is opened read-write by one process only; its
blocking threads (``QANTAR_THREADS``) serve requests side by side while SPARQL queries run in
the query worker processes. Granian parses HTTP outside the GIL, which makes each request
about three times cheaper than a pure-Python server here (bench/results).
"""

from __future__ import annotations

import os

from service.config import Settings


def run_server(settings: Settings) -> None:
    """Serve ``create_app()`` until interrupted; the worker reads its settings from the
    environment, so the command line's choices are passed on through it."""
    from granian import Granian
    from granian.constants import Interfaces

    if not settings.remote:
        os.environ["QANTAR_STORE"] = str(settings.store)
    os.environ["QANTAR_HOST"], os.environ["QANTAR_PORT"] = settings.host, str(settings.port)
    server = Granian(
        "service.app:create_app",
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=max(1, settings.threads),
        log_access=False,
    )
    server.serve()
