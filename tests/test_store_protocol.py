"""Both backends implement the whole Store and StoreService interfaces, with the same
signatures, and nothing else in service/ names a backend."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from service.embedded_service import EmbeddedService
from service.remote_service import RemoteService
from service.remote_store import RemoteStore
from service.store import EmbeddedStore, Store, StoreService

MEMBERS = sorted(name for name in {*Store.__dict__, *Store.__annotations__}
                 if not name.startswith("_") or name in ("__enter__", "__exit__"))


@pytest.mark.parametrize("backend", [EmbeddedStore, RemoteStore], ids=lambda c: c.__name__)
@pytest.mark.parametrize("member", MEMBERS)
def test_every_backend_implements_every_member_of_the_store(backend: type,
                                                            member: str) -> None:
    if member in Store.__annotations__ and member not in Store.__dict__:
        # an attribute: set on instances or a property
        source = inspect.getsource(backend)
        assert f"self.{member} =" in source or f"def {member}(" in source \
            or f"    {member} =" in source
        return
    implemented = getattr(backend, member, None)
    assert callable(implemented), f"{backend.__name__} lacks {member}"
    expected = list(inspect.signature(getattr(Store, member)).parameters)
    assert list(inspect.signature(implemented).parameters) == expected


SERVICE_MEMBERS = sorted(name for name in {*StoreService.__dict__, *StoreService.__annotations__}
                         if not name.startswith("_"))


@pytest.mark.parametrize("backend", [EmbeddedService, RemoteService], ids=lambda c: c.__name__)
@pytest.mark.parametrize("member", SERVICE_MEMBERS)
def test_every_store_service_implements_every_member(backend: type, member: str) -> None:
    if member in StoreService.__annotations__ and member not in StoreService.__dict__:
        # a class attribute, an attribute set on instances, or a property computing it
        assert member in vars(backend) or f"self.{member} =" in inspect.getsource(backend)
        return
    implemented = getattr(backend, member, None)
    if isinstance(getattr(StoreService, member), property):
        # a property, or an attribute set on instances
        assert isinstance(implemented, property) or \
            f"self.{member}: " in inspect.getsource(backend)
        return
    assert implemented is not None, f"{backend.__name__} lacks {member}"
    expected = list(inspect.signature(getattr(StoreService, member)).parameters)
    assert list(inspect.signature(implemented).parameters) == expected


#: The modules that make up a backend, and the one that chooses between them.
BACKEND_MODULES = {"store", "remote_store", "remote_dialect", "backends", "embedded_service",
                   "remote_service", "writer", "writer_host", "snapshots", "sparql/workers",
                   "sparql/remote_runner"}
#: Opens an empty store of its own, read-only and its directory removed once open, only to
#: parse updates without running them: no backend either.
PARSE_ONLY = {"sparql/engine_parse"}
#: A backend's classes, and opening an Oxigraph store on disk (an empty one in memory, to
#: parse, is no backend).
BACKEND_NAMES = re.compile(r"\b(EmbeddedStore|RemoteStore|EmbeddedService|RemoteService"
                           r"|QueryPool|StoreWriter|RemoteQueryRunner)\b"
                           r"|\b(ox|pyoxigraph)\.Store(\.read_only|\((?!\)))")


def test_no_module_outside_the_backends_names_one() -> None:
    """Callers get a Store or a StoreService from service.backends and never pick a backend,
    so a new one is one module and its branch there."""
    root = Path(__file__).resolve().parent.parent / "service"
    offenders = []
    for path in sorted(root.rglob("*.py")):
        module = path.relative_to(root).with_suffix("").as_posix()
        if module in BACKEND_MODULES | PARSE_ONLY:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{module}: {m.group()}" for m in BACKEND_NAMES.finditer(text)]
    assert offenders == []
