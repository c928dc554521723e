"""The store on an existing SPARQL 1.1 server, through the standard protocols only.

Query, Update and the Graph Store HTTP Protocol, at URLs given by configuration (Oxigraph
server: ``/query``, ``/update``, ``/store``), with optional basic, digest or bearer
authentication, timeouts and one reused HTTP session. What a server reads its own way
(Virtuoso) is asked in the form its dialect gives (service.store.remote.dialect), chosen here and
nowhere else. Answers come back as pyoxigraph objects (parsed with pyoxigraph's own result and
RDF parsers) of the types service.store names, so the rest of Qantar cannot tell the stores
apart. What the protocols cannot promise (one transaction across several requests) is done
with one SPARQL Update wherever possible; see ``load_graph`` for imports.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
from service.formats import (
    N_TRIPLES,
    READABLE_RDF,
    SPARQL_JSON,
    SPARQL_XML,
    Format,
    by_media_type,
)
from service.store.interface import QueryDataset, QueryResult, Triples
from service.store.protected import PROTECTED_GRAPHS, Reach, clear_dataset
from service.store.query_form import QueryForm
from service.store.remote.dialect import RESULTS_OR_TRIPLES, Dialect, choose, form_for
from service.store.syntax_errors import explained_or, from_message
from service.xml_safety import check_xml

_T = TypeVar("_T")

#: Triples per request when uploading in chunks.
CHUNK_TRIPLES = 100_000
#: What every SPARQL 1.1 server writes, for any kind of query.
ANSWERS_ANY_SERVER_WRITES = RESULTS_OR_TRIPLES
#: Seconds the list of graphs is reused between this store's own writes (other writers' new
#: graphs show within this time).
GRAPHS_FRESH = 1.0
#: Characters of a server's error text repeated in our messages (some echo the whole request).
ERROR_TEXT = 500


class RemoteStore:
    """A SPARQL 1.1 server as Qantar's store."""

    read_only = False

    def __init__(self, query_url: str, update_url: str | None = None,
                 gsp_url: str | None = None, auth: str | None = None, timeout: float = 30.0,
                 write_timeout: float = 120.0,
                 union_parameter: str | None = "union-default-graph",
                 engine: str = "auto") -> None:
        self.query_url = query_url
        self.update_url = update_url or _sibling(query_url, "update")
        self.gsp_url = gsp_url or _sibling(query_url, "store")
        self.timeout = timeout
        # deleting is slow on some servers (Oxigraph drops about 8,000 triples a second)
        self.write_timeout = write_timeout
        self.union_parameter = union_parameter
        self.engine = engine
        self._dialect: Dialect | None = None
        self._graphs: tuple[float, list[str]] | None = None
        # a list of graphs is kept only when no write of ours ended while it was read (a
        # reader beside a DELETE must not keep the list from before it); one read while a
        # write runs is dropped when the write ends
        self._graphs_lock = threading.Lock()
        self._writes_ended = 0
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
                   union_parameter=settings.store_union or None,
                   engine=settings.store_engine)

    @property
    def path(self) -> str:  # for messages
        return self.query_url

    @property
    def dialect(self) -> Dialect:
        """How this server is asked (service.store.remote.dialect): as configured, or found from its
        ``Server`` header at the first use (not at start: the server may be down then)."""
        if self._dialect is None:
            header = ""
            if self.engine == "auto":
                response = self._request("GET", self.query_url, params={"query": "ASK {}"},
                                         headers={"Accept": SPARQL_JSON.media_type})
                header = response.headers.get("Server", "")
            self._dialect = choose(self.engine, header)
        return self._dialect

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
                raise from_message(text, "update" if url == self.update_url else "query")
            raise BadQuery(f"the SPARQL server refused the request: {_shortened(text)}")
        if response.status_code == 406:
            raise RemoteNotAcceptable(response.text.strip())
        if response.status_code == 404 and method in ("GET", "DELETE", "HEAD"):
            raise NotFound(response.text.strip() or f"{url}: not found")
        if response.status_code >= 300:
            kind = RemoteServerError if response.status_code >= 500 else StoreUnavailable
            raise kind(f"the SPARQL server at {url} answered {response.status_code}: "
                       f"{_shortened(response.text.strip())}")
        return response

    def query_response(self, sparql: str, accept: str, form: QueryForm, *, union: bool = True,
                       default_graphs: Iterable[str] = (), named_graphs: Iterable[str] = (),
                       timeout: float | None = None,
                       server_dataset: bool = False) -> requests.Response:
        """The raw (streamed) answer of the server, the one way every query reaches it (the
        endpoint passes it on, ``query`` parses it); ``form`` is the query's (``form_of``, or
        for a client's text its check). ``server_dataset``: the server's own dataset, every
        graph it has, system graphs included (to list the graphs ``_dataset`` names)."""
        params: list[tuple[str, str]] = [("default-graph-uri", g) for g in default_graphs]
        params += [("named-graph-uri", g) for g in named_graphs]
        # a query with its own FROM / FROM NAMED keeps it (the union parameter would override it)
        if not params and not form.own_dataset and not server_dataset:
            params = self._dataset(union)
        # a form POST: every SPARQL 1.1 server takes it (Virtuoso hangs on a direct POST)
        return self._request("POST", self.query_url, data=[("query", sparql), *params],
                             headers={"Accept": accept}, timeout=timeout, stream=True)

    def _dataset(self, union: bool) -> list[tuple[str, str]]:
        """The protocol's parameters for the store's own dataset: every graph as the default
        graph (``union``), or the default graph alone, with the named graphs."""
        default = self.dialect.default_graph
        if default is None:
            union_asked = union and self.union_parameter
            return [(self.union_parameter, "true")] if union_asked else []
        # named explicitly: the server's default graph (every graph, its own included) is not ours
        graphs = self.graphs()
        defaults = [*graphs, default] if union else [default]
        return ([("default-graph-uri", g) for g in defaults]
                + [("named-graph-uri", g) for g in graphs])

    # -- the store interface ------------------------------------------------------------------

    def query(self, sparql: str, dataset: QueryDataset = QueryDataset.UNION) -> QueryResult:
        """Solutions, a boolean, or triples, of the types every store answers with (for
        Qantar's own queries and the command line's: a client's goes through
        service.store.remote.runner). A query the server refuses is explained as the embedded
        store explains it, when Oxigraph's parser refuses it too."""
        dataset = QueryDataset(dataset)  # a stray True or False is refused, not misread
        try:
            return self._query(sparql, dataset)
        except BadQuery as err:
            raise explained_or(err, sparql, "query") from None

    def _query(self, sparql: str, dataset: QueryDataset) -> QueryResult:
        form = self.form_of(sparql)
        # the endpoint's dataset here is the union the server is asked for (system graphs are
        # the server's own, kept out by the dialect)
        return self._answer(self.query_response(sparql, self.dialect.accept(form), form,
                                                union=dataset is not QueryDataset.DEFAULT))

    def _answer(self, response: requests.Response) -> QueryResult:
        """The server's answer parsed into the result types every store gives."""
        kind = response.headers.get("Content-Type", "").split(";")[0].strip()
        body = self.dialect.fix_results(response.content, kind)
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

    def form_of(self, sparql: str) -> QueryForm:
        """The form of one of Qantar's own queries, parsed here only when the dialect needs
        it (service.store.remote.dialect ``form_for``)."""
        return form_for(sparql, self.dialect)

    def client_update(self, sparql: str, base_iri: str | None = None,
                      reach: Reach = Reach.INSERTS) -> None:
        """A client's update. The endpoint has refused one that names a protected graph
        (service.store.protected) and found, from its parse in a check worker, how far it reaches;
        the embedded store checks the effect, which a server cannot show before it is done.
        So an update that may insert into graphs it does not name is refused (it could create
        the provenance graph or one of the bundle's), and one that may empty graphs it does not
        name is refused while one of those is here. A text nested deeper than the server
        can parse is not sent (service.store.remote.dialect)."""
        self.dialect.check_nesting(sparql, "update")
        if reach is Reach.INSERTS:
            raise ProtectedGraph("on this store an update that may insert into graphs it does "
                                 "not name (GRAPH ?g in an INSERT template) is refused: it could "
                                 "write the bundle's or the provenance graph; name the graphs; "
                                 "nothing was written")
        if reach is Reach.EMPTIES and any(self.graph_exists(g) for g in PROTECTED_GRAPHS):
            raise ProtectedGraph("on this store an update that may empty graphs it does not "
                                 "name (DROP or CLEAR ALL or NAMED, GRAPH ?g in a DELETE "
                                 "template) is refused while the bundle's or the provenance "
                                 "graph is there; name the graphs; nothing was written")
        self.update(sparql, base_iri)

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """One SPARQL Update request (one transaction on Oxigraph, Fuseki, GraphDB)."""
        if base_iri:  # resolve relative IRIs against our endpoint, not the server's
            sparql = f"BASE {ox.NamedNode(base_iri)} {sparql}"
        form: list[tuple[str, str]] = [("update", sparql)]
        default = self.dialect.default_graph
        with self._writing():
            try:
                self._post_update(form, default)
            except RemoteServerError as err:  # Oxigraph answers 500 when an operation fails
                raise BadQuery(f"the update failed on the SPARQL server: {err}") from err

    def _post_update(self, form: list[tuple[str, str]], default: str | None) -> None:
        if default is None:
            self._request("POST", self.update_url, data=form, timeout=self.write_timeout)
            return
        try:  # the default graph the update writes and reads is ours
            self._request("POST", self.update_url, data=[*form, ("using-graph-uri", default)],
                          timeout=self.write_timeout)
        except BadQuery as err:
            # the update says USING or WITH itself, which the protocol forbids beside the
            # parameter: the server's parse decided; send it as it is
            if "violates restrictions on allowed graph names" not in str(err):
                raise
            self._request("POST", self.update_url, data=form, timeout=self.write_timeout)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Around each write: the list of graphs is read again after it, and a list whose
        reading the write's end overlapped is not kept."""
        with self._graphs_lock:
            self._graphs = None
        try:
            yield
        finally:
            with self._graphs_lock:
                self._graphs = None
                self._writes_ended += 1

    def graphs(self) -> list[str]:
        dialect = self.dialect
        if dialect.default_graph is None:
            rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", QueryDataset.DEFAULT)
            return sorted(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode))
        # every query names the graphs on such a server (``_dataset``): the list is reused
        with self._graphs_lock:
            cached, ended = self._graphs, self._writes_ended
        if cached is not None and time.monotonic() - cached[0] < GRAPHS_FRESH:
            return list(cached[1])
        # its answer to GRAPH ?g { } is one empty row; this form lists created graphs too
        rows = self._answer(self.query_response(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", SPARQL_JSON.media_type,
            QueryForm(), server_dataset=True))
        graphs = sorted(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode)
                        and not dialect.is_system_graph(row["g"].value)
                        and row["g"].value != dialect.default_graph)
        with self._graphs_lock:
            if ended == self._writes_ended:
                self._graphs = (time.monotonic(), graphs)
        return list(graphs)

    def triple_count(self, graph: str | None = None) -> int:
        """Triples in ``graph``, or in the whole store (every graph) when ``graph`` is None."""
        if graph is None:
            where = "{ { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        else:
            where = f"{{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"
        row = next(iter(self.query(f"SELECT (COUNT(*) AS ?n) WHERE {where}", QueryDataset.DEFAULT)))
        return int(row["n"].value)

    def graph_exists(self, graph: str | None) -> bool:
        if graph is None:
            return True
        if self.dialect.default_graph is not None:  # ASK { GRAPH <g> { } } is true for any IRI
            return ox.NamedNode(graph).value in self.graphs()
        ask = f"ASK {{ GRAPH {ox.NamedNode(graph)} {{ }} }}"
        return bool(self.query(ask, QueryDataset.DEFAULT))

    def default_graph_is_empty(self) -> bool:
        return not bool(self.query("ASK { ?s ?p ?o }", QueryDataset.DEFAULT))

    def dump(self, graph: str | None, fmt: Format,
             output: BinaryIO | None = None) -> bytes | None:
        try:
            response = self._request("GET", self.gsp_url, params=self._gsp_params(graph),
                                     headers={"Accept": fmt.media_type},
                                     stream=output is not None)
        except NotFound:
            if graph is not None or self.dialect.default_graph is None:
                raise
            # our default graph, a named graph on this server, does not exist until written
            return _deliver_bytes(ox.serialize([], format=fmt.rdf_format), output)
        return _deliver(response, output)

    def dump_dataset(self, fmt: Format, output: BinaryIO | None = None) -> bytes | None:
        if self.dialect.default_graph is None:
            response = self._request("GET", self.gsp_url, headers={"Accept": fmt.media_type},
                                     stream=output is not None)
            return _deliver(response, output)
        # the server's dataset is not ours (its default graph is every graph): graph by graph
        quads: list[ox.Quad] = []
        for graph in [None, *self.graphs()]:
            name = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
            data = self.dump(graph, N_TRIPLES) or b""
            quads += [ox.Quad(t.subject, t.predicate, t.object, name)
                      for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        return _deliver_bytes(ox.serialize(quads, format=fmt.rdf_format), output)

    def replace_graph(self, graph: str | None, triples: list[ox.Triple],
                      then: str | None = None) -> bool:
        """GSP PUT: the server replaces the graph in one request (with ``then``: one update)."""
        created = not self.graph_exists(graph)
        self._write_graph("PUT", graph, triples, then)
        return created

    def add_to_graph(self, graph: str | None, triples: list[ox.Triple],
                     then: str | None = None) -> bool:
        created = not self.graph_exists(graph)
        self._write_graph("POST", graph, triples, then)
        return created

    def _write_graph(self, method: str, graph: str | None, triples: list[ox.Triple],
                     then: str | None) -> None:
        """The graph change, and ``then`` in the same SPARQL Update request (one transaction
        on Oxigraph, Fuseki, GraphDB). Where INSERT DATA refuses blank nodes (Virtuoso) the
        change is a Graph Store request and ``then`` a second one: not one transaction."""
        if not then or graph is None or not self.dialect.inserts_blank_nodes:
            self._put_or_post(method, graph, _ntriples_bytes(triples))
            if then:
                self.update(then)
            return
        name = ox.NamedNode(graph)
        drop = f"DROP SILENT GRAPH {name} ;\n" if method == "PUT" else ""
        data = _ntriples_bytes(triples).decode("utf-8")
        self.update(f"{drop}CREATE SILENT GRAPH {name} ;\n"
                    f"INSERT DATA {{ GRAPH {name} {{\n{data}}} }} ;\n{then}")

    def add_quads(self, quads: list[ox.Quad]) -> None:
        if self.dialect.inserts_blank_nodes:
            self.update("INSERT DATA { " + _quads_block(quads) + " }")
            return
        for graph, triples in _by_graph(quads).items():  # one Graph Store POST per graph
            self._put_or_post("POST", graph, _ntriples_bytes(triples))

    def replace_dataset(self, quads: list[ox.Quad]) -> None:
        # the protected graphs, which are not the client's, stay (service.store.protected)
        if self.dialect.inserts_blank_nodes:
            self.update(clear_dataset(self.graphs())
                        + "INSERT DATA { " + _quads_block(quads) + " }")
            return
        self.update(clear_dataset(self.graphs()).rstrip().rstrip(";"))
        self.add_quads(quads)

    def replace_graphs(self, graphs: dict[str, list[ox.Triple]]) -> None:
        """Make each of ``graphs`` hold exactly its triples: one SPARQL Update (one transaction
        on Oxigraph, Fuseki, GraphDB), or, where INSERT DATA refuses blank nodes, one Graph
        Store PUT per graph (each one replaces its graph whole)."""
        if not self.dialect.inserts_blank_nodes:
            for graph, triples in graphs.items():
                self._put_or_post("PUT", graph, _ntriples_bytes(triples))
            return
        operations = []
        for graph, triples in graphs.items():
            name = ox.NamedNode(graph)
            operations.append(f"DROP SILENT GRAPH {name} ;\nCREATE GRAPH {name} ;\n"
                              f"INSERT DATA {{ GRAPH {name} {{\n"
                              f"{_ntriples_bytes(triples).decode('utf-8')}}} }}")
        self.update(" ;\n".join(operations))

    def drop_graph(self, graph: str | None) -> bool:
        if graph is None:
            self.update("CLEAR SILENT DEFAULT")
            return True
        if not self.graph_exists(graph):
            return False
        # SILENT: Virtuoso refuses DROP GRAPH of a graph the Graph Store Protocol created
        # ("not explicitly created"), and drops it silently
        self.update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")
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
        quads = ox.parse(input=source, format=fmt, base_iri=base_iri, rename_blank_nodes=True)
        for chunk in _chunks(quads):
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

    def _gsp_params(self, graph: str | None) -> dict[str, str]:
        if graph is not None:
            return {"graph": graph}
        default = self.dialect.default_graph
        return {"default": ""} if default is None else {"graph": default}

    def _put_or_post(self, method: str, graph: str | None, data: bytes) -> None:
        with self._writing():
            self._request(method, self.gsp_url, params=self._gsp_params(graph), data=data,
                          headers={"Content-Type": "application/n-triples"},
                          timeout=self.write_timeout)


def _sibling(url: str, name: str) -> str:
    """``http://host/query`` -> ``http://host/update`` (Oxigraph's layout) as a default."""
    base, _, last = url.rstrip("/").rpartition("/")
    return f"{base}/{name}" if last in ("query", "sparql") else url


def _deliver(response: requests.Response, output: BinaryIO | None) -> bytes | None:
    if output is None:
        return response.content
    for chunk in response.iter_content(1 << 16):
        output.write(chunk)
    return None


def _deliver_bytes(data: bytes, output: BinaryIO | None) -> bytes | None:
    if output is None:
        return data
    output.write(data)
    return None




def _shortened(text: str) -> str:
    return text if len(text) <= ERROR_TEXT else text[:ERROR_TEXT] + " …"


def _by_graph(quads: Iterable[ox.Quad]) -> dict[str | None, list[ox.Triple]]:
    graphs: dict[str | None, list[ox.Triple]] = {}
    for quad in quads:
        key = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graphs.setdefault(key, []).append(ox.Triple(quad.subject, quad.predicate, quad.object))
    return graphs


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

