"""The schema.org JSON-LD embedded in each entity page, for search engines and scrapers.

A plain dict, written into the page by Jinja's ``tojson`` filter, which escapes ``<``, ``>``,
``&`` and ``'`` so that no label can close the ``<script>`` element it sits in.
"""

from __future__ import annotations

from collections.abc import Callable

from service.namespaces import QANTAR, SDO
from service.pages.entity import EntityPage
from service.pages.evidence import Passage
from service.pages.iris import external_page
from service.pages.terms import Presenter

#: schema.org types, most specific first; a page takes the first its classes include.
SCHEMA_TYPES = [SDO[name] for name in (
    "GovernmentOrganization", "NewsMediaOrganization", "NGO", "Organization", "Person",
    "Country", "City", "AdministrativeArea", "Landform", "CivicStructure", "Place", "Event",
    "Claim", "NewsArticle", "Newspaper", "Photograph", "WebSite", "CreativeWork",
)]


def schema_type(classes: set[str]) -> str:
    for cls in SCHEMA_TYPES:
        if str(cls) in classes:
            return str(cls)[len(str(SDO)):]
    return "Thing"


def entity_jsonld(entity: EntityPage, p: Presenter, page_url: str) -> dict:
    """Describe the entity with schema.org terms, as far as our data maps onto them."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": schema_type(entity.classes),
        "@id": entity.iri,
        "url": page_url,
        "name": p.label(entity.iri).text,
    }
    names = sorted({n.text for n in entity.names})
    if names:
        data["alternateName"] = names
    english = [d.value for d in entity.descriptions if d.language in (None, "en")]
    if english:
        data["description"] = english[0]
    same = [external_page(i) for i, _ in entity.external if i.startswith(("http://", "https://"))]
    if same:  # URLs only: scrapers follow sameAs
        data["sameAs"] = same

    def ref(iri: str) -> dict:
        return {"@id": iri, "name": p.label(iri).text}

    if entity.event:
        event = entity.event
        stamps = event.span.stamps
        if event.span.machine:
            data["startDate"] = event.span.machine
        end = stamps.get("http://semanticweb.cs.vu.nl/2009/11/sem/hasEndTimeStamp")
        if end:
            data["endDate"] = end
        if event.places:
            data["location"] = [{"@type": "Place", **ref(i)} for i in event.places]
        if event.sub_events:
            data["subEvent"] = [{"@type": "Event", **ref(i)} for i in event.sub_events]
        if event.part_of:
            data["superEvent"] = [{"@type": "Event", **ref(i)} for i in event.part_of]
    if entity.claim:
        claim = entity.claim
        if claim.claimants:
            data["author"] = [ref(i) for i in claim.claimants]
        if claim.sources:
            data["appearance"] = [{"@type": "CreativeWork", **ref(i)} for i in claim.sources]
        if claim.about:
            data["about"] = [ref(i) for i in claim.about]
        if claim.quotes:
            data["text"] = claim.quotes[0].value
        if claim.when_machine:
            data["dateCreated"] = claim.when_machine
    if entity.own_passages:  # what the article says about it: schema.org quotations of it
        data["subjectOf"] = [_quotation(x, ref) for x in entity.own_passages]
    occupation = [t.value for t in entity.values(str(QANTAR.occupation)) if hasattr(t, "value")]
    if occupation and data["@type"] == "Person":
        data["jobTitle"] = occupation[0]
    return data


def _quotation(passage: Passage, ref: Callable[[str], dict]) -> dict:
    """A passage of the source as a schema.org Quotation that is part of the source."""
    quotation: dict = {"@type": "Quotation", "text": passage.exact}
    if passage.lang:
        quotation["inLanguage"] = passage.lang
    if passage.web_source:
        quotation["isPartOf"] = {"@type": "CreativeWork", **ref(passage.web_source)}
    return quotation
