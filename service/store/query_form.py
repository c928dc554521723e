"""What a query is, from its parse: its form, its dataset clause, its BASE.

rdflib's parser answers (Oxigraph's exposes no parse tree); the engine then applies what the
query says. A text in which the letters "from" occur nowhere cannot have a dataset clause,
so that question needs no parse; the others do, and a client's text is parsed in a check
worker (service.sparql.checks) or in a query worker, never in the service's process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from service.store.rdflib_parse import decode_escapes, parse_query_tree

#: Texts up to this many characters keep their form in a cache.
CACHED_TEXT = 16_384


@dataclass(frozen=True)
class QueryForm:
    """A query's form. A text rdflib cannot parse (one Oxigraph refuses, or rarely an
    extension of Oxigraph's) has the defaults: a SELECT without a dataset or base of its own,
    so the engine's or the server's own error says what is wrong."""

    #: it has FROM or FROM NAMED
    own_dataset: bool = False
    #: it is a CONSTRUCT or DESCRIBE
    gives_triples: bool = False
    #: its prologue has a BASE
    declares_base: bool = False


def may_name_dataset(query: str) -> bool:
    """Whether the letters "from" occur in ``query`` once SPARQL's ``\\u`` escapes are
    decoded (as the grammar decodes them before parsing): one pass over the text."""
    return "from" in decode_escapes(query).lower()


def query_form(query: str) -> QueryForm:
    """The query's form, by its parse."""
    return _cached_form(query) if len(query) <= CACHED_TEXT else _form(query)


@lru_cache(maxsize=4096)
def _cached_form(query: str) -> QueryForm:
    return _form(query)


def _form(query: str) -> QueryForm:
    try:
        tree = parse_query_tree(query)
    except Exception:  # noqa: BLE001 - any parse failure: the defaults
        return QueryForm()
    prologue, form = tree[0], tree[1] if len(tree) > 1 else None
    return QueryForm(
        own_dataset=form is not None and "datasetClause" in form,
        gives_triples=getattr(form, "name", None) in ("ConstructQuery", "DescribeQuery"),
        declares_base=any(getattr(part, "name", None) == "Base" for part in prologue))
