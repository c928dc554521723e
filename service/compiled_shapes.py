"""SHACL compiled to SPARQL and run on Oxigraph: the same findings as pyshacl, at store speed.

pyshacl walks every focus node in Python (about 3,000 triples/s); here each constraint of a
property or node shape becomes one SPARQL query over all focus nodes at once, evaluated by
Oxigraph. Covered: targets sh:targetClass (with rdfs:subClassOf*), sh:targetSubjectsOf and
sh:targetNode; sh:minCount, sh:maxCount, sh:datatype (with well-formedness), sh:class,
sh:nodeKind, sh:in, sh:hasValue, sh:pattern, sh:languageIn, sh:uniqueLang, sh:min/maxInclusive,
sh:min/maxExclusive, sh:node, sh:or, and SPARQL-based constraints (sh:sparql with sh:select);
IRI paths only. A shape using anything else is not compiled: ``compile_shapes`` names it, and
the caller validates it with pyshacl (service.validate).

Results follow pyshacl's conventions, so the two can be compared finding for finding: a value
constraint gives one result per (focus, value), a count one per focus without a value,
sh:uniqueLang one per duplicated language without a value, a node shape's own constraint
(sh:or) the focus as the value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import count

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.term import Node, Variable

#: Where the caller puts the focus nodes it wants validated (one marker triple each), when it
#: validates only some of the data's nodes (an import's own) in an in-memory copy.
FOCUS_GRAPH = "urn:qantar:validation:focus"

_RDF_TYPE = f"<{RDF.type}>"
_SUBCLASS = f"<{RDFS.subClassOf}>"
# Datatypes whose lexical forms Oxigraph can check with a cast (an ill-formed literal keeps its
# datatype in the store but does not cast); pyshacl reports ill-typed literals as violations.
_CASTABLE = {XSD[t] for t in ("integer", "decimal", "double", "float", "boolean", "date",
                              "dateTime", "time", "duration", "dayTimeDuration",
                              "yearMonthDuration", "gYear", "gYearMonth")}
_NON_NEGATIVE = {XSD.nonNegativeInteger: ">= 0", XSD.positiveInteger: "> 0",
                 XSD.nonPositiveInteger: "<= 0", XSD.negativeInteger: "< 0"}
_RANGE = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">",
          SH.maxExclusive: "<"}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})", SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}
# What a property shape may say besides its constraints (not a constraint, nothing to compile).
_NOT_CONSTRAINTS = {SH.path, SH.message, SH.name, SH.description, SH.severity, SH.order,
                    SH.group, SH.deactivated, RDF.type, RDFS.label, RDFS.comment,
                    SH.defaultValue}
_NODE_SHAPE_EXTRAS = {SH.targetClass, SH.targetSubjectsOf, SH.targetNode, SH.property,
                      SH.sparql, SH.declare, SH.prefixes}


class Unsupported(Exception):
    """A shape uses a SHACL feature this compiler does not translate."""


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a query whose rows (?this, maybe ?value) are results."""

    shape: str
    query: str
    message: str
    severity: str
    path: URIRef | None = None
    value_is_focus: bool = False  # a node shape's own constraint: the focus is the value
    # A SPARQL constraint that does not itself bind $this must be run per focus node (pyshacl
    # pre-binds $this): then ``query`` lists the focus nodes and ``per_focus`` is the select.
    per_focus: str | None = None
    # The shape's target (a graph pattern binding ?this): ``run_checks`` puts the focus nodes
    # it selects where the query says #FOCUS ?var#.
    target: str = ""


@dataclass
class Compiled:
    checks: list[Check] = field(default_factory=list)
    unsupported: dict[str, str] = field(default_factory=dict)  # shape -> why not compiled


@dataclass(frozen=True)
class Result:
    focus: ox.NamedNode | ox.BlankNode
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    check: Check


def compile_shapes(shapes: Graph) -> Compiled:
    """Every targeted node shape of ``shapes`` as checks, or named as unsupported."""
    compiled = Compiled()
    targeted = {s for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetNode)
                for s in shapes.subjects(p, None)}
    unsupported_targets = {s for p in (SH.targetObjectsOf, SH.target)
                           for s in shapes.subjects(p, None)}
    for shape in sorted(unsupported_targets):
        compiled.unsupported[_name(shape)] = "sh:targetObjectsOf or sh:target"
    for shape in sorted(targeted - unsupported_targets, key=str):
        if shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        try:
            compiled.checks.extend(_ShapeCompiler(shapes, shape).checks())
        except Unsupported as why:
            compiled.unsupported[_name(shape)] = str(why)
    return compiled


