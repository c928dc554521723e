"""The article and its graphs as the tests read them, apart from the service.

The bundle is read with rdflib (once per session: the graphs are only read), the article itself
from ``../shared/source/`` beside the repository; ``article_text`` skips the test with the reason
where it is absent. ``normalised`` is the form passages and the article are compared in.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pytest
from rdflib import Graph, Namespace, URIRef

from service.bundle import read_bundle
from service.config import REPO_ROOT, Settings

SOURCE = REPO_ROOT.parent / "shared" / "source" / "nrc-2022-01-15-kazakhstan.txt"
ARTICLE_GRAPH = URIRef("https://w3id.org/qantar/graph/nrc-2022-01-15")
EDITORIAL_GRAPH = URIRef("https://w3id.org/qantar/graph/editorial")
ONTOLOGY_GRAPH = URIRef("https://w3id.org/qantar/graph/ontology")
TRANSLATION = URIRef("https://w3id.org/qantar/id/source/nrc-2022-01-15-kazakhstan-en")
OA = Namespace("http://www.w3.org/ns/oa#")
ID = Namespace("https://w3id.org/qantar/id/")

# Typographic quotes and apostrophes as plain ones, runs of whitespace as one space.
_TYPOGRAPHIC = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "\u00a0": " "})


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).translate(_TYPOGRAPHIC)).strip()


def folded(text: str) -> str:
    """``normalised`` and case-folded."""
    return normalised(text).casefold()


@cache
def graphs() -> dict[URIRef, Graph]:
    return read_bundle(Settings.from_env({"QANTAR_DATA_DIR": str(REPO_ROOT)})).graphs


@cache
def article_text() -> str:
    if not SOURCE.is_file():
        pytest.skip(f"{SOURCE} is absent (the article lives in ../shared beside the repository)")
    return SOURCE.read_text(encoding="utf-8")
