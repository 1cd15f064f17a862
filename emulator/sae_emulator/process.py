"""``python -m sae_emulator`` as a child process, for the tests and the benchmarks that run against it."""

from __future__ import annotations

import json
import os
import selectors
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from pathlib import Path
from typing import IO

# What is kept of the emulator's stderr: its last 64 KiB, enough for a traceback.
_STDERR_TAIL_BYTES = 64 * 1024


class EmulatorProcess:
    """A running emulator process; ``info`` is the JSON line it printed on start. Stopped by ``stop()`` or ``with``.

    ``args`` are the emulator's options (``--port 0`` comes first); ``keep_stderr=False`` discards what the
    emulator writes to stderr, otherwise it is read as it comes (a full pipe would block the emulator) and its
    end is kept: ``stderr_tail()``, and the error message when the emulator does not start.
    An emulator that prints no line within ``startup_timeout`` seconds, or not its startup JSON, is killed, so
    that nothing waits for it forever.
    """

    def __init__(
        self,
        args: list,
        env: dict,
        cwd: str | Path | None = None,
        python: str = sys.executable,
        keep_stderr: bool = True,
        startup_timeout: float = 30.0,
    ) -> None:
        self.process = subprocess.Popen(
            [python, "-m", "sae_emulator", "--port", "0", *args],
            cwd=None if cwd is None else str(cwd),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if keep_stderr else subprocess.DEVNULL,
            text=True,
        )
        self._stderr = None if self.process.stderr is None else _Tail(self.process.stderr)
        line = _first_line(self.process.stdout, startup_timeout)
        problem = None
        if line is None:
            problem = "printed no line within %s s" % startup_timeout
        elif not line:
            problem = "did not start"
        else:
            try:
                self.info = json.loads(line)
                self.port = self.info["port"]
                self.endpoint = self.info["endpoint"]
            except (ValueError, TypeError, KeyError):  # not JSON, not a JSON object, or a member missing
                problem = "printed %r, not its startup JSON" % line[:200]
        if problem is not None:
            raise RuntimeError("the emulator %s%s" % (problem, self._abandon()))
        scheme = "https" if self.info.get("ca_file") else "http"
        self.base_url = "%s://127.0.0.1:%d" % (scheme, self.port)

    def control(self, path: str, payload: object = None) -> object:
        """GET (or POST ``payload`` as JSON to) a path of the emulator's control interface."""
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method="GET" if data is None else "POST")
        request.add_header("Content-Type", "application/json")
        context = None
        if self.info.get("ca_file"):
            context = ssl.create_default_context(cafile=self.info["ca_file"])
        with urllib.request.urlopen(request, timeout=10, context=context) as answer:
            return json.loads(answer.read() or b"null")

    def stderr_tail(self) -> str:
        """The end of what the emulator has written to stderr so far ("" with ``keep_stderr=False``)."""
        return "" if self._stderr is None else self._stderr.text()

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Stop the emulator with ``signum`` (killed if it has not ended 10 s later); its exit code. The rest of
        its stderr is read first (2 s at most)."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signum)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            self._close_streams()
        return self.process.returncode

    def _abandon(self) -> str:
        """Kill an emulator that did not start; what it wrote to stderr, for the error message."""
        try:
            self.process.kill()
            self.process.wait(timeout=10)
        finally:
            self._close_streams()
        return "" if self._stderr is None else ": %s" % self._stderr.text()

    def _close_streams(self) -> None:
        self.process.stdout.close()
        if self._stderr is not None:
            self._stderr.finish()  # the reader closes stderr itself, when the pipe ends

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Tail:
    """Reads a pipe in a thread until it ends, keeping its last ``_STDERR_TAIL_BYTES`` bytes, then closes it.

    Only the reader closes the pipe: closed under it, the descriptor's number could be reused by another file,
    which it would then read. So a pipe that something the emulator started still holds stays open until that
    ends too.
    """

    def __init__(self, stream: IO) -> None:
        self._stream = stream
        self._chunks: deque = deque()
        self._size = 0
        self._lock = threading.Lock()
        self._waited = False
        self._thread = threading.Thread(target=self._read, name="sae-emulator-stderr", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while True:
                chunk = os.read(self._stream.fileno(), 65536)
                if not chunk:
                    return
                with self._lock:
                    self._chunks.append(chunk)
                    self._size += len(chunk)
                    while self._size - len(self._chunks[0]) >= _STDERR_TAIL_BYTES:
                        self._size -= len(self._chunks.popleft())
        finally:
            self._stream.close()

    def finish(self) -> None:
        """Wait a little for the rest of the pipe, once the process has ended; only once, if it does not end."""
        if not self._waited:
            self._waited = True
            self._thread.join(timeout=2)

    def text(self) -> str:
        with self._lock:
            data = b"".join(self._chunks)
        start = max(0, len(data) - _STDERR_TAIL_BYTES)
        while start < len(data) and 0x80 <= data[start] <= 0xBF:  # not in the middle of a UTF-8 character
            start += 1
        return data[start:].decode("utf-8", errors="replace")


def _first_line(stream: IO, timeout: float) -> str | None:
    """The first line from the pipe ``stream``, read within ``timeout`` seconds: None when no whole line came in
    time, "" when the pipe closed before one did. Read from the file descriptor itself, so that a line begun and
    never ended does not block the way ``readline`` would."""
    deadline = time.monotonic() + timeout
    data = b""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return None
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                return ""
            data += chunk
    return data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
