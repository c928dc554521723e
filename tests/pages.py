"""What the tests of the pages share: a browser's Accept header, an entity to read, and the
schema.org JSON-LD a page embeds."""

from __future__ import annotations

import json
import re

TOKAYEV = "id/person/kassym-jomart-tokayev"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def jsonld_of(body: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert match, "no JSON-LD in the page"
    return json.loads(match.group(1))
