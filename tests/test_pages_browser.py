"""A researcher's walk through the pages in headless Chromium, with a screenshot at each step.

Home, a search for "Tokayev", his page, one of his power relations, an event, the timeline and
the picture of the power relations; a claim whose quote and the article's passage look unlike;
everything from our own server (offline), no script errors, and readable with JavaScript
switched off. Screenshots: ``test-artifacts/pages-*.png``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import offsite_requests, page_errors, screenshot
from tests.live import LiveServer

pytestmark = pytest.mark.slow


def _step(page: Page, name: str) -> None:
    screenshot(page, f"pages-{name}")
    assert page_errors(page) == []
    assert offsite_requests(page) == []


def test_a_researcher_walks_from_home_to_the_power_relations(
    browser_page: Page, live_readonly: LiveServer
) -> None:
    page = browser_page
    page.goto(live_readonly.url + "/")
    expect(page.locator("h1")).to_have_text("Qantar")
    expect(page.locator(".entry-points")).to_contain_text("People")
    _step(page, "01-home")

    # search "Tokayev": the autocomplete offers him while typing, the search page lists him first
    page.fill("#site-q", "Tokay")
    expect(page.locator("#site-q-names option").first).to_have_attribute(
        "value", "Kassym-Jomart Tokayev")
    page.fill("#site-q", "Tokayev")
    page.press("#site-q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=Tokayev"))
    expect(page.locator("a.hit").first).to_have_text("Kassym-Jomart Tokayev")
    _step(page, "02-search")

    # the entity page
    page.locator("a.hit").first.click()
    page.wait_for_url(re.compile(r"/page/id/person/kassym-jomart-tokayev$"))
    expect(page.locator("h1")).to_have_text("Kassym-Jomart Tokayev")
    expect(page.locator("#roles-h")).to_be_visible()
    expect(page.locator(".names")).to_contain_text("Қасым-Жомарт Тоқаев")
    _step(page, "03-entity")

    # one of his power relations
    page.get_by_role("link", name="Tokayev appoints Alichan Smailov prime minister").first.click()
    page.wait_for_url(re.compile(r"/page/id/relation/tokayev-appoints-smailov$"))
    expect(page.locator(".relation-line")).to_contain_text("Alichan Smailov")
    _step(page, "04-relation")

    # an event he took part in
    page.go_back()
    page.get_by_role("link", name="Arrest of Nazarbayev's allies").first.click()
    page.wait_for_url(re.compile(r"/page/id/event/arrest-of-nazarbayev-allies$"))
    expect(page.locator("#event-h")).to_have_text("What happened")
    expect(page.locator(".event-card")).to_contain_text("ordered by")
    _step(page, "05-event")

    # the timeline
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Timeline").click()
    page.wait_for_url(re.compile(r"/timeline$"))
    expect(page.locator("li.event")).to_have_count(21)
    _step(page, "06-timeline")

    # the picture of the power relations: its boxes lead to the pages of their nodes
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Power relations").click()
    page.wait_for_url(re.compile(r"/relations$"))
    network = page.locator("figure.network svg")
    expect(network).to_be_visible()
    box = network.locator("a.node", has_text="Vladimir Putin")
    assert box.bounding_box()["width"] > 40  # drawn, not just present
    _step(page, "07-relations")
    box.click()
    page.wait_for_url(re.compile(r"/page/id/person/vladimir-putin$"))
    expect(page.locator("h1")).to_have_text("Vladimir Putin")
    _step(page, "08-relations-node")


def test_a_claim_shows_its_status_at_a_glance(browser_page: Page,
                                              live_readonly: LiveServer) -> None:
    page = browser_page
    page.goto(live_readonly.url + "/id/claim/tokayev-coup-attempt")
    badge = page.locator(".verdict .status-disputed")
    expect(badge).to_have_text("disputed")
    colour = badge.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")  # the stylesheet is applied
    _step(page, "09-claim")


def test_the_articles_words_look_unlike_the_claimants_quote(browser_page: Page,
                                                           live_readonly: LiveServer) -> None:
    page = browser_page
    page.goto(live_readonly.url + "/id/claim/tokayev-fight-to-the-end")
    card = page.locator(".claim-card")
    quote = card.locator("figure.quote blockquote")
    passage = card.locator(".evidence figure.passage blockquote").first
    expect(card.locator(".evidence-lead")).to_have_text("The article says:")
    expect(quote).to_be_visible()
    expect(passage).to_be_visible()
    look = ("e => { const s = getComputedStyle(e); const mark = getComputedStyle("
            "e.querySelector('p'), '::before').content; return [s.fontFamily, "
            "s.backgroundColor, s.borderLeftStyle, mark]; }")
    quote_look, passage_look = quote.evaluate(look), passage.evaluate(look)
    assert all(a != b for a, b in zip(quote_look, passage_look, strict=True)), \
        (quote_look, passage_look)
    assert passage_look[3] in ("none", "normal")  # no quotation marks added around a passage
    _step(page, "11-quote-and-passage")


def test_pages_read_without_javascript(chromium_browser: Browser,
                                       live_readonly: LiveServer) -> None:
    context = chromium_browser.new_context(java_script_enabled=False,
                                           viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_readonly.url + "/id/event/january-2022-unrest")
        expect(page.locator("h1")).to_have_text("January 2022 unrest in Kazakhstan")
        expect(page.locator(".event-card")).to_contain_text("Who took part")
        page.goto(live_readonly.url + "/search?q=almaty")
        expect(page.locator("a.hit").first).to_have_text("Almaty")
        screenshot(page, "pages-10-no-javascript")
    finally:
        context.close()
