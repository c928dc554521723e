"""A larger graph of the same shape as the bundle, for benchmarks: ``python -m bench.generate``.

The article graph (and its editorial additions) is repeated as if many articles had been read
the same way: copy ``k`` renames every entity under ``id/`` (``…/id/person/x`` becomes
``…/id/person/x-k``), its blank nodes and its strings (``"Tokayev"@en`` becomes
``"Tokayev (k)"@en``), while the shared vocabulary (concepts, places, roles, platforms) and the
ontology and metadata graphs stay single: what is said *about* a shared entity is said once (a
place keeps its one English label, as in real data), what copies say that *points to* it is
repeated, so every shared place is the object of thousands of statements.

On top, the shared places carry a Wikidata-shaped burden in a graph of their own
(``graph/wikidata-labels``): a ``skos:prefLabel``, a ``schema:description`` and two
``skos:altLabel`` in each of 150 languages (``LANGUAGES``), 600 names per place, as an item
merged from Wikidata brings them. So the classes, properties and the shape of every entity are
the bundle's own; copy 0 is the bundle itself. Deterministic: the same size always gives the
same file. Sizes are parameters (1M for ``make bench``, 10M later).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from service.namespaces import ARTICLE_GRAPH, EDITORIAL_GRAPH, GRAPH, ID

#: Graphs whose statements are repeated per copy; the others (ontology, metadata) stay single.
COPIED_GRAPHS = frozenset({str(ARTICLE_GRAPH), str(EDITORIAL_GRAPH)})
#: Kinds of ``id/`` IRIs that all copies share, as articles share a vocabulary and a map.
SHARED_KINDS = frozenset({"concept", "place", "role", "platform"})
#: The graph of the Wikidata-shaped names of the shared places.
WIKIDATA_LABELS_GRAPH = ox.NamedNode(str(GRAPH["wikidata-labels"]))
#: 150 language tags with a Wikidata label, in the order they are used.
_LANGUAGE_TAGS = """
af am ar as ast az ba be be-tarask bg bn bo br bs ca ckb co cs cv cy da de dsb el eo es et eu
fa fi fo fr fy ga gd gl gn gu gv ha he hi hr hsb ht hu hy ia id ig io is it ja jv ka kab kbd kk
kk-arab kk-cyrl kk-latn km kn ko krc ku kv kw ky la lb lez li lo lt lv mg mhr mi mk ml mn mr ms
mt my mzn nds ne nl nn no oc or os pa pl ps pt pt-br qu rm ro ru rue sa sah sc sco sd se sh si
sk sl so sq sr sr-ec sr-el su sv sw ta te tg th tk tl tr tt tt-cyrl udm ug uk ur uz vep vi war
wuu xmf yi yo yue zh zh-hans zh-hant zu
"""
LANGUAGES = tuple(_LANGUAGE_TAGS.split())
#: Scripts to write a language's names in, so the burden is not all Latin (searches fold them).
_CYRILLIC = frozenset({"ba", "be", "be-tarask", "bg", "ce", "cv", "kbd", "kk", "kk-cyrl", "krc",
                       "kv", "ky", "lez", "mhr", "mk", "mn", "os", "ru", "rue", "sah", "sr",
                       "sr-ec", "tg", "tt", "tt-cyrl", "udm", "uk"})
_LATIN_TO_CYRILLIC = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                   "абцдефгхийклмнопкрстувухызАБЦДЕФГХИЙКЛМНОПКРСТУВУХЫЗ")
_PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
_ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
_DESCRIPTION = ox.NamedNode("https://schema.org/description")
_RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
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
    burden = list(wikidata_names(bundle))
    copies = copies_for(bundle, triples)
    yield from fixed
    yield from burden
    for k in range(copies):
        yield from (q for q in (copy_quad(q, k) for q in copied) if q is not None)


def copies_for(bundle: list[ox.Quad], triples: int) -> int:
    """How many copies of the article graph make about ``triples`` quads (copy 0 included)."""
    copied = [q for q in bundle if q.graph_name.value in COPIED_GRAPHS]
    per_copy = sum(not _shared(q.subject) for q in copied)
    rest = len(bundle) + sum(1 for _ in wikidata_names(bundle))
    return 1 + max(0, math.ceil((triples - rest) / max(1, per_copy)))


def copy_quad(quad: ox.Quad, k: int) -> ox.Quad | None:
    """Copy ``k`` of ``quad``; None for what copies k > 0 would only repeat about a shared
    entity (its label, its type: said once)."""
    if k == 0:
        return quad
    if _shared(quad.subject):
        return None
    return ox.Quad(_term(quad.subject, k), quad.predicate, _term(quad.object, k), quad.graph_name)


def _shared(term: ox.NamedNode | ox.BlankNode) -> bool:
    if not isinstance(term, ox.NamedNode):
        return False
    local = term.value.removeprefix(str(ID))
    return local != term.value and local.split("/", 1)[0] in SHARED_KINDS


def wikidata_names(bundle: list[ox.Quad]) -> Iterator[ox.Quad]:
    """The Wikidata-shaped names of every place the bundle labels: per language a preferred
    label, a description and two alternative labels, derived from its English label (languages
    the bundle already names it in keep their own)."""
    english: dict[str, str] = {}
    named = {(q.subject.value, q.object.language) for q in bundle
             if q.predicate == _PREF and isinstance(q.object, ox.Literal)}
    for q in bundle:
        if (q.predicate == _RDFS_LABEL and isinstance(q.object, ox.Literal)
                and q.object.language == "en" and q.subject.value.startswith(str(ID["place/"]))):
            english.setdefault(q.subject.value, q.object.value)
    for iri, name in sorted(english.items()):
        place = ox.NamedNode(iri)
        for lang in LANGUAGES:
            local = name.translate(_LATIN_TO_CYRILLIC) if lang in _CYRILLIC else name
            # One preferred label per language: where the bundle has one, it stays the only one.
            preferred = () if (iri, lang) in named else ((_PREF, local),)
            for predicate, value in (
                    *preferred,
                    (_DESCRIPTION, f"place in Central Asia, as named in {lang}: {local}"),
                    (_ALT, f"{local} ({lang})"),
                    (_ALT, f"{local}, Kazakhstan ({lang})")):
                yield ox.Quad(place, predicate, ox.Literal(value, language=lang),
                              WIKIDATA_LABELS_GRAPH)


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
