"""Run the W3C suites through HTTP against Qantar and the native Oxigraph server; print counts.

    .venv/bin/python -m tests.w3c.run              # every suite, both servers
    .venv/bin/python -m tests.w3c.run -v           # and the name and reason of each failure
    .venv/bin/python -m tests.w3c.run --numbers    # numbers of one datatype compared by value
    .venv/bin/python -m tests.w3c.run --union      # also Qantar with union-default-graph=false
    .venv/bin/python -m tests.w3c.run --virtuoso   # also Qantar on Virtuoso (tests/virtuoso.py)

The pytest modules tests/test_w3c_*.py run the same harness and assert on it.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.w3c import http_tests, query_eval
from tests.w3c.backends import (
    Backend,
    oxigraph_server,
    qantar_on_virtuoso,
    qantar_server,
    without_union,
)
from tests.w3c.suites import QUERY_SUITES, missing_reason


@contextmanager
def servers(union_check: bool = False, virtuoso: bool = False) -> Iterator[dict[str, Backend]]:
    """Qantar and the native Oxigraph server (and Qantar without the union default graph, and
    Qantar on Virtuoso)."""
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        qantar = stack.enter_context(qantar_server(Path(tmp) / "qantar"))
        native = stack.enter_context(oxigraph_server(Path(tmp) / "oxigraph"))
        found = {"qantar": qantar, "oxigraph": native}
        if union_check:
            found["no-union"] = without_union(qantar)
        if virtuoso:
            found["virtuoso"] = stack.enter_context(qantar_on_virtuoso(Path(tmp) / "v"))
        yield found


def all_suites(numbers_by_value: bool = False) -> list[tuple[str, Callable[[Backend], list]]]:
    """(name, function running that sub-suite on a backend and giving its outcomes)."""
    suites: list[tuple[str, Callable[[Backend], list]]] = [
        (name, lambda backend, name=name: [query_eval.run(t, backend, numbers_by_value)
                                           for t in query_eval.load_tests(name)])
        for name in QUERY_SUITES
    ]
    suites.append(("protocol", lambda backend: http_tests.run_protocol(backend)))
    suites.append(("graph-store-protocol", lambda backend: http_tests.run_graph_store(backend)))
    return suites


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failure")
    parser.add_argument("--numbers", action="store_true",
                        help="compare numbers of one datatype by value (2.0 = 2), not as terms")
    parser.add_argument("--union", action="store_true",
                        help="also run Qantar with union-default-graph=false and list the "
                        "tests whose outcome the union default graph changes")
    parser.add_argument("--virtuoso", action="store_true",
                        help="also run Qantar on a Virtuoso started here (tests/virtuoso.py)")
    parser.add_argument("suites", nargs="*", help="only these sub-suites")
    args = parser.parse_args()
    reason = missing_reason()
    if reason:
        print(reason)
        return 2
    with servers(args.union, args.virtuoso) as found:
        totals = {name: [0, 0] for name in found}
        print(f"{'sub-suite':24}" + "".join(f" {name:>9}" for name in found))
        for suite, runner in all_suites(args.numbers):
            if args.suites and suite not in args.suites:
                continue
            outcomes = {name: runner(backend) for name, backend in found.items()}
            cells = []
            for name, results in outcomes.items():
                passed = sum(o.passed for o in results)
                totals[name][0] += passed
                totals[name][1] += len(results)
                cells.append(f"{passed:>4}/{len(results):<4}")
            print(f"{suite:24}" + "".join(f" {cell:>9}" for cell in cells))
            if args.union:
                for ours, plain in zip(outcomes["qantar"], outcomes["no-union"], strict=True):
                    if ours.passed != plain.passed:
                        print(f"    union default graph {'passes' if ours.passed else 'FAILS'} "
                              f"{ours.test.id}")
            if args.verbose:
                for name, results in outcomes.items():
                    for outcome in results:
                        if not outcome.passed:
                            print(f"    {name} FAIL {outcome.test.id}: {outcome.reason}")
        cells = [f"{p:>4}/{n:<4}" for p, n in totals.values()]
        print(f"{'total':24}" + "".join(f" {cell:>9}" for cell in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
