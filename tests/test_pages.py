"""Entity pages and views through Flask's test client, on the bundled graph.

Every view, every content type, the 303 redirects with ``Vary: Accept``, and what the pages
show: labels instead of IRIs, dates as dates, names with their languages, statuses of claims,
the named graph of each statement, the embedded schema.org JSON-LD.
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from service.namespaces import EDITORIAL_GRAPH, OA, QANTAR
from service.pages.search import fold
from tests.apps import make_app
from tests.article import article_text, normalised
from tests.live import copy_store
from tests.pages import HTML, TOKAYEV, jsonld_of

BASE = "https://w3id.org/qantar/"
UNREST = "id/event/january-2022-unrest"
RDF_TYPES = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
    "application/trig": ("trig", "trig"),
    "application/n-quads": ("nq", "nquads"),
}


def html(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def text_of(body: str) -> str:
    """The visible text of a page, roughly: tags removed, whitespace collapsed."""
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


# --- dereferencing IRIs -------------------------------------------------------------------


def test_an_iri_sends_browsers_to_its_page_with_303_and_vary(module_client: FlaskClient) -> None:
    response = module_client.get(f"/{TOKAYEV}", headers=HTML)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/page/{TOKAYEV}")
    assert response.headers["Vary"] == "Accept"


def test_no_accept_header_gets_the_page(module_client: FlaskClient) -> None:
    response = module_client.get(f"/{TOKAYEV}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/page/{TOKAYEV}")


@pytest.mark.parametrize("mime", RDF_TYPES)
def test_an_iri_sends_rdf_clients_to_its_data_in_the_format_they_accept(
    module_client: FlaskClient, mime: str
) -> None:
    ext, rdflib_format = RDF_TYPES[mime]
    response = module_client.get(f"/{TOKAYEV}", headers={"Accept": f"{mime}, text/html;q=0.5"})
    assert response.status_code == 303
    assert response.headers["Vary"] == "Accept"
    location = response.headers["Location"]
    assert location.endswith(f"/data/{TOKAYEV}.{ext}")
    document = module_client.get(location)
    assert document.status_code == 200
    assert document.mimetype == mime
    data = Dataset()
    data.parse(data=document.get_data(), format=rdflib_format)
    label = (URIRef(BASE + TOKAYEV), RDFS.label, Literal("Kassym-Jomart Tokayev", lang="en"))
    assert any(True for _ in data.quads((*label, None)))


def test_an_accept_header_offering_nothing_we_have_is_406(module_client: FlaskClient) -> None:
    response = module_client.get(f"/{TOKAYEV}", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


def test_data_without_an_extension_is_negotiated(module_client: FlaskClient) -> None:
    response = module_client.get(f"/data/{TOKAYEV}", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.mimetype == "application/n-triples"
    assert response.headers["Vary"] == "Accept"
    assert f"<{BASE}{TOKAYEV}>" in response.get_data(as_text=True)


def test_trig_keeps_the_named_graph_of_each_statement(module_client: FlaskClient) -> None:
    data = Dataset()
    data.parse(data=module_client.get(f"/data/{TOKAYEV}.trig").get_data(), format="trig")
    wikidata = URIRef("http://www.wikidata.org/entity/Q200881")
    graphs = {str(g) for _, _, _, g in data.quads((URIRef(BASE + TOKAYEV), SKOS.exactMatch,
                                                    wikidata, None))}
    assert graphs == {str(EDITORIAL_GRAPH)}


def test_the_data_includes_what_links_here_and_the_participations(
    module_client: FlaskClient,
) -> None:
    graph = Graph().parse(data=module_client.get(f"/data/{TOKAYEV}.ttl").get_data(),
                          format="turtle")
    me = URIRef(BASE + TOKAYEV)
    assert (URIRef(BASE + "id/claim/tokayev-coup-attempt"), QANTAR.claimant, me) in graph
    # the participation is a blank node: the event pointing to it comes along
    blanks = list(graph.subjects(QANTAR.participant, me))
    assert blanks
    for blank in blanks:
        assert list(graph.subjects(QANTAR.hasParticipation, blank))
        assert list(graph.objects(blank, QANTAR.participantRole))


def test_the_page_links_every_format_and_announces_them(module_client: FlaskClient) -> None:
    response = module_client.get(f"/page/{TOKAYEV}")
    body = response.get_data(as_text=True)
    for mime, (ext, _) in RDF_TYPES.items():
        assert f'href="/data/{TOKAYEV}.{ext}"' in body
        link = f'</data/{TOKAYEV}.{ext}>; rel="alternate"; type="{mime}"'
        assert link in response.headers["Link"]


def test_a_named_graph_iri_resolves_too(module_client: FlaskClient) -> None:
    response = module_client.get("/graph/editorial", headers=HTML)
    assert response.status_code == 303
    body = html(module_client, response.headers["Location"])
    assert "Editorial additions" in body
    assert "statements" in text_of(body)


def test_every_iri_under_the_base_resolves(module_app: Flask, module_client: FlaskClient) -> None:
    store = module_app.extensions["qantar"].store
    iris = {row["x"].value for row in store.query(
        "SELECT DISTINCT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x } UNION { GRAPH ?x { } } "
        f'FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{BASE}")) }}')}
    iris = {i.partition("#")[0] for i in iris}
    assert len(iris) > 150
    for iri in sorted(iris):
        path = iri[len(BASE):]
        response = module_client.get(f"/{path}", headers=HTML)
        if path == "ontology":  # hash IRIs: the document itself
            assert response.status_code == 200
            continue
        assert response.status_code == 303, path
        assert module_client.get(response.headers["Location"]).status_code == 200, path


def test_an_unknown_iri_gets_a_helpful_404_with_a_search(module_client: FlaskClient) -> None:
    body = html(module_client, "/id/person/tokayev", status=404)
    assert "https://w3id.org/qantar/id/person/tokayev" in body
    assert f'href="/page/{TOKAYEV}"' in body  # the search for its last word found him
    assert 'href="/search?q=tokayev"' in body


def test_an_unknown_iri_gets_a_plain_404_for_rdf_clients(module_client: FlaskClient) -> None:
    for path in ("/id/person/nobody", "/data/id/person/nobody.ttl"):
        response = module_client.get(path, headers={"Accept": "text/turtle"})
        assert response.status_code == 404
        assert response.mimetype == "text/plain"


@pytest.mark.parametrize("path", [
    "/id/person/%3Cscript%3E", "/id/%20space", "/page/id/x%22y", "/page/id/%7B%7D",
    "/data/id/%3E.ttl", "/id/", "/page/", "/classes/nope:x", "/classes/qantar:%3E",
    "/no/such/thing", "/ontology.xyz", "/page/id/person/masja?page=abc",
])
def test_odd_paths_are_404_or_pages_never_errors(module_client: FlaskClient, path: str) -> None:
    response = module_client.get(path, headers=HTML)
    assert response.status_code in (200, 404)


# --- what an entity page shows -------------------------------------------------------------


def test_a_person_page_shows_names_in_their_languages(module_client: FlaskClient) -> None:
    body = html(module_client, f"/page/{TOKAYEV}")
    assert '<h1 lang="en">Kassym-Jomart Tokayev</h1>' in body
    assert '<span lang="ru">Касым-Жомарт Токаев</span>' in body
    assert '<span lang="kk">Қасым-Жомарт Тоқаев</span>' in body
    assert "Tokajev" in body and "Tokaev" in body
    assert "Kazakhstani president, symbolically handed over power in 2019" in body


def test_types_link_to_their_class_pages(module_client: FlaskClient) -> None:
    body = html(module_client, f"/page/{TOKAYEV}")
    assert '<a class="type" href="/classes/qantar:Person">person</a>' in body


def test_properties_are_named_by_the_ontology_and_linked_to_it(module_client: FlaskClient) -> None:
    body = html(module_client, "/page/id/claim/tokayev-coup-attempt")
    assert '<a href="/ontology#claimant">claimant</a>' in body
    visible = text_of(body)
    assert "https://w3id.org/qantar/ontology#" not in visible
    assert "http://semanticweb.cs.vu.nl" not in visible


def test_wikidata_links_are_external_and_marked_as_editorial(module_client: FlaskClient) -> None:
    body = html(module_client, f"/page/{TOKAYEV}")
    assert '<a href="https://www.wikidata.org/wiki/Q200881" rel="external">' in body
    head = body[:body.index('id="statements-h"')]
    assert 'class="graph graph-editorial"' in head


def test_every_statement_shows_the_graph_it_comes_from(module_client: FlaskClient) -> None:
    body = html(module_client, f"/page/{TOKAYEV}")
    rows = re.findall(r"<tr>.*?</tr>", body[body.index('id="statements-h"'):], re.S)
    statement_rows = [r for r in rows if "<td>" in r]
    assert statement_rows
    assert all('class="graph graph-' in r for r in statement_rows)
    assert "graph-nrc-2022-01-15" in body and "Statements of the NRC article" in body


def test_dates_are_shown_as_dates(module_client: FlaskClient) -> None:
    body = html(module_client, f"/page/{UNREST}")
    assert '<time datetime="2022-01-02">2 January 2022</time>' in body


def test_an_event_page_shows_when_where_who_parts_causes_and_claims(
    module_client: FlaskClient,
) -> None:
    body = html(module_client, f"/page/{UNREST}")
    card = text_of(body[body.index('id="event-h"'):body.index('id="statements-h"')])
    assert "When 2 January 2022" in card or "2 January 2022" in card
    assert "Where Kazakhstan" in card
    assert "Caused by Increase in fuel prices" in card
    assert "Protesters" in card and "protester" in card  # participant and role
    assert "Riots in Almaty, night of 5 to 6 January 2022" in card  # a sub-event
    claims = text_of(body[body.index('id="claims-h"'):])
    assert "Government: 146 killed" in claims
    assert "official figure" in claims


def test_sub_events_are_in_date_order(module_client: FlaskClient) -> None:
    body = html(module_client, f"/page/{UNREST}")
    sub = body[body.index("<h3>Sub-events</h3>"):]
    sub = sub[:sub.index("</ol>")]
    assert sub.index("western Kazakhstan") < sub.index("Arrest of Nazarbayev")


def test_a_sub_event_says_what_it_is_part_of(module_client: FlaskClient) -> None:
    card = text_of(html(module_client, "/page/id/event/arrest-of-nazarbayev-allies"))
    assert "Part of January 2022 unrest in Kazakhstan" in card
    assert "Kassym-Jomart Tokayev ordered by" in card  # participant, role


def test_a_person_page_shows_roles_over_time_events_and_claims(module_client: FlaskClient) -> None:
    body = html(module_client, f"/page/{TOKAYEV}")
    # rows without the article's passages, which each row shows beside its relation or event
    unquoted = re.sub(r'<div class="evidence.*?</div>', " ", body, flags=re.S)
    roles = text_of(unquoted[unquoted.index('id="roles-h"'):unquoted.index('id="events-h"')])
    assert "2019 Kassym-Jomart Tokayev, President of Kazakhstan (2019–) (office holding) holder" \
        in roles
    assert "Tokayev appoints Alichan Smailov prime minister (appointment) appointed by" in roles
    assert "between 3 and 9 January 2022" in roles  # the power struggle
    events = text_of(unquoted[unquoted.index('id="events-h"'):unquoted.index('id="claims-h"')])
    assert "Arrest of Nazarbayev's allies ordered by" in events
    claims = text_of(body[body.index('id="claims-h"'):body.index('id="statements-h"')])
    assert "Claims and figures stated by this" in claims
    assert "Tokayev: the unrest was a coup attempt" in claims
    assert "Claims and figures about this" in claims


def test_an_office_page_shows_who_held_it_when(module_client: FlaskClient) -> None:
    roles = text_of(html(module_client, "/page/id/office/president-of-kazakhstan"))
    assert "until 2019" in roles or "2019" in roles
    assert "Nursultan Nazarbayev" in roles and "Kassym-Jomart Tokayev" in roles


def test_a_claim_page_says_who_where_when_and_its_status(module_client: FlaskClient) -> None:
    body = html(module_client, "/page/id/claim/tokayev-coup-attempt")
    card = body[body.index('id="claim-h"'):body.index('id="statements-h"')]
    assert 'class="status status-disputed"' in card
    assert 'class="status status-official-statement"' in card
    facts = text_of(card)
    assert "Who states it Kassym-Jomart Tokayev" in facts
    assert "When between 2 and 15 January 2022" in facts
    assert "Where it is stated NRC article of 15 January 2022" in facts
    assert "Disputed by Zhovtis believes little of the official story" in facts
    assert '<blockquote lang="en"' in card and "coup attempt" in card


def test_a_figure_page_shows_its_value_and_what_it_counts(module_client: FlaskClient) -> None:
    card = text_of(html(module_client, "/page/id/figure/government-killed"))
    assert "exact 146 killed" in card
    assert "Broken down into" in card
    assert "Who states it Government of Kazakhstan" in card


def passages_in(fragment: str) -> list[str]:
    """The passages of the article a piece of page shows, as text."""
    return [text_of(p).strip() for p in re.findall(
        r'<figure class="passage">\s*<blockquote[^>]*>(.*?)</blockquote>', fragment, re.S)]


def occurs_in_article(passage: str) -> bool:
    return normalised(passage) in normalised(article_text())


def test_an_event_page_shows_what_the_article_says(module_client: FlaskClient) -> None:
    body = html(module_client, "/page/id/event/omirbek-arrested")
    card = body[body.index('id="event-h"'):body.index("</section>", body.index('id="event-h"'))]
    assert "The article says:" in text_of(card)
    found = passages_in(card)
    assert found and all(occurs_in_article(p) for p in found)
    assert any("Omirbek was also arrested" in p for p in found)
    # each passage cites the source it is taken from, and links to its page
    assert 'cite="https://w3id.org/qantar/id/source/nrc-2022-01-15-kazakhstan-en"' in card
    assert '<cite><a href="/page/id/source/nrc-2022-01-15-kazakhstan-en"' in card


def test_a_claim_page_keeps_the_claimants_quote_apart_from_what_the_article_says(
    module_client: FlaskClient,
) -> None:
    body = html(module_client, "/page/id/claim/tokayev-fight-to-the-end")
    card = body[body.index('id="claim-h"'):body.index('id="statements-h"')]
    quote = re.search(r'<figure class="quote"[^>]*>(.*?)</figure>', card, re.S)
    evidence = re.search(r'<div class="evidence">(.*?)</div>', card, re.S)
    assert quote and evidence
    # the claimant's own words, signed by the claimant, outside the article's passages
    assert "The battle must be fought to the end." in text_of(quote.group(1))
    assert "— Kassym-Jomart Tokayev" in text_of(quote.group(1))
    assert quote.end() <= evidence.start() or evidence.end() <= quote.start()
    # the article's own words, introduced as such, verbatim
    assert text_of(evidence.group(1)).strip().startswith("The article says:")
    found = passages_in(evidence.group(1))
    assert found and all(occurs_in_article(p) for p in found)
    assert any("Tokajev spoke of a foreign terror attack" in p for p in found)


def test_passages_show_as_passages_in_the_statements_table_not_as_blank_nodes(
    module_client: FlaskClient,
) -> None:
    body = html(module_client, "/page/id/event/omirbek-arrested")
    table = body[body.index('id="statements-h"'):body.index('id="links-h"')]
    row = table[table.index('href="/ontology#evidence"'):]
    row = row[:row.index("</tbody>")]
    assert "(unnamed node)" not in row and "_:" not in row
    assert any("Omirbek was also arrested" in p for p in passages_in(row))


def test_statements_listed_on_other_pages_show_their_passages(module_client: FlaskClient) -> None:
    body = html(module_client, f"/page/{TOKAYEV}")
    roles = body[body.index('id="roles-h"'):body.index('id="events-h"')]
    assert "fierce power struggle broke out" in " ".join(passages_in(roles))
    claims = body[body.index('id="claims-h"'):body.index('id="statements-h"')]
    assert "The article says:" in text_of(claims)
    assert all(occurs_in_article(p) for p in passages_in(claims))


def test_a_relayed_claim_says_who_reports_it_and_the_relay_what_it_relays(
    module_client: FlaskClient,
) -> None:
    relayed = html(module_client, "/page/id/claim/tokayev-journalists-complicit")
    facts = text_of(relayed[relayed.index('id="claim-h"'):relayed.index('id="statements-h"')])
    assert "Reported by Darchan Omirbek , in Omirbek: President Tokayev said that journalists " \
        "are complicit" in facts
    relay = html(module_client, "/page/id/claim/omirbek-relays-tokayev-on-journalists")
    card = relay[relay.index('id="claim-h"'):relay.index('id="statements-h"')]
    assert "Relays what another said Tokayev: journalists are complicit and incited the crowd" \
        in text_of(card)
    assert 'href="/page/id/claim/tokayev-journalists-complicit"' in card


def test_the_data_of_a_statement_carries_its_passages(module_client: FlaskClient) -> None:
    graph = Graph().parse(data=module_client.get("/data/id/event/omirbek-arrested.ttl").get_data(),
                          format="turtle")
    event = URIRef(BASE + "id/event/omirbek-arrested")
    exact = [str(text) for passage in graph.objects(event, QANTAR.evidence)
             for selector in graph.objects(passage, OA.hasSelector)
             for text in graph.objects(selector, OA.exact)]
    assert any("Omirbek was also arrested" in text for text in exact)
    twin = jsonld_of(html(module_client, "/page/id/event/omirbek-arrested"))
    assert any("Omirbek was also arrested" in q["text"] for q in twin["subjectOf"])


def test_claim_lists_show_statuses_at_a_glance(module_client: FlaskClient) -> None:
    body = html(module_client, "/page/id/person/misja")
    claims = body[body.index('id="claims-h"'):body.index('id="statements-h"')]
    assert 'status-testimony' in claims and 'status-unverified' in claims


def test_what_links_here_is_grouped_by_property(module_client: FlaskClient) -> None:
    body = html(module_client, f"/page/{TOKAYEV}")
    links = body[body.index('id="links-h"'):]
    assert 'Has this as <a href="/ontology#claimant">claimant</a>' in links
    # a participation (blank node) is shown through its event
    assert "Arrest of Nazarbayev&#39;s allies" in links and "through its participation" in links


def test_what_links_here_paginates_on_big_entities(module_client: FlaskClient) -> None:
    source = "id/source/nrc-2022-01-15-kazakhstan"
    first = html(module_client, f"/page/{source}")
    total = int(re.search(r"([\d,]+) statements point here", first).group(1).replace(",", ""))
    assert total > 50
    assert "Page 1 of 2" in first or "Page 1 of 3" in first
    assert len(re.findall(r'<ul class="incoming">.*?</ul>', first, re.S)) >= 1
    items = lambda body: re.findall(r"<li>.*?</li>", body[body.index('id="links-h"'):],  # noqa: E731
                                    re.S)
    second = html(module_client, f"/page/{source}?page=2")
    assert items(first) != items(second)
    assert 'rel="prev"' in second


def test_the_page_embeds_schema_org_json_ld(module_client: FlaskClient) -> None:
    person = jsonld_of(html(module_client, f"/page/{TOKAYEV}"))
    assert person["@context"] == "https://schema.org"
    assert person["@type"] == "Person"
    assert person["@id"] == BASE + TOKAYEV
    assert "https://www.wikidata.org/wiki/Q200881" in person["sameAs"]
    assert "Tokajev" in person["alternateName"]
    event = jsonld_of(html(module_client, f"/page/{UNREST}"))
    assert event["@type"] == "Event"
    assert event["startDate"] == "2022-01-02"
    assert {"@type": "Place", "@id": BASE + "id/place/kazakhstan", "name": "Kazakhstan"} \
        in event["location"]
    claim = jsonld_of(html(module_client, "/page/id/claim/tokayev-coup-attempt"))
    assert claim["@type"] == "Claim"
    assert claim["author"][0]["name"] == "Kassym-Jomart Tokayev"
    assert claim["text"] == "coup attempt"


def test_pages_use_semantic_accessible_html(module_client: FlaskClient) -> None:
    body = html(module_client, f"/page/{TOKAYEV}")
    assert body.startswith("<!doctype html>")
    assert '<html lang="en">' in body
    for landmark in ("<header", "<nav", '<main id="main">', "<footer", 'role="search"'):
        assert landmark in body
    assert body.count("<h1") == 1
    assert 'href="/assets/qantar.css"' in body
    assert "http://" not in re.sub(r'(href|cite)="http[^"]*"|<code>[^<]*</code>|'
                                   r'<script type="application/ld\+json">.*?</script>', "",
                                   body.split("<main", 1)[0], flags=re.S)  # no CDN


def test_the_stylesheet_and_script_are_served_by_us(module_client: FlaskClient) -> None:
    for asset in ("/assets/qantar.css", "/assets/search.js"):
        response = module_client.get(asset)
        assert response.status_code == 200
        assert len(response.data) < 16_000  # one small stylesheet, one small script


def test_pages_forbid_scripts_from_elsewhere(module_client: FlaskClient) -> None:
    response = module_client.get(f"/page/{TOKAYEV}")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy


# --- views ---------------------------------------------------------------------------------


def test_home_says_what_the_graph_is_with_counts_and_entry_points(
    module_client: FlaskClient,
) -> None:
    body = html(module_client, "/")
    visible = text_of(body)
    assert "January 2022 unrest in Kazakhstan" in visible
    for entry in ("People", "Organisations", "Events", "Claims", "Power relations", "Timeline"):
        assert entry in visible
    assert re.search(r"21 Events", visible)
    assert re.search(r"15 Power relations", visible)
    assert 'href="/classes/qantar:Person"' in body and 'href="/timeline"' in body
    assert "Editorial additions" in visible


def test_the_class_index_counts_instances(module_client: FlaskClient) -> None:
    body = html(module_client, "/classes")
    row = re.search(r'<a href="/classes/qantar:Person">person</a>.*?</tr>', body, re.S).group(0)
    numbers = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)]
    assert numbers[1] > numbers[0] > 0  # pseudonymous witnesses are persons too
    assert 'href="/classes/qantar:PowerRelation"' in body


def test_a_class_page_lists_its_instances_with_subclasses(module_client: FlaskClient) -> None:
    body = html(module_client, "/classes/qantar:Person")
    assert "Masja" in body and "Kassym-Jomart Tokayev" in body  # a witness and a person
    assert 'href="/classes/qantar:PseudonymousWitness"' in body
    assert 'href="/ontology#Person"' in body


def test_a_class_page_paginates(tmp_path: Path, bundle_store_template: Path) -> None:
    app = make_app(copy_store(bundle_store_template, tmp_path / "store"), QANTAR_PAGE_SIZE="5")
    try:
        client = app.test_client()
        first = html(client, "/classes/qantar:Claim")
        assert "Page 1 of" in first
        assert len(re.findall(r"<tr><td>", first)) == 5
        last = re.search(r"Page 1 of (\d+)", first).group(1)
        assert 'rel="prev"' in html(client, f"/classes/qantar:Claim?page={last}")
    finally:
        app.extensions["qantar"].close()


@pytest.mark.parametrize("query", ["Tokayev", "toka", "TOKAYEV", "jomart", "Tokajev",
                                   "Тоқаев", "токаев", "Касым", "Tökayev", "kassym jomart"])
def test_search_finds_tokayev_by_prefix_substring_any_case_accent_or_spelling(
    module_client: FlaskClient, query: str
) -> None:
    body = html(module_client, f"/search?q={query}")
    first = re.search(r'<a class="hit" href="([^"]+)"', body)
    assert first and first.group(1) == f"/page/{TOKAYEV}", query


def test_search_matches_alternative_names_and_says_so(module_client: FlaskClient) -> None:
    body = html(module_client, "/search?q=Zjovtis")
    assert 'href="/page/id/person/yevgeny-zhovtis"' in body
    assert "also called “<span lang=\"en\">Zjovtis</span>”" in body


def test_search_says_when_nothing_matches(module_client: FlaskClient) -> None:
    assert "Nothing in the graph is called" in html(module_client, "/search?q=qwertyuiop")
    assert "Search names" in html(module_client, "/search")


def test_autocomplete_answers_json(module_client: FlaskClient) -> None:
    response = module_client.get("/search?q=alm", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Vary"] == "Accept"
    hits = response.get_json()
    assert 0 < len(hits) <= 10
    assert hits[0]["label"] == "Almaty"
    assert hits[0]["url"] == "/page/id/place/almaty"
    assert hits[0]["iri"] == BASE + "id/place/almaty"
    assert "city" in hits[0]["types"]


def test_folding_ignores_case_diacritics_and_punctuation() -> None:
    assert fold("Kassym-Jomart  TOKAYEV") == "kassym jomart tokayev"
    assert fold("Tökayev") == fold("Tokayev")
    assert fold("Қасым-Жомарт Тоқаев") == fold("Касым-Жомарт Токаев")


def timeline_groups(body: str) -> list[tuple[str, str, str, list[str]]]:
    """The timeline's groups: (class, heading markup, heading text, the IRIs of its events)."""
    groups = re.findall(r'<li class="day (\w+)"[^>]*>\s*<h2>(.*?)</h2>(.*?)</ul>', body, re.S)
    return [(kind, heading, text_of(heading).strip(),
             re.findall(r'<h3><a href="/page/(id/event/[^"]+)"', events))
            for kind, heading, events in groups]


