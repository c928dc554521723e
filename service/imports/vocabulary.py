"""Terms of the provenance records: PROV-O, DCAT 3, VoID and SPDX checksums."""

from __future__ import annotations

from rdflib import Namespace

from service.namespaces import ID

DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")

IMPORT = Namespace(str(ID) + "import/")
