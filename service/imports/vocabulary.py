"""Terms of the provenance records: PROV-O, DCAT 3, VoID and SPDX checksums."""

from __future__ import annotations

from rdflib import Namespace

from service.namespaces import GRAPH, ID

DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")

#: Where import provenance lives: one graph, apart from the data it describes.
PROVENANCE_GRAPH = GRAPH["provenance"]
IMPORT = Namespace(str(ID) + "import/")