def dated_events(client: FlaskClient) -> tuple[set[str], set[str]]:
    """The events with an exact begin, and those whose begin the article does not give."""
    query = """PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
        PREFIX qantar: <https://w3id.org/qantar/ontology#>
        SELECT ?e ?how WHERE {
          ?e a qantar:Event .
          { ?e sem:hasBeginTimeStamp ?t BIND("exact" AS ?how) }
          UNION { ?e qantar:beginDateUnknown true BIND("unknown" AS ?how) } }"""
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.get_json()["results"]["bindings"]
    found: dict[str, set[str]] = {"exact": set(), "unknown": set()}
    for row in rows:
        found[row["how"]["value"]].add(row["e"]["value"].removeprefix(BASE))
    return found["exact"], found["unknown"] - found["exact"]


def test_the_timeline_lists_events_in_date_order(module_client: FlaskClient) -> None:
    body = html(module_client, "/timeline")
    days = re.findall(r'<h2><time datetime="([\d-]+)">', body)
    assert days == sorted(days) and len(days) >= 3
    assert days[0] == "2022-01-02"
    events = re.findall(r'<li class="event">', body)
    assert len(events) == 21
    assert "Riots in Almaty, night of 5 to 6 January 2022" in body
    assert 'href="/page/id/place/almaty"' in body  # places are linked


