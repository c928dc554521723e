"""The service manifest: what ``GET /reconcile`` answers, with URLs of the host asked."""

from __future__ import annotations

from service.namespaces import QANTAR
from service.reconcile.ids import Spaces
from service.reconcile.queries import BATCH_SIZE
from service.reconcile.vocabulary import Term, Vocabulary

NAME = "Qantar: the January 2022 unrest in Kazakhstan"
PREVIEW_WIDTH = 420
PREVIEW_HEIGHT = 180


def type_object(vocabulary: Vocabulary, term: Term) -> dict:
    """A type as the API writes it: id, name, description, and its broader types."""
    found: dict = {"id": term.id, "name": term.name}
    if term.description:
        found["description"] = term.description
    broader = [vocabulary.classes[p] for p in sorted(term.parents) if p in vocabulary.classes]
    if broader:
        found["broader"] = [{"id": b.id, "name": b.name} for b in broader]
    return found


def manifest(vocabulary: Vocabulary, spaces: Spaces, root: str) -> dict:
    """The manifest for a service whose root URL is ``root`` (ending in ``/``)."""
    service = f"{root}reconcile"
    return {
        "versions": ["0.2"],
        "name": NAME,
        "identifierSpace": spaces.identifiers,
        "schemaSpace": str(QANTAR),
        "documentation": f"{root}",
        "batchSize": BATCH_SIZE,
        "view": {"url": f"{root}page/id/{{{{id}}}}"},
        "preview": {"url": f"{service}/preview?id={{{{id}}}}", "width": PREVIEW_WIDTH,
                    "height": PREVIEW_HEIGHT},
        "defaultTypes": [type_object(vocabulary, t) for t in vocabulary.own_classes()],
        "suggest": {kind: {"service_url": service, "service_path": f"/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "extend": {"propose_properties": {"service_url": service,
                                          "service_path": "/propose_properties"},
                   "property_settings": []},
    }
