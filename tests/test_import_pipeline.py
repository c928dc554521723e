"""One import pipeline: the same data given to `qantar import` and to the Graph Store Protocol
(PUT, POST through the real `qantar serve`, on both stores) is accepted or refused for the same
findings, becomes the same graph and gets the same provenance record, field by field (all but
the agent, command, times and the source's name), and a refusal changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from service.cli import cli
from service.errors import BadQuery
from service.formats import N_QUADS, N_TRIPLES
from service.store.embedded.store import EmbeddedStore
from service.store.interface import Store
from service.store.remote.store import RemoteStore
from tests.live import AUTH, LiveServer, copy_store

EXTERNAL = Path(__file__).parent / "fixtures" / "external"
OTHER_TEAM = (EXTERNAL / "other-team.ttl").read_text(encoding="utf-8")
G = "https://example.org/graph/pipeline"
PROV = "https://w3id.org/qantar/graph/provenance"
NT = ox.RdfFormat.N_TRIPLES
CLAIMANT = "    qantar:claimant orgn:government-of-kazakhstan ;\n"
FIGURE = "<https://w3id.org/qantar/id/figure/other-team-government-killed>"
CLAIMANT_IRI = "<https://w3id.org/qantar/ontology#claimant>"

# A relative IRI resolves against the graph's IRI, however the data arrives.
CONFORMS = OTHER_TEAM + '\n<#note> rdfs:comment "A note beside the figure."@en .\n'
# the claimant is no qantar:Agent; its IRI is relative, so the finding shows the base too
BREAKS = OTHER_TEAM.replace(CLAIMANT, "    qantar:claimant <#the-government> ;\n")
CASES = {  # name: (data, lenient, accepted)
    "conforms": (CONFORMS, False, True),
    "breaks": (BREAKS, False, False),
    "breaks-lenient": (BREAKS, True, True),
}
assert CLAIMANT in OTHER_TEAM


@dataclass(frozen=True)
class Judged:
    accepted: bool
    findings: str | None  # the SHACL report of a refusal


@pytest.fixture
def cli_store(tmp_path: Path, bundle_store_template: Path) -> Path:
    """The store `qantar import` writes: another copy of the bundle than the server's."""
    return copy_store(bundle_store_template, tmp_path / "cli-store")


