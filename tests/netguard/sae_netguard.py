# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One network guard for every test process: pytest itself and every process it starts.

No test may reach anything but 127.0.0.1, ::1 or localhost. The guard replaces the socket functions
that connect or look a name up; any other host is refused with an error that names it. A child's error
can be swallowed (a client retries, a module reports "connection error", a play ignores errors), so every
refusal is also written, one JSON line, to the file named by ``$SAE_TEST_NETGUARD_RECORD``: the test during
which it happened fails, and so does the pytest session.

How it reaches every process: ``activate()`` (run by netguard_pytest.py, which each suite's conftest.py
imports) installs the guard in
the pytest process, puts this directory first on ``PYTHONPATH`` and names the record file in the
environment. Every Python child (ansible-playbook, ansible-inventory, the modules they run,
ansible-runner's children, the emulator) then imports ``sitecustomize.py`` from this directory at start,
which installs the guard there too. Code that builds a child's environment itself passes it through
``child_environment()``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

RECORD_VARIABLE = "SAE_TEST_NETGUARD_RECORD"
GUARD_DIR = str(Path(__file__).resolve().parent)
ALLOWED_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_INSTALLED = "_sae_netguard_installed"


class ConnectRefused(ConnectionRefusedError):
    """A connection the test network guard refused."""


class LookupRefused(socket.gaierror):
    """A name lookup the test network guard refused (a gaierror, as a name that does not resolve)."""


def _record(action: str, host: str) -> None:
    path = os.environ.get(RECORD_VARIABLE)
    if not path:
        return
    line = json.dumps({"pid": os.getpid(), "argv": sys.argv[:3], "action": action, "host": host}) + "\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode("utf-8"))  # one write: lines from concurrent processes never interleave
    finally:
        os.close(descriptor)


def _refuse(action: str, host: str) -> OSError:
    _record(action, host)
    message = "test network guard (tests/netguard): refusing to %s %r: only 127.0.0.1, ::1 and localhost are allowed"
    if action == "resolve":
        return LookupRefused(socket.EAI_NONAME, message % (action, host))
    return ConnectRefused(message % (action, host))


def _host_of(address: object) -> str | None:
    """The host of an AF_INET/AF_INET6 address tuple; None for anything else (a Unix socket's path)."""
    if isinstance(address, tuple) and address and isinstance(address[0], (str, bytes)):
        host = address[0]
        return host.decode("ascii", "replace") if isinstance(host, bytes) else host
    return None


def _check_address(action: str, address: object) -> None:
    host = _host_of(address)
    if host is not None and host not in ALLOWED_HOSTS:
        raise _refuse(action, host)


def _check_name(name: object) -> None:
    # None (and "") ask for the wildcard or loopback address of a local bind, not a lookup.
    text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    if text and text not in ALLOWED_HOSTS:
        raise _refuse("resolve", str(text))


def install() -> None:
    """Guard this process's sockets (once; later calls do nothing)."""
    if getattr(socket, _INSTALLED, False):
        return
    real_connect, real_connect_ex, real_sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
    real_getaddrinfo, real_gethostbyname = socket.getaddrinfo, socket.gethostbyname
    real_gethostbyname_ex, real_gethostbyaddr = socket.gethostbyname_ex, socket.gethostbyaddr

    def connect(self, address):  # type: ignore[no-untyped-def]
        _check_address("connect to", address)
        return real_connect(self, address)

    def connect_ex(self, address):  # type: ignore[no-untyped-def]
        _check_address("connect to", address)
        return real_connect_ex(self, address)

    def sendto(self, data, *args):  # type: ignore[no-untyped-def]
        _check_address("send to", args[-1])
        return real_sendto(self, data, *args)

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        _check_name(host)
        return real_getaddrinfo(host, *args, **kwargs)

    def gethostbyname(name):  # type: ignore[no-untyped-def]
        _check_name(name)
        return real_gethostbyname(name)

    def gethostbyname_ex(name):  # type: ignore[no-untyped-def]
        _check_name(name)
        return real_gethostbyname_ex(name)

    def gethostbyaddr(name):  # type: ignore[no-untyped-def]
        _check_name(name)
        return real_gethostbyaddr(name)

    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
    socket.getaddrinfo, socket.gethostbyname = getaddrinfo, gethostbyname
    socket.gethostbyname_ex, socket.gethostbyaddr = gethostbyname_ex, gethostbyaddr
    setattr(socket, _INSTALLED, True)


def child_environment(env: dict) -> dict:
    """``env`` with this directory first on ``PYTHONPATH`` and the record file named: a child's guard."""
    paths = [path for path in env.get("PYTHONPATH", "").split(os.pathsep) if path and path != GUARD_DIR]
    guarded = dict(env, PYTHONPATH=os.pathsep.join([GUARD_DIR, *paths]))
    guarded[RECORD_VARIABLE] = os.environ[RECORD_VARIABLE]
    return guarded


def activate() -> str:
    """Guard this process and, through ``os.environ``, every process it starts; the record file's path.

    A record file named by a parent (tools/pytest.sh, or an outer run) is kept, so one file serves the whole run.
    """
    if not os.environ.get(RECORD_VARIABLE):
        descriptor, path = tempfile.mkstemp(prefix="sae-netguard-", suffix=".jsonl")
        os.close(descriptor)
        os.environ[RECORD_VARIABLE] = path
    os.environ.update(child_environment(dict(os.environ)))
    install()
    return os.environ[RECORD_VARIABLE]


@contextlib.contextmanager
def expect_refusals() -> Iterator[Callable[[], list]]:
    """For a test that provokes refusals on purpose: while it runs, they go to a file of its own (this process's
    and, through ``child_environment()``, its children's), so the run's record stays clean. Yields a function
    returning them."""
    descriptor, path = tempfile.mkstemp(prefix="sae-netguard-expected-", suffix=".jsonl")
    os.close(descriptor)
    run_record = os.environ[RECORD_VARIABLE]
    os.environ[RECORD_VARIABLE] = path
    try:
        yield lambda: refusals(path)
    finally:
        os.environ[RECORD_VARIABLE] = run_record
        os.unlink(path)


def refusals(path: str | None = None, start: int = 0) -> list:
    """The refusals recorded in ``path`` (default: this run's record file) from byte ``start`` on."""
    path = path or os.environ.get(RECORD_VARIABLE)
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            return [json.loads(line) for line in handle.read().decode("utf-8").splitlines() if line.strip()]
    except FileNotFoundError:
        return []


def record_size() -> int:
    try:
        return os.path.getsize(os.environ[RECORD_VARIABLE])
    except OSError:
        return 0


def describe(found: list) -> str:
    """One line per distinct refusal: what, which host, how many times, by which process."""
    counts: dict = {}
    for entry in found:
        key = (entry["action"], entry["host"], entry["pid"], " ".join(entry["argv"]))
        counts[key] = counts.get(key, 0) + 1
    return "; ".join(
        "%s %r x%d (pid %s: %s)" % (action, host, count, pid, argv)
        for (action, host, pid, argv), count in counts.items()
    )
