"""Run SHACL and turn its results into plain, sorted findings.

Two engines, one kind of finding: the shapes compiled to SPARQL on Oxigraph
(service.compiled_shapes, for data of any size: ``validate_oxigraph``) and pyshacl (the
reference, and the fallback for any shape the compiler does not translate: ``validate_graph``).
tests/test_compiled_shapes.py holds the two to the same findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FilePath

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.paths import AlternativePath, InvPath, MulPath, Path, SequencePath
from rdflib.term import Node

from service.compiled_shapes import FOCUS_GRAPH, Result, compile_shapes, run_checks
from service.formats import N_QUADS
from service.namespaces import PREFIXES, shorten
from service.rdf_files import load_files
from service.store.interface import Store

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Finding:
    """One SHACL result, detached from the report graph so it outlives it."""

    focus: Node
    path: URIRef | Path | None
    message: str
    severity: str  # "Violation", "Warning" or "Info"
    value: Node | None = None

    def sort_key(self) -> tuple[int, str, str, str]:
        return (SEVERITY_ORDER.get(self.severity, 9), str(self.focus), str(self.path), self.message)


def validate_graph(
    data: Graph, shapes: Graph, focus_nodes: list[URIRef] | None = None
) -> list[Finding]:
    """Validate ``data`` against ``shapes`` with no inference; findings sorted by severity.

    No inference because the ontology's rdfs:subClassOf triples sit in ``data``, which is
    what pyshacl follows for sh:targetClass and sh:class. ``focus_nodes`` limits validation
    to those nodes (an import's own), leaving the rest of ``data`` as context.
    """
    _, report, _ = shacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
        focus_nodes=focus_nodes,
    )
    results = report.subjects(RDF.type, SH.ValidationResult)
    return sorted((_finding(report, r) for r in results), key=Finding.sort_key)


def validate_oxigraph(
    store: ox.Store, shapes: Graph, *, focus_graph: bool = False,
    default_graph: list[ox.NamedNode] | None = None,
) -> list[Finding]:
    """Validate what ``store`` holds (the union of its graphs, or ``default_graph``).

    ``focus_graph``: only the nodes marked in compiled_shapes.FOCUS_GRAPH are focus nodes and
    the data is the default graph alone. When a shape uses something the compiler does not
    translate, the whole validation falls back to pyshacl over a copy of the data (slow, but
    never a silently skipped constraint).
    """
    compiled = compile_shapes(shapes)
    if compiled.unsupported:
        return _pyshacl_fallback(store, shapes, focus_graph, default_graph)
    results = run_checks(store, compiled.checks, focus_graph=focus_graph,
                         default_graph=default_graph)
    return sorted((_compiled_finding(r) for r in results), key=Finding.sort_key)


def _compiled_finding(result: Result) -> Finding:
    check = result.check
    return Finding(focus=rdflib_term(result.focus), path=check.path, message=check.message,
                   severity=check.severity,
                   value=rdflib_term(result.value) if result.value is not None else None)


def oxigraph_term(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term (of a finding) as pyoxigraph's: the inverse of ``rdflib_term``."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """A pyoxigraph term as rdflib's (a plain string stays plain, as rdflib parses it)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


def _pyshacl_fallback(store: ox.Store, shapes: Graph, focus_graph: bool,
                      default_graph: list[ox.NamedNode] | None) -> list[Finding]:
    data, focus = Graph(), None
    if focus_graph:
        quads = store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        focus = [rdflib_term(q.subject) for q in
                 store.quads_for_pattern(None, None, None, ox.NamedNode(FOCUS_GRAPH))]
    else:
        graphs = default_graph if default_graph is not None else None
        quads = (q for q in store if graphs is None or q.graph_name in graphs)
    payload = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
    if payload:
        data.parse(data=payload, format="nt")
    return validate_graph(data, shapes, focus_nodes=focus)


def conforms(findings: list[Finding]) -> bool:
    """True when no finding is a Violation (warnings and infos do not fail validation)."""
    return not any(f.severity == "Violation" for f in findings)


def format_report(findings: list[Finding], prefixes: dict[str, str] | None = None) -> str:
    """A readable report: a summary line, then one block per finding with IRIs shortened."""
    prefixes = {**PREFIXES, **(prefixes or {})}
    counts = {s: sum(f.severity == s for f in findings) for s in SEVERITY_ORDER}
    summary = ", ".join(f"{n} {s.lower()}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    verdict = "Conforms" if conforms(findings) else "Does not conform"
    lines = [f"{verdict}: {summary or 'no findings'}"]
    for f in findings:
        lines.append("")
        lines.append(f"{f.severity}: {f.message}")
        lines.append(f"  focus: {_show(f.focus, prefixes)}")
        if f.path is not None:
            lines.append(f"  path:  {_show(f.path, prefixes)}")
        if f.value is not None:
            lines.append(f"  value: {_show(f.value, prefixes)}")
    return "\n".join(lines) + "\n"


def _finding(report: Graph, result: Node) -> Finding:
    severity = report.value(result, SH.resultSeverity)
    messages = sorted(report.objects(result, SH.resultMessage), key=_english_first)
    path = report.value(result, SH.resultPath)
    return Finding(
        focus=report.value(result, SH.focusNode),
        path=_path(report, path) if path is not None else None,
        message=str(messages[0]) if messages else "(no message)",
        severity=str(severity).rpartition("#")[2] if severity else "Violation",
        value=report.value(result, SH.value),
    )


def _english_first(message: Node) -> tuple[int, str]:
    lang = message.language if isinstance(message, Literal) else None
    return (0 if lang in (None, "en") else 1, str(message))


def _path(graph: Graph, node: Node) -> URIRef | Path:
    """Rebuild a SHACL property path (a blank-node structure) as an rdflib path."""
    if isinstance(node, URIRef):
        return node
    if (inverse := graph.value(node, SH.inversePath)) is not None:
        return InvPath(_path(graph, inverse))
    if (alternatives := graph.value(node, SH.alternativePath)) is not None:
        return AlternativePath(*(_path(graph, p) for p in Collection(graph, alternatives)))
    for predicate, mod in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"),
                           (SH.zeroOrOnePath, "?")):
        if (inner := graph.value(node, predicate)) is not None:
            return MulPath(_path(graph, inner), mod)
    if isinstance(node, BNode) and graph.value(node, RDF.first) is not None:
        return SequencePath(*(_path(graph, p) for p in Collection(graph, node)))
    return URIRef(str(node))


def _show(term: Node | Path, prefixes: dict[str, str]) -> str:
    if isinstance(term, URIRef):
        return shorten(str(term), prefixes)
    if isinstance(term, InvPath):
        return "^" + _show(term.arg, prefixes)
    if isinstance(term, SequencePath):
        return "(" + " / ".join(_show(a, prefixes) for a in term.args) + ")"
    if isinstance(term, AlternativePath):
        return "(" + " | ".join(_show(a, prefixes) for a in term.args) + ")"
    if isinstance(term, MulPath):
        return _show(term.path, prefixes) + term.mod
    if isinstance(term, Literal) and term.datatype is not None:
        return f'"{term}"^^{shorten(str(term.datatype), prefixes)}'
    if isinstance(term, BNode):
        return "[blank node]"
    return term.n3()


def validate_files(paths: list[FilePath], ontology: Graph, shapes: Graph) -> list[Finding]:
    """RDF files (with the ontology beside them), parsed by Oxigraph and validated there: what
    a file says is then what a store would hold (numbers as the store keeps them)."""
    store = ox.Store()
    load_files(store, paths, ontology)
    return validate_oxigraph(store, shapes)


def validate_store(store: Store, shapes: Graph) -> list[Finding]:
    """Everything ``store`` holds (every graph, embedded or remote), copied into memory once:
    validation reads it many times, and a copy is what a remote store allows."""
    copy = ox.Store()
    payload = store.dump_dataset(N_QUADS)
    if payload:
        copy.bulk_load(payload, format=ox.RdfFormat.N_QUADS)
    return validate_oxigraph(copy, shapes)


def validate_focus(data: list[bytes], focus: list[str], shapes: Graph) -> list[Finding]:
    """N-Triples ``data`` (an import and its context) with only the ``focus`` nodes (IRIs)
    held to the shapes: the import's own nodes, the rest is context."""
    copy = ox.Store()
    for payload in data:
        if payload:
            copy.bulk_load(payload, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
    mark = ox.NamedNode(FOCUS_GRAPH)
    copy.bulk_extend(ox.Quad(ox.NamedNode(f), mark, mark, mark) for f in focus)
    return validate_oxigraph(copy, shapes, focus_graph=True)
