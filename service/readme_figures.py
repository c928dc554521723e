"""The README's figures come from runs of the real ``qantar`` command on the bundled data.

Each region of README.md between ``<!-- figures: NAME -->`` and ``<!-- /figures -->`` is a console
block of the commands named in :data:`REGIONS` with their output, run on a fresh store in a
temporary directory. ``python -m service.readme_figures --write`` rewrites the regions;
``tests/test_readme_figures.py`` fails when the README says anything else, so the counts cannot
drift from the data.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from service.config import REPO_ROOT

README = REPO_ROOT / "README.md"
STORE = "var/store"

REGIONS: dict[str, list[list[str]]] = {
    "stats": [["stats"]],
    "load-and-query": [["load"], ["query", "@06-on-whose-decision-the-csto-force-came.rq"]],
}

_REGION = re.compile(r"(<!-- figures: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /figures -->)",
                     re.S)


def _qantar() -> str:
    """The ``qantar`` script installed beside this interpreter (the one users run)."""
    return str(Path(sys.executable).with_name("qantar"))


def generate() -> dict[str, str]:
    """Every region's console block, from commands run on a fresh store of the bundle."""
    with tempfile.TemporaryDirectory(prefix="qantar-readme-") as workdir:
        env = {**os.environ, "QANTAR_DATA_DIR": str(REPO_ROOT), "QANTAR_STORE": STORE}
        subprocess.run([_qantar(), "load"], cwd=workdir, env=env, check=True,
                       capture_output=True, timeout=600)
        blocks = {}
        for name, commands in REGIONS.items():
            lines = []
            for argv in commands:
                run = subprocess.run([_qantar(), *argv], cwd=workdir, env=env, check=True,
                                     capture_output=True, text=True, timeout=600)
                output = run.stdout.replace(str(Path(workdir).resolve()) + "/", "")
                lines.append(f"$ qantar {' '.join(argv)}\n{output.rstrip()}\n")
            blocks[name] = "```console\n" + "".join(lines) + "```\n"
        return blocks


def regions(text: str) -> dict[str, str]:
    """The regions as the README has them."""
    return {m["name"]: m["body"] for m in _REGION.finditer(text)}


def rewrite(text: str, blocks: dict[str, str]) -> str:
    return _REGION.sub(lambda m: m.group(1) + blocks[m["name"]] + m.group(4), text)


def main() -> None:
    blocks = generate()
    text = README.read_text(encoding="utf-8")
    if sorted(regions(text)) != sorted(REGIONS):
        sys.exit(f"README.md regions {sorted(regions(text))} != {sorted(REGIONS)}")
    if "--write" in sys.argv[1:]:
        README.write_text(rewrite(text, blocks), encoding="utf-8")
    elif regions(text) != blocks:
        sys.exit("README.md figures differ from the data: run python -m service.readme_figures "
                 "--write")


if __name__ == "__main__":
    main()
