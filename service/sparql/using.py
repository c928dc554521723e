"""The SPARQL 1.1 Protocol's ``using-graph-uri`` / ``using-named-graph-uri`` for updates.

pyoxigraph's ``Store.update`` takes no dataset, so the parameters are applied the way the
protocol defines them: as if each operation with a ``WHERE`` clause carried ``USING <g>`` /
``USING NAMED <g>`` clauses. They are written into the update text just before each top-level
``WHERE``, found by a small scanner that skips IRIs, strings and comments and tracks braces.
A request that already says ``USING`` or ``WITH`` is refused (the protocol requires 400), and
so is ``DELETE WHERE``, whose grammar has no place for a dataset.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from service.errors import BadQuery

#: One token of the scanner: the alternatives that can hide braces or keywords come first.
TOKEN = re.compile(
    r"""
    (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<comment>\#[^\n\r]*)
    |(?P<word>[?$]?[A-Za-z_:][\w\-.:]*)
    |(?P<open>\{)|(?P<close>\})
    |(?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def apply_dataset(update: str, using: list[str], using_named: list[str]) -> str:
    """``update`` with the protocol's dataset written into each operation that has a WHERE."""
    if not using and not using_named:
        return update
    try:
        clauses = " ".join(
            [f"USING {ox.NamedNode(g)}" for g in using]
            + [f"USING NAMED {ox.NamedNode(g)}" for g in using_named]
        )
    except ValueError as err:
        raise BadQuery(f"using-graph-uri / using-named-graph-uri: not an IRI ({err})") from None
    depth = 0
    previous = ""
    cuts: list[int] = []
    for match in TOKEN.finditer(update):
        kind = match.lastgroup
        if kind == "comment" or (kind == "other" and match.group().isspace()):
            continue
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        word = match.group().upper() if kind == "word" and depth == 0 else ""
        if word in ("USING", "WITH"):
            raise BadQuery(
                f"the update says {word} and the request gives using-graph-uri / "
                "using-named-graph-uri: give the dataset one way only")
        if word == "WHERE":
            if previous == "DELETE":
                raise BadQuery("using-graph-uri / using-named-graph-uri cannot apply to "
                               "DELETE WHERE; write DELETE { ... } WHERE { ... }")
            cuts.append(match.start())
        previous = word
    for cut in reversed(cuts):
        update = f"{update[:cut]}{clauses} {update[cut:]}"
    return update
