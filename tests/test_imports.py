"""``qantar import``, ``graphs``, ``conflicts`` and ``export`` on a real on-disk store."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from service.cli import cli
from service.store import journal
from service.store.embedded.store import EmbeddedStore
from tests.live import copy_store

EXTERNAL = Path(__file__).parent / "fixtures" / "external"
WIKIDATA = EXTERNAL / "wikidata-extract.ttl"
OTHER_TEAM = EXTERNAL / "other-team.ttl"
QANTAR = Path(sys.executable).parent / "qantar"
G = "https://example.org/graph/test-import"

# The same two triples in every format the importer reads.
SAMPLES = {
    "ttl": '@prefix ex: <http://example.org/> .\nex:a ex:p "one" ; ex:q ex:b .\n',
    "nt": '<http://example.org/a> <http://example.org/p> "one" .\n'
          "<http://example.org/a> <http://example.org/q> <http://example.org/b> .\n",
    "nq": '<http://example.org/a> <http://example.org/p> "one" <http://example.org/g1> .\n'
          "<http://example.org/a> <http://example.org/q> <http://example.org/b> .\n",
    "trig": '@prefix ex: <http://example.org/> .\nex:g1 { ex:a ex:p "one" }\n{ ex:a ex:q ex:b }\n',
    "rdf": '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
           ' xmlns:ex="http://example.org/">\n <rdf:Description rdf:about="http://example.org/a">'
           '\n  <ex:p>one</ex:p>\n  <ex:q rdf:resource="http://example.org/b"/>\n'
           " </rdf:Description>\n</rdf:RDF>\n",
    "jsonld": json.dumps({"@id": "http://example.org/a", "http://example.org/p": "one",
                          "http://example.org/q": {"@id": "http://example.org/b"}}),
}
BROKEN = {
    "ttl": ("@prefix ex: <http://example.org/> .\nex:a ex:p \"one\" ;\n ex:q .\n", 3),
    "nt": ('<http://example.org/a> <http://example.org/p> "one" .\n'
           "<http://example.org/a> <b .\n", 2),
    "nq": ("<http://example.org/a> <http://example.org/p> \"x\" <http://example.org/g> .\n"
           "<http://example.org/a> <http://example.org/p> \"y\" <g .\n", 2),
    "trig": ("@prefix ex: <http://example.org/> .\nex:g {\n ex:a ex:p \n}\n", 4),
    "rdf": ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            "\n <rdf:Description>\n</rdf:RDF>\n", 4),  # the closing tag that does not match
    "jsonld": ('{"@id": "http://example.org/a",\n "http://example.org/p": }', 2),
}


def snapshot(run) -> bytes:
    result = run("export")
    assert result.exit_code == 0
    return result.output.encode()


def query(store_dir: Path, sparql: str) -> list[dict[str, str]]:
    """Rows of a SELECT on the store at ``store_dir`` (default graph: the union), as dicts."""
    with EmbeddedStore(store_dir, read_only=True) as store:
        result = store.query(sparql)
        names = [v.value for v in result.variables]
        return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def imported(run, path: Path, text: str, triples: int) -> None:
    """``text`` written to ``path`` and imported into graph ``G``: ``triples`` triples."""
    path.write_text(text, encoding="utf-8")
    result = run("import", str(path), "--graph", G)
    assert result.exit_code == 0, result.output
    assert f"imported {triples} triples" in result.output


@pytest.mark.parametrize("ext", sorted(SAMPLES))
def test_every_format_imports_into_the_named_graph(run, store_dir: Path, tmp_path: Path,
                                                   ext: str) -> None:
    imported(run, tmp_path / f"sample.{ext}", SAMPLES[ext], 2)
    rows = query(store_dir, f"SELECT ?p ?o WHERE {{ GRAPH <{G}> {{ <http://example.org/a> ?p ?o "
                 "} } ORDER BY ?p")
    assert rows == [{"p": "http://example.org/p", "o": "one"},
                    {"p": "http://example.org/q", "o": "http://example.org/b"}]


@pytest.mark.parametrize("ext", ["nq", "trig"])
def test_a_blank_node_the_file_s_graphs_share_stays_one_node(run, store_dir: Path,
                                                            tmp_path: Path, ext: str) -> None:
    """A dataset file's graphs are folded into one (in Oxigraph, not quad by quad): a blank
    node two of its graphs name is one node of the imported graph, and no temporary file of
    the fold is left beside the store."""
    text = {"nq": '<http://example.org/a> <http://example.org/p> _:x <http://example.org/g1> .\n'
                  '_:x <http://example.org/q> "one" <http://example.org/g2> .\n'
                  '_:y <http://example.org/q> "two" .\n',
            "trig": "@prefix ex: <http://example.org/> .\n"
                    'ex:g1 { ex:a ex:p _:x }\nex:g2 { _:x ex:q "one" }\n{ _:y ex:q "two" }\n'}
    imported(run, tmp_path / f"shared.{ext}", text[ext], 3)
    rows = query(store_dir, f"SELECT ?o WHERE {{ GRAPH <{G}> {{ <http://example.org/a> "
                 "<http://example.org/p> ?b . ?b <http://example.org/q> ?o } }")
    assert rows == [{"o": "one"}]
    assert not list(store_dir.parent.glob(store_dir.name + ".fold-*"))


def test_the_format_can_be_forced_and_a_directory_imports_every_rdf_file(
    run, store_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.ttl").write_text(SAMPLES["ttl"], encoding="utf-8")
    (folder / "b.nt").write_text('<http://example.org/c> <http://example.org/p> "two" .\n')
    (folder / "notes.txt").write_text("not RDF, skipped")
    assert run("import", str(folder), "--graph", G).exit_code == 0
    odd = tmp_path / "data.txt"
    odd.write_text(SAMPLES["nt"])
    result = run("import", str(odd), "--graph", G + "-2", "--format", "ntriples")
    assert result.exit_code == 0, result.output
    assert len(query(store_dir, f"SELECT * WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")) == 3


@pytest.mark.parametrize("ext", sorted(BROKEN))
def test_a_malformed_file_says_where_and_changes_nothing(run, tmp_path: Path, ext: str) -> None:
    before = snapshot(run)
    good = tmp_path / f"good.{ext}"
    good.write_text(SAMPLES[ext], encoding="utf-8")
    bad = tmp_path / f"bad.{ext}"
    text, line = BROKEN[ext]
    bad.write_text(text, encoding="utf-8")
    result = run("import", str(good), str(bad), "--graph", G)  # the good file goes too
    assert result.exit_code == 2
    assert f"{bad}:{line}:" in result.output
    assert snapshot(run) == before


def test_replacing_needs_replace_and_a_failed_replacement_keeps_the_old_version(
    run, store_dir: Path, tmp_path: Path
) -> None:
    first = tmp_path / "first.nt"
    first.write_text(SAMPLES["nt"])
    assert run("import", str(first), "--graph", G).exit_code == 0
    again = run("import", str(first), "--graph", G)
    assert again.exit_code == 3
    assert "--replace" in again.output
    before = snapshot(run)
    bad = tmp_path / "bad.nt"
    bad.write_text(BROKEN["nt"][0])
    assert run("import", str(bad), "--graph", G, "--replace").exit_code == 2
    assert snapshot(run) == before


def test_provenance_records_source_checksum_count_agent_time_and_previous_version(
    run, store_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "sample.ttl"
    path.write_text(SAMPLES["ttl"], encoding="utf-8")
    assert run("import", str(path), "--graph", G).exit_code == 0
    path.write_text(SAMPLES["ttl"] + "ex:c ex:p \"three\" .\n", encoding="utf-8")
    assert run("import", str(path), "--graph", G, "--replace").exit_code == 0
    rows = query(store_dir, f"""
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcat: <http://www.w3.org/ns/dcat#>
        PREFIX void: <http://rdfs.org/ns/void#> PREFIX spdx: <http://spdx.org/rdf/terms#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX qantar: <https://w3id.org/qantar/ontology#>
        SELECT ?version ?triples ?checksum ?source ?agent ?command ?when ?previous ?outcome
        WHERE {{ GRAPH <https://w3id.org/qantar/graph/provenance> {{
          <{G}> dcat:hasCurrentVersion ?version ; void:triples ?triples .
          ?version prov:wasDerivedFrom ?read ; prov:generatedAtTime ?when ;
                   prov:wasRevisionOf ?previous ; qantar:validationOutcome ?outcome ;
                   prov:wasGeneratedBy ?activity .
          ?read spdx:checksum/spdx:checksumValue ?checksum ; prov:atLocation ?source .
          ?activity prov:wasAssociatedWith/rdfs:label ?agent ; rdfs:label ?command .
        }} }}""")
    assert len(rows) == 1
    row = rows[0]
    assert row["triples"] == "3"
    assert row["checksum"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert row["source"] == path.resolve().as_uri()
    assert row["agent"].startswith("qantar command line")
    assert row["command"].startswith("qantar import")
    assert row["previous"] != row["version"]
    assert row["outcome"].startswith("not validated")
    listing = run("graphs")
    assert f"<{G}>  [import]" in listing.output
    assert str(path) in listing.output


def test_an_import_whose_passage_of_evidence_has_no_words_is_refused(
    run, tmp_path: Path
) -> None:
    """The passage's words sit three steps from the figure (figure, passage, selector): the
    validated neighbourhood of an import reaches them through blank nodes. The figure's source
    is a report Qantar does not hold, so it needs no passage, but one that is given is checked."""
    bad = tmp_path / "wordless.ttl"
    bad.write_text(OTHER_TEAM.read_text() + """
