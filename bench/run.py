"""``make bench``: this endpoint (``qantar serve``) against the native Oxigraph server.

In one run, on the same data (the bundled graph and a generated one of about a million
triples), both servers on loopback answer the same three queries under ``wrk`` (fixed duration,
a few connections): a point lookup, a 2-hop join with labels and an aggregate. Qantar is
measured with its response cache off (``QANTAR_CACHE_BYTES=0``; point lookups vary the IRI per
request) and on (the same query repeated); Oxigraph has no cache and is measured both ways too.
Each measurement of Qantar directly follows the same one of Oxigraph, so a machine that gets
busier or quieter over the run skews the ratios as little as possible.
Results are printed with the ratios and written to ``bench/results/<date>.md``.

Only processes this script starts are ever stopped, by their own handles.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from bench.generate import generate, read_quads, write_quads
from bench.queries import AGGREGATE, FIXED_IRI, JOIN, lookup_iris, point_lookup
from service.config import REPO_ROOT, Settings
from service.loader import load_bundle

BENCH = REPO_ROOT / "bench"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
WRK = shutil.which("wrk") or "/usr/bin/wrk"
ACCEPT = "application/sparql-results+json"

#: Settings of the Qantar server under test (the production defaults unless overridden here).
QANTAR_ENV = {"QANTAR_QUERY_TIMEOUT": "30"}


@dataclass(frozen=True)
class Dataset:
    name: str
    quads: Path
    qantar_store: Path
    oxigraph_store: Path


@dataclass(frozen=True)
class Scenario:
    """One query shape: its paths (several when the IRI varies) and whether it repeats."""

    query: str
    mode: str  # "cache off" or "cache on"
    paths: tuple[str, ...]


@dataclass
class Measurement:
    """What wrk saw: every answer, those that were not 2xx/3xx (``refused``: a 503 is a
    refusal, not speed) and the requests that got no answer (``failed``)."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    refused: int
    failed: int
    rows: int = -1

    @property
    def answered(self) -> int:
        """Successful answers: the only ones that count as throughput."""
        return max(0, self.requests - self.refused - self.failed)

    @property
    def rps(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0


@dataclass
class Row:
    dataset: str
    query: str
    mode: str
    qantar: Measurement
    oxigraph: Measurement
    notes: list[str] = field(default_factory=list)


@dataclass
class Memory:
    """Peak resident memory of each server over one dataset's measurements."""

    dataset: str
    server: str
    peak_rss: int
    processes: int


# ---------------------------------------------------------------------------- data


def prepare(triples: int) -> list[Dataset]:
    """The bundled graph and the generated one, each as N-Quads and as two loaded stores."""
    DATA.mkdir(parents=True, exist_ok=True)
    bundled = _dataset("bundled")
    if not _ready(bundled):
        print("loading the bundled graph …", flush=True)
        shutil.rmtree(bundled.qantar_store, ignore_errors=True)
        load_bundle(Settings.from_env({"QANTAR_STORE": str(bundled.qantar_store),
                                       "QANTAR_DATA_DIR": str(REPO_ROOT)}))
        store = ox.Store(str(bundled.qantar_store))
        store.dump(str(bundled.quads), format=ox.RdfFormat.N_QUADS)
        del store
        _copy_for_oxigraph(bundled)
    label = _size_label(triples)
    generated = _dataset(f"generated-{label}")
    if not _ready(generated):
        print(f"generating about {triples:,} triples …", flush=True)
        count = write_quads(generate(read_quads(bundled.quads), triples), generated.quads)
        print(f"  {count:,} quads; loading them into both stores …", flush=True)
        shutil.rmtree(generated.qantar_store, ignore_errors=True)
        store = ox.Store(str(generated.qantar_store))
        store.bulk_load(path=str(generated.quads), format=ox.RdfFormat.N_QUADS)
        store.optimize()
        del store
        _copy_for_oxigraph(generated)
    return [bundled, generated]


def _dataset(name: str) -> Dataset:
    base = DATA / name
    return Dataset(name, base / "data.nq", base / "qantar-store", base / "oxigraph-store")


def _ready(dataset: Dataset) -> bool:
    return (dataset.quads.parent / "ready").is_file()


def _copy_for_oxigraph(dataset: Dataset) -> None:
    """Oxigraph gets a byte-for-byte copy of Qantar's (closed) store: the very same data and
    layout (pyoxigraph and the oxigraph server are the same engine and version)."""
    shutil.rmtree(dataset.oxigraph_store, ignore_errors=True)
    shutil.copytree(dataset.qantar_store, dataset.oxigraph_store)
    (dataset.quads.parent / "ready").write_text("both stores loaded\n")


def _size_label(triples: int) -> str:
    if triples % 1_000_000 == 0:
        return f"{triples // 1_000_000}m"
    return f"{triples // 1000}k"


# ---------------------------------------------------------------------------- servers


def tree_rss(pid: int) -> tuple[int, int]:
    """Resident memory of ``pid`` and all its descendants, in bytes, and how many they are
    (read from /proc; a process that ends meanwhile counts as nothing)."""
    total, count, pending = 0, 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            tasks = Path(f"/proc/{current}/task").iterdir()
            children = [int(c) for t in tasks
                        for c in (t / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        rss = next((line.split()[1] for line in status.splitlines()
                    if line.startswith("VmRSS:")), "0")
        total += int(rss) * 1024
        count += 1
        pending += children
    return total, count


class Server:
    """A server process of ours on a free loopback port; stopped by its own handle. Its peak
    memory (with every process it started) is sampled while it runs."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}/sparql"
        self.log = (DATA / f"{name}.log").open("wb")
        self.process = subprocess.Popen(argv, env={**os.environ, **env}, stdout=self.log,
                                        stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        self.peak_rss, self.processes = 0, 0
        self._sampling = threading.Event()
        self._wait()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._sampling.wait(0.2):
            rss, count = tree_rss(self.process.pid)
            if rss > self.peak_rss:
                self.peak_rss, self.processes = rss, count

    def _wait(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; "
                                   f"see {self.log.name}")
            try:
                ask(self.url, "ASK { ?s ?p ?o }")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {seconds} s")

    def stop(self) -> None:
        self._sampling.set()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def qantar_server(dataset: Dataset, cache: bool, env: dict[str, str],
                  remote: Server | None = None) -> Server:
    """``qantar serve`` on its embedded store, or (``remote``) on the native server's store
    through the SPARQL protocols, to measure the cost of the extra hop."""
    port = free_port()
    settings = {**QANTAR_ENV, **env, "QANTAR_CACHE_BYTES": "" if cache else "0"}
    # `qantar serve`, run from this tree's code (not whatever the venv's entry point points at).
    argv = [sys.executable, "-c", "from service.cli import main; main()", "serve",
            "--port", str(port)]
    if remote is None:
        argv += ["--store", str(dataset.qantar_store)]
    else:
        settings["QANTAR_STORE"] = remote.url.rsplit("/", 1)[0] + "/query"
        settings["QANTAR_STATE_DIR"] = str(DATA / "remote-state")
    return Server(f"qantar-{'cache' if cache else 'nocache'}", argv,
                  {**settings, "PYTHONPATH": str(REPO_ROOT)}, port)


def oxigraph_server(dataset: Dataset) -> Server:
    port = free_port()
    return Server("oxigraph", [str(BIN / "oxigraph"), "serve", "--location",
                               str(dataset.oxigraph_store), "--bind", f"127.0.0.1:{port}",
                               "--union-default-graph"], {}, port)


def oxigraph_version() -> str:
    """The server's version ("oxigraph 0.5.13"): it opens a copy of pyoxigraph's store."""
    out = subprocess.run([str(BIN / "oxigraph"), "--version"], capture_output=True, text=True)
    return out.stdout.strip() or "oxigraph (unknown version)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ask(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}?query={urllib.parse.quote(query)}",
                                     headers={"Accept": ACCEPT})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def rows(url: str, query: str) -> int:
    answer = ask(url, query)
    return len(answer["results"]["bindings"]) if "results" in answer else 1


# ---------------------------------------------------------------------------- load


LUA = """-- generated by bench/run.py
local paths = {%(paths)s}
local accept = "%(accept)s"
local threads = 0
function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end
local i = 0
function init(args) i = offset or 0 end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Accept"] = accept})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, '
    .. '"refused": %%d, "failed": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(server: Server, scenario: Scenario, seconds: int, connections: int,
            threads: int, warmup: int) -> Measurement:
    script = DATA / "scenario.lua"
    paths = ", ".join(json.dumps(p) for p in scenario.paths)
    script.write_text(LUA % {"paths": paths, "accept": ACCEPT})
    base = f"http://127.0.0.1:{server.port}"
    argv = [WRK, f"-t{threads}", f"-c{connections}", "--timeout", "30s", "-s", str(script), base]
    if warmup:
        subprocess.run([*argv[:1], f"-d{warmup}s", *argv[1:]], check=True, capture_output=True)
    out = subprocess.run([*argv[:1], f"-d{seconds}s", *argv[1:]], check=True,
                         capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    return Measurement(result["requests"], result["duration_us"] / 1e6,
                       result["p50_us"] / 1000, result["p99_us"] / 1000, result["refused"],
                       result["failed"])


def scenarios(dataset: Dataset) -> list[Scenario]:
    iris = lookup_iris(str(dataset.quads))

    def path(query: str) -> str:
        return "/sparql?query=" + urllib.parse.quote(query, safe="")

    return [
        Scenario("point lookup", "cache off", tuple(path(point_lookup(i)) for i in iris)),
        Scenario("2-hop join", "cache off", (path(JOIN),)),
        Scenario("aggregate", "cache off", (path(AGGREGATE),)),
        Scenario("point lookup", "cache on", (path(point_lookup(FIXED_IRI)),)),
        Scenario("2-hop join", "cache on", (path(JOIN),)),
        Scenario("aggregate", "cache on", (path(AGGREGATE),)),
    ]


def bench_dataset(dataset: Dataset, args: argparse.Namespace,
                  memory: list[Memory]) -> list[Row]:
    """Each scenario on Oxigraph and then at once on Qantar, so both see the same machine."""
    load = dict(seconds=args.seconds, connections=args.connections, threads=args.threads,
                warmup=args.warmup)
    results = []
    native = oxigraph_server(dataset)
    try:
        for cache in (False, True):
            ours = qantar_server(dataset, cache, args.qantar_env,
                                 remote=native if args.remote else None)
            try:
                for s in scenarios(dataset):
                    if (s.mode == "cache on") == cache:
                        results.append(_pair(dataset, s, ours, native, load))
            finally:
                ours.stop()
            memory.append(Memory(dataset.name, f"Qantar, cache {'on' if cache else 'off'}",
                                 ours.peak_rss, ours.processes))
    finally:
        native.stop()
    memory.append(Memory(dataset.name, "Oxigraph", native.peak_rss, native.processes))
    return results


def _pair(dataset: Dataset, s: Scenario, ours: Server, native: Server, load: dict) -> Row:
    print(f"  {dataset.name:14} {s.query:13} {s.mode} …", flush=True)
    busy = os.getloadavg()[0]
    theirs_m = run_wrk(native, s, **load)
    ours_m = run_wrk(ours, s, **load)
    ours_m.rows, theirs_m.rows = _rows(ours, s), _rows(native, s)
    row = Row(dataset.name, s.query, s.mode, ours_m, theirs_m)
    if ours_m.rows != theirs_m.rows:
        row.notes.append(f"row counts differ: {ours_m.rows} vs {theirs_m.rows}")
    for name, m in (("qantar", ours_m), ("oxigraph", theirs_m)):
        if m.refused or m.failed:
            row.notes.append(f"{name}: {m.refused:,} answers not 2xx, {m.failed:,} requests "
                             "unanswered (not counted as throughput)")
    busy = max(busy, os.getloadavg()[0])
    if busy > (os.cpu_count() or 1):
        row.notes.append(f"machine busy (load {busy:.1f})")
    print("    " + _line(row), flush=True)
    return row


def bench_floor(dataset: Dataset, args: argparse.Namespace) -> dict[str, Measurement]:
    """waitress with a constant answer (bare WSGI, then Flask): what no query costs."""
    load = dict(seconds=args.seconds, connections=args.connections, threads=args.threads,
                warmup=args.warmup)
    repeated = next(s for s in scenarios(dataset) if s.mode == "cache on")
    threads = {**QANTAR_ENV, **args.qantar_env}.get("QANTAR_THREADS", "8")
    floors = {}
    for kind in ("raw", "flask"):
        port = free_port()
        server = Server(f"floor-{kind}", [sys.executable, "-m", "bench.floor", kind, str(port),
                                          threads], {"PYTHONPATH": str(REPO_ROOT)}, port)
        try:
            print(f"  floor: waitress + {kind} …", flush=True)
            floors[kind] = run_wrk(server, repeated, **load)
        finally:
            server.stop()
    return floors


def _rows(server: Server, scenario: Scenario) -> int:
    """The answer's row count, or -1 when the server did not answer (the row says so)."""
    query = urllib.parse.unquote(scenario.paths[0].split("query=", 1)[1])
    try:
        return rows(server.url, query)
    except OSError as err:  # urllib's HTTPError and URLError are OSErrors
        print(f"    {server.name} did not answer the row count: {err}", flush=True)
        return -1


# ---------------------------------------------------------------------------- report


#: The issue's goals (requests/s ratios): with the cache off, and repeated (cache on).
GOALS = {"cache off": {"point lookup": 0.3, "2-hop join": 1.0, "aggregate": 1.0},
         "cache on": {"point lookup": 2.0, "2-hop join": 1.0, "aggregate": 1.0}}
#: p99 at most this many times the native server's, in every row.
P99_GOAL = 1.5


def _line(row: Row) -> str:
    q, o = row.qantar, row.oxigraph
    return (f"{row.dataset:14} {row.query:13} {row.mode:9}  qantar {q.rps:8.0f}/s "
            f"p50 {q.p50_ms:6.2f} p99 {q.p99_ms:7.2f} ms | oxigraph {o.rps:8.0f}/s "
            f"p50 {o.p50_ms:6.2f} p99 {o.p99_ms:7.2f} ms | {q.rps / o.rps:5.2f}x rps, "
            f"p99 {q.p99_ms / o.p99_ms:5.2f}x")


def report(results: list[Row], floors: dict[str, Measurement], memory: list[Memory],
           args: argparse.Namespace, command: str) -> str:
    cpu = _cpu_model()
    lines = [
        f"# Benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{command}`. Machine: {os.cpu_count()} CPUs ({cpu}), {platform.platform()}, "
        f"Python {platform.python_version()}, pyoxigraph {ox.__version__}, "
        f"{oxigraph_version()}. Load: wrk, "
        f"{args.threads} threads, {args.connections} connections, {args.seconds} s per "
        f"measurement after {args.warmup} s of warm-up, both servers on loopback, each Qantar "
        f"measurement right after the same one of Oxigraph (one at a time). "
        f"Qantar: `qantar serve` (Granian; `QANTAR_WORKERS` processes, one writer process, "
        f"query workers on published snapshots) with "
        + ", ".join(f"`{k}={v}`" for k, v in {**QANTAR_ENV, **args.qantar_env}.items())
        + "; Oxigraph: `oxigraph serve --union-default-graph`.",
        "",
        "Cache off: `QANTAR_CACHE_BYTES=0`, point lookups vary the IRI per request "
        "(Oxigraph gets the same IRIs). Cache on: the default cache, the same query repeated. "
        "Requests/s count successful (2xx) answers only: a refusal (503) or an unanswered "
        "request is not throughput, and the row's notes count them. "
        "Ratios are Qantar / Oxigraph; goals: requests/s at least "
        "0.3x (point lookup) and 1x (join, aggregate) with the cache off, 2x (point "
        "lookup) and 1x (join, aggregate) with it on, and p99 at most 1.5x in every row.",
        "",
        "| data | query | mode | Qantar req/s | p50 ms | p99 ms | Oxigraph req/s | p50 ms | "
        "p99 ms | req/s ratio | p99 ratio | goal met |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        q, o = r.qantar, r.oxigraph
        ratio, p99 = q.rps / o.rps, q.p99_ms / o.p99_ms
        goal = GOALS[r.mode][r.query]
        met = ratio >= goal and p99 <= P99_GOAL
        notes = ("; " + "; ".join(r.notes)) if r.notes else ""
        lines.append(
            f"| {r.dataset} | {r.query} | {r.mode} | {q.rps:,.0f} | {q.p50_ms:.2f} | "
            f"{q.p99_ms:.2f} | {o.rps:,.0f} | {o.p50_ms:.2f} | {o.p99_ms:.2f} | "
            f"{ratio:.2f}x | {p99:.2f}x | {'yes' if met else 'no'} (≥ {goal}x){notes} |")
    if memory:
        lines += ["", "Peak resident memory (the server's process and every process it "
                  "started, sampled every 0.2 s while it was measured):", "",
                  "| data | server | peak MB | processes |", "|---|---|--:|--:|"]
        lines += [f"| {m.dataset} | {m.server} | {m.peak_rss / 2**20:,.0f} | {m.processes} |"
                  for m in memory]
    if floors:
        lines += ["", "The server stack alone (waitress, same threads, a constant 55-byte answer, "
                  "under the same load): " + "; ".join(
                      f"{'bare WSGI' if k == 'raw' else 'one-route Flask app'} {m.rps:,.0f} "
                      f"req/s, p50 {m.p50_ms:.2f} ms, p99 {m.p99_ms:.2f} ms"
                      for k, m in floors.items()) + "."]
    return "\n".join(lines) + "\n"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000,
                        help="size of the generated graph (default 1000000)")
    parser.add_argument("--seconds", type=int, default=10, help="per measurement (10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds (2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--only", choices=["bundled", "generated"], default=None,
                        help="measure one dataset only")
    parser.add_argument("--remote", action="store_true",
                        help="serve Qantar on the native server's store (the remote store) "
                             "instead of its embedded one")
    parser.add_argument("--set", dest="qantar_env", action="append", default=[],
                        metavar="QANTAR_X=V", help="a setting for the Qantar server")
    args = parser.parse_args(argv)
    args.qantar_env = dict(kv.split("=", 1) for kv in args.qantar_env)
    if not Path(WRK).is_file():
        sys.exit("wrk is missing: run `make bench`, which installs it (apt-get install wrk)")
    command = "make bench" + (f" BENCH_ARGS='{' '.join(argv or sys.argv[1:])}'"
                              if (argv or sys.argv[1:]) else "")
    if oxigraph_version() != f"oxigraph {ox.__version__}":
        sys.exit(f"{oxigraph_version()} differs from pyoxigraph {ox.__version__}: the server "
                 "would open a store written by another version; install matching versions")
    datasets = prepare(args.triples)
    if args.only:
        datasets = [d for d in datasets if d.name.startswith(args.only)]
    results: list[Row] = []
    memory: list[Memory] = []
    for dataset in datasets:
        print(f"{dataset.name}:", flush=True)
        results += bench_dataset(dataset, args, memory)
    floors = bench_floor(datasets[0], args)
    text = report(results, floors, memory, args, command)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "-remote" if args.remote else ""
    out = RESULTS / f"{datetime.now(UTC):%Y-%m-%d-%H%M}{suffix}.md"
    out.write_text(text)
    print()
    print(text)
    print(f"written to {out.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
