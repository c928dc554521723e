"""W3C SPARQL 1.1 conformance through HTTP, for Qantar and the native Oxigraph server side by side.

Per sub-suite, Qantar must pass every test the native server passes (so at least as many);
every SPARQL Protocol and Graph Store Protocol test must pass. The counts are printed. The
same harness runs standalone: ``.venv/bin/python -m tests.w3c.run -v``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.w3c import http_tests, query_eval
from tests.w3c.backends import Backend, oxigraph_binary, oxigraph_server, qantar_server
from tests.w3c.suites import QUERY_SUITES, missing_reason

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(missing_reason() is not None, reason=missing_reason() or ""),
    pytest.mark.skipif(oxigraph_binary() is None,
                       reason="the oxigraph command is not installed (pip install -e '.[test]')"),
]


@pytest.fixture(scope="module")
def qantar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with qantar_server(tmp_path_factory.mktemp("w3c-qantar") / "store") as backend:
        yield backend


@pytest.fixture(scope="module")
def native(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with oxigraph_server(tmp_path_factory.mktemp("w3c-oxigraph") / "store") as backend:
        yield backend


def report(capsys: pytest.CaptureFixture, suite: str, ours: list, theirs: list) -> None:
    with capsys.disabled():
        print(f"\nW3C {suite}: qantar {sum(o.passed for o in ours)}/{len(ours)}, "
              f"native oxigraph {sum(o.passed for o in theirs)}/{len(theirs)}")


def failures(outcomes: list) -> str:
    return "\n".join(f"{o.test.id}: {o.reason}" for o in outcomes if not o.passed)


@pytest.mark.parametrize("suite", QUERY_SUITES)
def test_query_evaluation_passes_whatever_the_native_server_passes(
    suite: str, qantar: Backend, native: Backend, capsys: pytest.CaptureFixture
) -> None:
    tests = query_eval.load_tests(suite)
    assert tests, f"no tests read from the {suite} manifest"
    ours = [query_eval.run(t, qantar) for t in tests]
    theirs = [query_eval.run(t, native) for t in tests]
    report(capsys, suite, ours, theirs)
    behind = [o.test.id for o, n in zip(ours, theirs, strict=True) if n.passed and not o.passed]
    assert not behind, f"the native server passes, Qantar fails:\n{failures(ours)}"
    assert sum(o.passed for o in ours) >= sum(n.passed for n in theirs)


def test_every_sparql_protocol_test_passes(
    qantar: Backend, native: Backend, capsys: pytest.CaptureFixture
) -> None:
    ours = http_tests.run_protocol(qantar)
    theirs = http_tests.run_protocol(native)
    report(capsys, "protocol", ours, theirs)
    assert len(ours) == 34
    assert all(o.passed for o in ours), failures(ours)


def test_every_graph_store_protocol_test_passes(
    qantar: Backend, native: Backend, capsys: pytest.CaptureFixture
) -> None:
    ours = http_tests.run_graph_store(qantar)
    theirs = http_tests.run_graph_store(native)
    report(capsys, "graph-store-protocol", ours, theirs)
    assert len(ours) == 13
    assert all(o.passed for o in ours), failures(ours)


def test_the_harness_tells_a_wrong_answer_from_a_right_one(qantar: Backend) -> None:
    """A server answering wrongly must fail: the same test against a store with other data."""
    test = next(t for t in query_eval.load_tests("bind") if t.name == "bind01")
    assert query_eval.run(test, qantar).passed
    broken = query_eval.QueryTest(test.suite, test.name, test.query, test.data,
                                  test.graph_data, result=_other_result(test))
    assert not query_eval.run(broken, qantar).passed


def _other_result(test: query_eval.QueryTest) -> str:
    """The published IRI of another test's expected result in the same sub-suite."""
    others = [t.result for t in query_eval.load_tests(test.suite) if t.result != test.result]
    return others[0]


def test_suites_are_read_from_outside_the_repository() -> None:
    from tests.w3c.suites import REPO_ROOT, SUITES

    assert not Path(SUITES).resolve().is_relative_to(REPO_ROOT)
