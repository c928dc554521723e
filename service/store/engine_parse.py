"""Ask Oxigraph's own parser whether a text is a SPARQL query or update, without running it.

pyoxigraph has no parse-only call, so each check is arranged to stop right after the parse:

- a query is parsed with ``use_default_graph_as_union`` and ``default_graph`` both set, which
  pyoxigraph refuses (ValueError) only once the query has parsed; a text that does not parse is
  a SyntaxError first. Nothing is evaluated, so no SERVICE is called (tests/test_sparql_errors.py
  checks that against a socket).
- an update is run on an empty store opened read-only, which refuses the transaction
  (RuntimeError) only once the update has parsed, before any operation (LOAD included) runs.

Nothing here looks at the text itself: what parses, and where it stops, is the engine's word.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from service.processes import on_large_stack

Operation = Literal["query", "update"]

#: How Oxigraph words a syntax error: "error at 3:12: expected ...".
ERROR = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


@dataclass(frozen=True)
class Rejection:
    """Where the parser stopped (a 0-based offset into the text) and what it says it expected
    there, as the items of Oxigraph's list (tokens in quotes, keywords, character classes in
    brackets, and sentences such as "Prefix not found")."""

    offset: int
    expected: tuple[str, ...]


def rejection(text: str, operation: Operation, base_iri: str | None = None) -> Rejection | None:
    """Why the engine's parser rejects ``text`` as a query or an update; None when it parses.
    The parse runs on a thread with a large stack (service.processes): a deeply nested text
    would overflow a request thread's, and take the whole process with it."""
    return on_large_stack(_rejection, text, operation, base_iri)


def _rejection(text: str, operation: Operation, base_iri: str | None) -> Rejection | None:
    try:
        if operation == "query":
            _memory_store().query(text, base_iri=base_iri, use_default_graph_as_union=True,
                          default_graph=ox.DefaultGraph())
        else:
            _read_only_store().update(text, base_iri=base_iri)
    except SyntaxError as err:
        return reading(text, str(err))
    except ValueError as err:  # the query parsed; the arguments were refused after it
        if operation == "query" and "at the same time" in str(err):
            return None
        raise
    except RuntimeError:  # the update parsed; the read-only store refused to run it
        return None
    return None


def reading(text: str, message: str) -> Rejection:
    """Oxigraph's message about ``text`` as an offset and a list."""
    match = ERROR.match(message)
    if match is None:
        return Rejection(len(text), (message,))
    line, column, rest = int(match[1]), int(match[2]), match[3]
    return Rejection(offset_of(text, line, column), tuple(expected_items(rest)))


def offset_of(text: str, line: int, column: int) -> int:
    """The offset of a 1-based line and column (in characters, as Oxigraph counts them)."""
    start = 0
    for _ in range(line - 1):
        newline = text.find("\n", start)
        if newline < 0:
            return len(text)
        start = newline + 1
    return min(start + column - 1, len(text))


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of an offset; lines end at "\\n" only, as for the parser."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def expected_items(message: str) -> list[str]:
    """The items of "expected X" / "expected one of X, Y, [a-z]": quoted tokens and bracketed
    character classes may hold commas, so the list is split where neither is open."""
    body = message.removeprefix("expected ").removeprefix("one of ")
    items: list[str] = []
    current: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in body:
        current.append(char)
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif quoted:
            continue
        elif char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            current.pop()
            items.append("".join(current).strip())
            current = []
    if "".join(current).strip():
        items.append("".join(current).strip())
    return items


_read_only: ox.Store | None = None
_lock = threading.Lock()


@functools.cache
def _memory_store() -> ox.Store:
    """An empty store in memory, on which queries are parsed, never evaluated; made on first
    use (in the process that uses it, not in one that forks workers later)."""
    return ox.Store()


def _read_only_store() -> ox.Store:
    """An empty store opened read-only, whose directory is gone once it is open (nothing is
    left behind, whatever ends the process); one per process."""
    global _read_only
    with _lock:
        if _read_only is None:
            directory = Path(tempfile.mkdtemp(prefix="qantar-parse-"))
            try:
                ox.Store(str(directory / "store"))  # created, and closed when dropped
                _read_only = ox.Store.read_only(str(directory / "store"))
            finally:
                shutil.rmtree(directory, ignore_errors=True)
        return _read_only
