"""What a query runner sends the SPARQL endpoint about one query: small typed messages.

A runner (the local query workers, service.store.workers, or the remote store's,
service.store.remote.runner) answers a job with one ``Whole``, ``Rows`` or ``Failure``, or with
a ``Head``, ``Chunk``\\ s and an ``End``; a ``Failure`` after the ``Head`` cuts the answer short.
A job run for its value (a check of a client's text, a page's read) is answered with
``Returned`` or ``Failure``.
A failure carries the error itself, a member of service.errors, so that the endpoint, not the
runner, decides what it means for the HTTP answer. The messages cross a pipe from the worker
processes, so they hold only picklable values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from service.errors import QantarError
from service.formats import Format

#: A cell of a row for the HTML view: (type, value, language or datatype), type one of "iri",
#: "bnode", "literal", "unbound".
Cell = tuple[str, str, str]


class AnswerKind(enum.StrEnum):
    """What a query answers with (its form decides)."""

    SOLUTIONS = "solutions"
    BOOLEAN = "boolean"
    TRIPLES = "triples"


@dataclass(frozen=True)
class Head:
    """A large answer begins: its kind and format."""

    kind: AnswerKind
    format: Format


@dataclass(frozen=True)
class Chunk:
    """The next piece of a large answer."""

    data: bytes


@dataclass(frozen=True)
class End:
    """A large answer is complete."""


@dataclass(frozen=True)
class Whole:
    """A small answer in one message."""

    kind: AnswerKind
    format: Format
    body: bytes


@dataclass(frozen=True)
class Rows:
    """At most a job's ``row_cap`` rows of the answer, for the HTML view."""

    kind: AnswerKind
    variables: list[str]
    rows: list[list[Cell]]
    truncated: bool


@dataclass(frozen=True)
class Returned:
    """What a job run for its value returned: a check of a client's text that passed (a
    CheckJob), or a page's read of the store (a ReadJob)."""

    value: object


@dataclass(frozen=True)
class Failure:
    """The query failed; ``error`` says how (its class: what the client is answered)."""

    error: QantarError


Message = Head | Chunk | End | Whole | Rows | Returned | Failure
#: The messages after which a runner sends nothing more about the job.
LAST = (End, Whole, Rows, Returned, Failure)
