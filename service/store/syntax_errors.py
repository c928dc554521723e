"""SPARQL syntax errors that name the mistake: one wording for queries and updates, over HTTP
and on the command line.

Oxigraph reports the furthest point any rule of its grammar reached, and it reads a keyword as
that many characters before comparing them, so "expected OPTIONAL" often points a few
characters past the real mistake, and its lists hold Unicode ranges. The mistake is therefore
found by asking the same parser more questions (service.store.engine_parse), never by
matching the SPARQL text:

- empty: the text parses as a query once put after ``ASK {}`` (only blanks and comments);
- an update sent as a query (or the reverse): it parses as the other;
- where it goes wrong: the end of the longest beginning of the text that the parser reads on
  from (followed by blanks and a character no token has, it stops only at that character);
- what could come there: the parser's list at the end of that beginning, and the keywords it
  tries there, found by giving it 1, 2, ... characters more (a keyword of n letters is
  reported after n characters);
- an undeclared prefix: declaring the name written at that place lets the parse go on.
"""

from __future__ import annotations

import re

from service.errors import BadQuery
from service.store.engine_parse import (
    ERROR,
    Operation,
    Rejection,
    expected_items,
    line_and_column,
    reading,
    rejection,
)

#: Longer texts get Oxigraph's own position and list, in words: each question is a parse.
EXPLAIN_LIMIT = 100_000
#: How far before Oxigraph's position the real mistake is looked for (its longest keyword
#: read plus a long prefixed name).
LOOK_BACK = 64
#: The longest keyword of the grammar (ENCODE_FOR_URI has 14 letters), and then some.
LONGEST_KEYWORD = 16
_BLANKS = " " * 32
_NO_TOKEN = "\x01" * 32  # no token of SPARQL holds this character

HEAD = {"query": "SPARQL syntax error in the query",
        "update": "SPARQL syntax error in the update"}
#: How the other kind of request is sent, in the SPARQL 1.1 Protocol.
SEND_AS = {"query": "query= or as an application/sparql-query body",
           "update": "update= or as an application/sparql-update body"}

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})
UPDATE_OPERATIONS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP"})
_VARIABLE = frozenset({'"?"', '"$"'})
_IRI = frozenset({'"<"', '":"'})
_LITERAL = frozenset({'"\\""', "\"'\"", '"\\"\\"\\""', "\"'''\"", '"true"', '"false"'})
_BLANK = frozenset({'"_:"', '"["'})
#: Operators only (``<``, ``+``, ``-``, ``*``, ``!`` also start terms or paths).
_COMPARISONS = frozenset({'"="', '"!="', '"<="', '">="', '"&&"', '"||"', '"/"'})
_OPERATORS = _COMPARISONS | {'"<"', '">"', '"+"', '"-"', '"*"', '"!"', '"^"', '"|"'}
#: Starts of collections, signed numbers, RDF 1.2 triple terms and annotations, escapes.
_UNLISTED = frozenset({'"<<"', '"<<("', '"{|"', '"~"', '"|}"', '">>"', '"^^"', '"a"',
                       '"\\\\"', '"\\\\u"', '"\\\\U"'})
_TERM_STARTS = frozenset({'"("', '"+"', '"-"', '"."'})  # a collection, a signed or .5 number
#: Enough of these among the keywords: an expression was expected.
_FUNCTIONS = frozenset({"STR", "REGEX", "BOUND", "COALESCE", "CONCAT", "LANG", "EXISTS"})
_CLAUSE_WORDS = frozenset({"AS", "IN", "NOT", "BY", "SEPARATOR", "WHERE"})
#: Oxigraph's own sentences in its lists, in the words people use.
_REASONS = {"IRI parsing failed": "this is not a valid IRI",
            "Prefix not found": "a prefix used here is not declared"}
#: What Oxigraph lists when a string opened with this quote is not closed at the end.
_CLOSING = {"'": "\"'\"", '"': '"\\""'}
_NAME_CHAR = re.compile(r"[\w\-.\u00B7]")


