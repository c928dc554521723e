"""The service's app in process, for Flask's test client: the fixtures of tests/conftest.py
build theirs with ``make_app``, and so do the tests that need an app on a store of their own;
``QantarRunner`` runs ``qantar`` commands beside one."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from flask import Flask

from service.app import create_app
from service.cli import cli
from service.config import REPO_ROOT, Settings


def make_app(store: Path, *, testing: bool = False, **env: str) -> Flask:
    """The app on the store at ``store`` with the repository's data, one query worker and one
    page worker (``env`` adds or overrides QANTAR_* settings); ``testing`` sets Flask's
    TESTING, which lets a view's exception reach the test instead of answering 500. The caller
    closes it (``app.extensions["qantar"].close()``)."""
    app = create_app(Settings.from_env({
        "QANTAR_STORE": str(store), "QANTAR_DATA_DIR": str(REPO_ROOT),
        "QANTAR_QUERY_WORKERS": "1", "QANTAR_PAGE_WORKERS": "1", **env}))
    if testing:
        app.config["TESTING"] = True
    return app


class QantarRunner(CliRunner):
    """Runs ``qantar`` commands on the store of an app, as Flask's ``test_cli_runner`` runs
    ``flask`` commands: while the app serves, as beside `qantar serve` (reads see its newest
    snapshot; writes are refused, the store being the app's)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(env={"QANTAR_STORE": str(settings.store),
                              "QANTAR_DATA_DIR": str(settings.data_dir)})

    def invoke(self, args: list[str] | None = None, **kwargs: object) -> Result:  # type: ignore[override]
        return super().invoke(cli, args or [], **kwargs)