@prefix oa: <http://www.w3.org/ns/oa#> .
figure:other-team-government-killed qantar:evidence [ a oa:SpecificResource ;
    oa:hasSource <https://example.org/other-team/report> ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:prefix "The government now speaks of " ] ] .
""", encoding="utf-8")
    before = snapshot(run)
    refused = run("import", str(bad), "--graph", G)
    assert refused.exit_code == 1, refused.output
    assert "qantar:evidence must be an oa:SpecificResource" in refused.output
    assert snapshot(run) == before


def test_a_graph_that_breaks_the_shapes_is_refused_or_kept_with_its_report_when_lenient(
    run, store_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "figure.ttl"
    bad.write_text(OTHER_TEAM.read_text().replace(
        "    qantar:claimant orgn:government-of-kazakhstan ;\n", ""), encoding="utf-8")
    before = snapshot(run)
    refused = run("import", str(bad), "--graph", G)
    assert refused.exit_code == 1
    assert "breaks the shapes" in refused.output
    assert "claimant" in refused.output.lower()
    assert snapshot(run) == before
    lenient = run("import", str(bad), "--graph", G, "--lenient")
    assert lenient.exit_code == 0, lenient.output
    assert "violations accepted (lenient)" in lenient.output
    report = query(store_dir, f"""SELECT ?report WHERE {{ GRAPH ?prov {{
        <{G}> <http://www.w3.org/ns/dcat#hasCurrentVersion> ?v .
        ?v <https://w3id.org/qantar/ontology#validationReport> ?report }} }}""")
    assert "Does not conform" in report[0]["report"]


def test_the_reserved_graphs_cannot_be_imported_into_or_dropped(run, tmp_path: Path) -> None:
    path = tmp_path / "x.nt"
    path.write_text(SAMPLES["nt"])
    article = "https://w3id.org/qantar/graph/nrc-2022-01-15"
    assert run("import", str(path), "--graph", article, "--replace").exit_code == 1
    assert run("graphs", "drop", article).exit_code == 1
    assert run("import", str(path), "--graph", "not an iri").exit_code == 2


def test_drop_removes_the_graph_and_keeps_its_history(run, store_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.nt"
    path.write_text(SAMPLES["nt"])
    assert run("import", str(path), "--graph", G).exit_code == 0
    dropped = run("graphs", "drop", G)
    assert dropped.exit_code == 0 and "2 triples" in dropped.output
    assert G not in run("graphs").output
    invalidated = "SELECT ?v WHERE { ?v <http://www.w3.org/ns/prov#invalidatedAtTime> ?t }"
    assert query(store_dir, invalidated)
    assert run("graphs", "drop", G).exit_code == 3


def test_round_trip_import_export_reimport_gives_the_same_graph(
    run, store_dir: Path, tmp_path: Path
) -> None:
    wikidata, copy = "https://example.org/wikidata", "https://example.org/wikidata-again"
    assert run("import", str(WIKIDATA), "--graph", wikidata).exit_code == 0
    for fmt, ext in (("nquads", "nq"), ("trig", "trig"), ("turtle", "ttl")):
        dump = tmp_path / f"dump.{ext}"
        dump.write_text(run("export", "--format", fmt, "--graph", wikidata).output)
        assert run("import", str(dump), "--graph", copy, "--replace").exit_code == 0
        again = run("export", "--format", "nquads", "--graph", copy).output
        first = run("export", "--format", "nquads", "--graph", wikidata).output
        assert again.replace(copy, wikidata) == first
    assert isomorphic(Graph().parse(data=run("export", "--format", "turtle", "--graph",
                                             wikidata).output, format="turtle"),
                      Graph().parse(WIKIDATA))


def test_the_export_is_the_same_bytes_for_the_same_data(
    tmp_path: Path, bundle_store_template: Path
) -> None:
    exports = []
    for name in ("one", "two"):
        store = copy_store(bundle_store_template, tmp_path / name)
        result = CliRunner().invoke(cli, ["export", "--format", "trig"],
                                    env={"QANTAR_STORE": str(store)})
        assert result.exit_code == 0
        exports.append(result.output)
    assert exports[0] == exports[1]
    assert "<https://w3id.org/qantar/graph/void>" in exports[0]  # the VoID description


def test_a_query_joins_our_data_with_the_wikidata_extract_through_the_links(
    run, store_dir: Path
) -> None:
    assert run("import", str(WIKIDATA), "--graph", "https://example.org/wikidata").exit_code == 0
    rows = query(store_dir, """
        PREFIX qantar: <https://w3id.org/qantar/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX p: <http://www.wikidata.org/prop/> PREFIX ps: <http://www.wikidata.org/prop/statement/>
        PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
        SELECT ?holding ?start WHERE {
          ?holding a qantar:OfficeHolding ; qantar:holder ?person ; qantar:office ?office .
          ?person skos:exactMatch ?wdPerson . ?office skos:exactMatch ?wdOffice .
          ?wdPerson p:P39 ?statement . ?statement ps:P39 ?wdOffice ; pq:P580 ?start .
        } ORDER BY ?holding""")
    assert [(r["holding"].rsplit("/", 1)[1], r["start"][:10]) for r in rows] == [
        ("smailov-prime-minister", "2022-01-11"), ("tokayev-president-of-kazakhstan", "2019-03-20")]


def test_conflicts_on_the_bundle_show_the_disputed_claims(run) -> None:
    result = run("conflicts", "--json")
    conflicts = json.loads(result.output)
    disputes = {(c["subject"].rsplit("/", 1)[1], c["values"][1]["stated_by_label"])
                for c in conflicts if c["kind"] == "dispute"}
    assert ("tokayev-foreign-terror-attack", "Yevgeny Zhovtis") in disputes
    assert ("zhovtis-riot-police-started-shooting", "Masja") not in disputes  # no such dispute
    assert {c["kind"] for c in conflicts} == {"dispute"}  # the bundle agrees with itself otherwise


def test_conflicts_with_imported_graphs_show_each_value_with_its_claimant_and_graph(
    run, tmp_path: Path
) -> None:
    assert run("import", str(OTHER_TEAM), "--graph", "https://example.org/other").exit_code == 0
    assert run("import", str(WIKIDATA), "--graph", "https://example.org/wikidata").exit_code == 0
    conflicts = json.loads(run("conflicts", "--json").output)
    figure = next(c for c in conflicts if c["kind"] == "figure")
    assert figure["aspect"] == "killed"
    assert sorted((v["value"], v["graph"].rsplit("/", 1)[1], v["stated_by_label"])
                  for v in figure["values"]) == [
        ("146", "nrc-2022-01-15", "Government of Kazakhstan"),
        ("225", "other", "Government of Kazakhstan")]
    date = next(c for c in conflicts if c["kind"] == "date")
    assert date["subject"].endswith("almaty-town-hall-stormed")
    # their exact day falls outside our bounds (the night of 5 to 6 January)
    assert date["aspect"] == "begin"
    assert sorted(v["value"] for v in date["values"]) == [
        "2022-01-04", "between 2022-01-05 and 2022-01-06"]
    names = [c for c in conflicts if c["kind"] == "name"]
    assert any(c["subject"].endswith("place/nur-sultan")
               and {v["value"] for v in c["values"]} == {"Nur-Sultan", "Astana"} for c in names)
    assert any(c["subject"].endswith("place/almaty")
               and {v["value"] for v in c["values"]} == {"Almaty", "Alma-Ata"} for c in names)
    # Wikidata's start dates for Tokayev and Smailov fit our time spans: no date conflict
    assert [c for c in conflicts if c["kind"] == "date" and "office" in c["aspect"]] == []
    wrong = tmp_path / "wrong.ttl"
    wrong.write_text(WIKIDATA.read_text().replace('"2019-03-20', '"2018-03-20'))
    assert run("import", str(wrong), "--graph", "https://example.org/wikidata",
               "--replace").exit_code == 0
    conflicts = json.loads(run("conflicts", "--json").output)
    office = [c for c in conflicts if c["aspect"] == "start of the office holding"]
    assert [sorted(v["value"] for v in c["values"]) for c in office] == [["2018-03-20", "2019"]]


def test_conflicts_read_as_words_on_the_command_line(run) -> None:
    assert run("import", str(OTHER_TEAM), "--graph", "https://example.org/other").exit_code == 0
    assert run("import", str(WIKIDATA), "--graph", "https://example.org/wikidata").exit_code == 0
    text = run("conflicts").output
    assert "[date] Storming of Almaty town hall: beginning" in text
    assert "  - 4 January 2022, in other (example.org) <https://example.org/other>" in text
    assert "between 5 and 6 January 2022, in Statements of the NRC article" in text
    assert "(official figure)" in text and "official-figure" not in text
    assert "name in English, here and on Wikidata Q1520" in text
    assert "id:" not in text and "http://www.wikidata.org" not in text
    data = json.loads(run("conflicts", "--json").output)
    assert all(c["anchor"] and c["said"] and all(v["text"] for v in c["values"]) for c in data)


def test_reloading_the_bundle_keeps_the_imported_graphs(run, store_dir: Path) -> None:
    assert run("import", str(WIKIDATA), "--graph", "https://example.org/wikidata").exit_code == 0
    before = run("export", "--graph", "https://example.org/wikidata").output
    assert run("load").exit_code == 0
    assert run("export", "--graph", "https://example.org/wikidata").output == before
    assert "https://example.org/wikidata>  [import]" in run("graphs").output


def test_an_import_interrupted_by_a_crash_is_undone_at_the_next_opening(
    run, store_dir: Path, tmp_path: Path
) -> None:
    before = snapshot(run)
    big = tmp_path / "big.nt"
    with big.open("w") as out:
        for i in range(400_000):
            out.write(f'<http://example.org/s{i}> <http://example.org/p> "value {i}" .\n')
    env = {**os.environ, "QANTAR_STORE": str(store_dir)}
    process = subprocess.Popen([str(QANTAR), "import", str(big), "--graph", G], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while journal.pending(store_dir) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # in the middle of the bulk load
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert journal.pending(store_dir) is not None, "the import finished before it was killed"
    result = run("graphs")  # read-only: reports, and the next writer recovers
    recovered = run("graphs", "drop", "https://example.org/none")
    assert "recovery: undid an unfinished import" in recovered.output
    assert journal.pending(store_dir) is None
    assert snapshot(run) == before
    assert result.exit_code == 0


def test_the_wikidata_fixture_uses_only_confirmed_identifiers() -> None:
    reference = Path(__file__).resolve().parents[2] / "shared" / "reference" / "wikidata-ids.md"
    if not reference.is_file():
        pytest.skip(f"{reference} is absent (it lives in ../shared beside the repository)")
    confirmed = set(__import__("re").findall(r"\| (Q\d+) \|", reference.read_text()))
    used = {str(t).rsplit("/", 1)[1] for t in Graph().parse(WIKIDATA).all_nodes()
            if isinstance(t, URIRef) and str(t).startswith("http://www.wikidata.org/entity/Q")}
    assert used and used <= confirmed


def test_an_import_into_a_store_another_process_holds_says_so(run, store_dir: Path,
                                                              tmp_path: Path) -> None:
    """Whether the store is locked is decided once, where it is opened (StoreBusy), and the
    command says what to do about it."""
    source = tmp_path / "data.ttl"
    source.write_text(SAMPLES["ttl"], encoding="utf-8")
    with EmbeddedStore(store_dir):  # holds RocksDB's lock, as `qantar serve`'s writer does
        result = run("import", str(source), "--graph", G)
    assert result.exit_code == 3, result.output
    assert "in use by another process" in result.output
    assert "import over HTTP" in result.output
