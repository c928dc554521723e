"""Reading a reconciliation query batch (or a data extension query): JSON from a form field,
checked against what the 0.2 schemas allow, every mistake a 400 that says what is wrong.

Limits keep one request cheap: at most ``BATCH_SIZE`` queries in a batch (announced in the
manifest as ``batchSize``; 413 beyond, as the API allows), at most ``MAX_LIMIT`` candidates a
query, ``MAX_PROPERTIES`` properties a query with ``MAX_VALUES`` values each, query text and
literal values of at most ``SEARCH_TEXT_LIMIT`` characters (service.pages.search), at most
``MAX_EXTEND_IDS`` entities and ``MAX_EXTEND_PROPERTIES`` properties in a data extension.
A request body is at most ``MAX_REQUEST_BYTES`` (413 beyond, before it is parsed: reading a
form of megabytes of percent-escapes takes seconds of the web process). The batch itself runs
under the query time limit (service.reconcile.web).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from service.errors import BadRequest, BatchTooLarge
from service.pages.search import check_length

BATCH_SIZE = 50
#: The largest request body (a form with queries= or extend=): the largest batch the limits
#: below allow, 50 queries of 20 properties of 20 values of 100 characters, JSON then
#: percent-encoded, is about 2 MB; 4 MiB leaves room for escapes of non-ASCII text.
MAX_REQUEST_BYTES = 4 * 1024 * 1024
DEFAULT_LIMIT = 5
MAX_LIMIT = 100
#: Properties one query may give (each costs a look-up over its candidates)...
MAX_PROPERTIES = 20
#: ...and values one property may give.
MAX_VALUES = 20
MAX_EXTEND_IDS = 500
MAX_EXTEND_PROPERTIES = 50
TYPE_STRICT = ("any", "should", "all")
_QUERY_FIELDS = {"query", "type", "limit", "properties", "type_strict"}


@dataclass(frozen=True)
class PropertyValue:
    """A value a candidate's property should have: an entity (by identifier) or a literal."""

    text: str
    entity: bool = False


@dataclass(frozen=True)
class Query:
    """One reconciliation query, checked."""

    text: str | None
    types: tuple[str, ...] = ()
    limit: int = DEFAULT_LIMIT
    properties: tuple[tuple[str, tuple[PropertyValue, ...]], ...] = ()
    type_strict: str = "any"


@dataclass(frozen=True)
class Extension:
    """A data extension query: entity identifiers and property identifiers."""

    ids: list[str]
    properties: list[str] = field(default_factory=list)


def decode(text: str, field_name: str) -> Any:
    """The JSON in a form field, or 400 naming the field and where the JSON breaks."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        where = f" at line {err.lineno}, column {err.colno}" if isinstance(
            err, json.JSONDecodeError) else ""
        raise BadRequest(f"{field_name}= is not valid JSON{where}: "
                         f"{getattr(err, 'msg', 'too deeply nested')}") from None


def parse_batch(data: Any) -> dict[str, Query]:
    """The queries of a batch, by the client's keys."""
    if not isinstance(data, dict):
        raise BadRequest("queries= must be a JSON object of queries by key, e.g. "
                         '{"q0": {"query": "Tokayev"}}')
    if len(data) > BATCH_SIZE:
        raise BatchTooLarge(f"a batch holds at most {BATCH_SIZE} queries (batchSize in the "
                            f"manifest); this one has {len(data)}")
    return {key: _query(key, value) for key, value in data.items()}


def _query(key: str, value: Any) -> Query:
    if not isinstance(value, dict):
        raise BadRequest(f"query {key!r} must be a JSON object")
    unknown = sorted(set(value) - _QUERY_FIELDS)
    if unknown:
        raise BadRequest(f"query {key!r} has fields the API does not define: "
                         f"{', '.join(unknown)}")
    text = value.get("query")
    if text is not None and (not isinstance(text, str) or not text.strip()):
        raise BadRequest(f"query {key!r}: query must be a non-empty string")
    if text is not None:
        check_length(text.strip(), f"query {key!r}: the query text")
    properties = _properties(key, value.get("properties", []))
    if text is None and not properties:
        raise BadRequest(f"query {key!r} needs a query string or properties")
    return Query(text.strip() if text else None, _types(key, value.get("type")),
                 _limit(key, value.get("limit", DEFAULT_LIMIT)), properties,
                 _type_strict(key, value.get("type_strict", "any")))


def _types(key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(t, str) and t for t in items):
        raise BadRequest(f"query {key!r}: type must be a type identifier or a list of them")
    return tuple(items)


def _limit(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) \
            or not 1 <= value <= MAX_LIMIT:
        raise BadRequest(f"query {key!r}: limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(value)


def _type_strict(key: str, value: Any) -> str:
    if value not in TYPE_STRICT:
        raise BadRequest(f"query {key!r}: type_strict must be one of {', '.join(TYPE_STRICT)}")
    return value


def _properties(key: str, value: Any) -> tuple[tuple[str, tuple[PropertyValue, ...]], ...]:
    if not isinstance(value, list):
        raise BadRequest(f"query {key!r}: properties must be a list of {{pid, v}} objects")
    if len(value) > MAX_PROPERTIES:
        raise BadRequest(f"query {key!r}: at most {MAX_PROPERTIES} properties a query; this "
                         f"one has {len(value)}")
    found = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("pid"), str) \
                or not item["pid"] or "v" not in item or set(item) - {"pid", "v"}:
            raise BadRequest(f"query {key!r}: each property is an object with a pid (a "
                             "property identifier) and v (a value or a list of values)")
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        if len(values) > MAX_VALUES:
            raise BadRequest(f"query {key!r}: at most {MAX_VALUES} values a property; "
                             f"{item['pid']} has {len(values)}")
        found.append((item["pid"], tuple(_value(key, v) for v in values)))
    return tuple(found)


def _value(key: str, value: Any) -> PropertyValue:
    if isinstance(value, bool):
        return PropertyValue(str(value).lower())
    if isinstance(value, str | int | float):
        check_length(str(value), f"query {key!r}: a property value")
        return PropertyValue(str(value))
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return PropertyValue(value["id"], entity=True)
    raise BadRequest(f"query {key!r}: a property value is a string, a number, a boolean or "
                     'an entity {"id": ...}')


def parse_extension(data: Any) -> Extension:
    """A data extension query: ``{"ids": [...], "properties": [{"id": ...}, ...]}``."""
    if not isinstance(data, dict) or not isinstance(data.get("ids"), list) \
            or not isinstance(data.get("properties"), list):
        raise BadRequest('extend= must be a JSON object {"ids": [...], "properties": '
                         '[{"id": ...}, ...]}')
    ids, properties = data["ids"], data["properties"]
    if not all(isinstance(i, str) for i in ids):
        raise BadRequest("extend=: ids must be entity identifiers (strings)")
    if not all(isinstance(p, dict) and isinstance(p.get("id"), str) and p["id"]
               for p in properties):
        raise BadRequest('extend=: each property is an object {"id": ...}')
    if len(ids) > MAX_EXTEND_IDS or len(properties) > MAX_EXTEND_PROPERTIES:
        raise BadRequest(f"extend=: at most {MAX_EXTEND_IDS} ids and "
                         f"{MAX_EXTEND_PROPERTIES} properties at once")
    return Extension(list(dict.fromkeys(ids)), list(dict.fromkeys(p["id"] for p in properties)))
