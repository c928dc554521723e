"""The Reconciliation Service API 0.2's JSON schemas (vendored in tests/fixtures/reconciliation,
see its README), for validating what /reconcile answers."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).parent / "fixtures" / "reconciliation"


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        resources.append((contents["$id"].rstrip("#"), resource))
        resources.append((contents["$id"], resource))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft7Validator:
    """The validator of ``<name>.json`` (``manifest``, ``reconciliation-result-batch`` …)."""
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    return Draft7Validator(schema, registry=_registry())


def errors(name: str, instance: object) -> list[str]:
    """What is wrong with ``instance`` under the schema ``name`` (nothing: an empty list)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator(name).iter_errors(instance)]


def assert_valid(name: str, instance: object) -> None:
    found = errors(name, instance)
    assert not found, f"not a valid {name}: {found[:5]}"
