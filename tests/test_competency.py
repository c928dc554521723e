"""Each competency question in queries/ gives its expected answer on the loaded store.

How answers are compared: tests/competency.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.store.embedded.store import EmbeddedStore
from tests.competency import EXPECTED, QUERY_FILES, answer, assert_expected


def test_there_are_at_least_25_competency_questions_each_with_an_expectation() -> None:
    assert len(QUERY_FILES) >= 25
    assert sorted(p.stem for p in QUERY_FILES) == sorted(EXPECTED)


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_begins_with_its_question_in_plain_english(path: Path) -> None:
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert re.fullmatch(r"# Question: [A-Z].+\?", first_line), first_line


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_competency_question_gives_its_expected_answer(loaded_store: EmbeddedStore,
                                                       path: Path) -> None:
    assert_expected(path, answer(loaded_store, path))
