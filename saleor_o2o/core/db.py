"""Database connections that survive a fork safely, and the locks the extension takes.

**Forks.** A WSGI server that loads the application and then forks its workers (uwsgi
without ``lazy-apps``, as Saleor's own ``uwsgi.ini`` runs it, or gunicorn with
``--preload``) gives every worker a copy of each connection the parent opened while
loading; Saleor even sends a request through the application in the parent to warm
it up. Workers then talk on one socket at once and answers go to the wrong user. So
each connection remembers the process that opened it, and a process that finds one it
did not open drops it before its first request (`connections_detach_inherited`). The
parent's copy must keep working, so the child never speaks on the shared socket: the
descriptor is pointed at ``/dev/null`` before the connection is closed, and Django
connects afresh on next use.

**Locks.** See docs/design/click-and-collect.md for the one order in which the
extension takes its locks; the helpers here take them.
"""

import hashlib
import os
from contextlib import contextmanager
from typing import Iterator, List, Sequence

from django.core import signals
from django.db import close_old_connections, connection, connections
from django.db.backends.signals import connection_created

#: Namespace of the extension's advisory locks (the first key of the two-key form,
#: which PostgreSQL keeps apart from single-key advisory locks).
ADVISORY_NAMESPACE = 7130


def _stamp(connection, **_kwargs) -> None:
    """Remember which process opened a connection."""
    connection.o2o_pid = os.getpid()


#: Inherited connections that could not be silenced: kept referenced so that they
#: are never closed (closing would end the parent's session).
_KEPT: List[object] = []


def _silence(raw) -> bool:
    """Point a libpq connection's socket at /dev/null in this process only."""
    try:
        descriptor = raw.fileno()
        null = os.open(os.devnull, os.O_RDWR)
        try:
            os.dup2(null, descriptor)
        finally:
            os.close(null)
    except (AttributeError, OSError, ValueError):
        return False
    return True


def connections_detach_inherited(**_kwargs) -> int:
    """Drop the connections this process inherited by fork; return how many."""
    pid = os.getpid()
    detached = 0
    for wrapper in connections.all():
        if wrapper.connection is None or getattr(wrapper, "o2o_pid", pid) == pid:
            continue
        if _silence(wrapper.connection):
            wrapper.close()  # Says goodbye to /dev/null, not to the server.
        else:
            _KEPT.append(wrapper.connection)
        wrapper.connection = None
        detached += 1
    return detached


def fork_safety_install() -> None:
    """Make inherited connections harmless in every process started by fork.

    Connections open now are this process's own. The check runs first on every
    request, before Django's own clean-up of old connections (which would otherwise
    close the parent's session for everyone once its age runs out), and right after
    a fork made by Python (``os.fork``: gunicorn, multiprocessing).
    """
    connection_created.connect(_stamp, dispatch_uid="saleor_o2o.core.db.stamp")
    for wrapper in connections.all():
        if wrapper.connection is not None and not hasattr(wrapper, "o2o_pid"):
            _stamp(wrapper)
    signals.request_started.disconnect(close_old_connections)
    signals.request_started.connect(
        connections_detach_inherited, dispatch_uid="saleor_o2o.core.db.detach"
    )
    signals.request_started.connect(close_old_connections)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=connections_detach_inherited)


def _key(value: str) -> int:
    """Return a stable 32-bit signed key for an advisory lock on ``value``."""
    digest = hashlib.blake2b(value.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def session_lock_try(name: str) -> Iterator[bool]:
    """Hold a session-level advisory lock on ``name`` if free; yield whether held.

    It spans transactions (a checkout completion commits several), is released on
    leaving the block, and dies with the connection if the process does.
    """
    key = _key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_NAMESPACE, key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_NAMESPACE, key]
                )


def session_lock_is_free(name: str) -> bool:
    """Return whether no session holds the advisory lock on ``name`` now."""
    with session_lock_try(name) as held:
        return held


def transaction_lock(name: str) -> None:
    """Take a transaction-level advisory lock on ``name`` (released at commit)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_NAMESPACE, _key(name)]
        )


def rows_lock(table: str, ids: Sequence, *, mode: str = "UPDATE") -> None:
    """Lock rows of ``table`` in ascending id order, in one statement.

    ``mode`` is ``UPDATE`` or ``NO KEY UPDATE``: the latter still serialises writers
    but lets other transactions insert rows that refer to the locked ones (their
    foreign key checks take KEY SHARE locks, which FOR UPDATE would block).
    """
    if mode not in ("UPDATE", "NO KEY UPDATE"):
        raise ValueError(f"Unknown lock mode {mode!r}.")
    if not ids:
        return
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {quoted} WHERE id = ANY(%s) ORDER BY id FOR {mode}",
            [list(ids)],
        )
