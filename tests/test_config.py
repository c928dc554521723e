"""Settings come from the environment once, with documented defaults."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from service.config import REPO_ROOT, SETTINGS, Settings


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


def test_every_field_is_a_declared_setting_but_the_remote_stores_url() -> None:
    """...and the shared writer's socket, which `qantar serve` sets for its own processes."""
    declared = [s.field for s in SETTINGS]
    assert len(declared) == len(set(declared))
    assert {f.name for f in dataclasses.fields(Settings)} == {*declared, "store_url",
                                                              "writer_socket"}
    assert Settings.from_env({}).writer_socket == ""  # never read from the environment


def test_every_declared_default_is_a_valid_value() -> None:
    for setting in SETTINGS:
        setting.read({})  # raises on a default its own parser refuses


def test_a_url_as_the_store_names_the_remote_store_with_its_journal_in_the_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"QANTAR_STORE": "http://127.0.0.1:7878/query",
                                  "QANTAR_STATE_DIR": "state", "QANTAR_STORE_UNION": ""})
    assert settings.store_url == "http://127.0.0.1:7878/query"
    assert settings.store == tmp_path / "state" / "remote-store"
    assert settings.store_union == ""  # empty is a value of its own here, not the default
    assert Settings.from_env({}).store_union == "union-default-graph"


def test_numbers_are_read_and_a_bad_one_names_its_variable() -> None:
    settings = Settings.from_env({"QANTAR_QUERY_TIMEOUT": "2.5", "QANTAR_PAGE_SIZE": "0",
                                  "QANTAR_FETCH_ALLOW": " Example.org, h:8080 ,"})
    assert (settings.query_timeout, settings.page_size) == (2.5, 1)
    assert settings.fetch_allow == {"example.org", "h:8080"}
    with pytest.raises(ValueError, match="QANTAR_PORT='eighty' is not a number"):
        Settings.from_env({"QANTAR_PORT": "eighty"})
    with pytest.raises(ValueError, match="QANTAR_THREADS='-1' must not be negative"):
        Settings.from_env({"QANTAR_THREADS": "-1"})
