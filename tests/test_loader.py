"""Loading the bundle: manifest rules, validation before loading, and the atomic swap."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.bundle import read_bundle
from service.config import Settings
from service.errors import InvalidData, UnreadableInput
from service.loader import load_bundle
from service.namespaces import ARTICLE_GRAPH, EDITORIAL_GRAPH, METADATA_GRAPH, ONTOLOGY_GRAPH
from service.rdf_files import parse_file
from service.store.embedded import rebuild
from service.store.embedded.store import EmbeddedStore
from service.validate import validate_graph
from service.versions import content_digests, current_version, data_graphs, version_id

EXPECTED_COUNTS = {str(EDITORIAL_GRAPH): 2, str(METADATA_GRAPH): 3,
                   str(ARTICLE_GRAPH): 13, str(ONTOLOGY_GRAPH): 29}
NAMELESS_PERSON = """@prefix schema: <https://schema.org/> .
<https://w3id.org/qantar/id/person/nameless> a schema:Person .
"""


def counts_in(store_dir: Path) -> dict[str, int]:
    """The triples of each data graph (not the service's own records: service.versions)."""
    with EmbeddedStore(store_dir, read_only=True) as store:
        return {g: store.triple_count(g) for g in data_graphs(store)}


def add_to_article_graph(settings: Settings, name: str, text: str) -> None:
    """Write ``graph/<name>`` and list it in the manifest for the article graph."""
    (settings.graph_dir / name).write_text(text, encoding="utf-8")
    with settings.manifest_file.open("a", encoding="utf-8") as manifest:
        manifest.write(f'graph:nrc-2022-01-15 qantar:dataFile "{name}" .\n')


def test_each_file_goes_into_the_graph_the_manifest_names(fixture_settings: Settings) -> None:
    assert load_bundle(fixture_settings) == EXPECTED_COUNTS
    assert counts_in(fixture_settings.store) == EXPECTED_COUNTS
    with EmbeddedStore(fixture_settings.store, read_only=True) as store:  # and its version
        version = current_version(store)
        assert version is not None and version.id == version_id(content_digests(store))


def test_ontology_and_manifest_get_their_own_graphs(fixture_settings: Settings) -> None:
    graphs = read_bundle(fixture_settings).graphs
    assert list(graphs) == [ONTOLOGY_GRAPH, EDITORIAL_GRAPH, ARTICLE_GRAPH, METADATA_GRAPH]
    assert len(graphs[METADATA_GRAPH]) == 3  # the manifest, triple for triple


def test_graph_file_missing_from_manifest_is_invalid(fixture_settings: Settings) -> None:
    (fixture_settings.graph_dir / "stray.ttl").write_text("")
    with pytest.raises(InvalidData, match="stray.ttl is not listed in datasets.ttl"):
        read_bundle(fixture_settings)


def test_manifest_naming_a_missing_file_is_invalid(fixture_settings: Settings) -> None:
    (fixture_settings.graph_dir / "people.ttl").unlink()
    with pytest.raises(InvalidData, match="people.ttl is listed .* but does not exist"):
        read_bundle(fixture_settings)


def test_file_listed_for_two_graphs_is_invalid(fixture_settings: Settings) -> None:
    with fixture_settings.manifest_file.open("a") as manifest:
        manifest.write('graph:editorial qantar:dataFile "people.ttl" .\n')
    with pytest.raises(InvalidData, match="people.ttl is listed twice"):
        read_bundle(fixture_settings)


def test_broken_data_file_is_unreadable_with_its_position(fixture_settings: Settings) -> None:
    add_to_article_graph(fixture_settings, "broken.ttl", "<a> <b> .\n")
    with pytest.raises(UnreadableInput) as caught:
        load_bundle(fixture_settings)
    assert (Path(caught.value.file).name, caught.value.line) == ("broken.ttl", 1)


def test_shape_violation_refuses_the_load_with_a_report(fixture_settings: Settings) -> None:
    add_to_article_graph(fixture_settings, "nameless.ttl", NAMELESS_PERSON)
    with pytest.raises(InvalidData) as caught:
        load_bundle(fixture_settings)
    assert "A person needs a preferred label" in str(caught.value)
    assert "id:person/nameless" in str(caught.value)
    assert not fixture_settings.store.exists()


def test_warnings_do_not_stop_a_load(fixture_settings: Settings) -> None:
    # the fixture's protest is "about" someone, which the EventShape only warns about
    data = read_bundle(fixture_settings).union()
    findings = validate_graph(data, parse_file(fixture_settings.shapes_file))
    assert [f.severity for f in findings] == ["Warning"]
    assert load_bundle(fixture_settings)[str(ARTICLE_GRAPH)] == 13


def test_reload_replaces_the_store_contents(fixture_settings: Settings) -> None:
    load_bundle(fixture_settings)
    people = fixture_settings.graph_dir / "people.ttl"
    people.write_text(people.read_text().replace(', "Касым-Жомарт Токаев"@ru', ""))
    assert load_bundle(fixture_settings)[str(ARTICLE_GRAPH)] == 12
    assert counts_in(fixture_settings.store)[str(ARTICLE_GRAPH)] == 12


def test_invalid_bundle_leaves_previous_store_untouched(fixture_settings: Settings) -> None:
    load_bundle(fixture_settings)
    add_to_article_graph(fixture_settings, "nameless.ttl", NAMELESS_PERSON)
    with pytest.raises(InvalidData):
        load_bundle(fixture_settings)
    assert counts_in(fixture_settings.store) == EXPECTED_COUNTS


def test_crash_midway_leaves_previous_store_untouched(
    fixture_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_bundle(fixture_settings)

    def crash(self: EmbeddedStore, iri: str, triples: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(EmbeddedStore, "add_graph", crash)
    with pytest.raises(OSError, match="disk full"):
        load_bundle(fixture_settings)
    assert counts_in(fixture_settings.store) == EXPECTED_COUNTS
    assert [p.name for p in fixture_settings.store.parent.iterdir()] == ["store"]


def test_crash_between_the_renames_is_recovered_at_the_next_load(
    fixture_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_bundle(fixture_settings)
    store = fixture_settings.store
    # the state a crash right after "store -> store.old-<pid>" leaves behind
    store.rename(store.with_name("store.old-4242"))
    rebuild.recover(store)
    assert counts_in(store) == EXPECTED_COUNTS
    assert [p.name for p in store.parent.iterdir()] == ["store"]


def test_leftover_dirs_of_dead_loads_are_removed(fixture_settings: Settings) -> None:
    load_bundle(fixture_settings)
    parent = fixture_settings.store.parent
    dead_pid = 2**22 + 1  # above Linux's pid_max, so no process has it
    (parent / f"store.new-{dead_pid}").mkdir()
    (parent / f"store.old-{dead_pid}").mkdir()
    (parent / f"store.new-{os.getpid()}-other").mkdir()  # not a pid: also dead
    load_bundle(fixture_settings)
    assert sorted(p.name for p in parent.iterdir()) == ["store"]


def test_failed_swap_cleans_up_the_new_store(
    fixture_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_bundle(fixture_settings)

    def failing_swap(new: Path, store_path: Path) -> None:
        raise OSError("rename failed")

    monkeypatch.setattr(rebuild, "_swap", failing_swap)
    with pytest.raises(OSError, match="rename failed"):
        load_bundle(fixture_settings)
    assert counts_in(fixture_settings.store) == EXPECTED_COUNTS
    assert [p.name for p in fixture_settings.store.parent.iterdir()] == ["store"]
