"""Sources that are not texts: a statement needs a passage only when its source is a text Qantar
holds (a qantar:HeldText, declared in the editorial graph: the NRC article and its translation).

A monitoring group's database (tests/fixtures/external/monitoring-group.ttl: an organisation, a
schema:Dataset, one figure taken from it) imports without passages on both engines, through
``qantar import`` and through the Graph Store Protocol on both stores; the same figure with the
article as its source and no passage is still refused, as is one with the article and the dataset
as sources, and a malformed passage is refused whatever the source.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import requests
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF

from service.bundle import read_bundle
from service.config import REPO_ROOT, Settings
from service.namespaces import ARTICLE_GRAPH, EDITORIAL_GRAPH, ONTOLOGY_GRAPH, QANTAR
from service.rdf_files import parse_file
from service.validate import Finding, validate_focus, validate_graph
from tests.live import AUTH, LiveServer

EXTERNAL = Path(__file__).parent / "fixtures" / "external"
MONITORING = EXTERNAL / "monitoring-group.ttl"
FIGURE = "https://w3id.org/qantar/id/figure/monitoring-group-killed"
ARTICLE = "https://w3id.org/qantar/id/source/nrc-2022-01-15-kazakhstan"
TRANSLATION = "https://w3id.org/qantar/id/source/nrc-2022-01-15-kazakhstan-en"
G = "https://example.org/graph/monitoring-group"

NEEDS_PASSAGE = "taken from a text Qantar holds (its qantar:source is a qantar:HeldText"
MALFORMED = "qantar:evidence must be an oa:SpecificResource"
FROM_DATASET = "    qantar:source mg:casualty-database .\n"
WORDLESS = """
@prefix oa: <http://www.w3.org/ns/oa#> .
figure:monitoring-group-killed qantar:evidence [ a oa:SpecificResource ;
    oa:hasSource mg:casualty-database ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:prefix "Documented by name: " ] ] .
"""


def monitoring(source: str | None = None, extra: str = "") -> str:
    """The fixture, its figure's sources replaced by ``source`` (Turtle objects) when given."""
    text = MONITORING.read_text(encoding="utf-8")
    assert FROM_DATASET in text
    if source is not None:
        text = text.replace(FROM_DATASET, f"    qantar:source {source} .\n")
    return text + extra


# Each variant the shapes refuse, with words of the message that says why.
REFUSED = {
    "article-without-passage": (monitoring(f"<{ARTICLE}>"), NEEDS_PASSAGE),
    "article-and-dataset-without-passage": (monitoring(f"mg:casualty-database, <{ARTICLE}>"),
                                            NEEDS_PASSAGE),
    "dataset-with-a-wordless-passage": (monitoring(extra=WORDLESS), MALFORMED),
}


# -- the shapes, on both engines, with the context an import is validated with ----------------

@cache
def context() -> Graph:
    """The ontology, article and editorial graphs (service.imports.importer.CONTEXT_GRAPHS)."""
    graphs = read_bundle(Settings.from_env({"QANTAR_DATA_DIR": str(REPO_ROOT)})).graphs
    return graphs[ONTOLOGY_GRAPH] + graphs[ARTICLE_GRAPH] + graphs[EDITORIAL_GRAPH]


@cache
def shapes() -> Graph:
    return parse_file(REPO_ROOT / "shapes" / "qantar.ttl")


def both_engines(turtle: str) -> tuple[list[Finding], list[Finding]]:
    """(pyshacl's findings, the compiled engine's) for the figure, with the context beside it."""
    data = context() + Graph().parse(data=turtle, format="turtle")
    reference = validate_graph(data, shapes(), focus_nodes=[URIRef(FIGURE)])
    compiled = validate_focus([data.serialize(format="nt", encoding="utf-8")], [FIGURE], shapes())
    return reference, compiled


def summary(findings: list[Finding]) -> list[tuple[str, str]]:
    """(message, value) of each finding; a blank node's label is the engine's own."""
    return sorted((f.message, "_:blank" if isinstance(f.value, BNode) else str(f.value))
                  for f in findings)


def test_the_editors_declare_the_article_and_its_translation_held_texts() -> None:
    graphs = read_bundle(Settings.from_env({"QANTAR_DATA_DIR": str(REPO_ROOT)})).graphs
    held = set(graphs[EDITORIAL_GRAPH].subjects(RDF.type, QANTAR.HeldText))
    assert held == {URIRef(ARTICLE), URIRef(TRANSLATION)}
    # the article graph holds only what the article says
    assert not any(True for _ in graphs[ARTICLE_GRAPH].triples((None, None, QANTAR.HeldText)))


def test_a_figure_from_a_dataset_conforms_without_a_passage_on_both_engines() -> None:
    assert both_engines(monitoring()) == ([], [])


