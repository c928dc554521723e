"""The headers every answer carries, set in one place: CORS and security.

Every answer: CORS headers (browser-based clients elsewhere, YASGUI or Comunica, may read it),
``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy``. Every HTML answer
(pages, the query UI, the HTML view of /sparql, /graphs, /conflicts, errors): a
Content-Security-Policy that loads nothing from elsewhere and forbids framing
(``frame-ancestors 'none'``). The query UI's YASGUI adds style elements at run time, so its page
alone allows inline styles. The reconciliation preview is made to be shown in an iframe of
another site (OpenRefine's), so it alone may be framed, by anyone: no ``X-Frame-Options``.
"""

from __future__ import annotations

from flask import Response, request

REFERRER_POLICY = "same-origin"
#: Browser-based clients elsewhere may read every answer.
CORS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "ETag, Content-Type, Link, Vary"),
)
SECURITY = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", REFERRER_POLICY))
#: What every answer that is not HTML carries besides its own headers.
EVERY_ANSWER = SECURITY + CORS
#: What a CORS preflight (OPTIONS) is answered with besides.
PREFLIGHT = (
    ("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS"),
    ("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type, If-None-Match"),
    ("Access-Control-Max-Age", "86400"),
)
PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
QUERY_UI_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                   "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                   "form-action 'self'; frame-ancestors 'none'")
PREVIEW_POLICY = PAGE_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")
#: Endpoints whose HTML needs another policy than PAGE_POLICY.
POLICIES = {"query_ui.page": QUERY_UI_POLICY, "reconcile.preview": PREVIEW_POLICY}
#: Endpoints whose HTML other sites may frame.
FRAMEABLE = {"reconcile.preview"}


def cors_headers(response: Response) -> Response:
    """Browser-based clients elsewhere may read every answer (an ``after_request`` hook)."""
    for name, value in CORS + (PREFLIGHT if request.method == "OPTIONS" else ()):
        response.headers[name] = value
    return response


def security_headers(response: Response) -> Response:
    """The security headers of every answer (an ``after_request`` hook of the app)."""
    for name, value in SECURITY:
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        policy = POLICIES.get(request.endpoint or "", PAGE_POLICY)
        response.headers["Content-Security-Policy"] = policy
        if request.endpoint not in FRAMEABLE:
            response.headers.setdefault("X-Frame-Options", "DENY")
    return response
