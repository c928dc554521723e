"""The modules of ``service`` import in any order: each one alone, and no import cycle.

Importing a module alone in a fresh interpreter finds the cycles that only bite in one order
(``a`` first works, ``b`` first fails on a half-initialised module); the static check finds
every cycle, also those that happen to import fine today.

And in ``tests``: no test module imports another (what tests share lives in support modules and
in conftest's fixtures), and the header of an authorised write is defined once.
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


# --- the tests ----------------------------------------------------------------------------------
#
# A test module imports no other test module (``test_*.py``, ``conftest.py``): what tests share
# lives in support modules (tests/live.py, tests/apps.py, ...) or in conftest's fixtures. pytest
# imports each test module itself under a name of its own (``test_pages``, tests/ having no
# ``__init__.py``), so importing one as ``tests.test_pages`` loads a second copy (its module code
# runs again, its state is not the first copy's), and a test module's helpers are not its API.

TESTS = ROOT / "tests"
TEST_FILES = sorted(TESTS.rglob("*.py"))


def is_test_module(name: str) -> bool:
    """Whether the dotted ``name`` is a test module: ``tests.test_x``, ``tests.conftest``, and,
    as pytest's rootdir-relative imports find them, ``test_x`` and ``conftest``."""
    last = name.rpartition(".")[2]
    return (name.startswith("tests.") or "." not in name) and (
        last == "conftest" or last.startswith("test_"))


def imported_test_modules(path: Path, root: Path = ROOT) -> list[str]:
    """The test modules that the file at ``path`` (under ``root``) imports, anywhere in it."""
    package = ".".join(path.relative_to(root).parent.parts)  # tests, tests.w3c
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if is_test_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if is_test_module(module):
                found.append(module)
            else:  # from tests import test_x, conftest
                found += [f"{module}.{alias.name}" for alias in node.names
                          if is_test_module(f"{module}.{alias.name}")]
    return found


def test_the_check_sees_every_form_of_importing_a_test_module(tmp_path: Path) -> None:
    (tmp_path / "tests" / "w3c").mkdir(parents=True)
    sample = tmp_path / "tests" / "sample.py"
    sample.write_text("import tests.test_a\nfrom tests.test_b import x\n"
                      "from tests import test_c, live\nfrom tests.conftest import y\n"
                      "import conftest\nfrom . import test_d\nfrom .test_e import z\n"
                      "from tests.live import w\nimport pytest, testing\n"
                      "from tests.w3c import run\ndef f():\n    from test_f import v\n",
                      encoding="utf-8")
    nested = tmp_path / "tests" / "w3c" / "nested.py"
    nested.write_text("from .. import conftest\nfrom ..test_g import u\nfrom . import suites\n",
                      encoding="utf-8")
    assert sorted(imported_test_modules(sample, tmp_path)) == [
        "conftest", "test_f", "tests.conftest", "tests.test_a", "tests.test_b", "tests.test_c",
        "tests.test_d", "tests.test_e"]
    assert sorted(imported_test_modules(nested, tmp_path)) == ["tests.conftest", "tests.test_g"]


def test_no_test_module_imports_another() -> None:
    assert {"conftest.py", "test_pages.py", "live.py"} <= {p.name for p in TEST_FILES}
    imports = {str(p.relative_to(ROOT)): imported_test_modules(p) for p in TEST_FILES}
    offenders = {path: found for path, found in imports.items() if found}
    assert not offenders, ("test modules imported (move what they share to a support module "
                           f"or a fixture of tests/conftest.py): {offenders}")


def test_the_write_header_is_defined_once() -> None:
    """``AUTH`` (the header of an authorised write) is tests/live.py's, imported elsewhere."""
    defining = sorted(
        str(path.relative_to(ROOT)) for path in TEST_FILES
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and any(isinstance(t, ast.Name) and t.id == "AUTH"
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])))
    assert defining == ["tests/live.py"]