@pytest.mark.parametrize("variant", sorted(REFUSED))
def test_a_refused_variant_gives_the_same_finding_on_both_engines(variant: str) -> None:
    turtle, words = REFUSED[variant]
    reference, compiled = both_engines(turtle)
    assert summary(reference) == summary(compiled)
    assert [f.focus for f in reference] == [URIRef(FIGURE)]
    assert words in reference[0].message


def test_the_passage_a_held_source_needs_is_of_that_text_or_its_translation() -> None:
    """The fixture of another team once named the article as its figure's source and quoted the
    team's report: a passage of another document does not stand for the article's words."""
    report = "<https://example.org/other-team/report>"
    passage = f"""
@prefix oa: <http://www.w3.org/ns/oa#> .
{report} a <https://schema.org/CreativeWork> ; rdfs:label "Another team's report"@en .
figure:monitoring-group-killed qantar:evidence [ a oa:SpecificResource ; oa:hasSource {{}} ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "238 killed." ] ] .
"""
    elsewhere = both_engines(monitoring(f"<{ARTICLE}>", passage.format(report)))
    assert [summary(findings) for findings in elsewhere] == [[(
        "A statement taken from a text Qantar holds needs a passage of that text (or of a "
        "translation of it, schema:translationOfWork): its qantar:evidence quotes other "
        "documents only.", ARTICLE)]] * 2
    # the article's words are quoted from its translation, as the bundle quotes them
    assert both_engines(monitoring(f"<{ARTICLE}>", passage.format(f"<{TRANSLATION}>"))) == ([], [])


def test_a_subclass_of_held_text_needs_passages_too() -> None:
    own = """
<https://example.org/HeldTranscript> rdfs:subClassOf qantar:HeldText .
<https://example.org/transcript> a <https://example.org/HeldTranscript> ;
    rdfs:label "A transcript we hold"@en .
"""
    reference, compiled = both_engines(monitoring("<https://example.org/transcript>", own))
    assert summary(reference) == summary(compiled)
    assert [(NEEDS_PASSAGE in m, v) for m, v in summary(reference)] == [
        (True, "https://example.org/transcript")]


# -- `qantar import` ----------------------------------------------------------------------------

def graph_triples(store_dir: Path, graph: str) -> int:
    from service.store.embedded.store import EmbeddedStore

    with EmbeddedStore(store_dir, read_only=True) as store:
        return store.triple_count(graph) if store.graph_exists(graph) else 0


def test_the_monitoring_groups_figure_imports_from_the_command_line(
    run, store_dir: Path
) -> None:
    result = run("import", str(MONITORING), "--graph", G)
    assert result.exit_code == 0, result.output
    assert "validation: conforms (" in result.output
    listing = run("graphs").output
    assert f"<{G}>  [import]" in listing
    assert graph_triples(store_dir, G) == len(Graph().parse(MONITORING))


@pytest.mark.parametrize("variant", sorted(REFUSED))
def test_a_refused_variant_is_refused_by_the_command_line(
    run, store_dir: Path, tmp_path: Path, variant: str
) -> None:
    turtle, words = REFUSED[variant]
    path = tmp_path / f"{variant}.ttl"
    path.write_text(turtle, encoding="utf-8")
    refused = run("import", str(path), "--graph", G)
    assert refused.exit_code == 1, refused.output
    assert "breaks the shapes" in refused.output
    assert words in refused.output
    assert graph_triples(store_dir, G) == 0


# -- the Graph Store Protocol, on the embedded and the remote store ----------------------------

def put(server: LiveServer, turtle: str) -> requests.Response:
    return requests.put(server.store, params={"graph": G}, data=turtle.encode(),
                        headers={**AUTH, "Content-Type": "text/turtle"})


def test_the_monitoring_groups_figure_is_accepted_over_http_with_its_provenance(
    live_writable: LiveServer,
) -> None:
    response = put(live_writable, MONITORING.read_text(encoding="utf-8"))
    assert response.status_code == 201, response.text
    graphs = requests.get(live_writable.url + "/graphs.json")
    assert graphs.status_code == 200
    record = next(g for g in graphs.json() if g["iri"] == G)
    assert record["origin"] == "import"
    assert record["triples"] == len(Graph().parse(MONITORING))
    assert record["validation"].startswith("conforms")
    back = requests.get(live_writable.store, params={"graph": G},
                        headers={"Accept": "application/n-triples"})
    assert back.status_code == 200
    assert Graph().parse(data=back.text, format="nt").value(
        URIRef(FIGURE), QANTAR.source) == URIRef("https://example.org/monitoring-group/casualty-database")


def test_a_refused_variant_is_refused_over_http(live_writable: LiveServer) -> None:
    for variant, (turtle, words) in sorted(REFUSED.items()):
        response = put(live_writable, turtle)
        assert response.status_code == 422, (variant, response.text)
        assert words in response.text, variant
        assert requests.get(live_writable.store, params={"graph": G}).status_code == 404, variant
    # and the dataset's figure, without the passage, goes in after them
    assert put(live_writable, monitoring()).status_code == 201

