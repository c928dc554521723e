"""Shared fixtures: settings, a copy of the small fixture bundle, and loaded stores."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from service.cli import cli
from service.config import REPO_ROOT, Settings
from service.loader import load_bundle
from service.store.embedded.store import EmbeddedStore
from tests.apps import QantarRunner, make_app
from tests.browser import browser_page, chromium_browser  # noqa: F401 (fixtures)
from tests.live import (
    BACKENDS,
    QANTAR,
    WRITE_TOKEN,
    LiveServer,
    copy_store,
    serve_on,
    start_server,
)
from tests.virtuoso import Virtuoso, require, virtuoso_env, virtuoso_server

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_BUNDLE = FIXTURES / "bundle"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for the real repository data, with a store of this test's own."""
    return Settings.from_env({"QANTAR_STORE": str(tmp_path / "store"),
                              "QANTAR_DATA_DIR": str(REPO_ROOT)})


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    """A private copy of the small fixture bundle, which a test may break at will."""
    target = tmp_path / "bundle"
    shutil.copytree(FIXTURE_BUNDLE, target)
    return target


@pytest.fixture
def fixture_settings(tmp_path: Path, bundle_dir: Path) -> Settings:
    """Settings for the fixture bundle copy and a fresh store path."""
    return Settings.from_env({"QANTAR_STORE": str(tmp_path / "var" / "store"),
                              "QANTAR_DATA_DIR": str(bundle_dir)})


@pytest.fixture
def fixture_env(fixture_settings: Settings) -> dict[str, str]:
    """Environment variables that point the CLI at the fixture bundle and its store."""
    return {"QANTAR_STORE": str(fixture_settings.store),
            "QANTAR_DATA_DIR": str(fixture_settings.data_dir)}


@pytest.fixture(scope="session")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """The real bundle, loaded once per session into a temporary on-disk store."""
    store_dir = tmp_path_factory.mktemp("qantar") / "store"
    load_bundle(Settings.from_env({"QANTAR_STORE": str(store_dir),
                                   "QANTAR_DATA_DIR": str(REPO_ROOT)}))
    store = EmbeddedStore(store_dir, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="session")
def bundle_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real bundle loaded once per session into a closed store directory (copy before use)."""
    store_dir = tmp_path_factory.mktemp("template") / "store"
    load_bundle(Settings.from_env({"QANTAR_STORE": str(store_dir),
                                   "QANTAR_DATA_DIR": str(REPO_ROOT)}))
    return store_dir


@pytest.fixture
def app(store_dir: Path) -> Iterator[Flask]:
    """The app on a private copy of the loaded bundle (as Flask's tutorial has it on a fresh
    database), with Flask's TESTING; its writer and query workers stop with the test."""
    app = make_app(store_dir, testing=True)
    yield app
    app.extensions["qantar"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def writable_app(store_dir: Path) -> Iterator[Flask]:
    """``app`` with the write token (``tests.live.AUTH`` writes)."""
    app = make_app(store_dir, testing=True, QANTAR_WRITE_TOKEN=WRITE_TOKEN)
    yield app
    app.extensions["qantar"].close()


@pytest.fixture(scope="module")
def module_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               bundle_store_template: Path) -> Iterator[Flask]:
    """One app for all the tests of a module, on the module's copy of the loaded bundle, for
    tests that only read: as served (no TESTING, a view's exception answers 500), one query
    worker."""
    name = request.module.__name__.rpartition(".")[2]
    app = make_app(copy_store(bundle_store_template, tmp_path_factory.mktemp(name) / "store"))
    yield app
    app.extensions["qantar"].close()


@pytest.fixture
def module_client(module_app: Flask) -> FlaskClient:
    """A test client of ``module_app``."""
    return module_app.test_client()


@pytest.fixture
def runner(app: Flask) -> QantarRunner:
    """A runner of ``qantar`` commands on ``app``'s store."""
    return QantarRunner(app.extensions["qantar"].settings)


@pytest.fixture
def store_dir(tmp_path: Path, bundle_store_template: Path) -> Path:
    """A copy of the bundled store of this test's own, for commands to write."""
    return copy_store(bundle_store_template, tmp_path / "store")


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    output: str


@pytest.fixture
def run(store_dir: Path):
    """Run ``qantar ARGS`` in process on ``store_dir`` (every command closes the store it
    opened, which releases its lock); only the exit code and output are kept."""

    def invoke(*args: str) -> Outcome:
        result = CliRunner().invoke(cli, [*args], env={"QANTAR_STORE": str(store_dir)},
                                    catch_exceptions=False)
        return Outcome(result.exit_code, result.output)
    return invoke


@pytest.fixture(scope="session", params=BACKENDS)
def live_readonly(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
    bundle_store_template: Path,
) -> Iterator[LiveServer]:
    """One read-only service on the bundled graph for the whole session (no write token)."""
    store = copy_store(bundle_store_template, tmp_path_factory.mktemp("ro") / "store")
    with serve_on(request.param, store, QANTAR_QUERY_TIMEOUT="5") as server:
        yield server


@pytest.fixture(params=BACKENDS)
def live_writable(
    request: pytest.FixtureRequest, tmp_path: Path, bundle_store_template: Path
) -> Iterator[LiveServer]:
    """A service of this test's own on a copy of the bundled graph, with a write token."""
    store = copy_store(bundle_store_template, tmp_path / "store")
    with serve_on(request.param, store, QANTAR_WRITE_TOKEN=WRITE_TOKEN,
                  QANTAR_QUERY_TIMEOUT="5") as server:
        yield server


@pytest.fixture(params=BACKENDS)
def live_empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A writable service on an empty store (conformance suites put their own data in)."""
    store = tmp_path / "store"
    if request.param == "remote":
        store.mkdir()
    with serve_on(request.param, store, bundle=False, QANTAR_WRITE_TOKEN=WRITE_TOKEN) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """A real Virtuoso 7 of this session (tests/virtuoso.py) with the bundle loaded by
    `qantar load` under the documented settings (docs/remote-stores.md)."""
    require()
    base = tmp_path_factory.mktemp("virtuoso")
    with virtuoso_server(base / "db") as server:
        env = {**virtuoso_env(server, base), "PATH": os.environ.get("PATH", "")}
        done = subprocess.run([QANTAR, "load"], env={**os.environ, **env},
                              capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        yield server


@pytest.fixture(scope="session")
def live_virtuoso(virtuoso: Virtuoso) -> Iterator[LiveServer]:
    """`qantar serve` on the session's Virtuoso, writable (tests write graphs of their own)."""
    env = {**virtuoso_env(virtuoso, virtuoso.directory.parent), "QANTAR_QUERY_WORKERS": "2",
           "QANTAR_THREADS": "8", "QANTAR_WRITE_TOKEN": WRITE_TOKEN,
           "QANTAR_QUERY_TIMEOUT": "20"}
    with start_server(env) as server:
        yield server
