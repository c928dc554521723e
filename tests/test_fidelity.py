"""The article's graph says what the article says, in its own words, and nothing else.

Read against the article itself (``../shared/source/``; those tests skip with the reason where it
is absent): every passage of evidence occurs verbatim, every quote is words the article puts
between quotation marks, every name in the article's graph is one the article uses. General
knowledge (names in other languages, former names, full forms of abbreviations) and every
editorial note live in the editorial graph. Dates worked out from relative words carry a note that
quotes those words.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SKOS

from service.namespaces import QANTAR
from tests.article import (
    ARTICLE_GRAPH,
    EDITORIAL_GRAPH,
    ID,
    OA,
    ONTOLOGY_GRAPH,
    TRANSLATION,
    article_text,
    graphs,
    normalised,
)

SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
STATEMENT_CLASSES = (QANTAR.Event, QANTAR.PowerRelation, QANTAR.Claim)


@cache
def ontology_and_article() -> Graph:
    return graphs()[ONTOLOGY_GRAPH] + graphs()[ARTICLE_GRAPH]


def statements() -> list[URIRef]:
    """Every event, power relation, claim and figure of the article's graph (subclasses too)."""
    g = ontology_and_article()
    found: set[URIRef] = set()
    for cls in STATEMENT_CLASSES:
        for sub in g.transitive_subjects(RDFS.subClassOf, cls):
            found.update(s for s in g.subjects(RDF.type, sub) if isinstance(s, URIRef))
    return sorted(found)


def passages(node: URIRef) -> list[tuple[str, str, str, object]]:
    """(prefix, exact, suffix, source) of each passage of evidence of ``node``."""
    g = graphs()[ARTICLE_GRAPH]
    found = []
    for evidence in g.objects(node, QANTAR.evidence):
        selector = next(s for s in g.objects(evidence, OA.hasSelector)
                        if (s, RDF.type, OA.TextQuoteSelector) in g)
        found.append((str(g.value(selector, OA.prefix) or ""), str(g.value(selector, OA.exact)),
                      str(g.value(selector, OA.suffix) or ""), g.value(evidence, OA.hasSource)))
    return found


def quoted_spans(text: str) -> list[str]:
    """What the article puts between quotation marks: “…”, „…” and ‘…’ (never an apostrophe)."""
    spans = re.findall(r"[“„]([^”“]+)”", text)
    spans += re.findall(r"(?<!\w)‘([^’]+)’(?!\w)", text)
    return [normalised(s) for s in spans]


def test_the_article_graph_has_events_relations_claims_and_figures() -> None:
    kinds = {ontology_and_article().value(node, RDF.type) for node in statements()}
    assert len(statements()) >= 60 and {QANTAR.Event, QANTAR.Claim, QANTAR.Figure} <= kinds


@pytest.mark.parametrize("node", statements(), ids=lambda n: n.removeprefix(str(ID)))
def test_every_statement_rests_on_passages_found_verbatim_in_the_article(node: URIRef) -> None:
    text = normalised(article_text())
    found = passages(node)
    assert found, f"{node} has no qantar:evidence"
    for prefix, exact, suffix, source in found:
        assert source == TRANSLATION, f"{node}: evidence should point at the translation it quotes"
        assert normalised(exact) in text, f"{node}: not in the article: {exact!r}"
        assert normalised(prefix + exact + suffix) in text, \
            f"{node}: prefix and suffix do not surround the passage: {exact!r}"


def test_every_quote_is_words_the_article_puts_between_quotation_marks() -> None:
    spans = quoted_spans(article_text())
    g = graphs()[ARTICLE_GRAPH]
    quotes = list(g.subject_objects(QANTAR.quote))
    assert len(quotes) >= 15
    strays = [(str(claim), str(quote)) for claim, quote in quotes
              if not any(normalised(str(quote)) in span for span in spans)]
    assert strays == []


def test_narration_and_relayed_speech_are_not_quotes() -> None:
    g = graphs()[ARTICLE_GRAPH]
    assert (ID["claim/zhovtis-riot-police-started-shooting"], QANTAR.quote, None) not in g
    assert (ID["claim/tokayev-journalists-complicit"], QANTAR.quote, None) not in g
    relaying = ID["claim/omirbek-relays-tokayev-on-journalists"]
    assert g.value(relaying, QANTAR.relays) == ID["claim/tokayev-journalists-complicit"]
    assert g.value(relaying, QANTAR.claimant) == ID["person/darkhan-omirbek"]
    assert "President Tokaev said last week" in str(g.value(relaying, QANTAR.quote))
    nrc_quotes = [claim for claim in g.subjects(QANTAR.claimant, ID["org/nrc"])
                  if (claim, QANTAR.quote, None) in g]
    assert nrc_quotes == [], "what NRC itself says is evidence, not a quote"


def test_masja_and_zhovtis_are_not_set_against_each_other() -> None:
    g = graphs()[ARTICLE_GRAPH]
    masja = ID["claim/masja-shooters-were-not-police"]
    zhovtis = ID["claim/zhovtis-riot-police-started-shooting"]
    assert (masja, QANTAR.disputes, zhovtis) not in g
    disputed = ID["concept/disputed"]
    assert (masja, QANTAR.status, disputed) not in g and (zhovtis, QANTAR.status, disputed) not in g


