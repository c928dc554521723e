"""The qantar command, in process (CliRunner) and as the installed console script."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph

from service.cli import cli
from service.versions import NOT_DATA

FIXTURES = Path(__file__).parent / "fixtures"
QANTAR = Path(sys.executable).parent / "qantar"
TOKAYEV = "https://w3id.org/qantar/id/person/kassym-jomart-tokayev"


@pytest.fixture
def run(fixture_env: dict[str, str]):
    """Run ``qantar ARGS`` in process, against the fixture bundle and its store."""

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=fixture_env, catch_exceptions=False)

    return invoke


@pytest.fixture
def loaded(run) -> None:
    assert run("load").exit_code == 0


def test_validate_conforming_bundle_exits_0(run) -> None:
    result = run("validate")
    assert result.exit_code == 0
    assert result.output.startswith("Conforms: 1 warning")


def test_validate_files_with_violations_reports_them_and_exits_1(run) -> None:
    result = run("validate", str(FIXTURES / "invalid" / "person-without-label.ttl"))
    assert result.exit_code == 1
    assert "Violation: A person needs a preferred label" in result.output
    assert "error: 2 violations" in result.output


def test_validate_with_other_shapes_uses_them(run, tmp_path: Path) -> None:
    shapes = tmp_path / "none.ttl"
    shapes.write_text("")
    result = run("validate", "--shapes", str(shapes),
                 str(FIXTURES / "invalid" / "person-without-label.ttl"))
    assert (result.exit_code, result.output) == (0, "Conforms: no findings\n")


def test_validate_unreadable_file_exits_2_with_file_line_column(run) -> None:
    result = run("validate", str(FIXTURES / "broken.ttl"))
    assert result.exit_code == 2
    where = f"{FIXTURES / 'broken.ttl'}:4:17"
    assert f"{where}: The prefix nope: has not been declared" in result.output


def test_load_prints_triple_counts_per_graph(run) -> None:
    result = run("load")
    assert result.exit_code == 0
    assert "13  https://w3id.org/qantar/graph/nrc-2022-01-15" in result.output
    assert "47  triples loaded into" in result.output


def test_load_of_invalid_bundle_exits_1_with_the_report(run, fixture_env) -> None:
    Path(fixture_env["QANTAR_DATA_DIR"], "graph", "stray.ttl").write_text("")
    result = run("load")
    assert result.exit_code == 1
    assert "stray.ttl is not listed in datasets.ttl" in result.output


def test_invalid_bundle_leaves_previous_store_answering_the_same(run, fixture_env) -> None:
    assert run("load").exit_code == 0
    before = run("stats", "--json").output
    graph_dir = Path(fixture_env["QANTAR_DATA_DIR"], "graph")
    (graph_dir / "people.ttl").write_text(
        "@prefix schema: <https://schema.org/> .\n<urn:x> a schema:Person .\n")
    assert run("load").exit_code == 1
    assert run("stats", "--json").output == before


@pytest.mark.usefixtures("loaded")
def test_query_table_aligns_columns_with_prefixed_names(run) -> None:
    result = run("query", "@people.rq")  # found in the bundle's queries/
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "person                           name",
        "-------------------------------  ------------------------",
        "id:person/karim-massimov         Karim Massimov@en",
        "id:person/kassym-jomart-tokayev  Kassym-Jomart Tokayev@en",
        "(2 rows)",
    ]


@pytest.mark.usefixtures("loaded")
def test_query_csv_is_sparql_results_csv(run) -> None:
    result = run("query", "@people.rq", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["person", "name"]
    assert rows[2] == [TOKAYEV, "Kassym-Jomart Tokayev"]


@pytest.mark.usefixtures("loaded")
def test_query_json_is_sparql_results_json(run) -> None:
    result = run("query", "@people.rq", "--format", "json")
    answer = json.loads(result.output)
    assert answer["head"]["vars"] == ["person", "name"]
    assert answer["results"]["bindings"][1]["person"] == {"type": "uri", "value": TOKAYEV}


@pytest.mark.usefixtures("loaded")
def test_ask_prints_true_or_false(run) -> None:
    assert run("query", f"ASK {{ <{TOKAYEV}> ?p ?o }}").output == "true\n"
    assert run("query", "ASK { <urn:nobody> ?p ?o }").output == "false\n"


@pytest.mark.usefixtures("loaded")
def test_construct_prints_turtle(run) -> None:
    result = run("query", f"CONSTRUCT WHERE {{ <{TOKAYEV}> ?p ?o }}")
    assert result.exit_code == 0
    assert len(Graph().parse(data=result.output, format="turtle")) == 3


@pytest.mark.usefixtures("loaded")
def test_bad_sparql_exits_2_with_the_parser_message(run) -> None:
    result = run("query", "SELEC ?x")
    assert result.exit_code == 2
    assert ("error: SPARQL syntax error in the query at line 1, column 1: unexpected `SELEC`; "
            "expected a query form such as SELECT, CONSTRUCT, ASK or DESCRIBE") in result.output


@pytest.mark.usefixtures("loaded")
def test_format_that_does_not_fit_the_query_exits_2(run) -> None:
    result = run("query", "ASK { ?s ?p ?o }", "--format", "turtle")
    assert result.exit_code == 2
    assert "does not fit ASK results" in result.output


@pytest.mark.usefixtures("loaded")
def test_missing_query_file_exits_3(run) -> None:
    result = run("query", "@absent.rq")
    assert result.exit_code == 3
    assert "no query file absent.rq" in result.output


def test_query_without_a_store_exits_3(run) -> None:
    result = run("query", "ASK { ?s ?p ?o }")
    assert result.exit_code == 3
    assert "no store at" in result.output


@pytest.mark.usefixtures("loaded")
def test_stats_counts_events_claims_figures_and_relations(run) -> None:
    stats = json.loads(run("stats", "--json").output)
    assert (stats["events"], stats["claims"], stats["figures"], stats["relations"]) == (1, 2, 1, 1)
    per_graph = stats["triples_per_graph"]
    assert stats["triples"] == sum(per_graph.values())
    assert sum(n for g, n in per_graph.items() if g not in NOT_DATA) == 47
    assert "https://w3id.org/qantar/graph/provenance" in per_graph  # the version loaded
    assert {"iri": "https://schema.org/Person", "label": "person", "count": 2} in stats["classes"]


@pytest.mark.usefixtures("loaded")
def test_stats_text_lists_entities_per_class_with_labels(run) -> None:
    output = run("stats").output
    assert "       2  person (schema:Person)\n" in output
    assert "       1  relations\n" in output


@pytest.mark.usefixtures("loaded")
def test_store_option_overrides_the_environment(run, fixture_env, tmp_path: Path) -> None:
    other = tmp_path / "other-store"
    assert run("load", "--store", str(other)).exit_code == 0
    assert run("stats", "--json", "--store", str(other)).output == run("stats", "--json").output


# -- the installed console script, as `make serve` and people run it ----------------------------


def qantar(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    assert QANTAR.exists(), f"{QANTAR} missing: run `make venv`"
    return subprocess.run([str(QANTAR), *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_console_script_validates_loads_queries_and_counts(fixture_env) -> None:
    assert qantar(fixture_env, "validate").returncode == 0
    load = qantar(fixture_env, "load")
    assert (load.returncode, load.stderr) == (0, "")
    assert "47  triples loaded into" in load.stdout
    query = qantar(fixture_env, "query", "@people.rq", "--format", "csv")
    assert query.stdout.splitlines()[1:] == [
        "https://w3id.org/qantar/id/person/karim-massimov,Karim Massimov",
        f"{TOKAYEV},Kassym-Jomart Tokayev",
    ]
    stats = qantar(fixture_env, "stats", "--json")
    assert json.loads(stats.stdout)["events"] == 1


@pytest.mark.slow
def test_console_script_exit_codes_separate_violation_syntax_and_query_errors(
    fixture_env,
) -> None:
    violation = qantar(fixture_env, "validate", str(FIXTURES / "invalid/person-without-label.ttl"))
    assert violation.returncode == 1
    assert "Violation:" in violation.stdout
    broken = qantar(fixture_env, "validate", str(FIXTURES / "broken.ttl"))
    assert broken.returncode == 2
    assert broken.stderr.strip().endswith("broken.ttl:4:17: The prefix nope: has not been declared")
    assert qantar(fixture_env, "load").returncode == 0
    bad_query = qantar(fixture_env, "query", "SELEC ?x")
    assert bad_query.returncode == 2
    assert bad_query.stderr.startswith(
        "error: SPARQL syntax error in the query at line 1, column 1: unexpected `SELEC`")
