"""Run SHACL (pyshacl) and turn its report graph into plain, sorted findings."""

from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.paths import AlternativePath, InvPath, MulPath, Path, SequencePath
from rdflib.term import Node

from service.namespaces import PREFIXES, shorten

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
