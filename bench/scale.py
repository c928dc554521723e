"""Scale: how the running service answers people at 1M (or 10M) triples of the bundle's shape.

    .venv/bin/python -m bench.scale                      # about 1M triples
    .venv/bin/python -m bench.scale --triples 10000000   # about 10M (generation and loading
                                                          # take a while the first time)

The graph is ``bench.generate``'s: the bundle repeated with renamed entities and strings, the
shared vocabulary and places single, so every page, search and question meets the bundle's
shapes at a bigger size. It is generated and bulk-loaded once into ``bench/data/scale-<size>/``
(kept for the next run), then ``qantar serve`` (this tree's code, a process of its own with its
default settings, the response cache off so that every SPARQL answer is evaluated) is measured
by one client sending one request at a time on a kept-alive connection:

- entity pages of entities of every kind, spread over the copies (``/page/id/...``);
- the page of a shared place that every copy links to (the biggest page there is; it also
  carries bench.generate's Wikidata-shaped names: about 600 in 150 languages);
- search (``/search?q=``) for names that match one entity, hundreds, or nothing;
- the timeline's first, middle and last page;
- each competency question (``queries/*.rq``) through ``/sparql`` (``--no-questions``: none;
  ``--questions-only``: nothing else, no restart);
- after a restart, searches again (the search index is kept beside the store), then the first
  search after a Graph Store write and after a SPARQL update.

``--store DIR`` serves a store loaded beforehand instead of the generated one, for instance a
copy of ``bench/data/scale-1m/store`` with a multilingual extract merged in (opened by the
server alone, as any store it serves).

Each row gives the first (cold) request and the median and 99th percentile of the repeats, and
the peak resident memory of the server and its query workers (``VmHWM``) at the end. Results
are printed and written to ``bench/results/scale-<date>.md``. Not part of the test suite.
Only the server process this script starts is ever stopped, by its own handle.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import requests

from bench.generate import copies_for, generate, read_quads, write_quads
from service.config import REPO_ROOT, Settings
from service.loader import load_bundle
from service.namespaces import ARTICLE_GRAPH, ID

DATA = REPO_ROOT / "bench" / "data"
RESULTS = REPO_ROOT / "bench" / "results"
QUERIES = REPO_ROOT / "queries"
PAGE_TARGET_MS = 50  # the target for the p50 of pages
#: Names to search for: one entity, a few hundred (every copy's), a transliteration, a name
#: in Cyrillic, a substring, nothing.
SEARCHES = ("Tokayev (17)", "Tokayev", "Tokaev", "Алматы", "Almaty", "zhovt",
            "no such name anywhere")
ENTITY_KINDS = ("person", "org", "group", "event", "relation", "claim", "figure", "source",
                "office")


@dataclass
class Row:
    what: str
    requests: int
    first_ms: float
    p50_ms: float
    p99_ms: float
    statuses: set[int]
    note: str = ""


# --------------------------------------------------------------------------- data


def prepare(triples: int) -> tuple[Path, int, list[ox.Quad]]:
    """The loaded store for ``triples`` (built once), its quad count and the bundle's quads."""
    label = f"{triples // 1_000_000}m" if triples % 1_000_000 == 0 else f"{triples // 1000}k"
    base = DATA / f"scale-{label}"
    store, quads, ready = base / "store", base / "data.nq", base / "ready"
    bundle_nq = DATA / "scale-bundle.nq"
    if not bundle_nq.is_file():
        print("loading the bundled graph …", flush=True)
        work = DATA / "scale-bundle-store"
        shutil.rmtree(work, ignore_errors=True)
        load_bundle(Settings.from_env({"QANTAR_STORE": str(work),
                                       "QANTAR_DATA_DIR": str(REPO_ROOT)}))
        bundled = ox.Store(str(work))
        bundled.dump(str(bundle_nq), format=ox.RdfFormat.N_QUADS)
        del bundled
        shutil.rmtree(work)
    bundle = read_quads(bundle_nq)
    if not ready.is_file():
        base.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        count = write_quads(generate(bundle, triples), quads)
        print(f"generated {count:,} quads in {time.perf_counter() - started:.0f} s", flush=True)
        shutil.rmtree(store, ignore_errors=True)
        started = time.perf_counter()
        db = ox.Store(str(store))
        db.bulk_load(path=str(quads), format=ox.RdfFormat.N_QUADS)
        db.optimize()
        total = len(db)
        del db
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
        ready.write_text(f"{total}\n")
    return store, int(ready.read_text()), bundle


