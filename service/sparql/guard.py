"""No server-side request forgery: SPARQL SERVICE and LOAD reach only allowed hosts.

pyoxigraph has an HTTP client built in and no switch to turn federation off, so every query and
update is checked before it runs. A cheap scan decides whether the text can contain a SERVICE or
LOAD keyword at all; only then is it parsed with rdflib's SPARQL parser, and every target IRI is
checked against the allowlist. Anything that cannot be checked is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from service.errors import Forbidden

# SERVICE / LOAD as keywords: not part of a prefixed name (ex:load), a variable (?service)
# or a longer word. SPARQL's \\u escapes are decoded first so they cannot hide the keyword.
_KEYWORD = re.compile(r"(?<![\w:?$\-.])(service|load)(?![\w:\-])", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def check_fetches(text: str, allowed_hosts: frozenset[str], *, update: bool) -> None:
    """Raise Forbidden when ``text`` would make the server fetch a URL of a host not allowed."""
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    if not _KEYWORD.search(decoded):
        return
    for kind, target in fetch_targets(text, update=update):
        if not isinstance(target, URIRef):
            raise Forbidden(f"{kind} with a variable target is not allowed on this server")
        if not host_allowed(str(target), allowed_hosts):
            raise Forbidden(
                f"{kind} <{target}> is not allowed: this server fetches nothing from that host "
                "(the operator can allow hosts with QANTAR_FETCH_ALLOW)"
            )


def fetch_targets(text: str, *, update: bool) -> list[tuple[str, object]]:
    """Every (SERVICE|LOAD, target) in the query or update, with prefixes resolved."""
    try:
        if update:
            tree: object = translateUpdate(parseUpdate(text)).algebra
        else:
            tree = translateQuery(parseQuery(text)).algebra
    except Exception as err:  # noqa: BLE001 - any parser failure means "cannot be checked"
        raise Forbidden(
            "the request mentions SERVICE or LOAD and could not be checked for the hosts it "
            f"would reach, so it is refused ({type(err).__name__}: {err})"
        ) from err
    return list(_walk(tree, set()))


def _walk(node: object, seen: set[int]) -> Iterator[tuple[str, object]]:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            yield "SERVICE", node.get("term")
        elif node.name == "Load":
            yield "LOAD", node.get("iri")
        for value in node.values():
            yield from _walk(value, seen)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _walk(value, seen)
    elif isinstance(node, list | tuple | set) and not isinstance(node, Variable):
        for value in node:
            yield from _walk(value, seen)


def host_allowed(url: str, allowed_hosts: frozenset[str]) -> bool:
    """True when the URL's host (or host:port) is in the allowlist."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    return host in allowed_hosts or (port is not None and f"{host}:{port}" in allowed_hosts)
