"""The ceiling of the server stack: waitress answering every request with one fixed body.

``python -m bench.floor raw|flask PORT THREADS`` serves a constant SPARQL JSON answer, either as
a bare WSGI callable or through a one-route Flask app. Measured beside ``qantar serve`` it shows
how much of a request's cost is the WSGI server and the framework rather than the query.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

import waitress
from flask import Flask, Response

BODY = b'{"head":{"vars":["p","o"]},"results":{"bindings":[]}}'
MIME = "application/sparql-results+json"


def raw_app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", MIME), ("Content-Length", str(len(BODY)))])
    return [BODY]


def flask_app() -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/sparql", "sparql", lambda: Response(BODY, content_type=MIME))
    return app


if __name__ == "__main__":
    kind, port, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    app = raw_app if kind == "raw" else flask_app()
    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, _quiet=True)
