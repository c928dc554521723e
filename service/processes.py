"""Helper processes (the store's writer, the query workers) end with the service.

A service process killed outright (``kill -9``, Granian's kill after its grace period) cannot
stop its children, and a writer left behind would keep the store's lock, so the next start
would fail. Each helper watches its parent and exits when it is gone.
"""

from __future__ import annotations

import os
import threading
import time


def exit_with_parent(interval: float = 0.5) -> None:
    """Start a daemon thread that ends this process once its parent process has died."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)  # as a kill would: a writer's unpublished write is rolled back at restart

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