def run_checks(store: ox.Store, checks: list[Check], *, focus_graph: bool = False,
               default_graph: list[ox.NamedNode] | None = None) -> Iterator[Result]:
    """Evaluate ``checks`` on ``store`` (its default graph the union of its graphs, or
    ``default_graph``); ``focus_graph`` limits focus nodes to those marked in FOCUS_GRAPH.

    With ``focus_graph`` the store is the caller's staging copy and its data the default
    graph alone, so each shape's focus nodes are selected once, into a named graph of their
    own beside FOCUS_GRAPH (removed at the end), rather than again by every check of the shape.
    """
    kwargs: dict[str, object] = ({"default_graph": default_graph} if default_graph is not None
                                 else {"use_default_graph_as_union": not focus_graph})
    blocks = _focus_blocks(store, checks, kwargs) if focus_graph else {}
    try:
        yield from _run(store, checks, kwargs, blocks)
    finally:
        for graph in blocks.values():
            store.remove_graph(ox.NamedNode(graph))


def _run(store: ox.Store, checks: list[Check], kwargs: dict[str, object],
         blocks: dict[str, str]) -> Iterator[Result]:
    def focus(check: Check, var: str) -> str:
        if check.target in blocks:
            return f"GRAPH <{blocks[check.target]}> {{ {var} <{FOCUS_GRAPH}> <{FOCUS_GRAPH}> }}"
        return f"{{ SELECT DISTINCT {var} WHERE {{ {check.target.replace('?this', var)} }} }}"

    def run(check: Check) -> list[Result]:
        query = _MARK.sub(lambda m: focus(check, m[1]), check.query)
        rows = store.query(query, **kwargs)
        if check.per_focus is None:
            return [Result(row["this"], row["this"] if check.value_is_focus else _value(row),
                           check) for row in rows]
        out = []
        for row in rows:
            this = row["this"]
            for hit in store.query(check.per_focus, substitutions={ox.Variable("this"): this},
                                   **kwargs):
                value = _value(hit)
                out.append(Result(this, this if value is None else value, check))
        return out

    # pyoxigraph releases the GIL while it evaluates: one thread per core.
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        for results in pool.map(run, checks):
            yield from results


# The placeholder the compiler leaves where the focus nodes go, with their variable.
_MARK = re.compile(r"#FOCUS (\?\w+)#")
# The marked nodes a target selects. The target in a subquery of its own, joined with the
# marks after: the same nodes, but Oxigraph evaluates the type path once for all of them
# instead of once per marked node (at 1M triples, 0.2 s against 2 s).
_MARKED = (f"SELECT DISTINCT ?this WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {{target}} }} }} "
           f"GRAPH <{FOCUS_GRAPH}> {{{{ ?this <{FOCUS_GRAPH}> <{FOCUS_GRAPH}> }}}} }}")


def _focus_blocks(store: ox.Store, checks: list[Check], kwargs: dict[str, object]
                  ) -> dict[str, str]:
    """Each target's marked nodes, written once into a named graph: target -> graph IRI."""
    mark = ox.NamedNode(FOCUS_GRAPH)
    blocks: dict[str, str] = {}
    for target in dict.fromkeys(c.target for c in checks if c.target):
        graph = ox.NamedNode(f"{FOCUS_GRAPH}:shape-{len(blocks)}")
        rows = store.query(_MARKED.replace("{target}", target), **kwargs)
        store.bulk_extend(ox.Quad(row["this"], mark, mark, graph) for row in rows)
        blocks[target] = graph.value
    return blocks


def _value(solution: ox.QuerySolution) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    try:
        return solution["value"]
    except KeyError:  # not projected
        return None


