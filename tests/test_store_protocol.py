"""Both backends implement the whole Store and StoreService interfaces, with the same
signatures, and nothing else in service/ names a backend."""

from __future__ import annotations

import inspect
import re
import time
from pathlib import Path

import pytest

from service.config import Settings
from service.namespaces import ARTICLE_GRAPH
from service.search_index import ChangeRecorder
from service.store.embedded.service import EmbeddedService
from service.store.embedded.store import EmbeddedStore
from service.store.embedded.writer import OPERATIONS, StoreWriter, WriteSession
from service.store.interface import Backend, Store, StoreService
from service.store.open import BACKENDS
from service.store.remote.service import RemoteService
from service.store.remote.store import RemoteStore
from tests.live import copy_store

ARTICLE = str(ARTICLE_GRAPH)

MEMBERS = sorted(name for name in {*Store.__dict__, *Store.__annotations__}
                 if not name.startswith("_") or name in ("__enter__", "__exit__"))


@pytest.mark.parametrize("backend", [EmbeddedStore, RemoteStore, ChangeRecorder,
                                     WriteSession],
                         ids=lambda c: c.__name__)
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


def test_a_write_session_sends_the_writer_exactly_the_methods_of_the_store() -> None:
    """What the writer process runs is a closed list, the Store's methods (no forwarding by
    name: anything else is refused there), and each says whether it writes."""
    methods = {m for m in MEMBERS if m not in Store.__annotations__
               and m not in ("flush", "close", "__enter__", "__exit__")}
    assert set(OPERATIONS) == methods
    assert {m for m, reads in OPERATIONS.items() if reads} == {
        "query", "graphs", "triple_count", "graph_exists", "default_graph_is_empty", "dump",
        "dump_dataset"}


def test_the_writer_refuses_what_is_not_an_operation_and_goes_on(
    tmp_path: Path, bundle_store_template: Path,
) -> None:
    """The writer process runs no method named at will (say ``close``, or a private one)."""
    writer = StoreWriter(copy_store(bundle_store_template, tmp_path / "store"))
    writer.start()
    try:
        deadline = time.monotonic() + 60
        for name in ("close", "_oxi", "__class__"):
            with pytest.raises(TypeError, match="is not an operation of a write"):
                writer.call(name, (), deadline)
        session = WriteSession(writer, deadline)
        assert session.graph_exists(ARTICLE) and session.triple_count(ARTICLE) > 0
        session.create_graph("http://example.org/graph/new")
        assert session.graph_exists("http://example.org/graph/new")
    finally:
        writer.stop()


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


#: Each backend's folder in the store wing, the registry that chooses between them, and the
#: worker processes: their pool is shared (the remote store's checks run there, opening
#: nothing), and their query jobs open the embedded store's published snapshots.
BACKEND_FOLDERS = ("store/embedded/", "store/remote/")
REGISTRY = "store/open"
#: Opens an empty store of its own, read-only and its directory removed once open, only to
#: parse updates without running them: no backend either.
PARSE_ONLY = {"store/engine_parse"}
#: A backend's classes, and opening an Oxigraph store on disk (an empty one in memory, to
#: parse, is no backend).
BACKEND_NAMES = re.compile(r"\b(EmbeddedStore|RemoteStore|EmbeddedService|RemoteService"
                           r"|SnapshotEvaluator|StoreWriter|RemoteQueryRunner)\b"
                           r"|\b(ox|pyoxigraph)\.Store(\.read_only|\((?!\)))")
IMPORT = re.compile(r"^\s*(?:from|import) service\.(store\.(?:embedded|remote))\b", re.M)


def _modules() -> list[tuple[str, str]]:
    root = Path(__file__).resolve().parent.parent / "service"
    return [(path.relative_to(root).with_suffix("").as_posix(), path.read_text(encoding="utf-8"))
            for path in sorted(root.rglob("*.py"))]


def test_no_module_outside_the_backends_names_one() -> None:
    """Callers get a Store or a StoreService from service.store.open and never pick a backend,
    so a new one is one folder under service/store/ and its entry there."""
    offenders = []
    for module, text in _modules():
        if module.startswith(BACKEND_FOLDERS) or module in {REGISTRY} | PARSE_ONLY:
            continue
        offenders += [f"{module}: {m.group()}" for m in BACKEND_NAMES.finditer(text)]
    assert offenders == []


def test_only_the_registry_imports_a_backend_and_no_backend_imports_another() -> None:
    """Read as text: the import statements of each module of service/."""
    offenders = []
    for module, text in _modules():
        for imported in IMPORT.findall(text):
            folder = imported.replace(".", "/") + "/"
            if module != REGISTRY and not module.startswith(folder):
                offenders.append(f"{module} imports service.{imported}")
    assert offenders == []


BACKEND_MEMBERS = sorted(name for name in {*Backend.__dict__, *Backend.__annotations__}
                         if not name.startswith("_"))


@pytest.mark.parametrize("chosen", BACKENDS, ids=lambda b: type(b).__name__)
@pytest.mark.parametrize("member", BACKEND_MEMBERS)
def test_every_backend_in_the_registry_answers_every_capability(chosen: object,
                                                                member: str) -> None:
    if member in Backend.__annotations__ and member not in Backend.__dict__:
        assert member in vars(type(chosen)), f"{type(chosen).__name__} lacks {member}"
        return
    implemented = getattr(chosen, member)
    expected = list(inspect.signature(getattr(Backend, member)).parameters)[1:]  # no self
    assert list(inspect.signature(implemented).parameters) == expected


def test_each_store_setting_has_exactly_one_backend() -> None:
    embedded = Settings.from_env({"QANTAR_STORE": "var/store"})
    remote = Settings.from_env({"QANTAR_STORE": "http://127.0.0.1:7878/query"})
    for settings in (embedded, remote):
        assert sum(candidate.claims(settings) for candidate in BACKENDS) == 1
