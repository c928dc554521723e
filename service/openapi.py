"""``/openapi.json``: an OpenAPI 3 description of every route except the SPARQL endpoint.

The description is a data file (``openapi.json`` beside this module), kept by hand next to the
routes it describes; ``tests/test_fuzz.py`` checks it against the running service (every route
it names answers only the statuses and media types it lists, and never 500). ``/sparql`` has its
own standard description (SPARQL Service Description, ``GET /sparql``).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, jsonify, request

blueprint = Blueprint("openapi", __name__)

SPEC_FILE = Path(__file__).with_name("openapi.json")


@cache
def _spec() -> dict:
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


def description(server_url: str) -> dict:
    """The description with ``servers`` naming the service it was fetched from."""
    spec = copy.deepcopy(_spec())
    spec["servers"] = [{"url": server_url.rstrip("/") or "/"}]
    return spec


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return jsonify(description(request.host_url))
