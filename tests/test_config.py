"""Settings come from the environment once, with documented defaults."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from service.config import REPO_ROOT, Settings


def test_defaults_are_var_store_the_w3id_base_and_the_repo_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.store == tmp_path / "var" / "store"
    assert settings.base_iri == "https://w3id.org/qantar/"
    assert settings.data_dir == REPO_ROOT
    assert settings.shapes_file == REPO_ROOT / "shapes" / "qantar.ttl"
    assert settings.manifest_file == REPO_ROOT / "graph" / "datasets.ttl"


def test_environment_overrides_and_relative_paths_become_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"QANTAR_STORE": "s", "QANTAR_DATA_DIR": "d",
                                  "QANTAR_BASE_IRI": "http://example.org/"})
    assert (settings.store, settings.data_dir) == (tmp_path / "s", tmp_path / "d")
    assert settings.ontology_dir == tmp_path / "d" / "ontology"
    assert settings.queries_dir == tmp_path / "d" / "queries"
    assert settings.base_iri == "http://example.org/"


def test_settings_cannot_change_after_reading() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings.from_env({}).store = Path("/elsewhere")  # type: ignore[misc]
