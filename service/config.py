"""Settings: each declared once, read once from the environment into one frozen dataclass.

Every setting is a :class:`Setting` in :data:`SETTINGS` (its variable, its default, what it
does), as datasette declares its own. ``Settings.from_env`` reads them, and the table in
docs/configuration.md is generated from them (``python -m service.config --docs``;
tests/test_docs.py fails when it differs), so the code and the docs cannot disagree.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.namespaces import BASE

#: The repository root: where ontology/, graph/, shapes/ and queries/ live by default.
REPO_ROOT = Path(__file__).resolve().parent.parent

#: The page of the docs whose table of settings is generated from :data:`SETTINGS`.
DOCS_PAGE = REPO_ROOT / "docs" / "configuration.md"


@dataclass(frozen=True)
class Setting:
    """One environment variable: its default, what it does, and how its text is read.

    ``default`` is written as the variable would be; ``parse`` turns it (or the variable's
    value) into the setting's value. A variable that is unset or empty takes the default,
    unless ``keep_empty`` (then empty is a value of its own). ``shown`` is the default as the
    docs say it, where the plain value would mislead (it depends on the machine, say).
    """

    name: str
    default: str
    help: str
    parse: Callable[[str], Any] = str
    shown: str | None = None
    keep_empty: bool = False

    @property
    def field(self) -> str:
        """The name of the setting in :class:`Settings`: ``QANTAR_PAGE_SIZE`` is ``page_size``."""
        return self.name.removeprefix("QANTAR_").lower()

    @property
    def documented_default(self) -> str:
        if self.shown is not None:
            return self.shown
        return f"`{self.default}`" if self.default else "empty"

    def read(self, env: Mapping[str, str]) -> Any:
        raw = env.get(self.name)
        if raw is None or (raw == "" and not self.keep_empty):
            raw = self.default
        try:
            return self.parse(raw)
        except ValueError as err:
            raise ValueError(f"{self.name}={raw!r} {err}") from None


def _absolute(raw: str) -> Path:
    """A directory, relative to the current directory when it is not absolute."""
    return Path(os.path.abspath(raw))


def _optional(raw: str) -> str | None:
    return raw or None


def _number(kind: Callable[[str], float]) -> Callable[[str], Any]:
    """A reader of numbers of ``kind``; a value that is not a number, or is negative, is a
    configuration error."""
    def parse(raw: str) -> Any:
        try:
            value = kind(raw)
        except ValueError:
            raise ValueError("is not a number") from None
        if value < 0:
            raise ValueError("must not be negative")
        return value
    return parse


def _hosts(raw: str) -> frozenset[str]:
    return frozenset(h.strip().lower() for h in raw.split(",") if h.strip())


def _iris(raw: str) -> tuple[str, ...]:
    """Absolute IRIs separated by spaces or commas, in order."""
    found = tuple(i for i in re.split(r"[\s,]+", raw) if i)
    for iri in found:
        if ":" not in iri or any(c in iri for c in '<>"{}|^`\\'):
            raise ValueError(f"{iri!r} is not an absolute IRI")
    return found


def _engine(raw: str) -> str:
    if raw not in ("auto", "standard", "virtuoso"):
        raise ValueError("must be auto, standard or virtuoso")
    return raw


_count = _number(int)
_seconds = _number(float)

SETTINGS: tuple[Setting, ...] = (
    Setting("QANTAR_STORE", "var/store",
            "Where the data lives: the directory of the embedded Oxigraph store (made absolute "
            "when read), or the URL (`http://...`) of the query endpoint of an existing SPARQL "
            "1.1 server, the remote store.",
            shown="`var/store`, relative to the current directory"),
    Setting("QANTAR_STORE_UPDATE", "",
            "The remote store's SPARQL Update URL.", _optional,
            shown="the query URL with its last segment `query` or `sparql` replaced by "
                  "`update` (Oxigraph server's layout)"),
    Setting("QANTAR_STORE_GSP", "",
            "The remote store's Graph Store Protocol URL.", _optional,
            shown="the query URL with its last segment `query` or `sparql` replaced by "
                  "`store` (Oxigraph server's layout)"),
    Setting("QANTAR_STORE_AUTH", "",
            "Credentials for the remote store: `basic USER:PASSWORD`, `digest USER:PASSWORD` "
            "or `bearer TOKEN`.", _optional, shown="empty: none"),
    Setting("QANTAR_STORE_UNION", "union-default-graph",
            "The query parameter that asks the remote store for the union of all graphs as the "
            "default graph (Oxigraph's); empty for servers whose default graph is that union "
            "already (Virtuoso, GraphDB, Neptune, or Fuseki with `unionDefaultGraph`).",
            keep_empty=True),
    Setting("QANTAR_STORE_ENGINE", "auto",
            "Which server the remote store is, for what servers read their own way "
            "(service.store.remote.dialect): `virtuoso`, `standard` (Oxigraph, Fuseki, "
            "GraphDB), or `auto`: Virtuoso when its answers say `Server: Virtuoso`, else "
            "standard.",
            _engine),
    Setting("QANTAR_STATE_DIR", "var",
            "Where the remote store's import journal is kept (in `remote-store` inside it).",
            _absolute),
    Setting("QANTAR_BASE_IRI", BASE,
            "The IRI every Qantar identifier starts with; the service resolves the IRIs under "
            "it (the path below the base is the path on the service)."),
    Setting("QANTAR_DATA_DIR", str(REPO_ROOT),
            "The directory holding `ontology/`, `graph/`, `shapes/` and `queries/`.",
            _absolute, shown="the repository root (the parent of the `service` package)"),
    Setting("QANTAR_WRITE_TOKEN", "",
            "The bearer token that SPARQL Update and Graph Store writes must present "
            "(`Authorization: Bearer ...`); empty makes the service read-only (writes answer "
            "403).", shown="empty: read-only"),
    Setting("QANTAR_QUERY_TIMEOUT", "30",
            "Seconds a SPARQL query may run before its worker is stopped (503).", _seconds),
    Setting("QANTAR_PAGE_TIMEOUT", "30",
            "Seconds the reads of one page (entity pages, views, search, reconciliation) may "
            "take together, the wait for a page worker included, before the page worker "
            "reading is stopped (503).", _seconds),
    Setting("QANTAR_WRITE_TIMEOUT", "120",
            "Seconds a write (SPARQL Update, Graph Store upload or delete) may take, the wait "
            "behind earlier writes included, before it is stopped and undone whole (503); on a "
            "remote store, the limit of each request to it.", _seconds),
    Setting("QANTAR_QUERY_RATE", "",
            "Queries one client address may send without the write token, in flask-limiter's "
            "notation (`60/minute`, `10/second;300/hour`); 429 beyond.", str.strip,
            shown="empty: no limit"),
    Setting("QANTAR_QUERY_WORKERS", str(max(2, os.cpu_count() or 2)),
            "Processes evaluating SPARQL queries (a stuck one is killed at the time limit), in "
            "each of the `QANTAR_WORKERS` processes.",
            _count, shown="the number of CPUs, at least 2"),
    Setting("QANTAR_PAGE_WORKERS", "2",
            "Processes reading the store for pages (a stuck read is killed at "
            "`QANTAR_PAGE_TIMEOUT`), in each of the `QANTAR_WORKERS` processes, apart from the "
            "query workers so that pages never wait behind queries.", _count),
    Setting("QANTAR_WORKER_MEMORY", str(2 * 1024**3),
            "The address space (virtual memory, `RLIMIT_AS`) in bytes that each query worker, "
            "each page worker and the store's writer may use; a query, page or write that "
            "needs more is stopped (503, a write undone whole) and its process started again. "
            "At rest a query worker and the writer each reserve about 0.6 GB of it "
            "(docs/sparql.md has the figures); `0`: no limit.",
            _count, shown="`2147483648` (2 GiB)"),
    Setting("QANTAR_MAX_BODY", str(16 * 1024 * 1024),
            "The largest request body accepted, in bytes, whatever the transfer encoding (413 "
            "beyond). Each process of the server holds at most twice `QANTAR_THREADS` bodies "
            "of this size at once, arriving or being answered (503 with Retry-After beyond).",
            _count, shown="`16777216` (16 MiB)"),
    Setting("QANTAR_BODY_TIMEOUT", "60",
            "Seconds a request body may take to arrive whole, counted from its headers (408 "
            "beyond; `0`: no limit); bodies are received before any request thread is given to "
            "them.",
            _seconds),
    Setting("QANTAR_HTML_ROW_CAP", "1000",
            "The most result rows an HTML view of a query shows.", _count),
    Setting("QANTAR_SAVED_QUERIES", "10000",
            "How many queries `POST /queries` keeps for permalinks (anyone may save one while "
            "the service is writable, without the token); `0` turns saving off.", _count),
    Setting("QANTAR_CACHE_BYTES", str(64 * 1024 * 1024),
            "The size of the response cache, in bytes; `0` turns it off.", _count,
            shown="`67108864` (64 MiB)"),
    Setting("QANTAR_PAGE_SIZE", "50",
            "Links an entity page, a class page or the timeline lists before it paginates (at "
            "least 1).", lambda raw: max(1, _count(raw))),
    Setting("QANTAR_FETCH_ALLOW", "",
            "Hosts (`host` or `host:port`, comma-separated) that SPARQL `SERVICE` and `LOAD` "
            "may reach; empty: the server fetches no URL at all.", _hosts,
            shown="empty: nothing"),
    Setting("QANTAR_GRAPH_ORDER", "",
            "Named graphs (IRIs separated by spaces or commas) whose names, dates and values "
            "pages, search and reconciliation show before every other graph's "
            "(service.precedence); the others keep their order: the bundle's graphs, then "
            "imported graphs in the order they were first imported.", _iris,
            shown="empty: the bundle's graphs first, then imports by first import"),
    Setting("QANTAR_HOST", "127.0.0.1", "The interface `qantar serve` listens on."),
    Setting("QANTAR_PORT", "8000", "The port `qantar serve` listens on.", _count),
    Setting("QANTAR_THREADS", "8",
            "Request threads in each process of the server for pages and everything else; as "
            "many queries may wait for a query worker in each process, each within its time "
            "limit (turned away at once, 503, only when the queue is full or the wait cannot "
            "fit in the limit, judged by how long queries lately took). `/sparql`, `/store` and "
            "`/reconcile` have threads of their own, enough for every waiting and running "
            "query and one more, so that pages never wait behind queries.", _count),
    Setting("QANTAR_WORKERS", str(min(4, max(2, os.cpu_count() or 2))),
            "Processes of `qantar serve` answering requests side by side on the embedded "
            "store, sharing one writer; `1` on a remote store and with `QANTAR_QUERY_RATE` "
            "(its counts are kept per process).", _count,
            shown="the number of CPUs, at least 2 and at most 4"),
)

SETTING = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Everything configurable about Qantar: one field per declared :class:`Setting`
    (:data:`SETTINGS` says what each means and its default), ``store_url``, the remote
    store's query URL when ``QANTAR_STORE`` is one, and ``writer_socket``."""

    store: Path
    store_url: str | None
    store_update: str | None
    store_gsp: str | None
    store_auth: str | None
    store_union: str
    store_engine: str
    state_dir: Path
    base_iri: str
    data_dir: Path
    write_token: str
    query_timeout: float
    page_timeout: float
    write_timeout: float
    query_rate: str
    query_workers: int
    page_workers: int
    worker_memory: int
    max_body: int
    body_timeout: float
    html_row_cap: int
    saved_queries: int
    cache_bytes: int
    page_size: int
    fetch_allow: frozenset[str]
    graph_order: tuple[str, ...]
    host: str
    port: int
    threads: int
    workers: int
    #: The shared writer's socket (service.store.embedded.writer_host): set by ``qantar serve``
    #: for its processes, never read from the environment.
    writer_socket: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``env`` (default: ``os.environ``); empty values mean default."""
        env = os.environ if env is None else env
        values = {s.field: s.read(env) for s in SETTINGS}
        location = values["store"]
        if location.startswith(("http://", "https://")):
            # the remote store: the journal of its imports is kept here
            values.update(store_url=location, store=values["state_dir"] / "remote-store")
        else:
            values.update(store_url=None, store=_absolute(location))
        return cls(**values)

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


def settings_table() -> str:
    """The Markdown table of every setting, as docs/configuration.md shows it."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        cells = (f"`{s.name}`", s.documented_default, s.help)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


_REGION = re.compile(r"(<!-- settings -->\n)(?P<body>.*?)(<!-- /settings -->)", re.S)


def documented_table(text: str) -> str | None:
    """The table of settings as a page of the docs has it (None: the page has no region)."""
    match = _REGION.search(text)
    return match["body"] if match else None


def main() -> None:
    """``python -m service.config``: print the table of settings; with ``--docs``, write it
    into docs/configuration.md between ``<!-- settings -->`` and ``<!-- /settings -->``."""
    if "--docs" not in sys.argv[1:]:
        print(settings_table(), end="")
        return
    text = DOCS_PAGE.read_text(encoding="utf-8")
    if documented_table(text) is None:
        sys.exit(f"{DOCS_PAGE} has no <!-- settings --> region")
    DOCS_PAGE.write_text(_REGION.sub(lambda m: m.group(1) + settings_table() + m.group(3), text),
                         encoding="utf-8")


if __name__ == "__main__":
    main()
