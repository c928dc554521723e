"""Settings read once from the environment into one frozen dataclass."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: The repository root: where ontology/, graph/, shapes/ and queries/ live by default.
REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_STORE = "var/store"
DEFAULT_BASE_IRI = "https://w3id.org/qantar/"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about Qantar.

    Environment variables and their defaults:

    - ``QANTAR_STORE``: directory of the embedded Oxigraph store; default ``var/store``,
      relative to the current directory (made absolute when read).
    - ``QANTAR_BASE_IRI``: the IRI every Qantar identifier starts with; default
      ``https://w3id.org/qantar/``.
    - ``QANTAR_DATA_DIR``: the directory holding ``ontology/``, ``graph/``, ``shapes/`` and
      ``queries/``; default the repository root (the parent of the ``service`` package).
    """

    store: Path
    base_iri: str = DEFAULT_BASE_IRI
    data_dir: Path = REPO_ROOT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``env`` (default: ``os.environ``); empty values mean default."""
        env = os.environ if env is None else env
        return cls(
            store=Path(os.path.abspath(env.get("QANTAR_STORE") or DEFAULT_STORE)),
            base_iri=env.get("QANTAR_BASE_IRI") or DEFAULT_BASE_IRI,
            data_dir=Path(os.path.abspath(env.get("QANTAR_DATA_DIR") or REPO_ROOT)),
        )

    @property
    def ontology_dir(self) -> Path:
        return self.data_dir / "ontology"

    @property
    def graph_dir(self) -> Path:
        return self.data_dir / "graph"

    @property
    def manifest_file(self) -> Path:
        """The manifest saying which graph/ file belongs to which named graph."""
        return self.graph_dir / "datasets.ttl"

    @property
    def shapes_file(self) -> Path:
        return self.data_dir / "shapes" / "qantar.ttl"

    @property
    def queries_dir(self) -> Path:
        return self.data_dir / "queries"
