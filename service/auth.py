"""The write token: every write presents ``Authorization: Bearer <QANTAR_WRITE_TOKEN>``."""

from __future__ import annotations

import hmac

from flask import request

from service.config import Settings
from service.errors import Forbidden, Unauthorized


def require_write_token(settings: Settings) -> None:
    """Refuse the current request unless writes are enabled and its bearer token matches.

    No token configured: the service is read-only (Forbidden, 403). A missing or wrong token:
    Unauthorized (401). The comparison takes the same time whatever the token.
    """
    if settings.read_only:
        raise Forbidden("this service is read-only (no QANTAR_WRITE_TOKEN is configured)")
    if not presents_write_token(settings):
        raise Unauthorized("writes need the header Authorization: Bearer <write token>")


def presents_write_token(settings: Settings) -> bool:
    """Whether the current request carries the write token (compared in constant time)."""
    if settings.read_only:
        return False
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    presented = token.strip().encode("utf-8") if scheme.lower() == "bearer" else b""
    return hmac.compare_digest(presented, settings.write_token.encode("utf-8"))
