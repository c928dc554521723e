"""The query page over real HTTP: its examples, its prefixes, its offline assets, its fallback."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from service.app import create_app
from service.config import Settings
from service.namespaces import PREFIXES
from service.query_ui import YASGUI_FILES, read_examples
from tests.live import LiveServer


def _get(url: str, accept: str = "*/*") -> tuple[int, str, bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept})) as r:
        return r.status, r.headers["Content-Type"], r.read()


def test_examples_are_the_30_competency_questions(live_readonly: LiveServer) -> None:
    status, ctype, body = _get(live_readonly.url + "/query/examples")
    examples = json.loads(body)
    assert (status, ctype) == (200, "application/json")
    queries = sorted((live_readonly.settings.queries_dir).glob("*.rq"))
    assert len(examples) == len(queries) == 30
    assert [e["id"] for e in examples] == [q.stem for q in queries]
    assert [e["query"] for e in examples] == [q.read_text(encoding="utf-8") for q in queries]
    first = examples[0]
    assert first["title"] == "Who held which office, and when?"
    assert first["description"].startswith("Office holdings with their start and end")
    assert all(e["title"] and not e["title"].startswith("#") for e in examples)


def test_a_two_line_description_is_joined_and_stops_at_the_query(tmp_path: Path) -> None:
    (tmp_path / "b.rq").write_text("# Question: Second?\nSELECT * {}\n", encoding="utf-8")
    (tmp_path / "a.rq").write_text(
        "# Question: First?\n# One line,\n# and another.\nPREFIX x: <y:>\n# not this\nASK {}\n",
        encoding="utf-8")
    (tmp_path / "c.rq").write_text("SELECT * {}\n", encoding="utf-8")
    examples = read_examples(tmp_path)
    assert [(e.id, e.title, e.description) for e in examples] == [
        ("a", "First?", "One line, and another."), ("b", "Second?", ""), ("c", "c", "")]


def test_prefixes_are_the_projects(live_readonly: LiveServer) -> None:
    _, _, body = _get(live_readonly.url + "/query/prefixes.json")
    assert json.loads(body) == PREFIXES


def test_the_page_loads_only_its_own_assets(live_readonly: LiveServer) -> None:
    status, ctype, body = _get(live_readonly.url + "/query", "text/html")
    html = body.decode()
    assert status == 200 and ctype.startswith("text/html")
    # what the page loads: scripts, images, stylesheets and icons (not the links a reader may
    # follow, such as the footer's licence, which the site header and footer carry)
    sources = re.findall(r'src="([^"]+)"|<link [^>]*href="([^"]+)"', html)
    sources = [src or href for src, href in sources]
    assert "/static/yasgui/yasgui.min.js" in sources
    assert "/static/yasgui/yasgui.min.css" in sources
    assert not [s for s in sources if "//" in s], "the page must not load anything off-site"
    for asset in sources:
        asset_status, _, asset_body = _get(live_readonly.url + asset)
        assert asset_status == 200 and asset_body
    config = json.loads(re.search(r'id="qantar-config">(.*?)</script>', html, re.S)[1])
    assert config["endpoint"] == "/sparql"
    assert config["baseIri"] == live_readonly.settings.base_iri
    assert config["prefixMap"] == PREFIXES


def test_a_browser_asking_the_endpoint_without_a_query_lands_on_the_page(
    live_readonly: LiveServer,
) -> None:
    status, ctype, body = _get(live_readonly.sparql, "text/html,application/xhtml+xml,*/*;q=0.8")
    assert status == 200 and ctype.startswith("text/html")
    assert b'id="yasgui"' in body


@pytest.mark.parametrize("missing", YASGUI_FILES)
def test_without_the_built_yasgui_the_page_says_how_to_build_it(
    settings: Settings, tmp_path: Path, missing: str
) -> None:
    app = create_app(settings)
    try:
        static = tmp_path / "static"
        (static / "yasgui").mkdir(parents=True)
        for name in YASGUI_FILES:
            if name != missing:
                (static / "yasgui" / name).write_text("/* built */", encoding="utf-8")
        app.static_folder = str(static)
        response = app.test_client().get("/query")
        assert response.status_code == 503
        assert f"service/static/yasgui/{missing}" in response.get_data(as_text=True)
        assert "make ui" in response.get_data(as_text=True)
    finally:
        app.extensions["qantar"].close()
