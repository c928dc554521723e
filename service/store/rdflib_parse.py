"""rdflib's SPARQL parser, one call at a time.

rdflib parses with pyparsing, whose packrat cache is shared by the whole process and not safe
for threads: under concurrent requests parses failed at random (a valid INSERT DATA refused).
Every use of the parser in Qantar goes through these two functions, which hold one lock.

The parser is imported on first use, on purpose: building its grammar takes a fraction of a
second, which processes that never parse with rdflib (most commands) need not pay. Query
workers, which check clients' texts (service.sparql.checks), load it while they start, so
that the first check is not slowed by it (0.2 s and 8 MB measured).
"""

from __future__ import annotations

import re
import threading

_LOCK = threading.Lock()
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def decode_escapes(text: str) -> str:
    """``text`` with SPARQL's ``\\u``/``\\U`` escapes decoded, as the grammar decodes them
    before parsing: a keyword written with escapes is still that keyword."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def load_parser() -> None:
    """Build the parser's grammar now (in a process about to check texts)."""
    from rdflib.plugins.sparql import algebra, parser  # noqa: F401


def parse_query(text: str) -> object:
    """The query's algebra (prefixes and BASE resolved); raises what rdflib raises."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    with _LOCK:
        return translateQuery(parseQuery(text)).algebra


def parse_query_tree(text: str) -> object:
    """The query's parse tree, before translation (where its DatasetClause is)."""
    from rdflib.plugins.sparql.parser import parseQuery

    with _LOCK:
        return parseQuery(text)


def parse_update(text: str) -> object:
    """The update's algebra (prefixes and BASE resolved); raises what rdflib raises."""
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    with _LOCK:
        parsed = parseUpdate(text)
        if "request" not in parsed:  # no operation (valid SPARQL); rdflib cannot translate it
            return []
        return translateUpdate(parsed).algebra