class _ShapeCompiler:
    """The checks of one targeted node shape."""

    def __init__(self, shapes: Graph, shape: Node) -> None:
        self.g, self.shape = shapes, shape
        self.vars = count()
        self.severity = _severity(shapes, shape, "Violation")
        self.target = self._target()

    def checks(self) -> list[Check]:
        """The node shape's checks; raises Unsupported for anything not translated."""
        g, shape = self.g, self.shape
        extra = set(g.predicates(shape, None)) - _NODE_SHAPE_EXTRAS - _NOT_CONSTRAINTS - {SH["or"]}
        if extra:
            raise Unsupported("node-shape constraints " + ", ".join(sorted(map(_name, extra))))
        out: list[Check] = []
        for prop in g.objects(shape, SH.property):
            out.extend(self._property(prop, self._focus))
        if (members := g.value(shape, SH["or"])) is not None:
            out.append(Check(
                _name(shape), self._select("", f"FILTER({self._or(members, '?this')})"),
                self._message(shape), self.severity, None, value_is_focus=True,
                target=self.target))
        for constraint in g.objects(shape, SH.sparql):
            out.append(self._sparql(constraint))
        return out

    # -- targets and queries ------------------------------------------------------------

    def _target(self) -> str:
        g, shape = self.g, self.shape
        parts = [f"{{ ?this {_RDF_TYPE}/{_SUBCLASS}* {_term(c)} }}"
                 for c in g.objects(shape, SH.targetClass)]
        parts += [f"{{ ?this {_term(p)} ?_target }}" for p in g.objects(shape, SH.targetSubjectsOf)]
        parts += [f"{{ VALUES ?this {{ {_term(n)} }} }}" for n in g.objects(shape, SH.targetNode)]
        return " UNION ".join(parts)

    @property
    def _focus(self) -> str:
        return "#FOCUS ?this#"  # the focus nodes, filled in by run_checks

    def _select(self, head: str, body: str, focus: str | None = None) -> str:
        return f"SELECT DISTINCT ?this {head} WHERE {{ {focus or self._focus} {body} }}"

    def _message(self, node: Node) -> str:
        messages = sorted(self.g.objects(node, SH.message),
                          key=lambda m: (0 if getattr(m, "language", None) in (None, "en")
                                         else 1, str(m)))
        if not messages:
            raise Unsupported(f"{_name(node)} has no sh:message (pyshacl would word one)")
        return str(messages[0])

    # -- property shapes ----------------------------------------------------------------

    def _property(self, prop: Node, focus: str, depth: int = 0) -> list[Check]:
        """The checks of property shape ``prop`` for the focus nodes ``focus`` selects, and
        pyshacl's details of an sh:node: the nested shape's own results on each value."""
        g = self.g
        if depth > 8:
            raise Unsupported("sh:node nested more than 8 deep")
        if g.value(prop, SH.deactivated) == Literal(True):
            return []
        path = g.value(prop, SH.path)
        if not isinstance(path, URIRef):
            raise Unsupported("a property path that is not one IRI")
        message = self._message(prop)
        severity = _severity(g, prop, self.severity)
        p = _term(path)
        out: list[Check] = []

        def add(query: str) -> None:
            out.append(Check(_name(self.shape), query, message, severity, path,
                             target=self.target))

        def select(head: str, body: str) -> str:
            return self._select(head, body, focus)

        for pred, obj in sorted(g.predicate_objects(prop)):
            if pred in _NOT_CONSTRAINTS or pred == SH.flags:
                continue
            if pred == SH.minCount:
                n = int(obj)
                if n == 1:  # OPTIONAL/!BOUND: Oxigraph runs it ten times faster than NOT EXISTS
                    add(select("", f"OPTIONAL {{ ?this {p} ?_any }} FILTER(!BOUND(?_any))"))
                elif n > 1:
                    add(f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?_v) AS ?_n) "
                        f"WHERE {{ {focus} OPTIONAL {{ ?this {p} ?_v }} }} GROUP BY ?this }} "
                        f"FILTER(?_n < {n}) }}")
            elif pred == SH.maxCount:
                add(f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?_v) AS ?_n) "
                    f"WHERE {{ {focus} ?this {p} ?_v }} GROUP BY ?this }} "
                    f"FILTER(?_n > {int(obj)}) }}")
            elif pred == SH.hasValue:
                add(select("", f"OPTIONAL {{ ?this {p} {_term(obj)} BIND(true AS ?_has) }} "
                                   f"FILTER(!BOUND(?_has))"))
            elif pred == SH.uniqueLang:
                if obj != Literal(True):
                    continue
                add(f"SELECT ?this ?_lang WHERE {{ {{ SELECT ?this ?_lang "
                    f"(COUNT(DISTINCT ?_a) AS ?_n) WHERE {{ {focus} ?this {p} ?_a . "
                    f"BIND(LCASE(LANG(?_a)) AS ?_lang) FILTER(?_lang != \"\") }} "
                    f"GROUP BY ?this ?_lang }} FILTER(?_n > 1) }}")
            elif pred == SH["class"]:
                add(select("?value", f"?this {p} ?value . OPTIONAL {{ ?value {_RDF_TYPE} ?_t . "
                                     f"?_t {_SUBCLASS}* {_term(obj)} }} FILTER(!BOUND(?_t))"))
            else:
                condition = self._value_condition(prop, pred, obj, "?value")
                add(select("?value", f"?this {p} ?value . FILTER({condition})"))
                if pred == SH.node:
                    nested = self._violates(obj, "?this")
                    inner = (f"{{ SELECT DISTINCT ?this WHERE {{ "
                             f"{focus.replace('?this', '?_outer' + str(depth))} "
                             f"?_outer{depth} {p} ?this . FILTER({nested}) }} }}")
                    for inner_prop in g.objects(obj, SH.property):
                        out.extend(self._property(inner_prop, inner, depth + 1))
        return out

    # -- conditions: true when the node in ``var`` breaks the constraint ------------------

    def _value_condition(self, owner: Node, pred: Node, obj: Node, var: str) -> str:
        g = self.g
        if pred == SH.datatype:
            return f"!({_datatype_ok(obj, var)})"
        if pred == SH["class"]:
            return f"NOT EXISTS {{ {var} {_RDF_TYPE}/{_SUBCLASS}* {_term(obj)} }}"
        if pred == SH.nodeKind:
            if obj not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {obj}")
            return "!(" + _NODE_KINDS[obj].format(v=var) + ")"
        if pred == SH["in"]:
            members = list(Collection(g, obj))
            if not members:
                return "true"
            return "!(" + " || ".join(f"sameTerm({var}, {_term(m)})" for m in members) + ")"
        if pred == SH.pattern:
            flags = g.value(owner, SH.flags)
            args = f"STR({var}), {_literal(str(obj))}"
            if flags is not None:
                args += f", {_literal(str(flags))}"
            return f"(isBlank({var}) || !REGEX({args}))"
        if pred in _RANGE:
            return f"!COALESCE({var} {_RANGE[pred]} {_term(obj)}, false)"
        if pred == SH.languageIn:
            tags = list(Collection(g, obj))
            if not tags:
                return "true"
            matches = " || ".join(f"langMatches(LANG({var}), {_literal(str(t))})" for t in tags)
            return f"!(isLiteral({var}) && LANG({var}) != \"\" && ({matches}))"
        if pred == SH.node:
            return self._violates(obj, var)
        if pred == SH["or"]:
            return self._or(obj, var)
        if pred == SH.hasValue:
            return f"!sameTerm({var}, {_term(obj)})"
        raise Unsupported(f"constraint {_name(pred)}")

    def _or(self, members: Node, var: str) -> str:
        shapes = list(Collection(self.g, members))
        if not shapes:
            return "true"
        return "(" + " && ".join(self._violates(s, var) for s in shapes) + ")"

    def _violates(self, shape: Node, var: str) -> str:
        """An expression true when ``var`` does not conform to the (nested) ``shape``."""
        g = self.g
        parts: list[str] = []
        path = g.value(shape, SH.path)
        if path is not None and not isinstance(path, URIRef):
            raise Unsupported("a property path that is not one IRI")
        for pred, obj in g.predicate_objects(shape):
            if pred in _NOT_CONSTRAINTS or pred in (SH.flags, SH.targetClass):
                continue
            if pred == SH.property:
                parts.append(self._violates(obj, var))
            elif path is None:
                parts.append(self._value_condition(shape, pred, obj, var))
            else:
                parts.append(self._path_condition(shape, _term(path), pred, obj, var))
        return "(" + " || ".join(parts) + ")" if parts else "false"

    def _path_condition(self, shape: Node, p: str, pred: Node, obj: Node, var: str) -> str:
        a, b = f"?_n{next(self.vars)}", f"?_n{next(self.vars)}"
        if pred == SH.minCount:
            n = int(obj)
            if n == 0:
                return "false"
            if n == 1:
                return f"NOT EXISTS {{ {var} {p} {a} }}"
            if n == 2:
                return f"NOT EXISTS {{ {var} {p} {a}, {b} . FILTER(!sameTerm({a}, {b})) }}"
            raise Unsupported("sh:minCount above 2 inside sh:node or sh:or")
        if pred == SH.maxCount:
            n = int(obj)
            if n == 0:
                return f"EXISTS {{ {var} {p} {a} }}"
            if n == 1:
                return f"EXISTS {{ {var} {p} {a}, {b} . FILTER(!sameTerm({a}, {b})) }}"
            raise Unsupported("sh:maxCount above 1 inside sh:node or sh:or")
        if pred == SH.hasValue:
            return f"NOT EXISTS {{ {var} {p} {_term(obj)} }}"
        if pred == SH.uniqueLang:
            if obj != Literal(True):
                return "false"
            return (f"EXISTS {{ {var} {p} {a}, {b} . FILTER(!sameTerm({a}, {b}) && "
                    f"LANG({a}) != \"\" && LCASE(LANG({a})) = LCASE(LANG({b}))) }}")
        condition = self._value_condition(shape, pred, obj, a)
        return f"EXISTS {{ {var} {p} {a} . FILTER({condition}) }}"

    # -- SPARQL-based constraints ---------------------------------------------------------

    def _sparql(self, constraint: Node) -> Check:
        g = self.g
        select = g.value(constraint, SH.select)
        if select is None or g.value(constraint, SH.deactivated) == Literal(True):
            raise Unsupported("a SPARQL constraint without sh:select")
        prefixes = "".join(
            f"PREFIX {g.value(d, SH.prefix)}: <{g.value(d, SH.namespace)}>\n"
            for source in g.objects(constraint, SH.prefixes)
            for d in g.objects(source, SH.declare))
        messages = list(g.objects(constraint, SH.message))
        message = self._message(constraint if messages else self.shape)
        severity = _severity(g, constraint, self.severity)
        text = str(select)
        if _binds_this(prefixes + text):
            query = prefixes + self._select("?value", f"{{ {text} }}")
            return Check(_name(self.shape), query, message, severity, None,
                         value_is_focus=not _projects_value(prefixes + text), target=self.target)
        focus = self._select("", "")
        return Check(_name(self.shape), focus, message, severity, None,
                     per_focus=prefixes + text, target=self.target)