def query_error(text: str, error: SyntaxError | str | None = None,
                base_iri: str | None = None) -> BadQuery:
    """The BadQuery for a query the engine's parser rejected (``error``: its SyntaxError)."""
    return _explained(text, "query", error, base_iri)


def update_error(text: str, error: SyntaxError | str | None = None,
                 base_iri: str | None = None) -> BadQuery:
    """The BadQuery for an update the engine's parser rejected."""
    return _explained(text, "update", error, base_iri)


def check_query(text: str, base_iri: str | None = None) -> None:
    """Raise the BadQuery naming the mistake unless ``text`` parses as a query."""
    found = rejection(text, "query", base_iri)
    if found is not None:
        raise _explained(text, "query", found, base_iri)


def check_update(text: str, base_iri: str | None = None) -> None:
    """Raise the BadQuery naming the mistake unless ``text`` parses as an update. An update
    with no operation (empty, comments, PREFIX or BASE only) is valid SPARQL 1.1 and does
    nothing (W3C syntax-update-38 to 40), so it is not refused."""
    found = rejection(text, "update", base_iri)
    if found is not None:
        raise _explained(text, "update", found, base_iri)


def explained_or(err: BadQuery, text: str, operation: Operation,
                 base_iri: str | None = None) -> BadQuery:
    """A remote server refused ``text``: the local parser's explanation when it rejects the
    text too, else the server's own ``err``."""
    found = rejection(text, operation, base_iri)
    return err if found is None else _explained(text, operation, found, base_iri)


def from_message(message: str, operation: Operation) -> BadQuery:
    """An Oxigraph message without its text (a remote Oxigraph's answer): its line and column
    and its list in words, without Unicode ranges."""
    match = ERROR.match(message)
    if match is None:
        return BadQuery(f"{HEAD[operation]}: {message}")
    line, column, items = int(match[1]), int(match[2]), expected_items(match[3])
    reasons = _reasons(items)
    keywords = {item for item in items if item.replace("_", "").isalpha()}
    words = _in_words(keywords, {i for i in items if i.startswith(('"', "["))}, False, operation)
    what = reasons[0] if reasons else f"expected {words}" if words else "not valid SPARQL"
    return BadQuery(f"{HEAD[operation]} at line {line}, column {column}: {what}", line, column)


def _explained(text: str, operation: Operation, error: SyntaxError | str | Rejection | None,
               base_iri: str | None) -> BadQuery:
    head = HEAD[operation]
    if _only_blanks(text):
        return BadQuery(f"{head}: {_empty_words(text, operation)}")
    other: Operation = "update" if operation == "query" else "query"
    if rejection(text, other, base_iri) is None and not _only_prologue(text, base_iri):
        article = {"query": "a query", "update": "an update"}
        return BadQuery(f"{head}: this is {article[other]}, not {article[operation]}; send it "
                        f"as {SEND_AS[other]}")
    found = error if isinstance(error, Rejection) else (
        rejection(text, operation, base_iri) if error is None else reading(text, str(error)))
    if found is None:  # it parses here (a remote server refused it): its words, as they are
        return BadQuery(f"{head}: {error}")
    if len(text) > EXPLAIN_LIMIT:
        where = found.offset
        what = _mistake(text, where, operation, found, set(), set(found.expected), False)
    else:
        where = _mistake_at(text, operation, found, base_iri)
        prefix = _undeclared_prefix(text, where, operation, base_iri)
        if prefix is not None:
            name, where = prefix
            what = (f"the prefix {name}: is not declared; add PREFIX {name}: <...> at the top "
                    f"of the {operation}")
        else:
            keywords, tokens, may_end = _expected_at(text[:where], operation, base_iri)
            what = _mistake(text, where, operation, found, keywords, tokens, may_end)
    line, column = line_and_column(text, where)
    return BadQuery(f"{head} at line {line}, column {column}: {what}\n"
                    f"{_excerpt(text, line, column)}", line, column)


def _only_blanks(text: str) -> bool:
    """Blanks and comments only: the text may follow a whole query."""
    return not text.strip() or rejection("ASK {}\n" + text, "query") is None


