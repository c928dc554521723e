"""The docs are complete: every setting, command and route is documented, and no link is broken."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from flask import Flask

from service.cli import cli
from service.config import (
    DOCS_PAGE,
    REPO_ROOT,
    SETTINGS,
    documented_table,
    settings_table,
)

DOCS = REPO_ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
LINKED = [REPO_ROOT / "README.md", REPO_ROOT / "bench" / "README.md", *PAGES]

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.M)
_PLACEHOLDER = re.compile(r"<[^>]+>")


def _table_rows(table: str) -> dict[str, tuple[str, str]]:
    """``{variable: (default, meaning)}`` from the documented table of settings."""
    rows = {}
    for line in table.splitlines()[2:]:
        name, default, meaning = (cell.strip() for cell in line.strip("| ").split(" | "))
        rows[name.strip("`")] = (default, meaning)
    return rows


def test_every_setting_is_documented_with_its_default_and_help() -> None:
    table = documented_table(DOCS_PAGE.read_text(encoding="utf-8"))
    assert table is not None, "docs/configuration.md has no <!-- settings --> region"
    rows = _table_rows(table)
    for setting in SETTINGS:
        assert setting.name in rows, f"{setting.name} is not in docs/configuration.md"
        assert rows[setting.name] == (setting.documented_default, setting.help), (
            f"{setting.name}: the docs say {rows[setting.name]}")


def test_the_table_of_settings_is_the_one_the_declarations_give() -> None:
    table = documented_table(DOCS_PAGE.read_text(encoding="utf-8"))
    assert table == settings_table(), (
        "docs/configuration.md is stale: run python -m service.config --docs")


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_and_subcommand_is_in_the_cli_docs() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = list(_commands(cli))
    assert ("graphs", "drop") in commands  # the walk reaches subcommands
    missing = [" ".join(c) for c in commands if f"qantar {' '.join(c)}" not in text]
    assert not missing, f"not in docs/cli.md: {missing}"


def _documents(rule: str, spans: list[str]) -> bool:
    """Whether a code span starts with ``rule`` (after an optional method), its variable parts
    written as any ``<name>``: ``/store/<path:_rest>`` is documented as `/store/<path>`."""
    literal = [re.escape(part) for part in _PLACEHOLDER.split(rule)]
    pattern = re.compile(r"(?:[A-Z]+ )?" + "<[^>]+>".join(literal) + r"(?![\w/<-])")
    return any(pattern.match(span) for span in spans)


def test_every_route_is_in_the_docs(module_app: Flask) -> None:
    spans = [s for page in PAGES for s in _CODE_SPAN.findall(page.read_text(encoding="utf-8"))]
    rules = sorted({r.rule for r in module_app.url_map.iter_rules()
                    if r.endpoint != "static" and not r.endpoint.endswith(".static")})
    assert "/sparql" in rules and "/store/<path:_rest>" in rules
    missing = [rule for rule in rules if not _documents(rule, spans)]
    assert not missing, f"routes named nowhere in docs/: {missing}"


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings."""
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-")
            for h in _HEADING.findall(page.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("page", LINKED, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_relative_links_point_to_files_that_exist(page: Path) -> None:
    broken = []
    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and linked.suffix == ".md"
                                   and anchor not in _anchors(linked)):
            broken.append(target)
    assert not broken, f"{page.relative_to(REPO_ROOT)} links to what does not exist: {broken}"
