"""``/query``: the query page (YASGUI served from our own static files), its examples and prefixes.

YASGUI's files are build output of ``make ui`` (npm, from ``ui/``), copied into
``service/static/yasgui/``; without them the page says how to build them instead of failing
obscurely, and nothing is ever loaded from a CDN.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, url_for

from service.errors import Unavailable
from service.formats import CSV, JSON_LD, N_TRIPLES, RDF_XML, SPARQL_JSON, SPARQL_XML, TSV, TURTLE
from service.namespaces import PREFIXES
from service.state import qantar

blueprint = Blueprint("query_ui", __name__)

#: The files ``make ui`` copies out of ``ui/node_modules``; the page needs both.
YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css")

#: The media types offered as downloads, by kind of query (``format=`` names of /sparql).
RESULT_DOWNLOADS = (("JSON", SPARQL_JSON.short_name), ("XML", SPARQL_XML.short_name),
                    ("CSV", CSV.short_name), ("TSV", TSV.short_name))
GRAPH_DOWNLOADS = tuple((f.name, f.short_name) for f in (TURTLE, N_TRIPLES, JSON_LD, RDF_XML))

_QUESTION = re.compile(r"^#\s*Question:\s*(?P<title>.+?)\s*$")
_COMMENT = re.compile(r"^#\s?(?P<text>.*?)\s*$")


@dataclass(frozen=True)
class Example:
    """One competency question from ``queries/``, offered as an example query."""

    id: str
    title: str
    description: str
    query: str


def read_examples(queries_dir: Path) -> list[Example]:
    """The ``queries/*.rq`` files in name order, titled by their ``# Question:`` header.

    The comment lines after the question (up to the first non-comment line) are its description.
    """
    examples = []
    for path in sorted(queries_dir.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title, description = _header(text.splitlines())
        examples.append(Example(path.stem, title or path.stem, description, text))
    return examples


def _header(lines: list[str]) -> tuple[str, str]:
    title, description = "", []
    for line in lines:
        question = _QUESTION.match(line)
        if question and not title:
            title = question["title"]
            continue
        comment = _COMMENT.match(line)
        if not comment:
            break
        if title:
            description.append(comment["text"])
    return title, " ".join(d for d in description if d)


def yasgui_dir() -> Path:
    return Path(current_app.static_folder) / "yasgui"


def missing_yasgui_files() -> list[str]:
    return [name for name in YASGUI_FILES if not (yasgui_dir() / name).is_file()]


@blueprint.route("/query")
def page() -> str:
    """The query page; a 503 naming the missing files and the command when YASGUI is not built."""
    missing = missing_yasgui_files()
    if missing:
        message = (
            "The query UI is not built: missing "
            + ", ".join(f"service/static/yasgui/{name}" for name in missing)
            + ".\nRun `make ui` (npm ci in ui/ and a copy of YASGUI's files), "
            "or `make serve`, which does it.\n"
        )
        raise Unavailable(message)
    settings = qantar().settings
    return render_template(
        "query_ui.html",
        config={
            "endpoint": url_for("sparql.sparql"),
            "examples": url_for("query_ui.examples"),
            "prefixes": url_for("query_ui.prefixes"),
            "prefixMap": PREFIXES,
            "baseIri": settings.base_iri,
            "localRoot": url_for("query_ui.page").removesuffix("/query") + "/",
            "resultDownloads": RESULT_DOWNLOADS,
            "graphDownloads": GRAPH_DOWNLOADS,
            # where permalinks are saved, when this service saves them
            "savedQueries": (url_for("saved_queries.create")
                             if not settings.read_only and settings.saved_queries else None),
        },
    )


@blueprint.route("/query/examples")
def examples() -> Response:
    """The competency questions as JSON: ``[{id, title, description, query}, ...]``."""
    return jsonify([asdict(e) for e in read_examples(qantar().settings.queries_dir)])


@blueprint.route("/query/prefixes.json")
def prefixes() -> Response:
    """The project's prefixes as ``{prefix: namespace}``, the shape YASQE's prefix helper reads."""
    return jsonify(PREFIXES)
