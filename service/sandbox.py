"""Processes that evaluate SPARQL for requests cannot reach the network, nor take the machine's
memory.

pyoxigraph sends a real HTTP request for every ``SERVICE`` and ``LOAD`` it evaluates and has no
switch to turn that off. The guard (service.sparql.guard) refuses what it can see; this is the
defence in depth for what it cannot: a seccomp filter, loaded in the query workers and the
writer before they evaluate anything, makes the kernel refuse to create Internet sockets
(``AF_INET``, ``AF_INET6``, and the raw and netlink families) and io_uring (which could connect
without the ``socket`` system call). A differential between the guard's parser and the engine's
then ends in a failed query, never in a connection.

The filter is per process and permanent (``no_new_privs``), inherited by anything the process
starts; the pipes to the service were opened before it was loaded. Only the process that runs
queries whose ``SERVICE`` targets the guard found on ``QANTAR_FETCH_ALLOW`` (and the writer, when
hosts are allowed, for ``LOAD``) runs without it.

The same processes get a limit on their address space (``RLIMIT_AS``, ``QANTAR_WORKER_MEMORY``):
one short query can ask for gigabytes (``REPLACE`` of a string by itself, twice). Past the limit
an allocation fails: Python raises MemoryError, and Rust (pyoxigraph) aborts the process with
SIGABRT ("memory allocation of N bytes failed"); either way the service answers 503 and starts
the process again. RLIMIT_AS counts address space, not resident memory: RocksDB, the Python
runtime and each thread's arena reserve some before any query runs (docs/configuration.md has
the figures).
"""

from __future__ import annotations

import errno
import resource
import signal
import socket

from service.errors import OutOfMemory

#: Socket families a SPARQL evaluator never needs (AF_UNIX stays: local pipes).
BLOCKED_FAMILIES = tuple(getattr(socket, name) for name in (
    "AF_INET", "AF_INET6", "AF_PACKET", "AF_NETLINK") if hasattr(socket, name))


def forbid_network() -> None:
    """Load the filter into this process: creating a network socket fails with EACCES."""
    import pyseccomp as seccomp  # deliberate: libseccomp is loaded only by the sandboxed processes

    fltr = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for family in BLOCKED_FAMILIES:
        fltr.add_rule(seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.EQ, family))
        fltr.add_rule(seccomp.ERRNO(errno.EACCES), "socketpair",
                      seccomp.Arg(0, seccomp.EQ, family))
    fltr.add_rule(seccomp.ERRNO(errno.EACCES), "io_uring_setup")
    fltr.load()


#: What the engine reports when the filter refuses it a socket.
_REFUSED_SOCKET = "Permission denied (os error 13)"


def refused_by_sandbox(err: BaseException) -> bool:
    """Whether ``err`` is the filter refusing a fetch (SERVICE or LOAD the guard let through)."""
    return isinstance(err, PermissionError) or _REFUSED_SOCKET in str(err)


def limit_memory(limit: int) -> None:
    """Cap this process's address space at ``limit`` bytes (0: no cap); for good, and for what
    it starts."""
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def died_of_memory(exitcode: int | None) -> bool:
    """Whether a process that ended with ``exitcode`` (multiprocessing's: minus the signal) was
    aborted, as Rust aborts when an allocation fails (a memory error is the one cause of an
    abort in these processes: a Rust panic reaches Python as an exception)."""
    return exitcode == -signal.SIGABRT


def memory_error(limit: int, what: str, then: str = "; narrow it down") -> OutOfMemory:
    """The error for a query or write whose process ran out of memory."""
    return OutOfMemory(f"{what} needed more memory than the limit of {limit / 2**20:,.0f} MiB "
                       f"(QANTAR_WORKER_MEMORY) allows, so it was stopped{then}")