def entity_paths(bundle: list[ox.Quad], copies: int, count: int, seed: int = 7) -> list[str]:
    """``count`` entity pages of the kinds people look at, over all copies (fixed order)."""
    ours = str(ID)
    article = str(ARTICLE_GRAPH)
    entities = sorted({
        q.subject.value for q in bundle
        if q.graph_name.value == article and isinstance(q.subject, ox.NamedNode)
        and q.subject.value.startswith(ours) and q.predicate.value.endswith("#type")
        and q.subject.value.removeprefix(ours).split("/", 1)[0] in ENTITY_KINDS
    })
    rng = random.Random(seed)
    paths = []
    for _ in range(count):
        iri, k = rng.choice(entities), rng.randrange(copies)
        local = iri.removeprefix(ours) + (f"-{k}" if k else "")
        paths.append("/page/id/" + local)
    return paths


# --------------------------------------------------------------------------- the server


class Server:
    """``qantar serve`` of this tree on a free loopback port."""

    def __init__(self, store: Path, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (store.parent / "serve.log").open("wb")
        argv = [sys.executable, "-c", "from service.cli import main; main()", "serve",
                "--store", str(store), "--port", str(self.port)]
        self.process = subprocess.Popen(
            argv, cwd=REPO_ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **env})
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"qantar serve exited; see {self.log.name}")
            try:
                requests.get(self.url + "/sparql", params={"query": "ASK {}"}, timeout=5)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.3)  # not listening yet, or too busy starting to answer
        self.stop()
        raise RuntimeError("qantar serve did not answer within 300 s")

    def peak_rss_mb(self) -> dict[str, float]:
        """Peak resident memory (VmHWM) of the server and of every process under it (the
        HTTP server's workers and their query workers)."""
        peaks = {"server": _vm_hwm(self.process.pid)}
        for i, child in enumerate(_descendants(self.process.pid)):
            peaks[f"process {i + 1}"] = _vm_hwm(child)
        return peaks

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in map(int, text):
            found += [child, *_descendants(child)]
    return sorted(set(found))