def test_only_events_dated_to_the_day_are_listed_under_a_day(module_client: FlaskClient) -> None:
    exact, _ = dated_events(module_client)
    groups = timeline_groups(html(module_client, "/timeline"))
    assert sum(len(events) for *_, events in groups) == 21
    for kind, heading, _, events in groups:
        single_day = heading.startswith("<time")
        assert single_day == (kind == "day")
        assert single_day == all(e in exact for e in events), (heading, events)
    assert {e for kind, *_, events in groups if kind == "day" for e in events} == exact


def test_vague_dates_are_headed_by_their_bounds_after_the_day_they_begin_on(
    module_client: FlaskClient,
) -> None:
    groups = timeline_groups(html(module_client, "/timeline"))
    where = {e: (i, text) for i, (_, _, text, events) in enumerate(groups) for e in events}
    index, heading = where["id/event/mass-arrests"]
    assert heading == "Between 2 and 15 January 2022"
    assert groups[index][0] == "vague"
    day_2 = [i for i, (kind, _, text, _) in enumerate(groups) if text == "2 January 2022"]
    day_4 = [i for i, (kind, _, text, _) in enumerate(groups) if text == "4 January 2022"]
    assert day_2 and day_4 and day_2[0] < index < day_4[0]
    body = html(module_client, "/timeline")
    item = body[body.index('<h3><a href="/page/id/event/mass-arrests"'):]
    assert "between 2 and 15 January 2022" in text_of(item[:item.index("</li>")])


