"""Helper processes (the store's writer, the query workers) end with the service.

A service process killed outright (``kill -9``, Granian's kill after its grace period) cannot
stop its children, and a writer left behind would keep the store's lock, so the next start
would fail. Each helper watches its parent and exits when it is gone.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def exit_with_parent(interval: float = 0.5) -> None:
    """Start a daemon thread that ends this process once its parent process has died."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)  # as a kill would: a writer's unpublished write is rolled back at restart

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


#: The stack of the threads that parse a client's SPARQL. Oxigraph's parser recurses once per
#: nested group, with some 3 KB of stack each: a thread's usual 8 MB is overflowed (the whole
#: process dies of SIGSEGV) by some 3,000 nested ``{}``, a 6 KB text; 256 MiB takes about
#: 75,000, so a query or update of under 150 KB parses whatever its nesting. Only the pages
#: used become memory.
PARSER_STACK = 256 * 1024 * 1024
#: ``threading.stack_size`` is one setting for the process: held while a thread is made.
_STACK_LOCK = threading.Lock()


def on_large_stack(target: Callable[..., T], *args: object) -> T:
    """``target(*args)`` run on a new thread with a :data:`PARSER_STACK` stack: its result, or
    its exception raised here. What was set up for the process (a sandbox, a watch on the
    parent) applies to that thread too."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append((True, target(*args)))
        except BaseException as err:  # noqa: BLE001 - handed to the caller as it is
            outcome.append((False, err))

    with _STACK_LOCK:
        previous = threading.stack_size(PARSER_STACK)
        try:
            thread = threading.Thread(target=run, name="qantar-large-stack")
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value
