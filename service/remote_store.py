"""The store on an existing SPARQL 1.1 server, through the standard protocols only.

Query, Update and the Graph Store HTTP Protocol, at URLs given by configuration (Oxigraph
server: ``/query``, ``/update``, ``/store``), with optional basic or bearer authentication,
timeouts and one reused HTTP session. Answers come back as pyoxigraph objects (parsed with
pyoxigraph's own result and RDF parsers) of the types service.store names, so the rest of
Qantar cannot tell the two stores apart. What the protocols cannot promise (one transaction
across several requests) is done with one SPARQL Update wherever possible; see ``load_graph``
for imports.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TypeVar

import pyoxigraph as ox
import requests
import requests.auth
from rdflib import Graph

from service.config import Settings
from service.errors import (
    BadQuery,
    NotFound,
    ProtectedGraph,
    RemoteNotAcceptable,
    RemoteServerError,
    RemoteTimeout,
    StoreUnavailable,
)
from service.formats import N_TRIPLES, READABLE_RDF, SPARQL_JSON, SPARQL_XML, by_media_type
from service.protected import PROTECTED_GRAPHS, reaches_unnamed_graphs
from service.sparql.dataset import has_dataset_clause
from service.store import QueryResult, Triples, clear_dataset
from service.xml_safety import check_xml

_T = TypeVar("_T")

#: Triples per request when uploading in chunks.
CHUNK_TRIPLES = 100_000
#: What every SPARQL 1.1 server writes, for any kind of query.
ANSWERS_ANY_SERVER_WRITES = f"{SPARQL_JSON.media_type}, {N_TRIPLES.media_type};q=0.9"


class RemoteStore:
    """A SPARQL 1.1 server as Qantar's store."""

    read_only = False

    def __init__(self, query_url: str, update_url: str | None = None,
                 gsp_url: str | None = None, auth: str | None = None, timeout: float = 30.0,
                 write_timeout: float = 120.0,
                 union_parameter: str | None = "union-default-graph") -> None:
        self.query_url = query_url
        self.update_url = update_url or _sibling(query_url, "update")
        self.gsp_url = gsp_url or _sibling(query_url, "store")
        self.timeout = timeout
        # deleting is slow on some servers (Oxigraph drops about 8,000 triples a second)
        self.write_timeout = write_timeout
        self.union_parameter = union_parameter
        self.session = requests.Session()
        if auth:
            scheme, _, credentials = auth.partition(" ")
            if scheme.lower() == "basic" and ":" in credentials:
                user, _, password = credentials.partition(":")
                self.session.auth = (user, password)
            elif scheme.lower() == "digest" and ":" in credentials:  # Virtuoso's /sparql-auth
                user, _, password = credentials.partition(":")
                self.session.auth = requests.auth.HTTPDigestAuth(user, password)
            elif scheme.lower() == "bearer":
                self.session.headers["Authorization"] = f"Bearer {credentials}"
            else:
                raise ValueError("QANTAR_STORE_AUTH must be 'basic USER:PASSWORD', "
                                 "'digest USER:PASSWORD' or 'bearer TOKEN'")

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """The server ``QANTAR_STORE`` names, with the URLs, authentication and time limits
        the settings give."""
        if settings.store_url is None:
            raise ValueError("the settings name an embedded store, not a server")
        return cls(settings.store_url, settings.store_update, settings.store_gsp,
                   settings.store_auth, timeout=settings.query_timeout,
                   write_timeout=settings.write_timeout,
                   union_parameter=settings.store_union or None)

    @property
    def path(self) -> str:  # for messages
        return self.query_url

    # -- HTTP ---------------------------------------------------------------------------------

    def _request(self, method: str, url: str, *, timeout: float | None = None,
                 stream: bool = False, **kwargs: object) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=timeout or self.timeout,
                                            stream=stream, **kwargs)
        except requests.Timeout as err:
            raise RemoteTimeout(f"the SPARQL server at {url} did not answer within "
                                f"{timeout or self.timeout:g} s") from err
        except requests.RequestException as err:
            raise StoreUnavailable(f"the SPARQL server at {url} cannot be reached: {err}") from err
        if response.status_code == 400:
            text = response.text.strip()
            if text.startswith("error at "):  # Oxigraph's parser: say it as we do
                raise BadQuery.syntax(text)
            raise BadQuery(f"the SPARQL server refused the request: {text}")
        if response.status_code == 406:
            raise RemoteNotAcceptable(response.text.strip())
        if response.status_code == 404 and method in ("GET", "DELETE", "HEAD"):
            raise NotFound(response.text.strip() or f"{url}: not found")
        if response.status_code >= 300:
            kind = RemoteServerError if response.status_code >= 500 else StoreUnavailable
            raise kind(f"the SPARQL server at {url} answered {response.status_code}: "
                       f"{response.text.strip()[:300]}")
        return response

    def query_response(self, sparql: str, accept: str, *, union: bool = True,
                       default_graphs: Iterable[str] = (), named_graphs: Iterable[str] = (),
                       timeout: float | None = None) -> requests.Response:
        """The raw (streamed) answer of the server, for the endpoint to pass on."""
        params: list[tuple[str, str]] = [("default-graph-uri", g) for g in default_graphs]
        params += [("named-graph-uri", g) for g in named_graphs]
        # a query with its own FROM / FROM NAMED keeps it (the union parameter would override it)
        if union and not params and self.union_parameter and not has_dataset_clause(sparql):
            params.append((self.union_parameter, "true"))
        # a form POST: every SPARQL 1.1 server takes it (Virtuoso hangs on a direct POST)
        return self._request("POST", self.query_url, data=[("query", sparql), *params],
                             headers={"Accept": accept}, timeout=timeout, stream=True)

    # -- the store interface ------------------------------------------------------------------

    def query(self, sparql: str, use_default_graph_as_union: bool = True) -> QueryResult:
        """Solutions, a boolean, or triples, of the types every store answers with."""
        response = self.query_response(sparql, ANSWERS_ANY_SERVER_WRITES,
                                       union=use_default_graph_as_union)
        kind = response.headers.get("Content-Type", "").split(";")[0].strip()
        body = response.content
        results = by_media_type(kind, (SPARQL_JSON, SPARQL_XML))
        rdf = by_media_type(kind, READABLE_RDF)
        try:
            if results is SPARQL_XML:
                check_xml(body)  # no entity expansion from whatever the server sends
            if results:
                return ox.parse_query_results(body, format=results.results)
            if rdf:
                return Triples([ox.Triple(q.subject, q.predicate, q.object)
                                for q in ox.parse(body, format=rdf.rdf)])
        except (SyntaxError, ValueError) as err:  # UnsafeXml is a ValueError
            raise StoreUnavailable(f"the SPARQL server at {self.query_url} answered something "
                                   f"that is not valid {kind}: {err}") from err
        raise StoreUnavailable(f"the SPARQL server at {self.query_url} answered in "
                               f"{kind or 'no format'}, not SPARQL results or RDF")

    def answer(self, sparql: str) -> QueryResult:
        """The query answered as the SPARQL endpoint answers it (same dataset rules)."""
        return self.query(sparql)

    def client_update(self, sparql: str, base_iri: str | None = None) -> None:
        """A client's update. The endpoint has refused one that names a protected graph
        (service.protected); the embedded store also checks the effect, which a server cannot,
        so an update that may reach graphs it does not name is refused while one is here."""
        if (reaches_unnamed_graphs(sparql, base_iri)
                and any(self.graph_exists(g) for g in PROTECTED_GRAPHS)):
            raise ProtectedGraph("on this store an update that may write graphs it does not "
                                 "name (DROP or CLEAR ALL or NAMED, GRAPH ?g in a template) is "
                                 "refused while the bundle's or the provenance graph is there; "
                                 "name the graphs; nothing was written")
        self.update(sparql, base_iri)

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """One SPARQL Update request (one transaction on Oxigraph, Fuseki, GraphDB)."""
        if base_iri:  # resolve relative IRIs against our endpoint, not the server's
            sparql = f"BASE {ox.NamedNode(base_iri)} {sparql}"
        try:
            self._request("POST", self.update_url, data=[("update", sparql)],
                          timeout=self.write_timeout)
        except RemoteServerError as err:  # Oxigraph answers 500 when an operation fails
            raise BadQuery(f"the update failed on the SPARQL server: {err}") from err

    def graphs(self) -> list[str]:
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", False)
        return sorted(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode))

    def triple_count(self, graph: str | None = None) -> int:
        """Triples in ``graph``, or in the whole store (every graph) when ``graph`` is None."""
        if graph is None:
            where = "{ { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        else:
            where = f"{{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"
        row = next(iter(self.query(f"SELECT (COUNT(*) AS ?n) WHERE {where}", False)))
        return int(row["n"].value)

    def graph_exists(self, graph: str | None) -> bool:
        if graph is None:
            return True
        return bool(self.query(f"ASK {{ GRAPH {ox.NamedNode(graph)} {{ }} }}", False))

    def default_graph_is_empty(self) -> bool:
        return not bool(self.query("ASK { ?s ?p ?o }", False))

    def dump(self, graph: str | None, mime: str, output: BinaryIO | None = None) -> bytes | None:
        params = {"default": ""} if graph is None else {"graph": graph}
        response = self._request("GET", self.gsp_url, params=params, headers={"Accept": mime},
                                 stream=output is not None)
        return _deliver(response, mime, output)

    def dump_dataset(self, mime: str, output: BinaryIO | None = None) -> bytes | None:
        response = self._request("GET", self.gsp_url, headers={"Accept": mime},
                                 stream=output is not None)
        return _deliver(response, mime, output)

    def replace_graph(self, graph: str | None, triples: list[ox.Triple]) -> bool:
        """GSP PUT: the server replaces the graph in one request."""
        created = not self.graph_exists(graph)
        self._put_or_post("PUT", graph, _ntriples_bytes(triples))
        return created

    def add_to_graph(self, graph: str | None, triples: list[ox.Triple]) -> bool:
        created = not self.graph_exists(graph)
        self._put_or_post("POST", graph, _ntriples_bytes(triples))
        return created

    def add_quads(self, quads: list[ox.Quad]) -> None:
        self.update("INSERT DATA { " + _quads_block(quads) + " }")

    def replace_dataset(self, quads: list[ox.Quad]) -> None:
        # the protected graphs, which are not the client's, stay (service.protected)
        self.update(clear_dataset(self.graphs()) + "INSERT DATA { " + _quads_block(quads) + " }")

    def drop_graph(self, graph: str | None) -> bool:
        if graph is None:
            self.update("CLEAR SILENT DEFAULT")
            return True
        if not self.graph_exists(graph):
            return False
        self.update(f"DROP GRAPH {ox.NamedNode(graph)}")
        return True

    def create_graph(self, graph: str) -> None:
        self.update(f"CREATE SILENT GRAPH {ox.NamedNode(graph)}")

    def add_graph(self, iri: str, triples: Graph | Iterable[ox.Triple]) -> None:
        """Add triples to the named graph ``iri`` (a Graph Store POST; chunked, so, as on the
        embedded store, not one transaction)."""
        if isinstance(triples, Graph):
            data = triples.serialize(format="nt", encoding="utf-8")
            self.load_graph(io.BytesIO(data), ox.RdfFormat.N_TRIPLES, iri)
            return
        for chunk in _chunks(iter(triples)):
            self._put_or_post("POST", ox.NamedNode(iri).value, _ntriples_bytes(chunk))

    def load_graph(self, source: BinaryIO, fmt: ox.RdfFormat, graph: str | None,
                   base_iri: str | None = None) -> None:
        """Upload RDF into ``graph`` in chunks through the Graph Store Protocol (POST).

        Not one transaction (no protocol offers that across requests): the importer's journal
        makes it all-or-nothing, as it does for the embedded bulk loader.
        """
        target = None if graph is None else ox.NamedNode(graph).value
        for chunk in _chunks(ox.parse(input=source, format=fmt, base_iri=base_iri)):
            data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in chunk],
                                format=ox.RdfFormat.N_TRIPLES)
            self._put_or_post("POST", target, data)

    def flush(self) -> None:
        """Nothing to do: every request is durable when the server answers."""

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _put_or_post(self, method: str, graph: str | None, data: bytes) -> None:
        params = {"default": ""} if graph is None else {"graph": graph}
        self._request(method, self.gsp_url, params=params, data=data,
                      headers={"Content-Type": "application/n-triples"},
                      timeout=self.write_timeout)


def _sibling(url: str, name: str) -> str:
    """``http://host/query`` -> ``http://host/update`` (Oxigraph's layout) as a default."""
    base, _, last = url.rstrip("/").rpartition("/")
    return f"{base}/{name}" if last in ("query", "sparql") else url


def _deliver(response: requests.Response, mime: str, output: BinaryIO | None) -> bytes | None:
    if output is None:
        return response.content
    for chunk in response.iter_content(1 << 16):
        output.write(chunk)
    return None


def _ntriples_bytes(triples: Iterable[ox.Triple]) -> bytes:
    return ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)


def _quads_block(quads: list[ox.Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for quad in quads:
        key = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
        by_graph.setdefault(key, []).append(
            str(ox.Triple(quad.subject, quad.predicate, quad.object)) + " .")
    return " ".join("\n".join(lines) if not key else f"GRAPH {key} {{ " + "\n".join(lines) + " }"
                    for key, lines in by_graph.items())


def _chunks(quads: Iterator[_T]) -> Iterator[list[_T]]:
    chunk: list[_T] = []
    for quad in quads:
        chunk.append(quad)
        if len(chunk) >= CHUNK_TRIPLES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

