"""Validation findings kept beside the data: what the shapes say of each graph's nodes of our
classes, refreshed by every write for the graphs it changed, so that an entity imported with
leniency (or broken by a later write or a changed shape) shows its findings on its page.

A graph is judged as an import judges it (service.imports.checks): its nodes of our classes,
with the ontology, article and editorial graphs beside it, by the compiled shapes. The results
are SHACL validation results in the findings graph, a graph of the service's own; each names
the graph it was found in (``qantar:foundInGraph``) and, where the offending statement is one
triple, the graphs that hold it (``qantar:statementGraph``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, URIRef

from service.imports.checks import judge_candidate
from service.imports.pipeline import stored_candidate
from service.namespaces import FINDINGS_GRAPH, ID, QANTAR
from service.store.interface import QueryDataset, Store
from service.store.protected import BUNDLE_GRAPHS
from service.validate import Finding, oxigraph_term
from service.versions import NOT_DATA

SH = "http://www.w3.org/ns/shacl#"
FINDING = ID["finding/"]
#: Graphs never judged here: the service's own, and the bundle's (see ``refresh``).
UNJUDGED = NOT_DATA | BUNDLE_GRAPHS
_PREFIXES = (f"PREFIX sh: <{SH}> PREFIX qantar: <{QANTAR}> "
             "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ")


@dataclass(frozen=True)
class StoredFinding:
    """A finding as pages show it."""

    focus: str
    message: str
    severity: str  # "Violation", "Warning" or "Info"
    graph: str  # the graph whose judging found it
    path: str | None = None  # the property, when the path is one
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None = None
    graphs: tuple[str, ...] = ()  # the graphs that hold the statement ``focus path value``


def refresh(store: Store, graphs: Iterable[str] | None, shapes: Graph) -> int:
    """Judge ``graphs`` (every graph when None) again and replace their findings. The
    service's own graphs hold none, and the bundle's are judged whole by `qantar load`, which
    refuses a bundle that breaks the shapes. The number of findings written."""
    names = [g for g in (store.graphs() if graphs is None else graphs) if g not in UNJUDGED]
    findings = {g: _judge(store, g, shapes) for g in names if store.graph_exists(g)}
    return replace(store, names if graphs is not None else None, findings)


def _judge(store: Store, graph: str, shapes: Graph) -> list[Finding]:
    candidate = stored_candidate(store, graph)
    return judge_candidate(candidate.data, candidate.focus, shapes) or []


def replace(store: Store, graphs: list[str] | None,
            findings: dict[str, list[Finding]]) -> int:
    """Remove the findings of ``graphs`` (all when None) and write ``findings`` (per graph)."""
    fg = ox.NamedNode(str(FINDINGS_GRAPH))
    if graphs is None:  # (not DROP GRAPH: servers differ on it, Virtuoso among them)
        delete = f"DELETE WHERE {{ GRAPH {fg} {{ ?r ?p ?o }} }}"
    elif graphs:
        listed = ", ".join(str(ox.NamedNode(g)) for g in graphs)
        delete = (f"DELETE {{ GRAPH {fg} {{ ?r ?p ?o }} }} WHERE {{ GRAPH {fg} {{ "
                  f"?r qantar:foundInGraph ?g ; ?p ?o FILTER(?g IN ({listed})) }} }}")
    else:
        return 0
    lines = []
    for graph, found in findings.items():
        for finding in found:
            lines.extend(_triples(store, graph, finding))
    written = sum(len(f) for f in findings.values())
    update = _PREFIXES + delete
    if lines:
        update += f" ;\nINSERT DATA {{ GRAPH {fg} {{ {' '.join(lines)} }} }}"
    store.update(update)
    return written


def _triples(store: Store, graph: str, finding: Finding) -> list[str]:
    focus = oxigraph_term(finding.focus)
    path = finding.path if isinstance(finding.path, URIRef) else None
    value = oxigraph_term(finding.value) if finding.value is not None else None
    key = f"{graph}\n{focus}\n{finding.path}\n{finding.message}\n{value}\n{finding.severity}"
    node = ox.NamedNode(FINDING + hashlib.sha256(key.encode()).hexdigest()[:32])
    out = [f"{node} a sh:ValidationResult ; sh:focusNode {focus} ; "
           f"sh:resultMessage {ox.Literal(finding.message)} ; "
           f"sh:resultSeverity sh:{finding.severity} ; "
           f"qantar:foundInGraph {ox.NamedNode(graph)} ."]
    if path is not None:
        out.append(f"{node} sh:resultPath {ox.NamedNode(str(path))} .")
    elif finding.path is not None:
        out.append(f"{node} rdfs:comment {ox.Literal('path: ' + finding.path.n3())} .")
    if value is not None and not isinstance(value, ox.BlankNode):
        out.append(f"{node} sh:value {value} .")
        if path is not None and not isinstance(focus, ox.BlankNode):
            for holder in _holders(store, focus, ox.NamedNode(str(path)), value):
                out.append(f"{node} qantar:statementGraph {ox.NamedNode(holder)} .")
    return out


def _holders(store: Store, s: object, p: ox.NamedNode, o: object) -> list[str]:
    rows = store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {s} {p} {o} }} }}",
                       QueryDataset.DEFAULT)
    return sorted(row["g"].value for row in rows)  # type: ignore[index]


def findings_of(store: Store, focus: str | None = None) -> list[StoredFinding]:
    """The findings of the entity ``focus`` (every finding when None), most severe first."""
    where = f"BIND({ox.NamedNode(focus)} AS ?focus)" if focus else ""
    rows = store.query(_PREFIXES + f"""
        SELECT ?r ?focus ?message ?severity ?graph ?path ?value
               (GROUP_CONCAT(DISTINCT STR(?holder); SEPARATOR=" ") AS ?holders)
        WHERE {{ {where} GRAPH <{FINDINGS_GRAPH}> {{
          ?r sh:focusNode ?focus ; sh:resultMessage ?message ; sh:resultSeverity ?severity ;
             qantar:foundInGraph ?graph .
          OPTIONAL {{ ?r sh:resultPath ?path }} OPTIONAL {{ ?r sh:value ?value }}
          OPTIONAL {{ ?r qantar:statementGraph ?holder }} }} }}
        GROUP BY ?r ?focus ?message ?severity ?graph ?path ?value""", QueryDataset.DEFAULT)
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    found = [StoredFinding(
        focus=row["focus"].value, message=row["message"].value,  # type: ignore[index]
        severity=row["severity"].value.removeprefix(SH),  # type: ignore[index]
        graph=row["graph"].value,  # type: ignore[index]
        path=row["path"].value if row["path"] is not None else None,  # type: ignore[index]
        value=row["value"],  # type: ignore[index]
        graphs=tuple(row["holders"].value.split()) if row["holders"] else ())
        for row in rows]
    return sorted(found, key=lambda f: (order.get(f.severity, 9), f.focus, f.path or "",
                                        f.message))