def qantar_import(store_dir: Path, tmp_path: Path, *files: str, lenient: bool = False) -> Judged:
    paths = []
    for number, text in enumerate(files, start=1):
        path = tmp_path / f"data-{number}.ttl"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    args = ["import", *paths, "--graph", G, *(["--lenient"] if lenient else [])]
    result = CliRunner().invoke(cli, args, env={"QANTAR_STORE": str(store_dir)},
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return Judged(result.exit_code == 0, _findings(result.output, result.exit_code == 0))


def upload(server: LiveServer, method: str, text: str, lenient: bool = False) -> Judged:
    params = {"graph": G, **({"lenient": "true"} if lenient else {})}
    response = requests.request(method, server.store, params=params, data=text.encode(),
                                headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code in (201, 204, 422), response.text
    accepted = response.status_code != 422
    return Judged(accepted, _findings(response.text, accepted))


def _findings(text: str, accepted: bool) -> str | None:
    if accepted:
        return None
    assert "breaks the shapes" in text, text
    return text[text.index("Does not conform"):].strip()


def cli_graph(store_dir: Path, graph: str) -> bytes:
    with EmbeddedStore(store_dir, read_only=True) as store:
        if not store.graph_exists(graph):
            return b""
        return store.dump(graph, N_TRIPLES) or b""


def served_graph(server: LiveServer, graph: str) -> bytes:
    response = requests.get(server.store, params={"graph": graph},
                            headers={"Accept": "application/n-triples"})
    return response.content if response.status_code == 200 else b""


def cli_dataset(store_dir: Path) -> set[str]:
    with EmbeddedStore(store_dir, read_only=True) as store:
        return set((store.dump_dataset(N_QUADS) or b"").decode().splitlines())


def served_dataset(server: LiveServer) -> set[str]:
    response = requests.get(server.store, headers={"Accept": "application/n-quads"})
    assert response.status_code == 200
    return set(response.text.splitlines())


def graph_of(data: bytes) -> Graph:
    return Graph().parse(data=data.decode(), format="nt")


#: What naturally differs between two records of the same data: labels (the command, the agent,
#: the source's name, the version's time), times, and where the source was read.
VARYING = {
    "http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/ns/prov#startedAtTime",
    "http://www.w3.org/ns/prov#endedAtTime", "http://www.w3.org/ns/prov#generatedAtTime",
    "http://purl.org/dc/terms/modified", "http://www.w3.org/ns/prov#atLocation",
    "http://purl.org/dc/terms/source",
}
CURRENT = ox.NamedNode("http://www.w3.org/ns/dcat#hasCurrentVersion")
PREVIOUS = ox.NamedNode("http://www.w3.org/ns/dcat#previousVersion")


def record_of(provenance: bytes, graph: str) -> set[tuple[str, str, str]] | None:
    """The graph's current provenance record, its own IRIs written R..., the version it
    replaced PREVIOUS, and without what naturally differs (VARYING)."""
    triples = list(ox.parse(provenance, format=NT))
    node = ox.NamedNode(graph)
    versions = [t.object for t in triples if t.subject == node and t.predicate == CURRENT]
    if not versions:
        return None
    record = versions[0].value.removesuffix("/version")
    previous = {t.object for t in triples if t.subject == versions[0] and t.predicate == PREVIOUS}

    def show(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
        if isinstance(term, ox.NamedNode) and term.value.startswith(record):
            return "R" + term.value[len(record):]
        return "PREVIOUS" if term in previous else str(term)

    about_graph = ("#triples", "#hasCurrentVersion")
    ours = [t for t in triples if (isinstance(t.subject, ox.NamedNode)
                                   and t.subject.value.startswith(record))
            or (t.subject == node and t.predicate.value.endswith(about_graph))]
    return {(show(t.subject), t.predicate.value, show(t.object)) for t in ours
            if t.predicate.value not in VARYING}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_file_is_judged_written_and_recorded_alike_by_the_command_and_a_put(
    live_writable: LiveServer, cli_store: Path, tmp_path: Path, case: str
) -> None:
    data, lenient, accepted = CASES[case]
    cli_before, served_before = cli_dataset(cli_store), served_dataset(live_writable)
    by_command = qantar_import(cli_store, tmp_path, data, lenient=lenient)
    over_http = upload(live_writable, "PUT", data, lenient=lenient)
    assert by_command == over_http
    assert by_command.accepted is accepted
    if not accepted:
        assert "qantar:claimant" in by_command.findings and "#the-government" in by_command.findings
        assert cli_dataset(cli_store) == cli_before
        assert served_dataset(live_writable) == served_before
        return
    assert isomorphic(graph_of(cli_graph(cli_store, G)), graph_of(served_graph(live_writable, G)))
    assert (f"<{G}#note>" in cli_graph(cli_store, G).decode()) is (case == "conforms")
    cli_record = record_of(cli_graph(cli_store, PROV), G)
    served_record = record_of(served_graph(live_writable, PROV), G)
    assert cli_record is not None
    assert cli_record == served_record
    outcome = "https://w3id.org/qantar/ontology#validationOutcome"
    (validation,) = [o for _, p, o in cli_record if p == outcome]
    assert validation.startswith('"conforms (1 node' if case == "conforms"
                                 else '"violations accepted (lenient)"')
    reports = [o for _, p, o in cli_record if p.endswith("#validationReport")]
    assert bool(reports) is lenient


COMBINATIONS = {  # name: (first file, lenient, the addition, accepted)
    # the first breaks the shapes alone (no claimant); with the addition the figure conforms
    "completes": (OTHER_TEAM.replace(CLAIMANT, ""), True,
                  f"{FIGURE} {CLAIMANT_IRI} <https://w3id.org/qantar/id/org/government-of-"
                  "kazakhstan> .\n", True),
    # the first conforms; the addition gives the figure a claimant that is no agent
    "breaks": (OTHER_TEAM, False,
               f"{FIGURE} {CLAIMANT_IRI} <https://example.org/no-agent> .\n", False),
}


@pytest.mark.parametrize("case", sorted(COMBINATIONS))
def test_a_post_is_judged_on_the_graph_as_it_will_be_as_importing_both_files_is(
    live_writable: LiveServer, cli_store: Path, tmp_path: Path, case: str
) -> None:
    first, lenient, addition, accepted = COMBINATIONS[case]
    assert upload(live_writable, "PUT", first, lenient=lenient).accepted
    served_before = served_dataset(live_writable)
    over_http = upload(live_writable, "POST", addition)
    by_command = qantar_import(cli_store, tmp_path, first, addition)
    assert over_http == by_command
    assert over_http.accepted is accepted
    if not accepted:
        assert "no-agent" in over_http.findings
        assert served_dataset(live_writable) == served_before
        assert cli_graph(cli_store, G) == b""
        return
    assert isomorphic(graph_of(cli_graph(cli_store, G)), graph_of(served_graph(live_writable, G)))
    cli_record = record_of(cli_graph(cli_store, PROV), G)
    served_record = record_of(served_graph(live_writable, PROV), G)
    outcome = "https://w3id.org/qantar/ontology#validationOutcome"
    assert {o for _, p, o in served_record if p == outcome} == {
        '"conforms (1 node of our classes checked)"'}
    # the same judgement and count; the sources differ (two files, one body each time)
    same = {"https://w3id.org/qantar/ontology#validationOutcome", "http://rdfs.org/ns/void#triples"}
    assert {t for t in cli_record if t[1] in same} == {t for t in served_record if t[1] in same}


def test_a_put_whose_url_holds_an_escape_writes_the_graph_with_its_record(
    live_writable: LiveServer,
) -> None:
    """The record's source is the URL as sent (werkzeug's request.url would turn %3E into a
    '>' no IRI may hold); it is built and checked before the write, which commits with it."""
    url = f"{live_writable.store}?graph=http://example.org/g1&x=%3E"
    response = requests.put(url, data=b"<http://example.org/s> <http://example.org/p> 1 .",
                            headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 201, response.text
    provenance = served_graph(live_writable, PROV).decode()
    assert "<http://example.org/g1> <http://www.w3.org/ns/dcat#hasCurrentVersion>" in provenance
    assert "x=%3E>" in provenance
    assert "<http://example.org/s>" in served_graph(live_writable, "http://example.org/g1").decode()


@pytest.fixture(params=["embedded", "remote"])
def bare_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "embedded":
        with EmbeddedStore(tmp_path / "store") as store:
            yield store
        return
    from tests.w3c.backends import oxigraph_server

    (tmp_path / "store").mkdir()
    with oxigraph_server(tmp_path / "store") as remote, \
            RemoteStore(remote.query_url, remote.update_url, remote.store_url) as store:
        yield store


@pytest.mark.parametrize("method", ["replace_graph", "add_to_graph"])
def test_a_graph_change_and_the_update_with_it_commit_together_or_not_at_all(
    bare_store: Store, method: str
) -> None:
    graph = "http://example.org/graph/together"
    before = [ox.Triple(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"),
                        ox.Literal("before"))]
    bare_store.replace_graph(graph, before)
    after = [ox.Triple(ox.NamedNode("http://example.org/b"), ox.NamedNode("http://example.org/p"),
                       ox.BlankNode())]
    failing = "CREATE GRAPH <http://example.org/graph/together>"  # it exists: the update fails
    with pytest.raises(BadQuery):
        getattr(bare_store, method)(graph, after, then=failing)
    assert bare_store.triple_count(graph) == 1
    record = ("INSERT DATA { GRAPH <http://example.org/graph/record> "
              "{ <http://e/r> <http://e/p> 1 } }")
    getattr(bare_store, method)(graph, after, then=record)
    assert bare_store.triple_count(graph) == (1 if method == "replace_graph" else 2)
    assert bare_store.triple_count("http://example.org/graph/record") == 1
