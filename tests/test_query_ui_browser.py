"""The query UI in headless Chromium: pick a competency question, run it, follow its results."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.browser import offsite_requests, page_errors, screenshot
from tests.live import LiveServer

pytestmark = pytest.mark.slow

QUESTION = "05-who-works-for-rfe-rl"
PERSON = "/id/person/darkhan-omirbek"


def test_run_a_competency_question_and_follow_its_results(
    browser_page: Page, live_readonly: LiveServer
) -> None:
    page = browser_page
    page.goto(live_readonly.url + "/query")
    picker = page.locator("#examples")
    expect(picker).to_be_enabled()
    expect(picker.locator("option")).to_have_count(31)  # the prompt and 30 questions

    picker.select_option(QUESTION)
    tab = page.locator(".tabPanel.active")
    expect(page.locator(".tabsList .tab.active")).to_contain_text("Who works for RFE/RL")
    expect(tab.locator(".CodeMirror")).to_contain_text("orgn:rfe-rl")
    tab.locator(".yasqe_queryButton").click()

    table = tab.locator(".yasr table.dataTable")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first).to_contain_text("Darchan Omirbek")
    entity = table.locator(f'a[href="{live_readonly.url}{PERSON}"]').first
    expect(entity).to_be_visible()
    assert entity.get_attribute("title") == live_readonly.settings.base_iri + PERSON[1:]
    entity_page = urllib.request.Request(live_readonly.url + PERSON,
                                         headers={"Accept": "text/html"})
    with urllib.request.urlopen(entity_page) as response:  # the entity page (after its 303)
        assert response.status == 200 and "Darchan Omirbek" in response.read().decode()

    csv_link = page.locator('#download-links a[data-format="csv"]')
    expect(csv_link).to_be_visible()
    formats = page.locator("#download-links a").evaluate_all(
        "links => links.map(a => a.dataset.format)")
    assert formats == ["json", "xml", "csv", "tsv"]
    screenshot(page, "query-ui-results")

    href = csv_link.get_attribute("href")
    parsed = urllib.parse.urlsplit(href)
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == live_readonly.sparql
    query = urllib.parse.parse_qs(parsed.query)
    expected = (live_readonly.settings.queries_dir / f"{QUESTION}.rq").read_text(encoding="utf-8")
    assert query["format"] == ["csv"] and query["query"] == [expected]
    with urllib.request.urlopen(href) as response:
        assert response.headers["Content-Type"].startswith("text/csv")
        body = response.read().decode()
    assert body.startswith("person,personLabel,")
    assert "https://w3id.org/qantar/id/person/darkhan-omirbek,Darchan Omirbek" in body

    assert offsite_requests(page) == []
    assert page_errors(page) == []


def test_a_construct_query_offers_rdf_downloads(
    browser_page: Page, live_readonly: LiveServer
) -> None:
    page = browser_page
    page.goto(live_readonly.url + "/query")
    editor = page.locator(".tabPanel.active .CodeMirror")
    expect(editor).to_be_visible()
    page.evaluate("""() => { window.qantarYasgui.getTab().setQuery(
        'CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5'); }""")
    links = page.locator("#download-links a")
    expect(links).to_have_count(4)
    assert links.evaluate_all("links => links.map(a => a.dataset.format)") == [
        "turtle", "ntriples", "jsonld", "rdfxml"]
    assert links.evaluate_all("links => links.map(a => a.download)") == [
        "qantar-results.ttl", "qantar-results.nt", "qantar-results.jsonld", "qantar-results.rdf"]
    href = links.first.get_attribute("href")
    with urllib.request.urlopen(href) as response:
        assert response.headers["Content-Type"].startswith("text/turtle")
    assert offsite_requests(page) == []
    assert page_errors(page) == []


def test_prefix_help_offers_and_adds_the_projects_prefixes(
    browser_page: Page, live_readonly: LiveServer
) -> None:
    page = browser_page
    page.goto(live_readonly.url + "/query")
    editor = page.locator(".tabPanel.active .CodeMirror")
    expect(editor).to_be_visible()
    page.evaluate("() => { window.qantarYasgui.getTab().setQuery(''); }")
    editor.click()

    page.keyboard.type("PREFIX sk")
    hints = page.locator(".CodeMirror-hints li")
    expect(hints.first).to_contain_text("skos: <http://www.w3.org/2004/02/skos/core#>")
    page.keyboard.press("Escape")

    page.evaluate("() => { window.qantarYasgui.getTab().setQuery(''); }")
    editor.click()
    page.keyboard.type("SELECT * WHERE { ?s a qantar:")
    expect(editor).to_contain_text("PREFIX qantar: <https://w3id.org/qantar/ontology#>")
    assert offsite_requests(page) == []
    assert page_errors(page) == []


def test_a_query_saved_from_the_editor_opens_at_its_permalink_and_back_in_the_editor(
    browser_page: Page, live_writable: LiveServer
) -> None:
    page = browser_page
    page.goto(live_writable.url + "/query")
    picker = page.locator("#examples")
    expect(picker).to_be_enabled()
    picker.select_option(QUESTION)
    expect(page.locator(".tabPanel.active .CodeMirror")).to_contain_text("orgn:rfe-rl")
    page.locator("#save-query").click()  # no token: saving a query is not writing data
    link = page.locator("#permalink-link")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href is not None and href.startswith(live_writable.url + "/queries/")

    page.goto(href)
    expect(page.locator("h1")).to_contain_text("Saved query")
    expect(page.locator("#changed-since")).to_contain_text("every graph is as it was")
    expect(page.locator("table.list tbody tr").first).to_contain_text("Darchan Omirbek")
    screenshot(page, "saved-query")
    page.get_by_role("link", name="query editor").click()  # YASGUI reads #query= itself
    # in a tab of its own (not the question's tab, which the editor kept)
    expect(page.locator(".tabsList .tab.active")).not_to_contain_text("Who works")
    expect(page.locator(".tabPanel.active .CodeMirror")).to_contain_text("orgn:rfe-rl")

    assert offsite_requests(page) == []
    assert page_errors(page) == []


def test_a_read_only_service_offers_no_permalink(
    browser_page: Page, live_readonly: LiveServer
) -> None:
    page = browser_page
    page.goto(live_readonly.url + "/query")
    expect(page.locator("#examples")).to_be_enabled()
    expect(page.locator("#save-query")).to_be_hidden()
