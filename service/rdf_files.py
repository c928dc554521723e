"""Read one RDF file into an rdflib graph, or say exactly where it is broken."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

from service.errors import UnreadableInput
from service.formats import RDF_XML, Format, by_extension, extensions
from service.xml_safety import UnsafeXml, check_xml

_OX_LOCATION = re.compile(r"^Parser error (?:at|between) .*?: ")


def rdf_format(path: Path) -> Format:
    """The RDF format of ``path``, from its extension."""
    fmt = by_extension(path.suffix)
    if fmt is None:
        known = ", ".join(extensions())
        raise UnreadableInput(path, f"unknown RDF file extension (known: {known})")
    return fmt


def parse_file(path: str | Path) -> Graph:
    """Parse ``path`` into a new graph; quads formats are merged into one graph.

    Raises UnreadableInput with file, line and column. rdflib reports positions poorly, so
    on failure the file is parsed again with pyoxigraph, whose errors carry line and column.
    """
    path = Path(path)
    fmt = rdf_format(path)
    if not path.is_file():
        raise UnreadableInput(path, "no such file")
    if fmt is RDF_XML:
        with path.open("rb") as raw:
            try:
                check_xml(raw)  # rdflib's expat would expand entities
            except UnsafeXml as err:
                raise UnreadableInput(path, err.message, err.line, err.column) from None
    try:
        if fmt.named_graphs:
            dataset = Dataset()
            dataset.parse(path, format=fmt.rdflib)
            graph = Graph()
            for s, p, o, _ in dataset.quads():
                graph.add((s, p, o))
            for prefix, ns in dataset.namespaces():
                graph.bind(prefix, ns, override=False)
            return graph
        return Graph().parse(path, format=fmt.rdflib)
    except UnreadableInput:
        raise
    except Exception as err:  # parsers raise many unrelated types
        raise _locate(path, fmt, err) from err


def _locate(path: Path, fmt: Format, rdflib_error: Exception) -> UnreadableInput:
    """Turn a parser failure into an UnreadableInput with the best position known."""
    try:
        for _ in ox.parse(path=path, format=fmt.rdf,
                          base_iri=path.resolve().as_uri()):
            pass
    except SyntaxError as err:
        message = _OX_LOCATION.sub("", str(err.msg))
        if err.lineno is not None:
            return UnreadableInput(path, message, err.lineno, err.offset)
        # pyoxigraph's RDF/XML errors carry no position; rdflib's (from SAX) do
        return UnreadableInput(path, message, *_rdflib_position(rdflib_error))
    except (OSError, ValueError):
        pass
    return UnreadableInput(path, _message(rdflib_error), *_rdflib_position(rdflib_error))


def _message(err: Exception) -> str:
    why = getattr(err, "_why", None)  # rdflib's BadSyntax keeps the reason here
    return str(why) if why else (str(err) or type(err).__name__)


def _rdflib_position(err: Exception) -> tuple[int | None, int | None]:
    """Line and column (1-based) from the attributes rdflib's parsers leave on errors."""
    if isinstance(getattr(err, "lines", None), int):  # BadSyntax: 0-based line count
        return err.lines + 1, None  # type: ignore[attr-defined]
    if hasattr(err, "getLineNumber"):  # xml.sax SAXParseException
        return err.getLineNumber(), err.getColumnNumber()  # type: ignore[attr-defined]
    if hasattr(err, "lineno") and hasattr(err, "colno"):  # json.JSONDecodeError
        return err.lineno, err.colno  # type: ignore[attr-defined]
    return None, None


def load_files(store: ox.Store, paths: list[Path], graph: Graph | None = None) -> None:
    """Bulk-load ``paths`` (and ``graph``, e.g. the ontology) into ``store``'s default graph.

    Oxigraph's own parser, about eight times rdflib's speed: what a million-triple file needs.
    A file that does not parse raises UnreadableInput with its line and column.
    """
    if graph is not None and len(graph):
        store.bulk_load(graph.serialize(format="nt", encoding="utf-8"),
                        format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
    for path in paths:
        path = Path(path)
        fmt = rdf_format(path)
        if not path.is_file():
            raise UnreadableInput(path, "no such file")
        if fmt is RDF_XML:
            with path.open("rb") as raw:
                try:
                    check_xml(raw)
                except UnsafeXml as err:
                    raise UnreadableInput(path, err.message, err.line, err.column) from None
        try:
            store.bulk_load(path=str(path), format=fmt.rdf, base_iri=path.resolve().as_uri(),
                            to_graph=None if fmt.named_graphs else ox.DefaultGraph())
        except SyntaxError as err:
            message = _OX_LOCATION.sub("", str(err.msg))
            raise UnreadableInput(path, message, err.lineno, err.offset) from None
        except (OSError, ValueError) as err:
            raise UnreadableInput(path, str(err)) from None