def test_events_without_a_date_say_so_and_come_last(module_client: FlaskClient) -> None:
    _, unknown = dated_events(module_client)
    assert unknown
    groups = timeline_groups(html(module_client, "/timeline"))
    kinds = [kind for kind, *_ in groups]
    first_undated = kinds.index("undated")
    assert set(kinds[first_undated:]) == {"undated"}
    for kind, _, text, events in groups:
        assert (kind == "undated") == any(e in unknown for e in events), (text, events)
        if kind == "undated":
            assert text.startswith("Date not given"), text
    where = {e: text for _, _, text, events in groups for e in events}
    assert where["id/event/girl-killed-in-car-almaty"] == \
        "Date not given, between 2 and 15 January 2022"
    body = html(module_client, "/timeline")
    for event in unknown:  # each says so on its own line too, never a bound as its date
        item = body[body.index(f'<h3><a href="/page/{event}"'):]
        when = re.search(r'<p class="when">(.*?)</p>', item, re.S).group(1)
        assert text_of(when).strip().startswith("date not given"), (event, when)
        assert "<time" not in when


def test_the_relations_picture_is_a_linked_network(module_client: FlaskClient) -> None:
    body = html(module_client, "/relations")
    svg = body[body.index("<svg"):body.index("</svg>")]
    assert f'<a href="/page/{TOKAYEV}" class="node">' in svg
    assert '<a href="/page/id/relation/tokayev-appoints-smailov" class="edge rel-Appointment">' \
        in svg
    assert 'marker-end="url(#arrow-Removal)"' in svg
    assert "<title>" in svg
    for kind in ("office holding", "appointment", "removal", "supervision", "force deployment",
                 "rivalry"):
        assert kind in body
    table = text_of(body[body.index('id="list-h"'):])
    assert "Vladimir Putin CSTO peacekeeping force in Kazakhstan" in table


