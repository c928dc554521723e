"""The writer several service processes share, started and kept running by ``qantar serve``.

With ``QANTAR_WORKERS`` above 1, Granian runs that many service processes. The embedded store
has one writer (RocksDB allows one), so ``qantar serve`` starts it before them, as a process of
its own listening on a Unix socket in a private directory (service.store.embedded.writer
``writer_main``).
Each service process writes through ``SharedWriter``; whatever ends the writer (a write killed
at its time limit, a crash) this host starts it again at once, and the restart rolls back what
was not published.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from service.store.embedded.writer import STARTUP_LIMIT, ended_record, writer_main


class WriterHost:
    """Starts the shared writer and starts it again whenever it ends, until ``stop``."""

    def __init__(self, store_path: Path, *, sandboxed: bool, memory: int = 0) -> None:
        self.store_path = store_path
        self.sandboxed = sandboxed
        self.memory = memory  # the writer's address space in bytes (0: no limit)
        self._directory = Path(tempfile.mkdtemp(prefix="qantar-writer-"))  # mode 0700
        self.socket_path = str(self._directory / "socket")
        self._context = mp.get_context("spawn")
        self._process: Any = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> int:
        """Start the writer (its errors raised here) and its keeper; the published generation."""
        generation = self._spawn()
        self._thread = threading.Thread(target=self._keep, name="qantar-writer-host",
                                        daemon=True)
        self._thread.start()
        return generation

    def _spawn(self) -> int:
        parent, child = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=writer_main, args=(child, str(self.store_path), self.sandboxed,
                                      self.socket_path, self.memory),
            name="qantar-writer", daemon=True)
        process.start()
        child.close()
        try:
            if not parent.poll(STARTUP_LIMIT):
                process.kill()
                raise TimeoutError("the store's writer did not start in time")
            reply = parent.recv()
        except EOFError:
            raise RuntimeError("the store's writer ended while starting") from None
        finally:
            parent.close()
        if reply[0] == "raise":
            process.kill()
            raise reply[1]
        self._process = process
        return reply[1]

    def _keep(self) -> None:
        while not self._stopping.is_set():
            self._process.join()
            if self._stopping.is_set():
                return
            self._record_end(self._process)
            try:
                self._spawn()
                if self._stopping.is_set():
                    self._process.terminate()
            except Exception as err:  # noqa: BLE001 - keep trying: writes wait meanwhile
                print(f"qantar: the store's writer did not start again: {err}", file=sys.stderr)
                time.sleep(1.0)

    def _record_end(self, process: Any) -> None:
        """Say how the writer ended, for the session it was serving (a write that ran out of
        memory is answered so); only the newest record is kept."""
        for old in self._directory.glob("ended-*"):
            old.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            ended_record(self.socket_path, process.pid).write_text(str(process.exitcode))

    def stop(self) -> None:
        self._stopping.set()
        process = self._process
        if process is not None:
            process.terminate()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            shutil.rmtree(self._directory)