def _vm_hwm(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --------------------------------------------------------------------------- measuring


def measure(session: requests.Session, what: str, urls: list[str], headers: dict[str, str],
            repeats: int, budget: float) -> Row:
    """The first request to ``urls[0]`` (cold), then ``repeats`` requests cycling over them,
    or as many as ``budget`` seconds allow (at least one): a slow row says so by its n."""
    timings, statuses = [], set()

    def one(url: str) -> float:
        started = time.perf_counter()
        response = session.get(url, headers=headers, timeout=600)
        _ = response.content
        statuses.add(response.status_code)
        return (time.perf_counter() - started) * 1000

    first = one(urls[0])
    started = time.monotonic()
    for i in range(repeats):
        timings.append(one(urls[i % len(urls)]))
        if time.monotonic() - started > budget:
            break
    timings.sort()
    p99 = timings[min(len(timings) - 1, math.ceil(0.99 * len(timings)) - 1)]
    row = Row(what, len(timings), first, statistics.median(timings), p99, statuses)
    print(f"  {what:60.60} first {row.first_ms:8.1f}  p50 {row.p50_ms:8.1f}  "
          f"p99 {row.p99_ms:8.1f} ms  {sorted(statuses)}", flush=True)
    return row


def sparql_url(base: str, text: str) -> str:
    return f"{base}/sparql?query={urllib.parse.quote(text, safe='')}"


def run(server: Server, bundle: list[ox.Quad], copies: int, args: argparse.Namespace
        ) -> list[Row]:
    html = {"Accept": "text/html"}
    session = requests.Session()
    base = server.url
    if args.questions_only:
        return questions(session, base, args)
    rows = [measure(session, f"entity page ({args.pages} entities of {len(ENTITY_KINDS)} "
                             "kinds over all copies)",
                    [base + p for p in entity_paths(bundle, copies, args.pages)], html,
                    args.pages, args.budget),
            measure(session, "entity page of a shared place (Almaty: every copy links to it)",
                    [base + "/page/id/place/almaty"], html, args.repeats, args.budget)]
    for term in SEARCHES:
        rows.append(measure(session, f"search {term!r}",
                            [f"{base}/search?q={urllib.parse.quote(term)}"], html,
                            args.repeats, args.budget))
    started = time.perf_counter()
    first = session.get(base + "/timeline", headers=html, timeout=600)
    cold = (time.perf_counter() - started) * 1000
    print(f"  timeline, first request (orders every event): {cold:,.0f} ms", flush=True)
    rows.append(Row("timeline, first request (orders every event once)", 1, cold, cold, cold,
                    {first.status_code}))
    last_page = _last_page(first.text)
    for page in sorted({1, max(1, last_page // 2), last_page}):
        rows.append(measure(session, f"timeline page {page} of {last_page}",
                            [f"{base}/timeline?page={page}"], html, args.repeats,
                            args.budget))
    return rows + (questions(session, base, args) if args.questions else [])


def questions(session: requests.Session, base: str, args: argparse.Namespace) -> list[Row]:
    """Each competency question through ``/sparql`` (the response cache is off)."""
    accept = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
    return [measure(session, f"competency question {path.stem}",
                    [sparql_url(base, path.read_text(encoding="utf-8"))], accept,
                    args.query_repeats, args.budget)
            for path in sorted(args.queries.glob("*.rq"))]


#: The write token of the restarted server, which measures searches after writes.
BENCH_TOKEN = "bench-scale-write-token"
BENCH_GRAPH = "https://w3id.org/qantar/graph/bench-scale"


def after_writes(session: requests.Session, base: str, args: argparse.Namespace) -> list[Row]:
    """The first search after a Graph Store PUT of a small graph and after a SPARQL update
    (each write times itself too; the index re-indexes the written graph)."""
    auth = {"Authorization": f"Bearer {BENCH_TOKEN}"}
    person = ox.NamedNode(str(ID["person/zhanbolat-benchov"]))
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    typ = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = [ox.Triple(person, typ, ox.NamedNode("https://schema.org/Person")),
               ox.Triple(person, label, ox.Literal("Zhanbolat Benchov", language="en"))]
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    rows = []
    started = time.perf_counter()
    put = session.put(f"{base}/store", params={"graph": BENCH_GRAPH}, data=body, timeout=600,
                      headers={**auth, "Content-Type": "application/n-triples"})
    ms = (time.perf_counter() - started) * 1000
    rows.append(Row("Graph Store PUT of a small graph", 1, ms, ms, ms, {put.status_code}))
    rows.append(measure(session, "search 'Benchov', first after that write",
                        [f"{base}/search?q=Benchov"], {"Accept": "text/html"}, args.repeats,
                        args.budget))
    update = (f"INSERT DATA {{ GRAPH {ox.NamedNode(BENCH_GRAPH)} {{ {person} {label} "
              f"{ox.Literal('Benchov Second', language='ru')} }} }}")
    started = time.perf_counter()
    answer = session.post(f"{base}/sparql", data={"update": update}, headers=auth, timeout=600)
    ms = (time.perf_counter() - started) * 1000
    rows.append(Row("SPARQL update (INSERT DATA into that graph)", 1, ms, ms, ms,
                    {answer.status_code}))
    rows.append(measure(session, "search 'Benchov Second', first after that update",
                        [f"{base}/search?q={urllib.parse.quote('Benchov Second')}"],
                        {"Accept": "text/html"}, args.repeats, args.budget))
    session.delete(f"{base}/store", params={"graph": BENCH_GRAPH}, headers=auth, timeout=600)
    return rows


def _last_page(timeline_html: str) -> int:
    import re

    found = re.search(r"Page \d+ of ([\d,]+)", timeline_html)
    return int(found.group(1).replace(",", "")) if found else 1


# --------------------------------------------------------------------------- report


def report(rows: list[Row], peaks: dict[str, float], quads: int, copies: int,
           args: argparse.Namespace, command: str) -> str:
    lines = [
        f"# Scale benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{command}`. {quads:,} quads ({copies:,} copies of the article graph; "
        f"bench.generate). Machine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
        f"{platform.python_version()}, pyoxigraph {ox.__version__}; load average at the end "
        f"{os.getloadavg()[0]:.1f}. Server: `qantar serve` with its defaults and "
        + ", ".join(f"`{k}={v}`" for k, v in args.env.items())
        + ". Client: one request at a time on a kept-alive connection. *first* is the first "
        "request (cold caches), p50/p99 over the repeats (with few repeats, p99 is the "
        f"slowest; a row stops repeating after {args.budget:g} s, so a small n means slow). "
        f"Target for pages: p50 under {PAGE_TARGET_MS} ms.",
        "",
        "| request | n | first ms | p50 ms | p99 ms | statuses |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        flag = ""
        if not r.what.startswith("competency") and r.p50_ms > PAGE_TARGET_MS:
            flag = " (over target)"
        lines.append(f"| {r.what} | {r.requests} | {r.first_ms:,.1f} | {r.p50_ms:,.1f}{flag} | "
                     f"{r.p99_ms:,.1f} | {', '.join(map(str, sorted(r.statuses)))} |")
    lines += ["", "Peak resident memory (VmHWM) at the end: " + ", ".join(
        f"{name} {mb:,.0f} MB" for name, mb in peaks.items())
        + f"; total {sum(peaks.values()):,.0f} MB."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="about how many (1M)")
    parser.add_argument("--pages", type=int, default=200, help="entity page requests (200)")
    parser.add_argument("--repeats", type=int, default=30,
                        help="repeats of each search, timeline and shared-place request (30)")
    parser.add_argument("--query-repeats", type=int, default=5,
                        help="repeats of each competency question (5)")
    parser.add_argument("--no-questions", dest="questions", action="store_false",
                        help="leave out the competency questions (pages and search only)")
    parser.add_argument("--questions-only", action="store_true",
                        help="only the competency questions (no pages, search or restart)")
    parser.add_argument("--queries", type=Path, default=QUERIES,
                        help="the questions' directory (queries/; another commit's, to compare)")
    parser.add_argument("--store", type=Path, default=None,
                        help="serve this loaded store instead of the generated one")
    parser.add_argument("--budget", type=float, default=20,
                        help="seconds of repeats per row at most (20; at least one repeat)")
    args = parser.parse_args(argv)
    args.env = {"QANTAR_CACHE_BYTES": "0", "QANTAR_QUERY_TIMEOUT": "300"}
    command = "python -m bench.scale" + (" " + " ".join(argv or sys.argv[1:])
                                         if (argv or sys.argv[1:]) else "")
    store, quads, bundle = prepare(args.triples)
    copies = copies_for(bundle, args.triples)
    if args.store is not None:
        store = args.store.resolve()
        reader = ox.Store.read_only(str(store))
        quads = len(reader)
        del reader
    print(f"{quads:,} quads, {copies:,} copies; starting qantar serve …", flush=True)
    started = time.perf_counter()
    server = Server(store, args.env)
    print(f"  answering after {time.perf_counter() - started:.1f} s", flush=True)
    try:
        rows = run(server, bundle, copies, args)
        peaks = server.peak_rss_mb()
    finally:
        server.stop()
    if args.questions_only:
        return finish(rows, peaks, quads, copies, args, command)
    # the search index is kept beside the store: after a restart, the first search reads it
    print("restarting qantar serve …", flush=True)
    started = time.perf_counter()
    server = Server(store, {**args.env, "QANTAR_WRITE_TOKEN": BENCH_TOKEN})
    print(f"  answering after {time.perf_counter() - started:.1f} s", flush=True)
    try:
        session = requests.Session()
        for term in ("Tokayev", "Токаев"):
            rows.append(measure(session, f"search {term!r}, first after a restart",
                                [f"{server.url}/search?q={urllib.parse.quote(term)}"],
                                {"Accept": "text/html"}, args.repeats, args.budget))
        rows += after_writes(session, server.url, args)
    finally:
        server.stop()
    finish(rows, peaks, quads, copies, args, command)


def finish(rows: list[Row], peaks: dict[str, float], quads: int, copies: int,
           args: argparse.Namespace, command: str) -> None:
    """Print the report and write it to ``bench/results/scale-<date>.md``."""
    text = report(rows, peaks, quads, copies, args, command)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"scale-{datetime.now(UTC):%Y-%m-%d-%H%M}.md"
    out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {out.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
