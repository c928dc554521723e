"""Namespaces and the fixed named-graph IRIs of the data contract.

These are identifiers published in the data itself, so they are constants, not settings.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import Namespace, URIRef
from rdflib.namespace import (
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    TIME,
    XSD,
    DefinedNamespace,
)

#: The IRI every Qantar identifier starts with: the ontology, the entities, the named graphs.
#: The default of the ``QANTAR_BASE_IRI`` setting, which says where the service resolves them.
BASE = "https://w3id.org/qantar/"


class QANTAR(DefinedNamespace):
    """The Qantar ontology (ontology/qantar.ttl), closed: a term it does not define fails at
    import (AttributeError) instead of becoming a new IRI. tests/test_namespaces.py keeps the
    two in step."""

    _NS = Namespace(f"{BASE}ontology#")
    _fail = True

    # classes
    Agent: URIRef
    Appointment: URIRef
    AsylumGrant: URIRef
    Building: URIRef
    City: URIRef
    CityDistrict: URIRef
    Claim: URIRef
    Country: URIRef
    Employment: URIRef
    Event: URIRef
    Figure: URIRef
    ForceDeployment: URIRef
    GovernmentBody: URIRef
    Group: URIRef
    HeldText: URIRef
    InternationalOrganization: URIRef
    Landform: URIRef
    Leadership: URIRef
    LinkNote: URIRef
    MediaOrganization: URIRef
    NonGovernmentalOrganization: URIRef
    Office: URIRef
    OfficeHolding: URIRef
    OnlinePlatform: URIRef
    Organization: URIRef
    Participation: URIRef
    Person: URIRef
    Place: URIRef
    PowerRelation: URIRef
    PseudonymousWitness: URIRef
    Region: URIRef
    Removal: URIRef
    Rivalry: URIRef
    SavedQuery: URIRef
    SecurityForce: URIRef
    Succession: URIRef
    Supervision: URIRef

    # properties
    about: URIRef
    appointee: URIRef
    appointer: URIRef
    basedIn: URIRef
    beginDateUnknown: URIRef
    causedBy: URIRef
    claimant: URIRef
    concernsPlace: URIRef
    dataFile: URIRef
    deployedForce: URIRef
    deployedTo: URIRef
    deployer: URIRef
    disputes: URIRef
    duration: URIRef
    eventType: URIRef
    evidence: URIRef
    favouredParty: URIRef
    grantee: URIRef
    grantor: URIRef
    hasParticipation: URIRef
    holder: URIRef
    inferredFrom: URIRef
    jurisdiction: URIRef
    locatedIn: URIRef
    member: URIRef
    occupation: URIRef
    office: URIRef
    organization: URIRef
    partOfFigure: URIRef
    participant: URIRef
    participantRole: URIRef
    precision: URIRef
    predecessor: URIRef
    quantityKind: URIRef
    quote: URIRef
    relationObject: URIRef
    relationSubject: URIRef
    relays: URIRef
    removed: URIRef
    remover: URIRef
    reportedBy: URIRef
    residence: URIRef
    rival: URIRef
    role: URIRef
    source: URIRef
    statedAge: URIRef
    statedNotAfter: URIRef
    statedNotBefore: URIRef
    statedOn: URIRef
    statedTo: URIRef
    status: URIRef
    successor: URIRef
    supervised: URIRef
    supervisor: URIRef
    textLength: URIRef
    underFlagOf: URIRef
    unit: URIRef
    usedPlatform: URIRef
    validationOutcome: URIRef
    validationReport: URIRef
    contentDigest: URIRef
    savedOnVersion: URIRef
    foundInGraph: URIRef
    statementGraph: URIRef
    value: URIRef


ONTOLOGY_IRI = URIRef(f"{BASE}ontology")
ID = Namespace(f"{BASE}id/")
GRAPH = Namespace(f"{BASE}graph/")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
WD = Namespace("http://www.wikidata.org/entity/")
#: W3C Web Annotation: the passages of the article that statements rest on.
OA = Namespace("http://www.w3.org/ns/oa#")

ONTOLOGY_GRAPH = GRAPH["ontology"]
ARTICLE_GRAPH = GRAPH["nrc-2022-01-15"]
EDITORIAL_GRAPH = GRAPH["editorial"]
METADATA_GRAPH = GRAPH["metadata"]
#: Where import provenance lives: one graph, apart from the data it describes.
PROVENANCE_GRAPH = GRAPH["provenance"]
#: Saved queries, the permalinks' records (service.permalinks): the service's own, like provenance.
QUERIES_GRAPH = GRAPH["queries"]
#: Validation findings of the data, kept by every write (service.findings): the service's own.
FINDINGS_GRAPH = GRAPH["findings"]
#: The VoID description an export adds (service.imports.void).
VOID_GRAPH = GRAPH["void"]


def dataset_iri(base_iri: str) -> URIRef:
    """The dataset VoID describes and every data version is a version of."""
    return URIRef(base_iri.rstrip("/") + "/dataset")

#: Prefixes used to shorten IRIs for people (reports, tables). Longest match wins.
PREFIXES: dict[str, str] = {
    "qantar": str(QANTAR),
    "id": str(ID),
    "graph": str(GRAPH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
    "skos": str(SKOS),
    "schema": str(SDO),
    "sem": str(SEM),
    "org": str(ORG),
    "prov": str(PROV),
    "foaf": str(FOAF),
    "time": str(TIME),
    "dcterms": str(DCTERMS),
    "wd": str(WD),
    "oa": str(OA),
}


def shorten(iri: str, prefixes: dict[str, str] | None = None) -> str:
    """Return ``prefix:local`` for a known namespace, else ``<iri>``; for display only."""
    best = ""
    best_prefix = ""
    for prefix, ns in (prefixes or PREFIXES).items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, best_prefix = ns, prefix
    if best and all(c.isalnum() or c in "-_./" for c in iri[len(best):]):
        return f"{best_prefix}:{iri[len(best):]}"
    return f"<{iri}>"


#: Prefixes for Turtle and TriG output. id: and graph: are left out: their local names hold "/",
#: which Turtle would have to escape (id:person\/x), so prefixing them would hurt readability.
TURTLE_PREFIXES = {p: ns for p, ns in PREFIXES.items() if p not in ("id", "graph")}


def prefixes_used(statements: Iterable[ox.Triple | ox.Quad]) -> dict[str, str]:
    """The Turtle prefixes that the IRIs and datatypes of ``statements`` use (pyoxigraph writes
    every prefix it is given, used or not)."""
    iris: set[str] = set()
    for statement in statements:
        for term in (statement.subject, statement.predicate, statement.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {p: ns for p, ns in TURTLE_PREFIXES.items() if any(i.startswith(ns) for i in iris)}
