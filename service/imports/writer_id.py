"""Who wrote an upload, as anonymous readers may see it: an opaque id of the write token.

The provenance graph is public (``/graphs``, ``/graphs.json``, SPARQL with the graph named), so
what it says of a writer must not help anyone guess the token, nor say where the writer sits:
no digest of the token alone (a short unsalted SHA-256 can be tested against guesses offline)
and no client address. The id is an HMAC of the token under a random key kept beside the store
(``<store>.writer-key``, readable by the service's user only), made the first time it is needed:
the same token gives the same id after a restart, so one writer's records group together; a new
token gives a new id; without the key the id says nothing about the token.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path


def key_file(store_path: Path) -> Path:
    """Where the key of ``store_path``'s writer ids lives: beside the store (the remote store's
    state directory for a remote store), as its journal and search index do."""
    return store_path.with_name(store_path.name + ".writer-key")


def writer_id(store_path: Path, write_token: str) -> str:
    """The opaque id of ``write_token`` for this store: 16 hex digits."""
    key = _key(key_file(store_path))
    return hmac.new(key, write_token.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def http_agent(store_path: Path, write_token: str) -> str:
    """The provenance record's agent for a Graph Store write: the token's opaque id, no
    address."""
    return f"Graph Store Protocol client holding write token {writer_id(store_path, write_token)}"


def _key(path: Path) -> bytes:
    """The key at ``path``, made (atomically: several server processes may ask at once) when
    there is none yet."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
        with contextlib.suppress(FileExistsError):  # another process made it first: use its
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return path.read_bytes()
