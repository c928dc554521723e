"""The bundled ontology and graph: they parse, conform, are documented, read the article right."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from service.bundle import read_bundle, read_ontology
from service.config import REPO_ROOT, Settings
from service.namespaces import QANTAR
from service.rdf_files import parse_file
from service.validate import validate_graph

OUR_NAMESPACE = "https://w3id.org/qantar/"
ID = "https://w3id.org/qantar/id/"
WIKIDATA_IDS = REPO_ROOT.parent / "shared" / "reference" / "wikidata-ids.md"
TURTLE_FILES = sorted([*REPO_ROOT.glob("ontology/*.ttl"), *REPO_ROOT.glob("graph/*.ttl"),
                       *REPO_ROOT.glob("shapes/*.ttl")])
DECLARATION_TYPES = {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                     OWL.AnnotationProperty, RDF.Property}


@cache
def ontology() -> Graph:
    return read_ontology(Settings.from_env({"QANTAR_DATA_DIR": str(REPO_ROOT)}))


@cache
def data() -> Graph:
    graph = Graph()
    for path in sorted(REPO_ROOT.glob("graph/*.ttl")):
        graph += parse_file(path)
    return graph


def everything() -> Graph:
    return ontology() + data()


def entity(slug: str) -> URIRef:
    return URIRef(ID + slug)


@pytest.mark.parametrize("path", TURTLE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_turtle_file_parses(path: Path) -> None:
    assert len(parse_file(path)) > 0


def test_the_bundle_conforms_to_the_shapes() -> None:
    bundle = read_bundle(Settings.from_env({"QANTAR_DATA_DIR": str(REPO_ROOT)}))
    findings = validate_graph(bundle.union(), parse_file(REPO_ROOT / "shapes" / "qantar.ttl"))
    assert findings == []


def test_every_class_and_property_used_in_the_graph_is_declared_in_the_ontology() -> None:
    declared = {s for s, o in ontology().subject_objects(RDF.type) if o in DECLARATION_TYPES}
    used = set(data().predicates()) | set(data().objects(None, RDF.type))
    assert sorted(used - declared - {RDF.type}) == []


def test_every_term_of_our_ontology_has_label_comment_and_a_place_in_the_hierarchy() -> None:
    terms = {s for s, o in ontology().subject_objects(RDF.type)
             if o in DECLARATION_TYPES and str(s).startswith(str(QANTAR))}
    assert len(terms) > 60
    for term in terms:
        assert ontology().value(term, RDFS.label) is not None, term
        assert ontology().value(term, RDFS.comment) is not None, term


def test_our_classes_are_aligned_to_well_known_vocabularies() -> None:
    expected = {
        "Person": "https://schema.org/Person", "Organization": "http://www.w3.org/ns/org#Organization",
        "Place": "https://schema.org/Place", "Event": "http://semanticweb.cs.vu.nl/2009/11/sem/Event",
        "Claim": "https://schema.org/Claim", "OfficeHolding": "http://www.w3.org/ns/org#Membership",
        "PowerRelation": "http://www.w3.org/ns/prov#Entity", "Group": "http://xmlns.com/foaf/0.1/Group",
    }
    for local, superclass in expected.items():
        assert (QANTAR[local], RDFS.subClassOf, URIRef(superclass)) in ontology(), local


def test_the_ontology_carries_its_metadata() -> None:
    ontology_iri = URIRef("https://w3id.org/qantar/ontology")
    dcterms = "http://purl.org/dc/terms/"
    for predicate in ("title", "license", "creator", "created"):
        assert ontology().value(ontology_iri, URIRef(dcterms + predicate)) is not None, predicate
    assert ontology().value(ontology_iri, OWL.versionInfo) is not None


def test_every_entity_has_an_english_label() -> None:
    subjects = {s for s in data().subjects(RDF.type, None) if isinstance(s, URIRef)}
    unlabelled = [s for s in subjects
                  if not any(isinstance(o, Literal) and o.language == "en"
                             for o in everything().objects(s, RDFS.label))]
    assert unlabelled == []


def test_no_iri_in_our_namespace_is_used_without_being_described() -> None:
    graph = everything()
    ours = {t for t in graph.all_nodes()
            if isinstance(t, URIRef) and str(t).startswith(OUR_NAMESPACE)}
    undescribed = sorted(t for t in ours if graph.value(t, RDFS.label) is None)
    assert undescribed == []


def test_wikidata_links_use_only_confirmed_identifiers() -> None:
    if not WIKIDATA_IDS.exists():
        pytest.skip(f"{WIKIDATA_IDS} is absent: the confirmed identifiers cannot be read")
    confirmed = set(re.findall(r"\|\s*(Q\d+)\s*\|", WIKIDATA_IDS.read_text(encoding="utf-8")))
    links = {str(o).rpartition("/")[2] for o in data().objects(None, SKOS.exactMatch)}
    assert links, "no Wikidata links at all"
    assert links <= confirmed
    assert len(links) == len(list(data().objects(None, SKOS.exactMatch)))


# --- Reading the article right: the traps the issue names ---------------------------------------

def test_spelling_variants_of_one_name_are_alternative_labels_of_one_person() -> None:
    tokayev = entity("person/kassym-jomart-tokayev")
    variants = {str(label) for label in data().objects(tokayev, SKOS.altLabel)}
    assert {"Tokajev", "Tokaev"} <= variants
    zhovtis = entity("person/yevgeny-zhovtis")
    assert "Zjovtis" in {str(label) for label in data().objects(zhovtis, SKOS.altLabel)}
    people = set(data().subjects(RDF.type, QANTAR.Person))
    assert not any("tokajev" in str(p) or "tokaev" in str(p) or "zjovtis" in str(p) for p in people)


def test_masja_and_misja_are_two_different_people() -> None:
    masja, misja = entity("person/masja"), entity("person/misja")
    assert (masja, OWL.differentFrom, misja) in data()
    assert data().value(masja, URIRef("https://schema.org/gender")) == Literal("female")
    assert data().value(misja, URIRef("https://schema.org/gender")) == Literal("male")


def test_omirbek_is_not_modelled_as_dead() -> None:
    """The translation's "who died on January 4" means he reported on the protests that day."""
    omirbek = entity("person/darkhan-omirbek")
    roles = {role for p in data().subjects(QANTAR.participant, omirbek)
             for role in data().objects(p, QANTAR.participantRole)}
    assert entity("concept/victim") not in roles
    assert {entity("concept/journalist"), entity("concept/detainee")} <= roles
    described = [str(o) for p in (RDFS.label, URIRef("https://schema.org/description"))
                 for o in data().objects(None, p)]
    assert not [text for text in described if "Omirbek" in text and "died" in text]


