"""A per-client limit on anonymous SPARQL queries (``QANTAR_QUERY_RATE``), with flask-limiter.

Off by default: one address may be a whole institute behind a proxy. A request that presents
the write token is not limited. Past the limit: 429 with ``Retry-After``.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from service.auth import presents_write_token
from service.config import Settings


def limit_anonymous_queries(app: Flask, settings: Settings) -> None:
    """Wrap the SPARQL endpoint's view in the limit, when one is configured."""
    if not settings.query_rate:
        return
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://",
                      headers_enabled=True, default_limits=[])

    view = app.view_functions["sparql.sparql"]
    app.view_functions["sparql.sparql"] = limiter.limit(
        settings.query_rate, exempt_when=lambda: presents_write_token(settings),
        error_message=f"too many queries from this address (limit {settings.query_rate}); "
                      "try again later")(view)
