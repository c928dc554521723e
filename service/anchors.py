"""Where pages link the provenance of what they show: a graph's entry on ``/graphs`` and one
disagreement on ``/conflicts``, as ids that any IRI or value makes safe (an HTML id, a URL
fragment)."""

from __future__ import annotations

import hashlib


def graph_anchor(iri: str) -> str:
    """The id of a graph's entry on ``/graphs``."""
    return "graph-" + hashlib.sha256(iri.encode("utf-8")).hexdigest()[:16]


def graph_href(iri: str) -> str:
    """Where a page links a graph: its entry (provenance, size) on ``/graphs``, never off-site."""
    return "/graphs#" + graph_anchor(iri)


def conflict_anchor(kind: str, subject: str, key: str) -> str:
    """The id of one disagreement on ``/conflicts``: from what it is about (its kind, its
    subject, the aspect's machine key: "label/en", "begin"), not from the words that show it."""
    digest = hashlib.sha256(f"{kind} {subject} {key}".encode()).hexdigest()[:16]
    return f"{kind}-{digest}"


def passage_anchor(start: int | None, end: int | None, exact: str) -> str:
    """The id of a passage in a source's reader: where it stands (``passage-<start>-<end>``,
    W3C offsets), or, when no position is recorded, from its words."""
    if start is not None and end is not None:
        return f"passage-{start}-{end}"
    return "passage-words-" + hashlib.sha256(exact.encode("utf-8")).hexdigest()[:16]
