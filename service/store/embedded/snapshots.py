"""Immutable snapshots of the embedded store: the only thing other processes read.

pyoxigraph documents ``Store.read_only`` beside a writing process as undefined behaviour (we saw
a reader die on a vanished ``.sst`` file). ``Store.backup`` makes a hard-linked copy "usable
... like a regular database" that "operates independently from the original": a directory
nobody ever writes, which any number of processes may open read-only. The writer publishes one
after every committed write, under ``<store>.snapshots/<generation>``; readers open the newest;
the service removes a snapshot once no reader holds it.

A snapshot appears by an atomic rename of a completed backup, so a directory named by a number
is always whole. The newest one is also the state a write that never finished (a time limit, a
crash) is rolled back to.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import shutil
import struct
import threading
import time
import weakref
from pathlib import Path

from service.store.embedded.store import EmbeddedStore


def snapshots_dir(store_path: Path) -> Path:
    """Where the snapshots of ``store_path`` live (beside it: hard links need one file system)."""
    return store_path.with_name(store_path.name + ".snapshots")


def snapshot_path(store_path: Path, generation: int) -> Path:
    return snapshots_dir(store_path) / str(generation)


def generations(store_path: Path) -> list[int]:
    """The published generations, oldest first (unfinished ``.tmp`` backups are not listed)."""
    root = snapshots_dir(store_path)
    if not root.is_dir():
        return []
    return sorted(int(p.name) for p in root.iterdir() if p.name.isdigit() and p.is_dir())


def newest(store_path: Path) -> int | None:
    found = generations(store_path)
    return found[-1] if found else None


def publish(store: EmbeddedStore, store_path: Path, generation: int) -> Path:
    """Flush ``store`` and publish its committed state as ``generation``."""
    root = snapshots_dir(store_path)
    root.mkdir(parents=True, exist_ok=True)
    target = snapshot_path(store_path, generation)
    tmp = root / f"{generation}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    store.backup(tmp)
    tmp.rename(target)
    return target


def remove_leftovers(store_path: Path) -> None:
    """Remove unfinished backups (``.tmp``): only the writer calls this, at its start."""
    root = snapshots_dir(store_path)
    if root.is_dir():
        for path in root.glob("*.tmp"):
            shutil.rmtree(path, ignore_errors=True)


def _lock_path(store_path: Path, generation: int) -> Path:
    return snapshots_dir(store_path) / f"{generation}.lock"


def hold(store_path: Path, generation: int) -> int:
    """Hold snapshot ``generation`` against removal by any process (a shared ``flock`` on its
    lock file, released by closing the returned descriptor); FileNotFoundError if it is gone."""
    fd = os.open(_lock_path(store_path, generation), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # a remover holds it only while it deletes
        if not snapshot_path(store_path, generation).is_dir():
            raise FileNotFoundError(f"snapshot {generation} was removed")
    except BaseException:
        os.close(fd)
        raise
    return fd


def remove_unheld(store_path: Path, keep: set[int]) -> None:
    """Remove every snapshot no process holds, except ``keep`` and the newest (the state a cut
    short write is rolled back to). A process holding one has a shared lock on its lock file,
    so the exclusive lock taken here fails for it."""
    found = generations(store_path)
    for generation in found[:-1]:
        if generation in keep:
            continue
        lock = _lock_path(store_path, generation)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            shutil.rmtree(snapshot_path(store_path, generation), ignore_errors=True)
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)


#: The file holding the newest published generation, for the processes that did not write it.
PUBLISHED = "published"
_COUNTER = struct.Struct("<q")


def announce(store_path: Path, generation: int) -> None:
    """Tell every process that ``generation`` is the newest (after its snapshot is whole)."""
    path = snapshots_dir(store_path) / PUBLISHED
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if os.fstat(fd).st_size < _COUNTER.size:
            os.ftruncate(fd, _COUNTER.size)
        os.pwrite(fd, _COUNTER.pack(generation), 0)  # one aligned 8-byte write
    finally:
        os.close(fd)


class Announcements:
    """Reads the announced generation through a shared memory map: a check per request costs
    a memory read, not a system call."""

    def __init__(self, store_path: Path) -> None:
        fd = os.open(snapshots_dir(store_path) / PUBLISHED, os.O_RDONLY | os.O_CLOEXEC)
        try:
            self._map = mmap.mmap(fd, _COUNTER.size, prot=mmap.PROT_READ)
        finally:
            os.close(fd)

    def newest(self) -> int:
        return _COUNTER.unpack_from(self._map)[0]

    def close(self) -> None:
        with contextlib.suppress(BufferError, ValueError):
            self._map.close()


def restore(store_path: Path, generation: int) -> None:
    """Make the store exactly the snapshot ``generation`` again (a write was cut short).

    Table files (``.sst``) are immutable in RocksDB, which only ever creates and unlinks them, so
    they are hard-linked as the backup itself does; every other file (manifest, options, logs)
    is copied, so the snapshot stays as it is for the readers that hold it. It costs little
    disk, which matters when a write was refused because the disk is full.
    """
    source = snapshot_path(store_path, generation)
    staging = store_path.with_name(store_path.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, copy_function=_link_or_copy)
    old = store_path.with_name(store_path.name + ".rolled-back")
    shutil.rmtree(old, ignore_errors=True)
    if store_path.exists():
        store_path.rename(old)
    staging.rename(store_path)
    shutil.rmtree(old, ignore_errors=True)


def _link_or_copy(source: str, target: str) -> None:
    if source.endswith(".sst"):
        try:
            os.link(source, target)
            return
        except OSError:
            pass  # another file system: copy
    shutil.copy2(source, target)


class Readers:
    """This process's read-only views of published snapshots, and the snapshots it holds.

    Request threads read through the newest view. This process holds
    (service.store.embedded.snapshots.hold)
    its current snapshot, those its query workers hold, and those superseded less than
    ``grace`` seconds ago (a lazy answer may still be reading one after its view object is
    gone); any process may remove a snapshot nobody holds.
    """

    def __init__(self, store_path: Path, grace: float) -> None:
        self.store_path = store_path
        self.grace = grace
        self.generation = 0
        self.current: EmbeddedStore | None = None
        self._open: weakref.WeakValueDictionary[int, EmbeddedStore] = (
            weakref.WeakValueDictionary())
        self._superseded: dict[int, float] = {}
        self._holds: dict[int, int] = {}
        self._lock = threading.Lock()

    def switch(self, generation: int) -> None:
        """Read ``generation`` from now on; FileNotFoundError if it was removed meanwhile
        (a newer one was published: read that)."""
        with self._lock:
            if generation not in self._holds:
                self._holds[generation] = hold(self.store_path, generation)
            view = EmbeddedStore(snapshot_path(self.store_path, generation), read_only=True)
            if self.current is not None and self.generation != generation:
                self._superseded[self.generation] = time.monotonic()
            self.current, self.generation = view, generation
            self._open[generation] = view

    def collect(self, held: set[int]) -> None:
        """Let go of the snapshots this process no longer reads (``held``: those its query
        workers hold) and remove those no process holds."""
        now = time.monotonic()
        with self._lock:
            recent = {g for g, t in self._superseded.items() if now - t < self.grace}
            self._superseded = {g: t for g, t in self._superseded.items() if g in recent}
            keep = {self.generation, *held, *recent, *self._open.keys()}
            for generation in keep - self._holds.keys():
                with contextlib.suppress(FileNotFoundError):
                    self._holds[generation] = hold(self.store_path, generation)
            for generation in set(self._holds) - keep:
                os.close(self._holds.pop(generation))
        remove_unheld(self.store_path, keep)

    def close(self) -> None:
        with self._lock:
            self.current = None
            for fd in self._holds.values():
                os.close(fd)
            self._holds.clear()
