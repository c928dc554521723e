"""The modules of ``service`` import in any order: each one alone, and no import cycle.

Importing a module alone in a fresh interpreter finds the cycles that only bite in one order
(``a`` first works, ``b`` first fails on a half-initialised module); the static check finds
every cycle, also those that happen to import fine today.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "service"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(name: str, path: Path) -> set[str]:
    """The modules of ``service`` that importing ``name`` imports (anywhere in the file),
    including the packages a submodule import runs first (``a.b.c`` runs ``a.b``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES
                       else module for alias in node.names]
        for target in targets:
            while target:  # the target and the packages above it
                if target in MODULES and target != name:
                    found.add(target)
                target = target.rpartition(".")[0]
    # a submodule's own packages run first, but they are not imports of the submodule's code
    return {m for m in found if not name.startswith(m + ".")}


def test_service_has_no_import_cycle() -> None:
    graph = {name: imported_modules(name, path) for name, path in MODULES.items()}
    for name in MODULES:  # a submodule depends on its package (its __init__ runs first)
        parent = name.rpartition(".")[0]
        if parent in MODULES:
            graph[name].add(parent)
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*path[path.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert not cycles, "import cycles in service/:\n" + "\n".join(cycles)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_imports_alone(module: str) -> None:
    result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
