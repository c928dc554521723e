"""What differs between SPARQL 1.1 servers, in one place: the remote store's dialect.

``RemoteStore`` speaks the standard protocols; where a server reads them its own way, the
dialect says how to ask it so that the store still behaves as the interface promises. The
standard dialect (Oxigraph server, Fuseki, GraphDB) changes nothing. ``Virtuoso`` (measured on
7.2.5, docs/remote-stores.md) gets, through the same protocols:

- Qantar's default graph as one named graph (``DEFAULT_GRAPH``), since Virtuoso's default graph
  is every graph: queries get it as ``default-graph-uri``, updates as ``using-graph-uri``, the
  Graph Store as ``?graph=``; the union of all graphs is asked for by listing them, which also
  keeps Virtuoso's own system graphs out of every answer;
- graphs listed from ``GRAPH ?g { ?s ?p ?o }`` (``GRAPH ?g { }`` answers one empty row, and
  ``ASK { GRAPH <g> { } }`` is true for every IRI) without the system graphs;
- data with blank nodes sent by the Graph Store Protocol (``INSERT DATA`` refuses them);
- its blank nodes in JSON results (``nodeID://b10023``) renamed to labels every parser reads,
  and its booleans there (``"1"``) written in their canonical form (``"true"``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from service.errors import BadQuery
from service.store.query_form import QueryForm, may_name_dataset, query_form

#: What every SPARQL 1.1 server writes, for any kind of query, most wanted first.
RESULTS_OR_TRIPLES = "application/sparql-results+json, application/n-triples;q=0.9"


class Dialect:
    """A standard SPARQL 1.1 server: the protocols as written."""

    name = "standard"
    #: the named graph that stands for Qantar's default graph, where the server has none
    default_graph: str | None = None
    #: whether ``INSERT DATA`` may carry blank nodes
    inserts_blank_nodes = True
    #: whether the server's answers may be passed on to clients as they are
    passes_answers_through = True

    def is_system_graph(self, iri: str) -> bool:
        """A graph of the server's own, which Qantar never lists or shows."""
        return False

    #: whether it must know a query's form (``QueryForm``) beyond its dataset clause
    reads_query_form = False
    #: the deepest nesting of brackets sent to the server: Oxigraph's server (0.5) parses on a
    #: 2 MiB thread stack and dies of a stack overflow on 3,000 nested groups (2,000 parse;
    #: 5,000 nested parentheses kill it too), taking every client's store down with it
    max_nesting = 1_000

    def check_nesting(self, text: str, operation: str) -> None:
        """Refuse (BadQuery) a text that might nest deeper than the server can parse."""
        depth = bracket_depth(text)
        if depth > self.max_nesting:
            raise BadQuery(f"this {operation} nests brackets {depth:,} levels deep; the SPARQL "
                           f"server behind this service is sent nothing nested more than "
                           f"{self.max_nesting:,} levels deep (deeper texts can crash it); "
                           "nothing was run")

    def accept(self, form: QueryForm) -> str:
        """The Accept header for an answer Qantar reads (any query form)."""
        return RESULTS_OR_TRIPLES

    def with_base(self, query: str, base_iri: str, form: QueryForm) -> str:
        """``query`` with relative IRIs resolved against ``base_iri`` (our endpoint), on the
        same line, so that line numbers in the server's messages stay right."""
        return f"BASE <{base_iri}> {query}"

    def fix_results(self, body: bytes, media_type: str) -> bytes:
        """The server's query results as every parser reads them."""
        return body


