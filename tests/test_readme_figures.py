"""The README's figures are what the real ``qantar`` command prints on the bundled data today."""

from __future__ import annotations

from service.readme_figures import README, REGIONS, generate, regions


def test_the_readme_shows_the_figures_the_data_gives() -> None:
    written = regions(README.read_text(encoding="utf-8"))
    assert sorted(written) == sorted(REGIONS), "a figures region is missing from README.md"
    fresh = generate()
    for name in REGIONS:
        assert written[name] == fresh[name], (
            f"README.md region {name!r} is stale: run python -m service.readme_figures --write")
