"""Every view in headless Chromium, as a new user meets it: no script or console error, no
subrequest that fails (a missing favicon included), a screenshot each
(``test-artifacts/views-*.png``); the picture of the power relations with no label on another,
the ontology page of a readable length, and the query UI's simple view.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import offsite_requests, page_errors, screenshot
from tests.live import LiveServer

pytestmark = pytest.mark.slow

#: Every HTML view, by the name its screenshot gets.
VIEWS = {
    "home": "/",
    "classes": "/classes",
    "class": "/classes/qantar:Agent",
    "timeline": "/timeline",
    "relations": "/relations",
    "conflicts": "/conflicts",
    "graphs": "/graphs",
    "ontology": "/ontology",
    "search": "/search?q=Tokayev",
    "person": "/page/id/person/kassym-jomart-tokayev",
    "claim": "/page/id/claim/tokayev-coup-attempt",
    "query": "/query",
}
#: The ontology page was 25,000 px tall with every term unfolded (issue 16); folded, about 11,500.
ONTOLOGY_MAX_HEIGHT = 14_000


def visit(page: Page, url: str) -> tuple[list[str], list[str]]:
    """Open ``url``; the console errors and the failed requests (status >= 400) it caused."""
    console: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
    page.goto(url, wait_until="networkidle")
    return console, failed


@pytest.mark.parametrize("name", VIEWS)
def test_every_view_loads_cleanly(browser_page: Page, live_readonly: LiveServer,
                                  name: str) -> None:
    page = browser_page
    console, failed = visit(page, live_readonly.url + VIEWS[name])
    expect(page.locator("header.site nav")).to_be_visible()  # the way to every other view
    nav = page.get_by_role("navigation", name="Main")
    for link in ("Home", "Conflicts", "Graphs", "Ontology", "SPARQL query"):
        expect(nav.get_by_role("link", name=link, exact=True)).to_be_visible()
    if name != "query":
        twin = page.locator('link[rel="alternate"][type="application/json"]')
        expect(twin).to_have_count(1)
    screenshot(page, f"views-{name}")
    assert console == [] and failed == []
    assert page_errors(page) == [] and offsite_requests(page) == []
    # the icon the page names is there (a browser asks for it once per site, so ``failed`` may
    # not see it on every page)
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    answer = page.request.get(live_readonly.url + icon)
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml")


def test_the_power_relations_labels_do_not_overlap(browser_page: Page,
                                                   live_readonly: LiveServer) -> None:
    page = browser_page
    visit(page, live_readonly.url + "/relations")
    boxes = page.evaluate("""() => Array.from(document.querySelectorAll(
        'figure.network .edge text, figure.network .node rect')).map(el => {
          const r = el.getBoundingClientRect();
          return {what: el.textContent || el.parentNode.textContent.trim(),
                  left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })""")
    assert len(boxes) > 30
    labels = [b for b in boxes if b["what"] and b["right"] - b["left"] > 0]
    overlaps = [(a["what"], b["what"]) for i, a in enumerate(labels) for b in labels[i + 1:]
                if min(a["right"], b["right"]) > max(a["left"], b["left"])
                and min(a["bottom"], b["bottom"]) > max(a["top"], b["top"])]
    assert overlaps == []
    cluster = page.locator("figure.network").screenshot()
    assert cluster  # the picture itself, for the eye: test-artifacts/ keeps the full page
    expect(page.locator("figure.network a.node", has_text="Nursultan Nazarbayev")).to_be_visible()


def test_the_ontology_page_is_folded_and_counts_subclasses(browser_page: Page,
                                                          live_readonly: LiveServer) -> None:
    page = browser_page
    visit(page, live_readonly.url + "/ontology")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < ONTOLOGY_MAX_HEIGHT, height
    agent = page.locator("details.term", has=page.locator("#Agent"))
    expect(agent.locator("summary")).not_to_contain_text("· 0 instances")
    # a link to a term opens its folded details
    page.goto(live_readonly.url + "/ontology#Person")
    expect(page.locator("#Person")).to_be_visible()
    expect(page.locator("#Person")).to_contain_text("A human being")


def test_the_query_ui_shows_plain_values(browser_page: Page, live_readonly: LiveServer) -> None:
    page = browser_page
    page.goto(live_readonly.url + "/query")
    expect(page.locator(".tabPanel.active .CodeMirror")).to_be_visible()
    page.evaluate("""() => { window.qantarYasgui.getTab().setQuery(
        'SELECT ?n WHERE { BIND(2000 AS ?n) }'); }""")
    tab = page.locator(".tabPanel.active")
    tab.locator(".yasqe_queryButton").click()
    cell = tab.locator(".yasr table.dataTable tbody td").first  # (no row numbers when simple)
    expect(cell).to_have_text("2000", timeout=30_000)
    assert "xsd:integer" not in tab.locator(".yasr table.dataTable").inner_text()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page.locator("h1")).to_have_text("Qantar")
    assert page_errors(page) == [] and offsite_requests(page) == []