class Virtuoso(Dialect):
    """OpenLink Virtuoso 7 (see the module docstring)."""

    name = "virtuoso"
    default_graph = "urn:x-qantar:default-graph"
    inserts_blank_nodes = False
    passes_answers_through = False
    reads_query_form = True

    #: the graphs a fresh Virtuoso 7.2 holds (its RDF views, LDP and endpoint descriptions)
    SYSTEM_GRAPHS = frozenset({
        "http://www.openlinksw.com/schemas/virtrdf#",
        "http://www.w3.org/ns/ldp#",
        "http://www.w3.org/2002/07/owl#",
        "http://localuriqaserver/sparql",
        "http://localuriqaserver/DAV/",
    })
    #: a Virtuoso without [URIQA] DefaultHost names its own graphs under this
    SYSTEM_PREFIXES = ("http://localhost:8890/",)

    def is_system_graph(self, iri: str) -> bool:
        return iri in self.SYSTEM_GRAPHS or iri.startswith(self.SYSTEM_PREFIXES)

    def accept(self, form: QueryForm) -> str:
        """One media type: Virtuoso ignores q-values and answers a CONSTRUCT as SPARQL JSON
        results when that comes first (and a SELECT as RDF when N-Triples does)."""
        return ("application/n-triples" if form.gives_triples
                else "application/sparql-results+json")

    def with_base(self, query: str, base_iri: str, form: QueryForm) -> str:
        """Virtuoso refuses a second BASE (and any BASE after a PREFIX): a query that declares
        its own base, which wins anyway, is sent as it is."""
        return query if form.declares_base else super().with_base(query, base_iri, form)

    def fix_results(self, body: bytes, media_type: str) -> bytes:
        """Blank nodes ``nodeID://b10023`` as ``b10023``; booleans, which Virtuoso's JSON
        writes ``"1"`` and ``"0"`` (its N-Triples ``"true"``), in the canonical form."""
        if "json" not in media_type or (b"nodeID://" not in body and BOOLEAN.encode() not in body):
            return body
        answer = json.loads(body)
        for row in answer.get("results", {}).get("bindings", []):
            for term in row.values():
                if term.get("type") == "bnode":
                    term["value"] = _BLANK_LABEL.sub("", term["value"])
                elif term.get("datatype") == BOOLEAN and term.get("value") in _BOOLEANS:
                    term["value"] = _BOOLEANS[term["value"]]
        return json.dumps(answer).encode("utf-8")


_BLANK_LABEL = re.compile(r"^nodeID://")
BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_BOOLEANS = {"1": "true", "0": "false"}


def bracket_depth(text: str) -> int:
    """The deepest nesting of ``{``, ``(`` and ``[`` in ``text``, those in strings, IRIs and
    comments counted too: one pass, and never less than the nesting the server's parser
    recurses through (every recursion in SPARQL's grammar opens a bracket)."""
    depth = deepest = 0
    for char in text.translate(_BRACKETS_ONLY):
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    return deepest


class _BracketsOnly(dict):
    """``str.translate`` table: an opening bracket as ``(``, a closing one as ``)``, the rest
    dropped."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        self[code] = "(" if char in "{([" else ")" if char in "})]" else None
        return self[code]


_BRACKETS_ONLY = _BracketsOnly()


def needs_parse(query: str, dialect: Dialect) -> bool:
    """Whether ``query_form`` must parse ``query`` for ``dialect`` (one pass over the text);
    the others have the defaults. A client's text is parsed in a check worker
    (service.sparql.checks)."""
    return dialect.reads_query_form or may_name_dataset(query)


def form_for(query: str, dialect: Dialect,
             parse: Callable[[str], QueryForm] = query_form) -> QueryForm:
    """The form ``dialect`` reads of ``query``: parsed by ``parse`` only when it must be
    (``needs_parse``), else the defaults. ``parse`` says where the parse runs: in this process
    for Qantar's own text, in a check worker for a client's (service.store.remote.runner)."""
    return parse(query) if needs_parse(query, dialect) else QueryForm()


def choose(setting: str, server_header: str) -> Dialect:
    """The dialect the settings name, or (``auto``) the one the server's ``Server`` header
    shows."""
    if setting == "virtuoso" or (setting == "auto" and server_header.startswith("Virtuoso")):
        return Virtuoso()
    return Dialect()