def test_the_ontology_is_documented_from_its_graph(module_client: FlaskClient) -> None:
    body = html(module_client, "/ontology")
    person = body[body.index('id="Person"'):]
    person = person[:person.index("</article>")]
    assert "A human being named or described in a source." in person
    assert "schema:Person" in person and "foaf:Person" in person  # alignments
    assert 'href="/classes/qantar:Person"' in person  # usage count, linked
    holder = body[body.index('id="holder"'):]
    holder = text_of(holder[:holder.index("</article>")])
    assert "Subproperty of" in holder and "org:member" in holder
    assert re.search(r"Statements using it \d+", holder)
    assert 'id="skos:prefLabel"' in body
    assert "claim statuses" in body and "disputed" in body


@pytest.mark.parametrize("mime", RDF_TYPES)
def test_the_ontology_is_served_as_rdf_by_accept_and_by_extension(
    module_client: FlaskClient, mime: str
) -> None:
    ext, rdflib_format = RDF_TYPES[mime]
    negotiated = module_client.get("/ontology", headers={"Accept": mime})
    assert negotiated.mimetype == mime and negotiated.headers["Vary"] == "Accept"
    by_ext = module_client.get(f"/ontology.{ext}")
    assert by_ext.mimetype == mime
    data = Dataset()
    data.parse(data=by_ext.get_data(), format=rdflib_format)
    assert any(True for _ in data.quads((QANTAR.Person, RDF.type, OWL.Class, None)))


def test_views_have_their_stable_paths(module_app: Flask) -> None:
    rules = {r.rule for r in module_app.url_map.iter_rules() if r.endpoint.startswith("pages.")}
    assert {"/", "/classes", "/classes/<path:name>", "/search", "/timeline", "/relations",
            "/ontology", "/page/<path:path>", "/data/<path:path>", "/<path:path>"} <= rules
