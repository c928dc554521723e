"""A larger graph of the same shape as the bundle, for benchmarks: ``python -m bench.generate``.

The article graph (and its editorial additions) is repeated as if many articles had been read
the same way: copy ``k`` renames every entity under ``id/`` (``…/id/person/x`` becomes
``…/id/person/x-k``), its blank nodes and its strings (``"Tokayev"@en`` becomes
``"Tokayev (k)"@en``), while the shared vocabulary (concepts, places, roles, platforms) and the
ontology and metadata graphs stay single. So the classes, properties, named graphs and the
shape of every entity are the bundle's own; copy 0 is the bundle itself. Deterministic: the
same size always gives the same file. Sizes are parameters (1M for ``make bench``, 10M later).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from service.namespaces import ARTICLE_GRAPH, EDITORIAL_GRAPH, ID

#: Graphs whose statements are repeated per copy; the others (ontology, metadata) stay single.
COPIED_GRAPHS = frozenset({str(ARTICLE_GRAPH), str(EDITORIAL_GRAPH)})
#: Kinds of ``id/`` IRIs that all copies share, as articles share a vocabulary and a map.
SHARED_KINDS = frozenset({"concept", "place", "role", "platform"})
STRING_TYPES = frozenset({
    "http://www.w3.org/2001/XMLSchema#string",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
})


def read_quads(path: Path) -> list[ox.Quad]:
    return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


def generate(bundle: list[ox.Quad], triples: int) -> Iterator[ox.Quad]:
    """About ``triples`` quads (never fewer than the bundle): the bundle and renamed copies."""
    fixed = [q for q in bundle if q.graph_name.value not in COPIED_GRAPHS]
    copied = [q for q in bundle if q.graph_name.value in COPIED_GRAPHS]
    copies = max(1, math.ceil((triples - len(fixed)) / max(1, len(copied))))
    yield from fixed
    for k in range(copies):
        yield from (copy_quad(q, k) for q in copied)


def copy_quad(quad: ox.Quad, k: int) -> ox.Quad:
    if k == 0:
        return quad
    return ox.Quad(_term(quad.subject, k), quad.predicate, _term(quad.object, k), quad.graph_name)


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal, k: int):
    if isinstance(term, ox.NamedNode):
        local = term.value.removeprefix(str(ID))
        if local != term.value and local.split("/", 1)[0] not in SHARED_KINDS:
            return ox.NamedNode(f"{term.value}-{k}")
        return term
    if isinstance(term, ox.BlankNode):
        return ox.BlankNode(f"{term.value}c{k}")
    if isinstance(term, ox.Literal) and term.datatype.value in STRING_TYPES:
        value = f"{term.value} ({k})"
        return ox.Literal(value, language=term.language) if term.language else ox.Literal(value)
    return term


def write_quads(quads: Iterable[ox.Quad], out: Path) -> int:
    """Write N-Quads to ``out`` (via a temporary name, so a half-written file never counts)."""
    count = 0

    def counted() -> Iterator[ox.Quad]:
        nonlocal count
        for quad in quads:
            count += 1
            yield quad

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(out.suffix + ".partial")
    ox.serialize(counted(), str(partial), format=ox.RdfFormat.N_QUADS)
    partial.replace(out)
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the bundled graph as N-Quads")
    parser.add_argument("out", type=Path, help="where to write the generated N-Quads")
    parser.add_argument("--triples", type=int, default=1_000_000, help="about how many (1000000)")
    args = parser.parse_args(argv)
    count = write_quads(generate(read_quads(args.bundle), args.triples), args.out)
    print(f"{count:,} quads written to {args.out}")


if __name__ == "__main__":
    main()
