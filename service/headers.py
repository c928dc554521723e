"""Security headers, set in one place for every answer of the service.

Every answer: ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy``. Every HTML answer
(pages, the query UI, the HTML view of /sparql, /graphs, /conflicts, errors): a
Content-Security-Policy that loads nothing from elsewhere and forbids framing
(``frame-ancestors 'none'``). The query UI's YASGUI adds style elements at run time, so its page
alone allows inline styles. The reconciliation preview is made to be shown in an iframe of
another site (OpenRefine's), so it alone may be framed, by anyone: no ``X-Frame-Options``.
"""

from __future__ import annotations

from flask import Response, request

REFERRER_POLICY = "same-origin"
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


def security_headers(response: Response) -> Response:
    """The headers every answer carries (an ``after_request`` hook of the app)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    if response.mimetype == "text/html":
        policy = POLICIES.get(request.endpoint or "", PAGE_POLICY)
        response.headers["Content-Security-Policy"] = policy
        if request.endpoint not in FRAMEABLE:
            response.headers.setdefault("X-Frame-Options", "DENY")
    return response