def test_testimony_the_article_calls_unverifiable_is_marked_unverified() -> None:
    misja_claims = set(data().subjects(QANTAR.claimant, entity("person/misja")))
    assert misja_claims
    for claim in misja_claims:
        assert (claim, QANTAR.status, entity("concept/unverified")) in data()


def test_government_figures_are_attributed_to_the_government_as_official() -> None:
    government = entity("org/government-of-kazakhstan")
    figures = [f for f in data().subjects(QANTAR.claimant, government)
               if (f, RDF.type, QANTAR.Figure) in data()]
    values = {int(data().value(f, QANTAR.value)) for f in figures}
    assert values == {2000, 146, 3, 16}
    for figure in data().subjects(QANTAR.claimant, government):
        assert (figure, QANTAR.status, entity("concept/official-figure")) in data()


def test_newsletter_boilerplate_is_not_a_fact() -> None:
    text = " ".join(str(o) for o in data().objects() if isinstance(o, Literal)).lower()
    assert "hague" not in text
    assert "newsletter" not in text


def test_the_photographer_is_a_credit_not_a_participant() -> None:
    mikheyev = entity("person/pavel-mikheyev")
    assert not list(data().subjects(QANTAR.participant, mikheyev))
    assert not list(data().subjects(QANTAR.claimant, mikheyev))


def test_article_statements_and_editorial_links_live_in_separate_named_graphs() -> None:
    bundle = read_bundle(Settings.from_env({"QANTAR_DATA_DIR": str(REPO_ROOT)}))
    article = bundle.graphs[URIRef("https://w3id.org/qantar/graph/nrc-2022-01-15")]
    editorial = bundle.graphs[URIRef("https://w3id.org/qantar/graph/editorial")]
    assert not list(article.triples((None, SKOS.exactMatch, None)))
    assert len(list(editorial.triples((None, SKOS.exactMatch, None)))) == 12
