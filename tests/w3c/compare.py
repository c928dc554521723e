"""Strict comparison of SPARQL answers: result sets, graphs and CSV, up to blank node renaming.

Terms are compared as RDF terms: IRI, lexical form, datatype and language must all be equal,
so ``"30000"^^xsd:double`` is not the ``"3.0E4"^^xsd:double`` a suite expects (this is the
comparison behind the reference counts in issue 3). ``numbers_by_value=True`` relaxes that for
numbers of the *same* XSD datatype, to show how many failures are only canonical forms. Blank
nodes may be renamed, but consistently (a bijection), which is what isomorphism of graphs and of
result sets means. CSV cells are plain text and are compared exactly.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

Row = tuple[object, ...]  # terms, or None for an unbound variable

XSD = "http://www.w3.org/2001/XMLSchema#"
DECIMALS = {XSD + "integer", XSD + "decimal"}
FLOATS = {XSD + "double", XSD + "float"}


@dataclass(frozen=True)
class CsvBlank:
    """A blank node label read from CSV, where terms have no type."""

    label: str


def is_blank(term: object) -> bool:
    return isinstance(term, ox.BlankNode | CsvBlank)


def solutions_rows(solutions: ox.QuerySolutions) -> tuple[list[str], list[Row]]:
    """The variable names and the rows of a result set, in the order given."""
    names = [v.value for v in solutions.variables]
    return names, [tuple(solution[name] for name in names) for solution in solutions]


def reorder(names: list[str], rows: list[Row], wanted: list[str]) -> list[Row]:
    """Rows with their columns in the order ``wanted`` (variable order is not significant)."""
    index = [names.index(name) for name in wanted]
    return [tuple(row[i] for i in index) for row in rows]


def triples_rows(triples: Sequence[ox.Triple]) -> list[Row]:
    return [(t.subject, t.predicate, t.object) for t in triples]


def csv_rows(text: str) -> tuple[list[str], list[Row]]:
    """The header and rows of a SPARQL CSV answer; ``_:x`` cells are blank nodes."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records = list(reader)
    if not records:
        return [], []
    header, *body = records
    rows = [tuple(CsvBlank(cell[2:]) if cell.startswith("_:") else cell for cell in record)
            for record in body]
    return header, rows


def isomorphic(expected: list[Row], actual: list[Row], ordered: bool = False,
               numbers_by_value: bool = False) -> bool:
    """Whether the two row lists are equal up to a consistent renaming of blank nodes.

    Unordered: as multisets. Ordered: row i must match row i. ``numbers_by_value=True``
    takes two numbers of one datatype as equal when their values are (``2.0`` and ``2``).
    """
    if len(expected) != len(actual):
        return False
    if numbers_by_value:
        expected = [tuple(_canonical(t) for t in row) for row in expected]
        actual = [tuple(_canonical(t) for t in row) for row in actual]
    if not ordered:
        ground_e = Counter(r for r in expected if not any(is_blank(t) for t in r))
        ground_a = Counter(r for r in actual if not any(is_blank(t) for t in r))
        if ground_e != ground_a:
            return False
        expected = [r for r in expected if any(is_blank(t) for t in r)]
        actual = [r for r in actual if any(is_blank(t) for t in r)]
        if len(expected) != len(actual):
            return False
    return _match(expected, actual, 0, {}, {}, [False] * len(actual), ordered, [0])


def _canonical(term: object) -> object:
    """A number as (datatype, value), so that equal values of one datatype compare equal."""
    if not isinstance(term, ox.Literal):
        return term
    datatype = term.datatype.value
    try:
        if datatype in DECIMALS:
            return ("number", datatype, Decimal(term.value).normalize())
        if datatype in FLOATS:
            value = float(term.value)
            return ("number", datatype, "NaN" if math.isnan(value) else value)
    except (InvalidOperation, ValueError):
        return term
    return term


_BUDGET = 200_000  # backtracking steps; W3C answers are small, so this is never reached there


def _match(expected: list[Row], actual: list[Row], i: int, forward: dict, backward: dict,
           used: list[bool], ordered: bool, steps: list[int]) -> bool:
    if i == len(expected):
        return True
    candidates = [i] if ordered else [j for j in range(len(actual)) if not used[j]]
    for j in candidates:
        steps[0] += 1
        if steps[0] > _BUDGET:
            return False
        added = _unify(expected[i], actual[j], forward, backward)
        if added is None:
            continue
        used[j] = True
        if _match(expected, actual, i + 1, forward, backward, used, ordered, steps):
            return True
        used[j] = False
        for e, a in added:
            del forward[e]
            del backward[a]
    return False


def _unify(row_e: Row, row_a: Row, forward: dict, backward: dict) -> list | None:
    """Extend the blank node bijection so that the rows match; the pairs added, or None."""
    if len(row_e) != len(row_a):
        return None
    added: list = []
    for e, a in zip(row_e, row_a, strict=True):
        if is_blank(e) or is_blank(a):
            if not (is_blank(e) and is_blank(a)):
                break
            if e in forward or a in backward:
                if forward.get(e) != a or backward.get(a) != e:
                    break
                continue
            forward[e] = a
            backward[a] = e
            added.append((e, a))
            continue
        if e != a:
            break
    else:
        return added
    for e, a in added:
        del forward[e]
        del backward[a]
    return None

