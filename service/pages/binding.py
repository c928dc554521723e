"""Terms into SPARQL without splicing request text.

Query texts carry empty ``VALUES ?name { }`` blocks (valid SPARQL that matches nothing); ``bind``
fills them with terms that pyoxigraph has already parsed and validated, written in their
N-Triples form. A string from a request can only arrive here as an ``ox.NamedNode`` or
``ox.Literal``, which rejects ``>``, spaces and quotes in IRIs and escapes literals, so a URL
cannot inject SPARQL. This works for any SPARQL 1.1 store; pyoxigraph's ``substitutions=``
would bind only projected variables and only on the embedded store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

from service.namespaces import PREFIXES

Bindable = ox.NamedNode | ox.Literal
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def bind(query: str, **terms: Bindable | Iterable[Bindable]) -> str:
    """Fill each ``VALUES ?name { }`` of ``query`` with the given term or terms."""
    for name, value in terms.items():
        if not _NAME.match(name):
            raise ValueError(f"not a SPARQL variable name: {name!r}")
        items = [value] if isinstance(value, Bindable) else list(value)
        for item in items:
            if not isinstance(item, Bindable):
                raise TypeError(f"only pyoxigraph named nodes and literals bind, not {item!r}")
        placeholder = f"VALUES ?{name} {{ }}"
        if query.count(placeholder) != 1:
            raise ValueError(f"the query needs exactly one {placeholder!r}")
        filled = " ".join(str(item) for item in items)
        query = query.replace(placeholder, f"VALUES ?{name} {{ {filled} }}")
    return query


def limited(query: str, limit: int, offset: int = 0) -> str:
    """Set the query's first ``LIMIT 1`` (and ``OFFSET 0``) placeholder to numbers.

    Page sizes and offsets come from requests too; ``int()`` makes sure only digits go in.
    """
    if "LIMIT 1" not in query:
        raise ValueError("the query needs a LIMIT 1 placeholder")
    query = query.replace("LIMIT 1", f"LIMIT {int(limit)}", 1)
    return query.replace("OFFSET 0", f"OFFSET {int(offset)}", 1)


#: The PREFIX lines every page query starts with (the project's prefixes, one source).
PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
