"""The thirty competency questions on one store: rows and time of each, as this checkout writes
them and as another commit wrote them, in one run (so the machine's load is the same for both).

    python -m bench.questions STORE [--against REV] [--limit SECONDS]

STORE is an embedded store directory that no process is writing (opened read-only), for
instance one filled by ``python -m bench.generate`` and ``qantar import``. A question still
running after ``--limit`` seconds is reported as cut, with the rows it had.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

import pyoxigraph as ox

QUERIES = Path(__file__).resolve().parent.parent / "queries"


def timed(store: ox.Store, text: str, limit: float) -> tuple[int, float | None]:
    """Rows and seconds (None when cut at ``limit``)."""
    started, rows = time.perf_counter(), 0
    for _ in store.query(text, use_default_graph_as_union=True):
        rows += 1
        if time.perf_counter() - started > limit:
            return rows, None
    return rows, time.perf_counter() - started


def at_commit(rev: str, path: Path) -> str | None:
    """The question's text at ``rev`` (None where it did not exist)."""
    relative = path.relative_to(QUERIES.parent).as_posix()
    done = subprocess.run(["git", "show", f"{rev}:{relative}"], cwd=QUERIES.parent,
                          capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else None


def said(result: tuple[int, float | None] | None) -> str:
    if result is None:
        return "-"
    rows, seconds = result
    return f"{rows:,} rows, cut at the limit" if seconds is None else \
        f"{rows:,} rows, {seconds * 1000:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--against", default=None, help="a git revision to compare with")
    parser.add_argument("--limit", type=float, default=20.0)
    args = parser.parse_args()
    store = ox.Store.read_only(str(args.store))
    print(f"| question | this checkout |{' ' + args.against + ' |' if args.against else ''}")
    print(f"|---|---:|{'---:|' if args.against else ''}")
    for path in sorted(QUERIES.glob("*.rq")):
        now = timed(store, path.read_text(encoding="utf-8"), args.limit)
        line = f"| {path.stem[:2]} | {said(now)} |"
        if args.against:
            before = at_commit(args.against, path)
            line += f" {said(timed(store, before, args.limit) if before else None)} |"
        print(line, flush=True)


if __name__ == "__main__":
    main()
