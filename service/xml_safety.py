"""XML is checked before any XML parser expands it: no entity declarations, and well-formed.

pyoxigraph's RDF/XML parser and rdflib's (expat) both expand internal entities, so a 1 KB body
of nested entity definitions became a literal of 100 million characters. Before RDF/XML (or
SPARQL XML results) reach them, defusedxml (a well-kept wrapper of the standard library's
expat parser) reads the document as a stream with entity declarations, external references
and DTD-driven expansion forbidden. The same pass finds what the RDF parsers let through: a
document cut short (no closing ``rdf:RDF``) is malformed XML, with its line and column.
"""

from __future__ import annotations

import io
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse


class UnsafeXml(ValueError):
    """The XML declares entities or is malformed; ``line`` and ``column`` where known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        return where + self.message


def check_xml(source: bytes | BinaryIO) -> None:
    """Raise UnsafeXml unless ``source`` is well-formed XML without entity declarations.

    A file object is read to its end (rewind it before parsing it again)."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        for _, element in iterparse(stream, events=("end",), forbid_dtd=False,
                                    forbid_entities=True, forbid_external=True):
            element.clear()  # keep memory flat on large documents
    except DefusedXmlException as err:
        raise UnsafeXml(f"XML entity declarations and external references are not accepted "
                        f"({type(err).__name__})") from None
    except ParseError as err:
        line, column = err.position
        message = str(err).split(":")[0]
        raise UnsafeXml(f"malformed XML: {message}", line, column + 1) from None
