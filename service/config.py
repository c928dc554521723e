"""Settings read once from the environment into one frozen dataclass."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The repository root: where ontology/, graph/, shapes/ and queries/ live by default.
REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_STORE = "var/store"
DEFAULT_BASE_IRI = "https://w3id.org/qantar/"
DEFAULT_QUERY_TIMEOUT = 30.0
DEFAULT_WRITE_TIMEOUT = 120.0
DEFAULT_MAX_BODY = 16 * 1024 * 1024
DEFAULT_HTML_ROW_CAP = 1000
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Settings:
    """Everything configurable about Qantar.

    Environment variables and their defaults:

    - ``QANTAR_STORE``: directory of the embedded Oxigraph store; default ``var/store``,
      relative to the current directory (made absolute when read). A URL (``http://...``)
      instead names the SPARQL query endpoint of an existing server (the remote store).
    - ``QANTAR_STORE_UPDATE`` / ``QANTAR_STORE_GSP``: that server's SPARQL Update and Graph
      Store Protocol URLs; default: the query URL with its last segment ``query`` or
      ``sparql`` replaced by ``update`` and ``store`` (Oxigraph server's layout).
    - ``QANTAR_STORE_AUTH``: ``basic USER:PASSWORD``, ``digest USER:PASSWORD`` or
      ``bearer TOKEN`` for that server; default none.
    - ``QANTAR_STORE_UNION``: the query parameter that asks that server for the union of all
      graphs as the default graph (``union-default-graph``, Oxigraph's); empty for servers
      whose default graph is that union already (Virtuoso, GraphDB, Neptune, or Fuseki with
      ``unionDefaultGraph``).
    - ``QANTAR_STATE_DIR``: where the remote store's import journal is kept; default ``var``.
    - ``QANTAR_BASE_IRI``: the IRI every Qantar identifier starts with; default
      ``https://w3id.org/qantar/``.
    - ``QANTAR_DATA_DIR``: the directory holding ``ontology/``, ``graph/``, ``shapes/`` and
      ``queries/``; default the repository root (the parent of the ``service`` package).
    - ``QANTAR_WRITE_TOKEN``: bearer token that SPARQL Update and Graph Store writes must
      present; default empty, which makes the service read-only (writes answer 403).
    - ``QANTAR_QUERY_TIMEOUT``: seconds a SPARQL query may run before it is stopped; default 30.
    - ``QANTAR_WRITE_TIMEOUT``: seconds a write (SPARQL Update, Graph Store upload or delete)
      may take, waiting for earlier writes included, before it is stopped and undone whole
      (503); default 120. On a remote store it bounds each request to that server.
    - ``QANTAR_QUERY_RATE``: queries one client address may send without the write token,
      as flask-limiter writes it (``60/minute``, ``10/second;300/hour``); default empty: no
      limit.
    - ``QANTAR_QUERY_WORKERS``: processes evaluating SPARQL queries (a stuck one is killed at
      the time limit); default the number of CPUs, at least 2.
    - ``QANTAR_MAX_BODY``: largest request body accepted, in bytes; default 16 MiB (16777216).
    - ``QANTAR_HTML_ROW_CAP``: most result rows shown in an HTML page; default 1000.
    - ``QANTAR_CACHE_BYTES``: size of the response cache, in bytes; 0 turns it off;
      default 64 MiB.
    - ``QANTAR_PAGE_SIZE``: links an entity page, class page or the timeline lists before it
      paginates; default 50.
    - ``QANTAR_FETCH_ALLOW``: comma-separated host names (or host:port) that SPARQL ``SERVICE``
      and ``LOAD`` may reach; default empty: the server fetches no URL at all.
    - ``QANTAR_HOST`` / ``QANTAR_PORT``: where ``qantar serve`` listens; default
      ``127.0.0.1`` and ``8000``.
    - ``QANTAR_THREADS``: request threads of the WSGI server; default 8.
    """

    store: Path
    base_iri: str = DEFAULT_BASE_IRI
    store_url: str | None = None
    store_update: str | None = None
    store_gsp: str | None = None
    store_auth: str | None = None
    store_union: str = "union-default-graph"
    data_dir: Path = REPO_ROOT
    write_token: str = ""
    query_timeout: float = DEFAULT_QUERY_TIMEOUT
    write_timeout: float = DEFAULT_WRITE_TIMEOUT
    query_rate: str = ""
    query_workers: int = max(2, os.cpu_count() or 2)
    max_body: int = DEFAULT_MAX_BODY
    html_row_cap: int = DEFAULT_HTML_ROW_CAP
    cache_bytes: int = DEFAULT_CACHE_BYTES
    page_size: int = DEFAULT_PAGE_SIZE
    fetch_allow: frozenset[str] = frozenset()
    host: str = "127.0.0.1"
    port: int = 8000
    threads: int = 8

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``env`` (default: ``os.environ``); empty values mean default."""
        env = os.environ if env is None else env
        return cls(
            store=_store_path(env),
            store_url=_store_url(env),
            store_update=env.get("QANTAR_STORE_UPDATE") or None,
            store_gsp=env.get("QANTAR_STORE_GSP") or None,
            store_auth=env.get("QANTAR_STORE_AUTH") or None,
            store_union=env.get("QANTAR_STORE_UNION", "union-default-graph"),
            base_iri=env.get("QANTAR_BASE_IRI") or DEFAULT_BASE_IRI,
            data_dir=Path(os.path.abspath(env.get("QANTAR_DATA_DIR") or REPO_ROOT)),
            write_token=env.get("QANTAR_WRITE_TOKEN") or "",
            query_timeout=_number(env, "QANTAR_QUERY_TIMEOUT", float, DEFAULT_QUERY_TIMEOUT),
            write_timeout=_number(env, "QANTAR_WRITE_TIMEOUT", float, DEFAULT_WRITE_TIMEOUT),
            query_rate=(env.get("QANTAR_QUERY_RATE") or "").strip(),
            query_workers=_number(env, "QANTAR_QUERY_WORKERS", int, cls.query_workers),
            max_body=_number(env, "QANTAR_MAX_BODY", int, DEFAULT_MAX_BODY),
            html_row_cap=_number(env, "QANTAR_HTML_ROW_CAP", int, DEFAULT_HTML_ROW_CAP),
            cache_bytes=_number(env, "QANTAR_CACHE_BYTES", int, DEFAULT_CACHE_BYTES),
            page_size=max(1, _number(env, "QANTAR_PAGE_SIZE", int, DEFAULT_PAGE_SIZE)),
            fetch_allow=frozenset(
                h.strip().lower() for h in (env.get("QANTAR_FETCH_ALLOW") or "").split(",")
                if h.strip()
            ),
            host=env.get("QANTAR_HOST") or "127.0.0.1",
            port=_number(env, "QANTAR_PORT", int, 8000),
            threads=_number(env, "QANTAR_THREADS", int, 8),
        )

    @property
    def remote(self) -> bool:
        """True when the store is an existing SPARQL server rather than the embedded one."""
        return self.store_url is not None

    @property
    def read_only(self) -> bool:
        """No token configured means no writes at all."""
        return not self.write_token

    @property
    def ontology_dir(self) -> Path:
        return self.data_dir / "ontology"

    @property
    def graph_dir(self) -> Path:
        return self.data_dir / "graph"

    @property
    def manifest_file(self) -> Path:
        """The manifest saying which graph/ file belongs to which named graph."""
        return self.graph_dir / "datasets.ttl"

    @property
    def shapes_file(self) -> Path:
        return self.data_dir / "shapes" / "qantar.ttl"

    @property
    def queries_dir(self) -> Path:
        return self.data_dir / "queries"


def _store_url(env: Mapping[str, str]) -> str | None:
    value = env.get("QANTAR_STORE") or ""
    return value if value.startswith(("http://", "https://")) else None


def _store_path(env: Mapping[str, str]) -> Path:
    """The embedded store's directory; for a remote store, where its import journal lives."""
    if _store_url(env):
        state = env.get("QANTAR_STATE_DIR") or "var"
        return Path(os.path.abspath(state)) / "remote-store"
    return Path(os.path.abspath(env.get("QANTAR_STORE") or DEFAULT_STORE))


def _number(env: Mapping[str, str], name: str, kind: type, default: float) -> Any:
    """Read a numeric variable; a value that is not a positive number is a configuration error."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise ValueError(f"{name}={raw!r} must not be negative")
    return value