def _binds_this(query: str) -> bool:
    """Whether every solution of the select binds $this by its own patterns, so that joining
    it with the focus nodes gives what pre-binding $this (as pyshacl does) gives."""
    algebra = translateQuery(parseQuery(query)).algebra
    return _binds(algebra, Variable("this"))


def _projects_value(query: str) -> bool:
    algebra = translateQuery(parseQuery(query)).algebra
    return Variable("value") in (algebra.get("PV") or [])


def _binds(node: object, var: Variable) -> bool:
    name = getattr(node, "name", None)
    if name is None:
        return False
    if name == "BGP":
        return any(var in (s, o) for s, _, o in node["triples"])
    if name in ("Join",):
        return _binds(node["p1"], var) or _binds(node["p2"], var)
    if name == "Union":
        return _binds(node["p1"], var) and _binds(node["p2"], var)
    if name in ("LeftJoin", "Minus"):
        return _binds(node["p1"], var)
    if name == "Extend" and node.get("var") == var:
        return True
    if name == "ToMultiSet" or "p" in node:
        return _binds(node.get("p"), var)
    return False


def _datatype_ok(datatype: Node, var: str) -> str:
    if datatype == RDF.langString:
        return f"isLiteral({var}) && LANG({var}) != \"\""
    if datatype == XSD.string:
        return f"isLiteral({var}) && DATATYPE({var}) = {_term(XSD.string)} && LANG({var}) = \"\""
    ok = f"isLiteral({var}) && DATATYPE({var}) = {_term(datatype)}"
    if datatype in _CASTABLE:
        ok += f" && COALESCE(isLiteral({_term(datatype)}(STR({var}))), false)"
    elif datatype in _NON_NEGATIVE:
        ok += f" && COALESCE({_term(XSD.integer)}(STR({var})) {_NON_NEGATIVE[datatype]}, false)"
    return ok


def _severity(g: Graph, node: Node, default: str) -> str:
    value = g.value(node, SH.severity)
    return str(value).rpartition("#")[2] if value is not None else default


def _term(node: Node) -> str:
    if isinstance(node, BNode):
        raise Unsupported("a blank node as a constant")
    return node.n3()


def _literal(text: str) -> str:
    return Literal(text).n3()


def _name(node: Node) -> str:
    return str(node) if isinstance(node, URIRef) else "a blank-node shape"
