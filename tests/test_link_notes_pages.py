"""A statement's page shows the links its passages do not name, with the words each is read from.

The editors' link notes (``qantar:LinkNote`` in the editorial graph) are on the page of the
statement they are about and in its JSON twin; the page of a link's target names the statement
behind the note rather than an unnamed node. Checked in process and on the real ``qantar serve``
(both backends).
"""

from __future__ import annotations

import json
import urllib.request

from flask.testing import FlaskClient

from tests.live import LiveServer

QANTAR = "https://w3id.org/qantar/ontology#"
ID = "https://w3id.org/qantar/id/"
WORDS = "Yevgeny Zhovtis believes little of the official story."


def _notes(twin: dict) -> list[dict]:
    return twin["entity"]["link_notes"]


def test_the_statements_page_shows_each_noted_link_with_its_words(client: FlaskClient) -> None:
    html = client.get("/page/id/claim/zhovtis-doubts-official-story").get_data(as_text=True)
    assert "Links the editors inferred" in html
    assert html.count(WORDS) >= 2  # one per disputed claim of the president
    assert "Tokayev: the unrest was a coup attempt" in html
    notes = _notes(client.get("/page/id/claim/zhovtis-doubts-official-story.json").get_json())
    disputed = {n["target"]["iri"] for n in notes if n["predicate"]["iri"] == QANTAR + "disputes"}
    assert disputed == {ID + "claim/tokayev-coup-attempt",
                        ID + "claim/tokayev-foreign-terror-attack"}
    assert all(n["words"] == [WORDS] and n["notes"] and
               n["graph"]["iri"] == "https://w3id.org/qantar/graph/editorial" for n in notes)


def test_a_noted_date_is_shown_as_a_date(client: FlaskClient) -> None:
    notes = _notes(client.get("/page/id/event/internet-shutdown.json").get_json())
    dates = {n["target"]["value"]: n["words"] for n in notes if "datatype" in n["target"]}
    assert dates["2022-01-03"] == ["The internet had already been shut down for two days"]
    assert "2022-01-02" in dates


def test_a_statement_without_noted_links_shows_none(client: FlaskClient) -> None:
    html = client.get("/page/id/event/almaty-riots-5-6-january").get_data(as_text=True)
    assert "Links the editors inferred" not in html
    assert _notes(client.get("/page/id/event/almaty-riots-5-6-january.json").get_json()) == []


def test_the_targets_page_names_the_statement_behind_the_note(client: FlaskClient) -> None:
    html = client.get("/page/id/group/detainees").get_data(as_text=True)
    assert "(unnamed node)" not in html
    assert "Zhovtis: no information on the detainees" in html and "through its link note" in html


def test_the_real_server_serves_the_noted_links(live_readonly: LiveServer) -> None:
    url = live_readonly.url + "/page/id/claim/tokayev-journalists-complicit.json"
    with urllib.request.urlopen(url, timeout=30) as response:
        notes = _notes(json.load(response))
    dates = sorted(n["target"]["value"] for n in notes)
    assert dates == ["2022-01-03", "2022-01-09"]
    assert {w for n in notes for w in n["words"]} == {"President Tokaev said last week"}
