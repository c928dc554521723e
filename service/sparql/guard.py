r"""No server-side request forgery: SPARQL SERVICE and LOAD reach only allowed hosts.

pyoxigraph has an HTTP client built in and no switch to turn federation off, so every query and
update is checked before it runs, in two layers:

1. **This guard.** In SPARQL's grammar a keyword is its letters in any case, after ``\u``
   escapes are decoded (which the grammar says happens before parsing). So a text in which the
   letters "service" and "load" occur nowhere, in any case, cannot make Oxigraph fetch anything,
   whatever its punctuation, comments or spacing: that is the only text let through unparsed.
   Every other text is parsed with rdflib's SPARQL parser and each SERVICE and LOAD target must
   be an IRI on the allowlist; a text rdflib cannot parse is refused, since it cannot be proved
   safe. The parse runs in a query worker, within the request's time limit
   (service.sparql.checks).
2. **The sandbox** (service.sandbox). rdflib is not the engine, so a differential between the
   two parsers stays possible; the processes that evaluate SPARQL cannot open network sockets,
   so such a differential ends in a failed request, not in a connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from service.errors import Forbidden
from service.store.rdflib_parse import decode_escapes, parse_query, parse_update


def check_fetches(text: str, allowed_hosts: frozenset[str], *,
                  update: bool) -> list[tuple[str, str]]:
    """Raise Forbidden when ``text`` would make the server fetch a URL of a host not allowed;
    otherwise the (SERVICE|LOAD, IRI) pairs it will fetch, all on the allowlist."""
    if not mentions_fetch(text):
        return []
    targets = fetch_targets(text, update=update)
    for kind, target in targets:
        if not isinstance(target, URIRef):
            raise Forbidden(f"{kind} with a variable target is not allowed on this server")
        if not host_allowed(str(target), allowed_hosts):
            raise Forbidden(
                f"{kind} <{target}> is not allowed: this server fetches nothing from that host "
                "(the operator can allow hosts with QANTAR_FETCH_ALLOW)"
            )
    return [(kind, str(target)) for kind, target in targets]


def mentions_fetch(text: str) -> bool:
    """Whether the letters "service" or "load" occur in ``text`` (escapes decoded, any case):
    only such a text can fetch, and only such a text needs the parse. One pass, no parse."""
    decoded = decode_escapes(text).lower()
    return "service" in decoded or "load" in decoded


def fetch_targets(text: str, *, update: bool) -> list[tuple[str, object]]:
    """Every (SERVICE|LOAD, target) in the query or update, with prefixes resolved."""
    try:
        tree = parse_update(text) if update else parse_query(text)
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
