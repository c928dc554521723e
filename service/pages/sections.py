"""Which section of an entity page a property belongs to.

The ontology names each property (its ``rdfs:label``); this table only says where on the page it
goes, as Wikidata groups statements. A property not listed goes under "More".
"""

from __future__ import annotations

from service.namespaces import OWL, PROV, QANTAR, RDF, RDFS, SDO, SEM, SKOS

SECTIONS: list[tuple[str, list]] = [
    ("What", [QANTAR.eventType, QANTAR.value, QANTAR.quantityKind, QANTAR.precision, QANTAR.unit,
              QANTAR.quote, QANTAR.status, QANTAR.about, QANTAR.disputes, QANTAR.partOfFigure,
              QANTAR.occupation, QANTAR.statedAge, SDO.gender, SKOS.definition, SKOS.notation,
              SKOS.inScheme, SKOS.broader, SKOS.closeMatch, SKOS.topConceptOf, RDFS.comment,
              SKOS.editorialNote]),
    ("When", [SEM.hasBeginTimeStamp, SEM.hasEndTimeStamp, SEM.hasEarliestBeginTimeStamp,
              SEM.hasLatestBeginTimeStamp, SEM.hasEarliestEndTimeStamp, SEM.hasLatestEndTimeStamp,
              QANTAR.beginDateUnknown, QANTAR.duration, QANTAR.statedOn, QANTAR.statedNotBefore,
              QANTAR.statedNotAfter, SDO.datePublished]),
    ("Where", [SEM.hasPlace, QANTAR.residence, QANTAR.locatedIn, QANTAR.basedIn,
               QANTAR.concernsPlace, QANTAR.deployedTo, QANTAR.jurisdiction]),
    ("Who", [QANTAR.claimant, QANTAR.statedTo, QANTAR.reportedBy, QANTAR.holder, QANTAR.office,
             QANTAR.member, QANTAR.organization, QANTAR.role, QANTAR.predecessor,
             QANTAR.successor, QANTAR.appointer, QANTAR.appointee, QANTAR.remover, QANTAR.removed,
             QANTAR.supervisor, QANTAR.supervised, QANTAR.deployer, QANTAR.deployedForce,
             QANTAR.underFlagOf, QANTAR.grantor, QANTAR.grantee, QANTAR.rival,
             QANTAR.favouredParty, QANTAR.hasParticipation, OWL.differentFrom]),
    ("How it connects", [SEM.hasSubEvent, QANTAR.causedBy, QANTAR.relays, PROV.wasGeneratedBy,
                         PROV.wasInvalidatedBy, QANTAR.usedPlatform]),
    ("Source", [QANTAR.source, QANTAR.evidence, SDO.publisher, SDO.isPartOf, SDO.translationOfWork,
                SDO.inLanguage, SDO.associatedMedia, SDO.creator, SDO.provider, SDO.creditText,
                PROV.wasDerivedFrom]),
]
OTHER = "More"
#: What the page header shows; the last table lists it again, with the graph each comes from.
NAMES = "Names and links"
HEADER = [RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, SDO.description,
                 SKOS.exactMatch, OWL.sameAs]

_WHERE = {str(p): (title, i) for title, props in SECTIONS for i, p in enumerate(props)}
_WHERE.update({str(p): (NAMES, i) for i, p in enumerate(HEADER)})
ORDER = [title for title, _ in SECTIONS] + [OTHER, NAMES]


def section_of(predicate: str) -> tuple[str, int]:
    """The section title and the rank within it (unlisted properties sort last, by label)."""
    return _WHERE.get(predicate, (OTHER, 999))
