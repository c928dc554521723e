"""Processes that evaluate SPARQL for requests cannot reach the network.

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
"""

from __future__ import annotations

import errno
import socket

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
