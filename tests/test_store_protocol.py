"""Both backends implement the whole Store interface, with the same signatures."""

from __future__ import annotations

import inspect

import pytest

from service.remote_store import RemoteStore
from service.store import EmbeddedStore, Store

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
