"""The production HTTP server: Granian (Rust HTTP), the Flask app behind service.front.

``QANTAR_WORKERS`` worker processes (one on a remote store or with a rate limit); in each,
Granian's event loop receives request bodies (service.front, service.body) and two pools of
``QANTAR_THREADS`` threads run the app, one for ``/sparql`` and ``/store``, one for the rest,
while SPARQL queries run in the query worker processes and writes in the writer process.
Granian parses HTTP outside the GIL, which makes each request about three times cheaper than a
pure-Python server here (bench/results). With several workers, the embedded store's writer is
started here, before them, and shared (service.store.embedded.writer_host).

The worker is started with ``spawn``, not ``fork``: nothing of this process (a store handle, a
thread) can leak into it. On SIGTERM or SIGINT Granian stops the worker and kills it after
``SHUTDOWN_GRACE`` seconds if requests still hold it; its helper processes follow it
(service.processes), and a write that was not acknowledged is rolled back at the next start.
"""

from __future__ import annotations

from functools import partial

from service.app import create_app
from service.config import Settings
from service.front import Front
from service.sparql.replay import Replay
from service.store.open import backend
from service.store.workers import waiting_threads

#: Seconds Granian waits for requests in flight when asked to stop, before killing its worker.
SHUTDOWN_GRACE = 5


def run_server(settings: Settings) -> None:
    """Serve ``create_app(settings)`` until interrupted. The worker is given ``settings``
    themselves (pickled with the app's loader), command-line choices included, so it reads
    nothing from the environment."""
    import multiprocessing

    multiprocessing.set_start_method("spawn", force=True)  # Granian starts its worker so

    chosen = backend(settings)
    workers = chosen.serving_processes(settings)
    with chosen.beside_server(settings) as served:
        _serve(served, workers)


def _serve(settings: Settings, workers: int) -> None:
    """Granian with ``workers`` processes, each serving ``serving_app(settings)``."""
    from granian import Granian
    from granian.constants import Interfaces

    server = Granian(
        "service.app:create_app",
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGINL,  # ASGI without lifespan events (service.front)
        workers=workers,
        log_access=False,
        workers_kill_timeout=SHUTDOWN_GRACE,
    )
    # the target string above only names the app in logs; this loader is what the worker runs
    server.serve(target_loader=partial(serving_app, settings), wrap_loader=False)


def serving_app(settings: Settings) -> Front:
    """The app a worker serves: the Flask app behind the front (service.front), its page
    workers ready, its search index brought up to date from the start (in the background: the
    first search waits for it only if it comes before it is done)."""
    app = create_app(settings)
    app.extensions["qantar"].start_page_workers()
    app.extensions["qantar"].refresh_search()
    replay = app.wsgi_app if isinstance(app.wsgi_app, Replay) else None
    return Front(app, threads=settings.threads, max_body=settings.max_body,
                 body_timeout=settings.body_timeout, waiting_threads=waiting_threads(settings),
                 recorded=replay.recorded if replay is not None else None)
