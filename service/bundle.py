"""Read the bundle (ontology/ and graph/ by the manifest) into named graphs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from service.config import Settings
from service.errors import InvalidData
from service.namespaces import METADATA_GRAPH, ONTOLOGY_GRAPH, QANTAR
from service.rdf_files import parse_file


@dataclass(frozen=True)
class Bundle:
    """The whole bundle as named graphs, in load order: ontology, data graphs, metadata."""

    graphs: dict[URIRef, Graph]

    def union(self) -> Graph:
        """All triples in one graph: what SHACL validates (pyshacl sees no named graphs)."""
        union = Graph()
        for graph in self.graphs.values():
            for prefix, ns in graph.namespaces():
                union.bind(prefix, ns, override=False)
            union += graph
        return union


def read_ontology(settings: Settings) -> Graph:
    """Every ``ontology/*.ttl`` merged into one graph."""
    files = sorted(settings.ontology_dir.glob("*.ttl"))
    if not files:
        raise InvalidData(f"{settings.ontology_dir}: no ontology files (*.ttl)")
    return _merge(files)


def read_manifest(settings: Settings) -> tuple[Graph, dict[URIRef, list[Path]]]:
    """The manifest graph and, for each named graph it lists, its files (checked to exist).

    Refuses a manifest that names a missing file or the same file twice, and a ``graph/*.ttl``
    file the manifest does not name: a file nobody loads is a mistake, not a draft.
    """
    manifest_file = settings.manifest_file
    manifest = parse_file(manifest_file)
    files: dict[URIRef, list[Path]] = defaultdict(list)
    seen: dict[str, URIRef] = {}
    problems: list[str] = []
    pairs = sorted(manifest.subject_objects(QANTAR.dataFile), key=lambda so: tuple(map(str, so)))
    for graph_iri, name in pairs:
        if not isinstance(graph_iri, URIRef) or not isinstance(name, Literal):
            problems.append(f"qantar:dataFile needs an IRI subject and a literal: {name!r}")
            continue
        if str(name) in seen:
            problems.append(f"{name} is listed twice (for <{seen[str(name)]}> and <{graph_iri}>)")
            continue
        seen[str(name)] = graph_iri
        path = settings.graph_dir / str(name)
        if not path.is_file():
            problems.append(f"{name} is listed for <{graph_iri}> but does not exist")
        files[graph_iri].append(path)
    for path in sorted(settings.graph_dir.glob("*.ttl")):
        if path != manifest_file and path.name not in seen:
            problems.append(f"{path.name} is not listed in {manifest_file.name}")
    if problems:
        raise InvalidData(f"{manifest_file}:\n" + "\n".join(f"  {p}" for p in problems))
    return manifest, dict(files)


def read_bundle(settings: Settings) -> Bundle:
    """Parse the whole bundle; raises UnreadableInput or InvalidData (manifest problems)."""
    graphs: dict[URIRef, Graph] = {ONTOLOGY_GRAPH: read_ontology(settings)}
    manifest, files = read_manifest(settings)
    for graph_iri, paths in files.items():
        graphs.setdefault(graph_iri, Graph())
        graphs[graph_iri] += _merge(paths)
    graphs.setdefault(METADATA_GRAPH, Graph())
    graphs[METADATA_GRAPH] += manifest
    return Bundle(graphs)


def _merge(paths: list[Path]) -> Graph:
    merged = Graph()
    for path in paths:
        graph = parse_file(path)
        for prefix, ns in graph.namespaces():
            merged.bind(prefix, ns, override=False)
        merged += graph
    return merged
