"""Errors as HTTP answers: one mapping from Qantar's exceptions to status codes, as plain text.

Plain text is what SPARQL clients show their users; it never echoes markup back as HTML.
"""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from service.auth import Unauthorized
from service.errors import (
    BadQuery,
    FetchFailed,
    Forbidden,
    InvalidData,
    NotFound,
    QantarError,
    Unavailable,
    UnreadableInput,
)
from service.remote_store import StoreUnavailable

STATUS = (
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (BadQuery, 400),
    (UnreadableInput, 400),
    (InvalidData, 422),
    (StoreUnavailable, 502),
    (Unavailable, 503),
    (FetchFailed, 502),
)


def error_response(status: int, message: str) -> Response:
    """A plain-text error answer; browsers render it as text, so nothing in it can run."""
    response = Response(message.rstrip("\n") + "\n", status=status,
                        content_type="text/plain; charset=utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="qantar"'
    return response


def status_for(err: QantarError) -> int:
    for kind, status in STATUS:
        if isinstance(err, kind):
            return status
    return 500


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(QantarError)
    def _qantar_error(err: QantarError) -> Response:
        response = error_response(status_for(err), str(err))
        retry_after = getattr(err, "retry_after", None)
        if retry_after is not None:  # a busy service says when to come back
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(OSError)
    def _storage_error(err: OSError) -> Response:
        # pyoxigraph reports disk trouble as OSError("IO error: ..."); say what it means
        return storage_error(err)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Response:
        if err.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            return error_response(413, f"request body too large (the limit is {limit} bytes)")
        response = error_response(err.code or 500, f"{err.code} {err.name}: {err.description}")
        if err.code == 405 and hasattr(err, "valid_methods") and err.valid_methods:
            response.headers["Allow"] = ", ".join(err.valid_methods)
        return response


def is_disk_error(err: BaseException) -> bool:
    """A full or read-only disk, as pyoxigraph reports it."""
    text = str(err)
    return ("No space left" in text or "Read-only file system" in text
            or getattr(err, "errno", None) in (28, 30))


def storage_error(err: OSError) -> Response:
    """A full disk is 507, a read-only one 503; either way the write did not happen."""
    text = str(err)
    if "No space left" in text or getattr(err, "errno", None) == 28:
        return error_response(507, f"the store's disk is full, so nothing was written ({text})")
    if "Read-only file system" in text or getattr(err, "errno", None) == 30:
        return error_response(503, f"the store's disk is read-only, so nothing was written "
                                   f"({text})")
    return error_response(503, f"the store could not be read or written: {text}")
