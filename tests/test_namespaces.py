"""Our vocabulary is closed: service.namespaces.QANTAR defines exactly the ontology's terms."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from service.config import REPO_ROOT
from service.namespaces import QANTAR


def test_the_closed_namespace_has_exactly_the_ontologys_terms() -> None:
    ontology = Graph().parse(REPO_ROOT / "ontology" / "qantar.ttl")
    defined = {str(term) for term in ontology.subjects()
               if isinstance(term, URIRef) and term.startswith(str(QANTAR))}
    assert {str(QANTAR[name]) for name in QANTAR.__annotations__} == defined


def test_a_misspelt_term_fails() -> None:
    assert QANTAR.Person == URIRef("https://w3id.org/qantar/ontology#Person")
    with pytest.raises(AttributeError):
        _ = QANTAR.Persn