def _only_prologue(text: str, base_iri: str | None = None) -> bool:
    """Blanks, comments, PREFIX and BASE only: a query form may follow the text."""
    return not text.strip() or rejection(text + "\nASK {}", "query", base_iri) is None


def _empty_words(text: str, operation: Operation) -> str:
    if _only_blanks(text):
        return "it is empty, so there is nothing to run"
    what = "query form" if operation == "query" else "operation"
    return f"it has PREFIX or BASE declarations but no {what}, so there is nothing to run"


def _mistake_at(text: str, operation: Operation, found: Rejection,
                base_iri: str | None) -> int:
    """The end of the longest beginning of ``text`` the parser reads on from (at most
    LOOK_BACK before where it says it stopped); its own position if there is none."""
    start = min(found.offset, len(text))
    for end in range(start, max(-1, start - LOOK_BACK), -1):
        if _reads_on(text[:end], operation, base_iri):
            return end
    return found.offset


def _reads_on(beginning: str, operation: Operation, base_iri: str | None) -> bool:
    """Whether the parser reads ``beginning`` and blanks, and stops only at a character no
    token has (a keyword read there stops within it; an open string or IRI reads to the end)."""
    probe = beginning + _BLANKS + _NO_TOKEN
    found = rejection(probe, operation, base_iri)
    sentinel = len(beginning) + len(_BLANKS)
    return found is not None and sentinel <= found.offset < len(probe)


def _expected_at(beginning: str, operation: Operation,
                 base_iri: str | None) -> tuple[set[str], set[str], bool]:
    """What may follow ``beginning``: keywords, other tokens, and whether the text may end."""
    at_end = rejection(beginning, operation, base_iri)
    tokens = set(at_end.expected) if at_end and at_end.offset == len(beginning) else set()
    may_end = at_end is None
    if may_end and operation == "update" and rejection(beginning + ";", "update",
                                                       base_iri) is None:
        tokens.add('";"')
    keywords: set[str] = set()
    for length in range(1, LONGEST_KEYWORD + 1):
        probe = rejection(beginning + "\x01" * length, operation, base_iri)
        if probe is not None and probe.offset == len(beginning) + length:
            keywords |= {item for item in probe.expected
                         if len(item) == length and item.replace("_", "").isalpha()}
    return keywords, tokens, may_end


def _mistake(text: str, where: int, operation: Operation, found: Rejection, keywords: set[str],
             tokens: set[str], may_end: bool) -> str:
    """The mistake at ``where``, in words."""
    token = _token_at(text, where)
    if token and token[0] in _CLOSING and found.offset >= len(text) \
            and _CLOSING[token[0]] in found.expected:
        return f"the string that starts here is not closed (its closing {token[0]} is missing)"
    reasons = _reasons(found.expected)
    if reasons:
        return reasons[0]
    expected = _in_words(keywords, tokens, may_end, operation)
    if token is None:
        if _starts_operation(keywords):
            first = "query form" if operation == "query" else "operation"
            return f"the {operation} ends before its {first}; expected {expected}"
        return f"the {operation} ends too soon" + (f"; expected {expected}" if expected else "")
    return f"unexpected `{token}`" + (f"; expected {expected}" if expected else "")


def _undeclared_prefix(text: str, where: int, operation: Operation,
                       base_iri: str | None) -> tuple[str, int] | None:
    """The prefix name written at ``where`` and where it starts (``a:`` is read up to ``a``,
    the rdf:type keyword), when declaring it lets the parser read past it."""
    start = end = where
    while start > 0 and _NAME_CHAR.match(text[start - 1]):
        start -= 1
    while end < len(text) and _NAME_CHAR.match(text[end]):
        end += 1
    if end >= len(text) or text[end] != ":":
        return None
    name = text[start:end]
    if name.endswith(".") or name[:1] in ("-", ".") or name[:1].isdigit():
        return None
    declared = f"PREFIX {name}: <urn:qantar:probe:>\n"
    found = rejection(declared + text, operation, base_iri)
    return (name, start) if found is None or found.offset - len(declared) > end + 1 else None


