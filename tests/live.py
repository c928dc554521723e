"""A real Qantar service on a free loopback port: waitress serving the Flask app in a thread."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import waitress
from flask import Flask

from service.app import create_app
from service.config import REPO_ROOT, Settings

WRITE_TOKEN = "test-write-token"


@dataclass
class LiveServer:
    url: str  # base URL without a trailing slash, e.g. http://127.0.0.1:40123
    app: Flask
    settings: Settings

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    @property
    def store(self) -> str:
        return self.url + "/store"


@contextmanager
def serve(store_dir: Path, **env: str) -> Iterator[LiveServer]:
    """Serve the store at ``store_dir`` until the block ends. ``env`` adds QANTAR_* settings."""
    settings = Settings.from_env({
        "QANTAR_STORE": str(store_dir),
        "QANTAR_DATA_DIR": str(REPO_ROOT),
        "QANTAR_QUERY_WORKERS": "2",
        **env,
    })
    app = create_app(settings)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.effective_port}", app, settings)
    finally:
        server.close()
        thread.join(timeout=5)
        app.extensions["qantar"].close()


def copy_store(template: Path, target: Path) -> Path:
    """A private copy of a closed store directory, which a test may write to."""
    shutil.copytree(template, target)
    return target
