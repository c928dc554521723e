"""Time ``qantar validate`` at 100k and 1M triples of our model: ``python -m bench.validate``.

The data is bench.generate's (the bundle repeated with renamed entities), written once to
``bench/data/validate-<size>.nq``. Each size is validated with the command as a user runs it:
the file (``qantar validate FILE``, the shapes compiled to SPARQL), the same data in a store
(``qantar validate --store``), and, where it can finish, pyshacl (``--engine pyshacl``, cut off
after ``--pyshacl-timeout`` seconds). Wall time and peak memory of each run go to
``bench/results/validate-<date>.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from bench.generate import generate, read_quads, write_quads
from service.config import REPO_ROOT, Settings
from service.loader import load_bundle

DATA = REPO_ROOT / "bench" / "data"
RESULTS = REPO_ROOT / "bench" / "results"


def bundle_quads() -> Path:
    out = DATA / "validate-bundle.nq"
    if not out.is_file():
        work = DATA / "validate-bundle-store"
        shutil.rmtree(work, ignore_errors=True)
        load_bundle(Settings.from_env({"QANTAR_STORE": str(work),
                                       "QANTAR_DATA_DIR": str(REPO_ROOT)}))
        store = ox.Store(str(work))
        store.dump(str(out), format=ox.RdfFormat.N_QUADS)
        del store
        shutil.rmtree(work)
    return out


def data_file(size: int) -> Path:
    out = DATA / f"validate-{size}.nq"
    if not out.is_file():
        write_quads(generate(read_quads(bundle_quads()), size), out)
    return out


def store_of(quads: Path) -> Path:
    store = quads.with_suffix(".store")
    if not (store / "ready").is_file():
        shutil.rmtree(store, ignore_errors=True)
        db = ox.Store(str(store))
        db.bulk_load(path=str(quads), format=ox.RdfFormat.N_QUADS)
        db.flush()
        del db
        (store / "ready").write_text("bulk-loaded\n")
    return store


def timed(args: list[str], env: dict[str, str], timeout: float) -> tuple[str, str, str, str]:
    """Run ``qantar ARGS`` under GNU time: (wall seconds, CPU seconds, peak MB, outcome).

    CPU seconds (user + system) say more than wall time on a machine other jobs keep busy."""
    qantar = str(Path(sys.executable).parent / "qantar")  # the installed command
    command = ["/usr/bin/time", "-f", "%e %M %U %S", qantar, *args]
    if not Path("/usr/bin/time").is_file():
        command = command[3:]
    started = time.perf_counter()
    try:
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout,
                             check=False)
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f}", "", "", "did not finish"
    seconds = time.perf_counter() - started
    peak = cpu = ""
    last = run.stderr.strip().splitlines()[-1:] if run.stderr.strip() else []
    if last and len(parts := last[0].split()) == 4 and parts[1].isdigit():
        peak = f"{int(parts[1]) / 1024:.0f}"
        cpu = f"{float(parts[2]) + float(parts[3]):.1f}"
    summary = run.stdout.splitlines()[0] if run.stdout else run.stderr.strip()[:80]
    return f"{seconds:.1f}", cpu, peak, f"exit {run.returncode}: {summary}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--pyshacl-timeout", type=float, default=600.0)
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    rows = []
    for size in args.sizes:
        quads = data_file(size)
        with quads.open("rb") as lines:
            triples = sum(1 for _ in lines)
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "QANTAR_DATA_DIR": str(REPO_ROOT),
               "QANTAR_STORE": str(store_of(quads))}
        runs = [("file, compiled SPARQL", ["validate", str(quads)], args.timeout),
                ("store, compiled SPARQL", ["validate", "--store"], args.timeout),
                ("file, pyshacl", ["validate", "--engine", "pyshacl", str(quads)],
                 args.pyshacl_timeout)]
        for label, command, timeout in runs:
            rows.append((f"{triples:,}", label, *timed(command, env, timeout)))
            print(" | ".join(rows[-1]), flush=True)
    load = os.getloadavg()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    lines = [f"# qantar validate, {stamp} UTC", "",
             f"`python -m bench.validate` on {os.cpu_count()} CPUs, load {load[0]:.1f} at the "
             "end.", "",
             "| triples | what | wall s | CPU s | peak MB | outcome |", "|--:|---|--:|--:|--:|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"validate-{stamp}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