def _reasons(expected: tuple[str, ...] | list[str]) -> list[str]:
    """Oxigraph's own sentences in its list ("Variables are not allowed in INSERT DATA")."""
    found = []
    for item in expected:
        if " " in item and not item.startswith(("[", '"')):
            reason = _REASONS.get(item, item)
            found.append(reason[0].lower() + reason[1:])
    return found


def _starts_operation(keywords: set[str]) -> bool:
    """A query form or an update operation may start here."""
    return keywords >= QUERY_FORMS or keywords >= UPDATE_OPERATIONS


def _in_words(keywords: set[str], tokens: set[str], may_end: bool, operation: Operation) -> str:
    """What may come, as people say it; character ranges and rarely meant tokens left out."""
    if keywords >= QUERY_FORMS:
        return "a query form such as SELECT, CONSTRUCT, ASK or DESCRIBE"
    if keywords >= UPDATE_OPERATIONS:
        return ("an update operation such as INSERT DATA, DELETE DATA, DELETE/INSERT ... "
                "WHERE, LOAD, CLEAR, CREATE or DROP")
    parts: list[str] = []
    words = set(keywords)
    if len(words & _FUNCTIONS) >= 3:
        parts.append("an expression")
        words &= _CLAUSE_WORDS - {"NOT"}
        tokens = {t for t in tokens if t in ('")"', '","', '"}"')}
    if len(tokens & _COMPARISONS) >= 3:
        operators = True
        tokens = tokens - _OPERATORS
    else:
        operators = False
    terms = [name for kind, name in ((_IRI, "an IRI"), (_VARIABLE, "a variable"),
                                     (_LITERAL, "a literal"), (_BLANK, "a blank node"))
             if tokens & kind]
    if "['0'..='9']" in tokens and "a literal" not in terms:
        terms.append("a number")
    if terms:  # then these start a collection or a number, unless a "." may end a triple
        tokens = tokens - _TERM_STARTS if not tokens & {'","', '";"'} else tokens - {
            '"("', '"+"', '"-"'}
        listed = {t for t in tokens - _VARIABLE - _IRI - _LITERAL - _BLANK - _UNLISTED
                  if t.startswith('"')}
        alone = len(terms) == 1 or not (listed or words or may_end or operators)
        parts.append(_joined(terms) if alone else f"a term ({_joined(terms)})")
    if operators:
        parts.append("an operator")
    rest = sorted(tokens - _VARIABLE - _IRI - _LITERAL - _BLANK - _UNLISTED)
    parts += [f"`{token[1:-1]}`" for token in rest if token.startswith('"')]
    if {"NOT", "IN"} <= words:
        words = words - {"NOT"} | {"NOT IN"}
    parts += [{"GROUP": "GROUP BY", "ORDER": "ORDER BY"}.get(w, w) for w in sorted(words)]
    if may_end:
        parts.append(f"the end of the {operation}")
    return _joined(parts)


def _joined(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} or {parts[-1]}"


def _token_at(text: str, where: int) -> str | None:
    """The characters at ``where`` up to a blank or a bracket, to name them; None at the end."""
    rest = text[where:].lstrip()
    if not rest:
        return None
    if rest[0] in "{}()[],;.":
        return rest[0]
    token = re.split(r"[\s{}()\[\],;]", rest, maxsplit=1)[0]
    return token if len(token) <= 30 else token[:29] + "..."


def _excerpt(text: str, line: int, column: int) -> str:
    """The line, and a caret under the column (tabs kept so that it lines up); a long line is
    cut around the column."""
    lines = text.split("\n")
    shown = lines[line - 1].rstrip("\r") if line <= len(lines) else ""
    at = column - 1
    if len(shown) > 100:
        start = max(0, at - 50)
        cut = shown[start:start + 100]
        shown = ("..." if start else "") + cut + ("..." if start + 100 < len(shown) else "")
        at = at - start + (3 if start else 0)
    shown = "".join(c if c.isprintable() or c == "\t" else " " for c in shown)
    caret = "".join("\t" if c == "\t" else " " for c in shown[:at]) + "^"
    return f"  {line} | {shown}\n  {' ' * len(str(line))} | {caret}"
