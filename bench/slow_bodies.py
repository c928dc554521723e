"""Pages under the attack of issue 26: slow request bodies from many addresses plus two heavy
anonymous queries, against `qantar serve`.

    .venv/bin/python -m bench.slow_bodies                 # this tree's code
    .venv/bin/python -m bench.slow_bodies --tree DIR      # another checkout's code (before/after)

40 connections, each from its own loopback address (127.0.0.2 ...), send ``POST /sparql`` with
``Content-Length: 100000`` and then one byte a second; two cross-product queries are sent
without the token; meanwhile ``/timeline`` and an entity page are requested one after the other
for ``--seconds``. Prints each request's time, the slowest, and what the slow bodies got.
Not part of the test suite (tests/test_slow_bodies.py holds the bound).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from service.config import REPO_ROOT

CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
PAGES = ("/timeline", "/id/person/kassym-jomart-tokayev")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(tree: Path, store: Path, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    full = {k: v for k, v in os.environ.items() if not k.startswith("QANTAR_")}
    full.update(env, QANTAR_STORE=str(store), QANTAR_DATA_DIR=str(REPO_ROOT),
                QANTAR_HOST="127.0.0.1", QANTAR_PORT=str(port), PYTHONPATH=str(tree))
    argv = [sys.executable, "-c", "from service.cli import main; main()", "serve"]
    with log.open("wb") as out:
        return subprocess.Popen(argv, cwd=tree, env=full, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_up(url: str, limit: float = 180) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url + "/timeline", timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit("the server did not come up")


def slow_body(port: int, n: int, outcome: dict[int, str], stop: threading.Event) -> None:
    """One slow body from 127.0.0.<n+2>: headers, then a byte a second until answered."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), source_address=(f"127.0.0.{n + 2}", 0))
    except OSError as err:
        outcome[n] = f"connect: {err}"
        return
    started = time.monotonic()
    with sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-"
                     b"query\r\nContent-Length: 100000\r\n\r\n")
        sock.settimeout(1.0)
        while not stop.is_set():
            try:
                answer = sock.recv(64)
            except TimeoutError:
                with contextlib.suppress(OSError):
                    sock.sendall(b" ")
                continue
            except OSError as err:
                outcome[n] = f"{type(err).__name__} after {time.monotonic() - started:.0f} s"
                return
            status = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
            outcome[n] = f"{status} after {time.monotonic() - started:.0f} s"
            return
        outcome[n] = "no answer"


def attack(url: str, port: int, seconds: float, bodies: int) -> None:
    stop = threading.Event()
    outcome: dict[int, str] = {}
    threads = [threading.Thread(target=slow_body, args=(port, n, outcome, stop), daemon=True)
               for n in range(bodies)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    queries: list[str] = []

    def heavy() -> None:
        started = time.monotonic()
        try:
            response = requests.get(url + "/sparql", params={"query": CROSS}, timeout=120)
            queries.append(f"{response.status_code} after {time.monotonic() - started:.1f} s")
        except requests.RequestException as err:
            queries.append(f"{type(err).__name__} after {time.monotonic() - started:.1f} s")

    heavies = [threading.Thread(target=heavy, daemon=True) for _ in range(2)]
    for thread in heavies:
        thread.start()
    time.sleep(0.5)
    times: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for path in PAGES:
            started = time.monotonic()
            try:
                status = requests.get(url + path, timeout=90).status_code
            except requests.RequestException as err:
                status = type(err).__name__
            took = time.monotonic() - started
            times.append(took)
            print(f"  {took:6.2f} s  {status}  {path}", flush=True)
    stop.set()
    for thread in heavies:
        thread.join(timeout=60)
    print(f"pages: {len(times)} requests, median {statistics.median(times):.2f} s, "
          f"slowest {max(times):.2f} s")
    print(f"heavy queries: {', '.join(queries) or 'no answer yet'}")
    counts: dict[str, int] = {}
    for text in outcome.values():
        key = text.split(" after ")[0]
        counts[key] = counts.get(key, 0) + 1
    print(f"slow bodies: {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=REPO_ROOT)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--bodies", type=int, default=40)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    env = {"QANTAR_CACHE_BYTES": "0", **dict(e.split("=", 1) for e in args.env)}
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        process = start(args.tree.resolve(), Path(tmp) / "store", port, env, Path(tmp) / "log")
        url = f"http://127.0.0.1:{port}"
        try:
            wait_up(url)
            print(f"{args.bodies} slow bodies, 2 heavy queries, pages for {args.seconds:g} s "
                  f"({args.tree}; {' '.join(f'{k}={v}' for k, v in env.items())})")
            attack(url, port, args.seconds, args.bodies)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
