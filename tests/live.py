"""A real Qantar service on a free loopback port: the `qantar serve` command, as users run it.

``serve`` starts the same command ``make serve`` runs (Granian, its spawned worker, the store's
writer and the query workers) as a subprocess and stops it with SIGTERM, so every live test
exercises the path users take. ``serve_in_process`` runs the app under waitress in a thread,
for the few tests that need to reach into the running app; each says why.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import waitress
from flask import Flask

from service.config import REPO_ROOT, Settings

WRITE_TOKEN = "test-write-token"
#: The header that authorises a write on a service given ``QANTAR_WRITE_TOKEN=WRITE_TOKEN``.
AUTH = {"Authorization": f"Bearer {WRITE_TOKEN}"}
#: Seconds `qantar serve` may take to answer its first request (load, spawn, open).
STARTUP_LIMIT = 120.0
QANTAR = str(Path(sys.executable).with_name("qantar"))


@dataclass
class LiveServer:
    url: str  # base URL without a trailing slash, e.g. http://127.0.0.1:40123
    settings: Settings
    process: subprocess.Popen | None = None  # the `qantar serve` process, when it is one
    app: Flask | None = None  # only for an in-process server
    log: Path | None = None  # what `qantar serve` wrote

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    @property
    def store(self) -> str:
        return self.url + "/store"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(store_dir: Path, **env: str) -> dict[str, str]:
    """The QANTAR_* settings a test server runs with (``env`` adds or overrides)."""
    return {"QANTAR_STORE": str(store_dir), "QANTAR_DATA_DIR": str(REPO_ROOT),
            "QANTAR_QUERY_WORKERS": "2", "QANTAR_THREADS": "8", **env}


@contextmanager
def serve(store_dir: Path, *, bundle: bool = True, **env: str) -> Iterator[LiveServer]:
    """`qantar serve` on the store at ``store_dir`` until the block ends; ``bundle=False``
    serves an empty store empty (`--no-bundle`) instead of loading the bundle into it."""
    command = None if bundle else [QANTAR, "serve", "--no-bundle"]
    with start_server(server_env(store_dir, **env), command) as server:
        yield server


@contextmanager
def start_server(env: dict[str, str], command: list[str] | None = None,
                 log_dir: Path | None = None) -> Iterator[LiveServer]:
    """Start ``command`` (default `qantar serve`) with ``env`` on a free port; stop it after."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("QANTAR_")}
    full_env.update(env, QANTAR_HOST="127.0.0.1", QANTAR_PORT=str(port))
    settings = Settings.from_env(full_env)
    own_dir = log_dir is None
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="qantar-serve-"))
    log = log_dir / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command or [QANTAR, "serve"], env=full_env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = LiveServer(f"http://127.0.0.1:{port}", settings, process, log=log)
    try:
        wait_until_up(server)
        yield server
    finally:
        stop(server)
        if own_dir:
            shutil.rmtree(log_dir, ignore_errors=True)


def wait_until_up(server: LiveServer, limit: float = STARTUP_LIMIT) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"qantar serve exited ({server.process.returncode}):\n"
                               f"{server.output()[-3000:]}")
        try:
            requests.get(server.url + "/openapi.json", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"qantar serve did not answer within {limit:g} s:\n"
                       f"{server.output()[-3000:]}")


def stop(server: LiveServer, grace: float = 20.0) -> float:
    """SIGTERM, as a service manager sends it; kill after ``grace``. The seconds it took."""
    process = server.process
    if process is None or process.poll() is not None:
        return 0.0
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    took = time.monotonic() - started
    wait_for_children(process.pid)
    return took


def wait_for_children(session: int, limit: float = 10.0) -> None:
    """Wait until no process of the server's session is left (the store's lock is free)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            alive = subprocess.run(["pgrep", "-s", str(session)], capture_output=True,
                                   text=True, check=False).stdout.split()
        except FileNotFoundError:
            return
        if not alive:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(session, signal.SIGKILL)


@contextmanager
def serve_in_process(store_dir: Path, **env: str) -> Iterator[LiveServer]:
    """The app under waitress in a thread of this process, for tests that reach into it."""
    from service.app import create_app

    settings = Settings.from_env(server_env(store_dir, **env))
    app = create_app(settings)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.effective_port}", settings, app=app)
    finally:
        server.close()
        thread.join(timeout=5)
        app.extensions["qantar"].close()


def copy_store(template: Path, target: Path) -> Path:
    """A private copy of a closed store directory, which a test may write to."""
    shutil.copytree(template, target)
    return target


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, whichever of their threads started them."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                children = [int(c) for c in (task / "children").read_text().split()]
                found += children
                pending += children
    return found


def evaluators(server: LiveServer) -> list[int]:
    """The processes of `qantar serve` that evaluate SPARQL: the store's writer and the query
    workers, wherever they sit in the tree (under the one Granian worker, or the writer beside
    several), that is every spawned process but the Granian workers its log names."""
    assert server.process is not None
    granian = {int(pid) for pid in re.findall(r"Spawning worker-\d+ with PID: (\d+)",
                                              server.output())}
    found = []
    for pid in descendants(server.process.pid):
        with contextlib.suppress(OSError):
            if pid not in granian and b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
    return found


def holds_the_store(pid: int, store: Path) -> bool:
    """Whether ``pid`` has the live store open (its RocksDB lock): the writer."""
    lock = str(store / "LOCK")
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) == lock:
                    return True
    return False


#: Every live-service test runs on both stores: the embedded one and a real Oxigraph server.
BACKENDS = ("embedded", "remote")


@contextmanager
def serve_on(backend: str, store_dir: Path, *, bundle: bool = True,
             **env: str) -> Iterator[LiveServer]:
    """The service on ``store_dir`` itself (embedded), or on `oxigraph serve` over that
    directory (remote: the service speaks only SPARQL and the Graph Store Protocol to it)."""
    if backend == "embedded":
        with serve(store_dir, bundle=bundle, **env) as server:
            yield server
        return
    from tests.w3c.backends import oxigraph_server

    with oxigraph_server(store_dir) as remote, serve(
        store_dir, bundle=bundle, QANTAR_STORE=remote.query_url,
        QANTAR_STORE_UPDATE=remote.update_url, QANTAR_STORE_GSP=remote.store_url,
        QANTAR_STATE_DIR=str(store_dir.parent / "state"),
        **env,
    ) as server:
        yield server
