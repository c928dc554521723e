"""Record where each passage stands in its text: an oa:TextPositionSelector beside the quote.

Passages of evidence (``oa:SpecificResource`` with an ``oa:TextQuoteSelector``) say which words
a statement rests on, not where they stand; the article reader orders them by position. This
maintenance script reads the texts Qantar holds (the article lives beside the repository, in
``../shared/source/``, never in it), finds each quote's one occurrence (prefix and suffix decide
between several; none or several is an error) and writes, beside the quote selector, a W3C
``oa:TextPositionSelector`` with ``oa:start``/``oa:end``: offsets in code points of the text as
read in UTF-8, the end exclusive.

It edits the Turtle files as text, so comments and layout stay. A small scanner only finds where
the ``[ … ]`` blocks are (skipping strings, IRIs and comments); what a block is (a quote selector,
its passage's source, a position written before) rdflib decides by parsing it, and the whole
edited file is parsed and compared with the original (isomorphic but for positions, each position
holding its quote's words) before anything is written. Re-running changes nothing; a passage
whose words changed gets its position updated. Passages of a source without a text given here
(``TEXTS``) are left alone.

    .venv/bin/python scripts/passage_positions.py            # update graph/*.ttl
    .venv/bin/python scripts/passage_positions.py --check    # exit 1 if anything would change
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

REPO = Path(__file__).resolve().parent.parent
OA = Namespace("http://www.w3.org/ns/oa#")
#: The texts Qantar holds passages of, and where their words are (outside the repository).
TEXTS = {
    "https://w3id.org/qantar/id/source/nrc-2022-01-15-kazakhstan-en":
        REPO.parent / "shared" / "source" / "nrc-2022-01-15-kazakhstan.txt",
}
_HOLDER = URIRef("urn:qantar:passage-positions:holder")
# As tests/test_fidelity.py compares passages with the article: typographic quotes as plain
# ones, runs of whitespace as one space.
_TYPOGRAPHIC = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "\u00a0": " "})


class PositionError(Exception):
    """A passage not found once in its text, or an edit that would change more than positions."""


@dataclass(frozen=True)
class Block:
    """A ``[ ... ]`` of the Turtle text (outside strings and comments): ``text[start:end]``."""

    start: int
    end: int  # just past the closing bracket
    parent: int | None  # index of the enclosing block


def blocks(text: str) -> list[Block]:
    """Every bracketed block of a Turtle text, skipping strings, IRIs and comments."""
    spans: list[tuple[int, int, int | None]] = []  # (open, close + 1, enclosing open)
    stack: list[int] = []  # where the blocks still open begin
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
            continue
        elif c == "<" and re.match(r"<[^\s<>\"{}|^`\\]*>", text[i:i + 2000]):
            i = text.index(">", i)
        elif c == "[":
            stack.append(i)
        elif c == "]" and stack:
            start = stack.pop()
            spans.append((start, i + 1, stack[-1] if stack else None))
        i += 1
    spans.sort()
    index = {start: k for k, (start, _, _) in enumerate(spans)}
    return [Block(start, end, None if parent is None else index[parent])
            for start, end, parent in spans]


def prologue(graph: Graph) -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in graph.namespaces())


def parse_block(head: str, text: str) -> tuple[Graph, BNode | URIRef]:
    """One block as rdflib reads it, hung on a holder node; returns the graph and the block."""
    g = Graph().parse(data=f"{head}<{_HOLDER}> <{_HOLDER}> {text} .", format="turtle")
    node = g.value(_HOLDER, _HOLDER)
    assert node is not None
    return g, node


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """``text`` normalised as the fidelity tests do, and for each character its raw offset."""
    out: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        c = c.translate(_TYPOGRAPHIC)
        if c.isspace():
            if out and out[-1] == " ":
                continue
            c = " "
        out.append(c)
        where.append(i)
    return "".join(out), where


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).translate(_TYPOGRAPHIC))


def locate(text: str, exact: str, prefix: str, suffix: str) -> tuple[int, int]:
    """Where ``exact`` stands in ``text`` (code points, end exclusive): its one occurrence,
    or the one its prefix and suffix surround; found after normalisation, mapped back."""
    folded, raw_offsets = _normalised_with_map(text)
    for hay, needle, pre, suf, raw in (
            (text, exact, prefix, suffix, None),
            (folded, _norm(exact), _norm(prefix), _norm(suffix), raw_offsets)):
        hits = [m.start() for m in re.finditer(re.escape(needle), hay)]
        if len(hits) > 1:
            hits = [h for h in hits if hay[:h].endswith(pre)
                    and hay[h + len(needle):].startswith(suf)]
        if len(hits) == 1:
            start, end = hits[0], hits[0] + len(needle)
            return (start, end) if raw is None else (raw[start], raw[end - 1] + 1)
        if len(hits) > 1:
            raise PositionError(f"{len(hits)} places fit {exact[:60]!r} and its prefix/suffix")
    raise PositionError(f"not in the text: {exact[:60]!r}")


def _texts() -> dict[str, str]:
    return {iri: path.read_text(encoding="utf-8") for iri, path in TEXTS.items()
            if path.is_file()}


def rewrite(turtle: str, texts: dict[str, str], where: str = "") -> str:
    """``turtle`` with a position selector beside every quote selector of a text in ``texts``."""
    head = prologue(Graph().parse(data=turtle, format="turtle"))
    all_blocks = blocks(turtle)
    edits: list[tuple[int, int, str]] = []
    for k, block in enumerate(all_blocks):
        g, sel = parse_block(head, turtle[block.start:block.end])
        if (sel, RDF.type, OA.TextQuoteSelector) not in g or block.parent is None:
            continue
        parent = all_blocks[block.parent]
        pg, resource = parse_block(head, turtle[parent.start:parent.end])
        if (resource, OA.hasSelector, None) not in pg:
            continue
        source = str(pg.value(resource, OA.hasSource))
        if source not in texts:
            continue
        exact = str(g.value(sel, OA.exact))
        try:
            start, end = locate(texts[source], exact, str(g.value(sel, OA.prefix) or ""),
                                str(g.value(sel, OA.suffix) or ""))
        except PositionError as e:
            line = turtle.count("\n", 0, block.start) + 1
            raise PositionError(f"{where}:{line}: {e}") from None
        column = block.start - (turtle.rfind("\n", 0, block.start) + 1)
        new = f" ,\n{' ' * column}[ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ]"
        old_end = block.end
        after = re.match(r"\s*,\s*", turtle[block.end:])
        if after:  # a position selector written before: replace it
            nxt = all_blocks[k + 1] if k + 1 < len(all_blocks) else None
            if nxt and nxt.start == block.end + after.end():
                ng, node = parse_block(head, turtle[nxt.start:nxt.end])
                if (node, RDF.type, OA.TextPositionSelector) in ng:
                    old_end = nxt.end
        edits.append((block.end, old_end, new))
    out = turtle
    for start, end, new in reversed(edits):
        out = out[:start] + new + out[end:]
    return out


def _without_positions(g: Graph) -> Graph:
    out = Graph()
    positions = set(g.subjects(RDF.type, OA.TextPositionSelector))
    for s, p, o in g:
        if s not in positions and o not in positions:
            out.add((s, p, o))
    return out


def verify(before: str, after: str, texts: dict[str, str], where: str) -> int:
    """The edit added or changed positions only, and each one points at its quote's words.

    Returns how many passages have a position."""
    old = Graph().parse(data=before, format="turtle")
    new = Graph().parse(data=after, format="turtle")
    if not isomorphic(_without_positions(old), _without_positions(new)):
        raise PositionError(f"{where}: the edit would change more than positions")
    count = 0
    for resource, source in new.subject_objects(OA.hasSource):
        selectors = list(new.objects(resource, OA.hasSelector))
        quotes = [s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in new]
        spots = [s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in new]
        if str(source) not in texts or not quotes:
            continue
        if len(quotes) != 1 or len(spots) != 1:
            raise PositionError(f"{where}: {len(quotes)} quotes, {len(spots)} positions")
        start, end = (new.value(spots[0], OA.start), new.value(spots[0], OA.end))
        assert isinstance(start, Literal) and isinstance(end, Literal)
        words = texts[str(source)][int(start):int(end)]
        exact = str(new.value(quotes[0], OA.exact))
        if words != exact and _norm(words) != _norm(exact):
            raise PositionError(f"{where}: {start}-{end} is {words[:40]!r}, not {exact[:40]!r}")
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path,
                        default=sorted((REPO / "graph").glob("*.ttl")))
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a file lacks or has a stale position")
    args = parser.parse_args(argv)
    texts = _texts()
    if not texts:
        print(f"no held text found ({', '.join(map(str, TEXTS.values()))})", file=sys.stderr)
        return 2
    stale, total = [], 0
    try:
        for path in args.files:
            before = path.read_text(encoding="utf-8")
            after = rewrite(before, texts, str(path))
            total += verify(before, after, texts, str(path))
            if after != before:
                stale.append(path)
                if not args.check:
                    tmp = path.with_suffix(".ttl.tmp")
                    tmp.write_text(after, encoding="utf-8")
                    tmp.replace(path)
    except PositionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    verb = "stale" if args.check else "updated"
    print(f"{total} passages with positions; {len(stale)} files {verb}"
          + "".join(f"\n  {p.relative_to(REPO) if p.is_relative_to(REPO) else p}"
                    for p in stale))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
