"""A real Virtuoso 7 server (Debian's ``virtuoso-opensource-7-bin``) for the remote-store tests.

Started from a private temporary directory with its own ``virtuoso.ini`` on free loopback
ports (never the system's database or its default ports), given a user with SPARQL_UPDATE for
the digest-authenticated endpoints, and stopped with SIGTERM. The settings are the ones the
docs give (docs/remote-stores.md), measured in ../shared/reference/virtuoso.md.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from service.config import REPO_ROOT
from tests.live import free_port

#: The Debian package that has both commands (`make virtuoso` installs it).
PACKAGE = "virtuoso-opensource-7-bin"
USER, PASSWORD = "qantar", "qantar-test"
STARTUP_LIMIT = 60.0

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CaseMode = 2
MaxSortedTopRows = 1000000
DirsAllowed = {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
MaxClientConnections = 20

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}
MaxClientConnections = 20
ServerThreads = 20

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
DefaultQuery = select distinct ?Concept where {{[] a ?Concept}} LIMIT 100
"""


@dataclass
class Virtuoso:
    """A running Virtuoso: its endpoints as the docs name them, and the user that writes."""

    base: str  # http://127.0.0.1:<port>
    directory: Path
    sql_port: int

    @property
    def query_url(self) -> str:
        return self.base + "/sparql"

    @property
    def update_url(self) -> str:
        return self.base + "/sparql-auth"

    @property
    def store_url(self) -> str:
        return self.base + "/sparql-graph-crud-auth"

    @property
    def auth(self) -> str:
        return f"digest {USER}:{PASSWORD}"

    def env(self) -> dict[str, str]:
        """The QANTAR_* settings of docs/remote-stores.md for this server."""
        return {"QANTAR_STORE": self.query_url, "QANTAR_STORE_UPDATE": self.update_url,
                "QANTAR_STORE_GSP": self.store_url, "QANTAR_STORE_AUTH": self.auth,
                "QANTAR_STORE_UNION": ""}

    def isql(self, statements: str) -> str:
        """Run SQL statements as the database administrator (isql-vt)."""
        done = subprocess.run(["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba",
                               f"exec={statements}"], capture_output=True, text=True,
                              timeout=60, check=False)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt failed: {done.stdout[-500:]} {done.stderr[-500:]}")
        return done.stdout


def binary() -> str | None:
    """``virtuoso-t`` when both it and ``isql-vt`` are installed."""
    found = shutil.which("virtuoso-t")
    return found if found and shutil.which("isql-vt") else None


def missing_reason() -> str:
    return (f"virtuoso-t / isql-vt are not installed (`make virtuoso` installs Debian's "
            f"{PACKAGE})")


@contextmanager
def virtuoso_server(directory: Path) -> Iterator[Virtuoso]:
    """Virtuoso with its database in ``directory`` (created), until the block ends."""
    command = binary()
    if command is None:
        raise FileNotFoundError(missing_reason())
    directory.mkdir(parents=True, exist_ok=True)
    sql, http = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(INI.format(dir=directory, sql=sql, http=http), encoding="utf-8")
    log = (directory / "stdout.log").open("wb")
    process = subprocess.Popen([command, "+foreground", "+configfile", str(ini)],
                               cwd=directory, stdout=log, stderr=subprocess.STDOUT,
                               preexec_fn=_die_with_parent)
    server = Virtuoso(f"http://127.0.0.1:{http}", directory, sql)
    try:
        _wait_until_up(server, process)
        server.isql(f"DB.DBA.USER_CREATE('{USER}', '{PASSWORD}'); "
                    f"GRANT SPARQL_UPDATE TO \"{USER}\";")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _die_with_parent() -> None:
    """Linux: SIGTERM to Virtuoso when the process that started it dies, even when that one
    is killed before it could stop Virtuoso itself (no database left running)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _wait_until_up(server: Virtuoso, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = server.directory / "virtuoso.log"
            text = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise RuntimeError(f"virtuoso-t exited ({process.returncode}): {text}")
        try:
            if requests.get(server.query_url, params={"query": "ASK {}"}, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Virtuoso did not answer at {server.query_url} within "
                       f"{STARTUP_LIMIT:g} s")


def in_ci() -> bool:
    """CI sets CI=true: there a missing Virtuoso is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def require() -> str:
    """``virtuoso-t``, or a skip with the reason where it is absent outside CI (in CI, where
    `make test` installs it, its absence is a failure)."""
    import pytest

    command = binary()
    if command is None:
        if in_ci():
            pytest.fail(missing_reason() + "; CI must have it (make virtuoso)")
        pytest.skip(missing_reason())
    return command


def virtuoso_env(server: Virtuoso, base: Path) -> dict[str, str]:
    """The QANTAR_* settings of a service on ``server`` (state kept under ``base``)."""
    return {**server.env(), "QANTAR_DATA_DIR": str(REPO_ROOT),
            "QANTAR_STATE_DIR": str(base / "state")}
