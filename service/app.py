"""The Flask app factory: the one place where the service's parts are put together."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from service.config import Settings
from service.errors import QantarError, StoreFailure, TooLarge, plain_text
from service.graph_store import blueprint as graph_store
from service.headers import cors_headers, security_headers
from service.imports.web import blueprint as imports
from service.limits import limit_anonymous_queries
from service.openapi import blueprint as openapi
from service.pages.views import blueprint as pages
from service.query_ui import blueprint as query_ui
from service.reconcile.web import blueprint as reconcile
from service.saved_queries import blueprint as saved_queries
from service.sparql.direct import DirectQueries
from service.sparql.endpoint import blueprint as sparql
from service.sparql.replay import Replay
from service.state import Qantar


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web service on the store named by ``settings`` (default: the environment)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.config["JSON_SORT_KEYS"] = False
    state = app.extensions["qantar"] = Qantar(settings)
    _register_blueprints(app)
    register_error_handlers(app)
    # `qantar serve` receives bodies whole, within their limits, before Flask runs
    # (service.front); Werkzeug's MAX_CONTENT_LENGTH above is for any other server
    limit_anonymous_queries(app, settings)
    app.after_request(cors_headers)
    app.after_request(security_headers)
    if not settings.query_rate:  # a limited query must reach the limiter, in Flask
        app.wsgi_app = DirectQueries(app.wsgi_app, state)  # type: ignore[method-assign]
    if state.cache.enabled and not settings.query_rate:
        app.wsgi_app = Replay(app.wsgi_app, state.cache,  # type: ignore[method-assign]
                              lambda: state.generation, lambda: state.announced)
    return app


def _register_blueprints(app: Flask) -> None:
    # Each part of the service is one blueprint in its own module; add new ones here.
    app.register_blueprint(sparql)
    app.register_blueprint(graph_store)
    app.register_blueprint(query_ui)
    app.register_blueprint(saved_queries)
    app.register_blueprint(imports)
    app.register_blueprint(openapi)
    app.register_blueprint(reconcile)
    app.register_blueprint(pages)  # its catch-all /<path> resolves IRIs under the base


def register_error_handlers(app: Flask) -> None:
    """Every error answer is plain text (service.errors.plain_text); Qantar's own errors carry
    their status and headers, an OSError of the store says what it means, and werkzeug's
    (an unknown route, a method not allowed, a body over the limit) keep their status."""
    app.register_error_handler(QantarError, error_response)

    @app.errorhandler(OSError)
    def _storage_error(err: OSError) -> Response:
        # pyoxigraph reports disk trouble as OSError("IO error: ..."); say what it means
        return error_response(StoreFailure.of(err))

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Response:
        if err.code == 413:
            return error_response(TooLarge(app.config.get("MAX_CONTENT_LENGTH")))
        allow = getattr(err, "valid_methods", None) if err.code == 405 else None
        status, headers, body = plain_text(err.code or 500,
                                           f"{err.code} {err.name}: {err.description}",
                                           {"Allow": ", ".join(allow)} if allow else None)
        return Response(body, status=status, headers=headers)


def error_response(err: QantarError) -> Response:
    """The one mapping of Qantar's errors to HTTP answers: the class's status and headers."""
    status, headers, body = plain_text(err.status, str(err), err.headers)
    return Response(body, status=status, headers=headers)
