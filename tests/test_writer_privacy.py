"""What anonymous readers see of a writer: an opaque id, never a digest of the write token nor
the client's address (issue 26, item 5)."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import requests

from service.imports.writer_id import key_file, writer_id
from service.namespaces import PROVENANCE_GRAPH
from tests.live import AUTH, WRITE_TOKEN, LiveServer

CLIENT = "127.0.0.1"


def leaks(text: str) -> list[str]:
    """What of the client's address or of SHA-256 of the token (any prefix of 8 hex digits or
    more) ``text`` holds."""
    digest = hashlib.sha256(WRITE_TOKEN.encode()).hexdigest()
    found = [CLIENT] if CLIENT in text else []
    found += [digest[:n] for n in range(8, 65) if digest[:n] in text.lower()][:1]
    return found


def test_an_upload_shows_anonymous_readers_no_token_digest_and_no_address(
    live_writable: LiveServer,
) -> None:
    # the service is reached by name, so the URL the record keeps (the server's) holds no
    # address, and 127.0.0.1 can only be the client's
    base = live_writable.url.replace(CLIENT, "localhost")
    graph = "https://example.org/graph/private-writer"
    for _ in range(2):
        put = requests.put(base + "/store", params={"graph": graph},
                           data='<http://example.org/a> <http://example.org/p> "1" .\n',
                           headers={**AUTH, "Content-Type": "application/n-triples"})
        assert put.status_code in (201, 204), put.text
    listing = requests.get(base + "/graphs.json")
    page = requests.get(base + "/graphs", headers={"Accept": "text/html"})
    record = requests.post(base + "/sparql", data={
        "query": f"CONSTRUCT {{ ?s ?p ?o }} FROM NAMED <{PROVENANCE_GRAPH}> "
                 f"WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "application/n-triples"})
    assert listing.status_code == page.status_code == record.status_code == 200
    uploaded = next(g for g in listing.json() if g["iri"] == graph)
    assert "holding write token" in uploaded["agent"]
    assert graph in record.text and "holding write token" in record.text
    for text in (listing.text, page.text, record.text):
        assert leaks(text) == []
    # both uploads were one writer's
    agents = {line for line in record.text.splitlines() if "holding write token" in line}
    assert len({line.split(" ", 1)[1] for line in agents}) == 1


def test_the_writer_id_is_stable_secret_and_per_token(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = writer_id(store, WRITE_TOKEN)
    assert writer_id(store, WRITE_TOKEN) == first  # read back, as after a restart
    assert writer_id(store, WRITE_TOKEN + "x") != first
    assert stat.S_IMODE(key_file(store).stat().st_mode) == 0o600
    assert writer_id(tmp_path / "other", WRITE_TOKEN) != first  # keyed, not a plain digest
    assert first not in hashlib.sha256(WRITE_TOKEN.encode()).hexdigest()