def _names(graph: Graph) -> list[tuple[URIRef, URIRef, Literal]]:
    return [(s, p, o) for p in (SKOS.prefLabel, SKOS.altLabel)
            for s, o in graph.subject_objects(p) if isinstance(o, Literal)]


def test_the_article_graph_names_nothing_in_russian_or_kazakh() -> None:
    foreign = [(str(s), str(o)) for s, _, o in _names(graphs()[ARTICLE_GRAPH])
               if o.language in ("ru", "kk")]
    assert foreign == []


def test_every_alternative_or_non_english_name_in_the_article_graph_is_the_articles_own() -> None:
    text = normalised(article_text()).casefold()
    strays = [(str(s), str(o)) for s, p, o in _names(graphs()[ARTICLE_GRAPH])
              if (p == SKOS.altLabel or o.language != "en")
              and normalised(str(o)).casefold() not in text]
    assert strays == []


def test_general_knowledge_names_live_in_the_editorial_graph() -> None:
    editorial = graphs()[EDITORIAL_GRAPH]
    for place, name in (("place/nur-sultan", "Astana"), ("place/almaty", "Alma-Ata"),
                        ("event/january-2022-unrest", "Qandy Qantar"), ("person/masja", "Masha"),
                        ("org/csto", "Collective Security Treaty Organization")):
        assert (ID[place], SKOS.altLabel, Literal(name, lang="en")) in editorial
    assert (ID["person/kassym-jomart-tokayev"], SKOS.prefLabel,
            Literal("Касым-Жомарт Токаев", lang="ru")) in editorial
    for spelling in ("Tokajev", "Zjovtis", "Darchan Omirbek", "Alichan Smailov"):
        assert any(str(o) == spelling for _, _, o in _names(graphs()[ARTICLE_GRAPH])), spelling


def test_editorial_notes_live_in_the_editorial_graph() -> None:
    assert list(graphs()[ARTICLE_GRAPH].subject_objects(SKOS.editorialNote)) == []
    assert len(list(graphs()[EDITORIAL_GRAPH].subject_objects(SKOS.editorialNote))) >= 20


# Each date worked out from relative words, and the words its editorial note must quote.
RELATIVE_DATES = {
    "event/almaty-peaceful-protest-5-january": "The next morning",
    "event/almaty-riots-5-6-january": "That night",
    "event/almaty-town-hall-stormed": "That night",
    "event/internet-shutdown": "shut down for two days",
    "event/air-traffic-suspension": "In the meantime",
    "relation/tokayev-nazarbayev-power-struggle": "Last week",
    "relation/tokayev-removes-nazarbayev": "last week",
    "event/arrest-of-nazarbayev-allies": "last week",
    "relation/tokayev-appoints-smailov": "last week",
    "claim/tokayev-journalists-complicit": "said last week",
    "relation/france-grants-asylum-to-ablyazov": "last year",
    "event/omirbek-arrested": "When I returned",
}


@pytest.mark.parametrize("node,words", sorted(RELATIVE_DATES.items()))
def test_a_date_from_relative_words_carries_a_note_quoting_them(node: str, words: str) -> None:
    notes = [str(n) for n in graphs()[EDITORIAL_GRAPH].objects(ID[node], SKOS.editorialNote)]
    assert any(words in note for note in notes), f"{node}: no note quotes {words!r}: {notes}"
    assert words in normalised(article_text()), f"{words!r} are not the article's words"


def _bounds(node: str) -> tuple[str | None, str | None]:
    g, iri = graphs()[ARTICLE_GRAPH], ID[node]
    exact = g.value(iri, SEM.hasBeginTimeStamp)
    lower = g.value(iri, SEM.hasEarliestBeginTimeStamp) or exact
    upper = g.value(iri, SEM.hasLatestBeginTimeStamp) or exact
    return (str(lower) if lower else None, str(upper) if upper else None)


def test_the_moves_of_the_power_struggle_agree_with_when_it_broke_out() -> None:
    struggle = _bounds("relation/tokayev-nazarbayev-power-struggle")
    assert struggle == ("2022-01-03", "2022-01-09")
    for move in ("relation/tokayev-removes-nazarbayev", "event/arrest-of-nazarbayev-allies",
                 "relation/tokayev-appoints-smailov", "relation/smailov-prime-minister"):
        assert _bounds(move) == ("2022-01-03", "2022-01-15"), move



def test_every_word_of_a_persons_english_name_in_the_article_graph_is_the_articles() -> None:
    """People are named as the article spells them (Alichan, Darchan); the common spellings
    (Alikhan, Darkhan) are the editors' and live in the editorial graph."""
    words = set(re.findall(r"[\w-]+", normalised(article_text())))
    g = ontology_and_article()
    people = {s for sub in g.transitive_subjects(RDFS.subClassOf, QANTAR.Person)
              for s in g.subjects(RDF.type, sub)}
    strays = [(str(person), str(name)) for person in people
              for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
              for name in graphs()[ARTICLE_GRAPH].objects(person, p)
              if isinstance(name, Literal) and name.language == "en"
              and not set(re.findall(r"[\w-]+", normalised(str(name)))) <= words]
    assert len(people) >= 8 and strays == []
    editorial = graphs()[EDITORIAL_GRAPH]
    assert (ID["person/alikhan-smailov"], SKOS.altLabel, Literal("Alikhan Smailov", lang="en")) \
        in editorial
    assert (ID["person/darkhan-omirbek"], SKOS.altLabel, Literal("Darkhan Omirbek", lang="en")) \
        in editorial
