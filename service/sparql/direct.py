"""``GET /sparql?query=…`` answered before Flask: the commonest request, without the framework.

Profiled under load (bench/README.md), an uncached point lookup spent about a third of the
serving process's Python in Flask and werkzeug (routing, the request object, the response object
and its hooks) around a job that the endpoint then hands to a query worker. This WSGI layer sits
in front of the Flask app and answers the plain case itself with the endpoint's own functions
(``plan_query`` and ``answer_query`` in service.sparql.endpoint: the same checks, negotiation,
cache, time limit, admission and streaming), and with the headers every answer carries
(service.headers). Anything else goes to Flask unchanged, before anything has run:

- another path or method, a conditional request (If-None-Match), a body;
- a query string that is not UTF-8, an ``update=``, no or several ``query=``;
- a format that is unknown, the HTML view, or none that fits the Accept header (errors and
  pages are Flask's);
- a text that mentions SERVICE or LOAD (its fetches are checked by the endpoint), a graph
  parameter that is not an IRI;
- a rate limit on anonymous queries (the limiter counts in Flask): then this layer is not
  installed at all.

What this layer answers is the answer Flask would give: the same status, body and headers
(tests/test_direct.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from http import HTTPStatus
from urllib.parse import parse_qsl

from werkzeug.datastructures import MultiDict
from werkzeug.wsgi import get_current_url

from service.errors import QantarError, StoreFailure, plain_text
from service.headers import EVERY_ANSWER
from service.sparql.endpoint import Answer, PlannedQuery, answer_query, plan_query
from service.sparql.guard import mentions_fetch
from service.state import Qantar

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
#: The parameters a plain query request may have; any other is Flask's to judge.
PLAIN = frozenset({"query", "format", "default-graph-uri", "named-graph-uri",
                   "union-default-graph"})


class DirectQueries:
    """WSGI middleware in front of the Flask app (see the module's docstring)."""

    def __init__(self, app: WSGIApp, state: Qantar) -> None:
        self.app = app
        self.state = state

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        planned = self._planned(environ)
        if planned is None:
            return self.app(environ, start_response)
        try:
            answer = answer_query(self.state, planned, environ, _no_etag)
        except QantarError as err:
            answer = _error(err)
        except OSError as err:  # pyoxigraph's disk trouble, as the app's handler says it
            answer = _error(StoreFailure.of(err))
        headers = list(answer.headers.items())
        body = answer.body
        if isinstance(body, bytes):
            headers.append(("Content-Length", str(len(body))))
        present = {name.lower() for name, _ in headers}
        headers.extend(h for h in EVERY_ANSWER if h[0].lower() not in present)
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", headers)
        return [body] if isinstance(body, bytes) else body

    def _planned(self, environ: dict) -> PlannedQuery | None:
        """The planned query of a plain request, or None: Flask answers it."""
        if (environ["REQUEST_METHOD"] != "GET" or environ["PATH_INFO"] != "/sparql"
                or "HTTP_IF_NONE_MATCH" in environ or environ.get("CONTENT_LENGTH")):
            return None
        raw = environ.get("QUERY_STRING", "")
        if not raw.isascii():
            return None
        try:
            params = MultiDict(parse_qsl(raw, keep_blank_values=True, errors="strict"))
        except UnicodeDecodeError:
            return None
        queries = params.getlist("query")
        if len(queries) != 1 or not PLAIN.issuperset(params.keys()):
            return None
        text = queries[0]
        if mentions_fetch(text):  # its fetches are checked by the endpoint, in a worker
            return None
        base_url = _base_url(environ["wsgi.url_scheme"], environ.get("HTTP_HOST"),
                             environ["SERVER_NAME"], environ["SERVER_PORT"],
                             environ.get("SCRIPT_NAME", ""))
        try:
            planned = plan_query(self.state, text, params, environ.get("HTTP_ACCEPT", ""),
                                 base_url, environ.get("REMOTE_ADDR") or "")
        except QantarError:  # a format, an Accept or a graph IRI refused: nothing has run
            return None  # Flask says what is wrong
        return None if planned.html else planned  # the HTML view is a template of Flask's


@lru_cache(maxsize=64)
def _base_url(scheme: str, host: str | None, server: str, port: str, script: str) -> str:
    """The request's URL without its query string, as werkzeug makes ``request.base_url``
    (the SPARQL base IRI); the few hosts a server is reached by are remembered (werkzeug's
    making of it was a twentieth of a point lookup's Python)."""
    environ = {"wsgi.url_scheme": scheme, "SERVER_NAME": server, "SERVER_PORT": port,
               "SCRIPT_NAME": script, "PATH_INFO": "/sparql"}
    if host is not None:
        environ["HTTP_HOST"] = host
    return get_current_url(environ, strip_querystring=True)


def _no_etag(etag: str) -> bool:
    """A request with If-None-Match goes to Flask, so none here names an ETag."""
    return False


def _error(err: QantarError) -> Answer:
    """The app's plain-text answer to ``err`` (service.app ``error_response``)."""
    status, headers, body = plain_text(err.status, str(err), err.headers)
    return Answer(status, headers, body)
