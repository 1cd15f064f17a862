"""The threaded HTTP(S) server on 127.0.0.1 and ``EmulatorServer``, the Python API tests drive.

With TLS on, one port speaks both: a connection whose first byte is a TLS handshake record is
wrapped, any other is plain HTTP. So ``http://`` SAE endpoints and alibabacloud-credentials'
HTTPS-only STS calls can share one emulator.
"""

from __future__ import annotations

import shutil
import socket
import socketserver
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import control, data
from .app import DEFAULT_REGION, Emulator, Response, json_bytes
from .credentials import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET
from .data import Dataset
from .faults import Faults
from .signature import AUTO
from .tls import TlsMaterial, make_material

BIND_HOST = "127.0.0.1"  # never anything else
MAX_BODY = 1 << 20
TLS_HANDSHAKE_RECORD = b"\x16"
FIRST_BYTE_TIMEOUT = 30.0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as SDK connection pools expect
    # Headers and body go out in two writes: with Nagle's algorithm, a small body waits for the client's
    # delayed ACK of the headers, 40 ms on Linux, on every small answer. A real gateway has no such stall.
    disable_nagle_algorithm = True
    server_version = "SAE-Emulator/1.0"
    sys_version = ""
    timeout = 120  # an idle keep-alive connection is closed after this
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header on the emulator's clock (``--clock-offset``), as a gateway dates answers on its own clock.
        return super().date_time_string(self.server.owner.emulator.clock() if timestamp is None else timestamp)

    def _headers(self) -> dict:
        # Lower-case names; a repeated header's values joined by "," (as V3 canonicalisation does).
        collected: dict = {}
        for name, value in self.headers.items():
            collected.setdefault(name.lower(), []).append(value.strip())
        return {name: ",".join(sorted(values)) for name, values in collected.items()}

    def _body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            return None
        if size < 0 or size > MAX_BODY:
            return None
        return self.rfile.read(size)

    def _dispatch(self, method: str) -> None:
        owner = self.server.owner
        raw_path, _separator, raw_query = self.path.partition("?")
        body = self._body()
        if body is None:
            self._write(Response(413, b'{"Code":"RequestEntityTooLarge"}'))
            self.close_connection = True
            return
        if raw_path == control.PREFIX or raw_path.startswith(control.PREFIX + "/"):
            status, document = control.handle(owner, method, raw_path, raw_query, body)
            self._write(Response(status, json_bytes(document)))
            return
        response = owner.emulator.handle(method, raw_path, raw_query, self._headers(), body)
        if response.hang is not None:
            # Accepted, never answered: held until the server stops or the faults change.
            while not (response.hang.is_set() or owner.emulator.stop_event.is_set()):
                response.hang.wait(0.2)
            self.close_connection = True
            return
        self._write(response)

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        length = response.declared_length if response.declared_length is not None else len(response.body)
        self.send_header("Content-Length", str(length))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.declared_length is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet by default; when verbose, only method and path (queries can hold signatures).
        if self.server.owner.verbose:
            sys.stderr.write("sae-emulator: %s %s\n" % (self.command, (self.path or "").partition("?")[0]))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log_message("")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, owner: EmulatorServer, port: int, ssl_context: ssl.SSLContext | None) -> None:
        self.owner = owner
        self.ssl_context = ssl_context
        self._connections: set = set()
        self._connections_lock = threading.Lock()
        super().__init__((BIND_HOST, port), Handler)

    def close_connections(self) -> None:
        """Cut every open connection, so no keep-alive client talks to a stopped emulator."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                # The plain socket's shutdown, also for TLS: SSLSocket.shutdown would drop its SSL
                # object under the handler thread still reading from it.
                socket.socket.shutdown(connection, socket.SHUT_RDWR)
            except OSError:
                pass

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve the bind address's FQDN: no lookups, ever.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = BIND_HOST, self.server_address[1]

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Runs in the connection's own thread, so a slow TLS handshake never blocks accept().
        connection = request
        if self.ssl_context is not None:
            try:
                request.settimeout(FIRST_BYTE_TIMEOUT)
                first = request.recv(1, socket.MSG_PEEK)
                if first == TLS_HANDSHAKE_RECORD:
                    connection = self.ssl_context.wrap_socket(request, server_side=True)
                connection.settimeout(None)
            except (OSError, ssl.SSLError):
                return
        with self._connections_lock:
            self._connections.add(connection)
        try:
            self.RequestHandlerClass(connection, client_address, self)
        finally:
            with self._connections_lock:
                self._connections.discard(connection)
            if connection is not request:
                try:
                    connection.close()
                except OSError:
                    pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-answer are normal in fault tests; anything else is worth a line.
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError, ssl.SSLError, BrokenPipeError)):
            return
        sys.stderr.write("sae-emulator: error while serving a request: %r\n" % (error,))


def resolve_dataset(dataset: str | Dataset | dict | None) -> Dataset:
    if dataset is None or dataset == "demo":
        return data.demo()
    if dataset == "generated":
        return data.generate()
    if isinstance(dataset, Dataset):
        return dataset
    if isinstance(dataset, dict):
        return Dataset.from_dict(dataset)
    raise ValueError("dataset must be 'demo', 'generated', a Dataset or a data set document")


def resolve_faults(faults: Faults | dict | None) -> Faults:
    if faults is None:
        return Faults()
    if isinstance(faults, Faults):
        return faults
    return Faults.from_dict(faults)


class EmulatorServer:
    """A running emulator. ``with EmulatorServer(dataset=..., faults=..., tls=False) as srv:``.

    ``srv.endpoint`` is the collection's endpoint template (``http://127.0.0.1:PORT/{region}``,
    ``https://`` with TLS); ``srv.sts_endpoint`` is ``127.0.0.1:PORT`` for alibabacloud-credentials.
    """

    def __init__(
        self,
        dataset: str | Dataset | dict | None = "demo",
        faults: Faults | dict | None = None,
        tls: bool = False,
        port: int = 0,
        default_region: str = DEFAULT_REGION,
        access_keys: dict | None = None,
        cert_backend: str = "auto",
        cert_dir: str | None = None,
        clock: Callable[[], float] = time.time,
        verbose: bool = False,
        signature_verifier: str = AUTO,
    ) -> None:
        self.emulator = Emulator(
            resolve_dataset(dataset), resolve_faults(faults), default_region, access_keys, clock, signature_verifier
        )
        self._tls = tls
        self._requested_port = port
        self._cert_backend = cert_backend
        self._cert_dir = cert_dir
        self._own_cert_dir: str | None = None
        self.tls_material: TlsMaterial | None = None
        self.verbose = verbose
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> EmulatorServer:
        if self._httpd is not None:
            return self
        context = None
        if self._tls:
            directory = self._cert_dir
            if directory is None:
                directory = self._own_cert_dir = tempfile.mkdtemp(prefix="sae-emulator-tls-")
            try:
                self.tls_material = make_material(directory, self._cert_backend)
                context = self.tls_material.server_context()
            except BaseException:
                self._remove_own_cert_dir()
                raise
        self._httpd = _HTTPServer(self, self._requested_port, context)
        self.emulator.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="sae-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self.emulator.stop_event.set()  # wakes latency sleeps and hung connections
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._remove_own_cert_dir()

    def _remove_own_cert_dir(self) -> None:
        if self._own_cert_dir is not None:
            shutil.rmtree(self._own_cert_dir, ignore_errors=True)
            self._own_cert_dir = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- where it is ----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.emulator.port

    @property
    def http_endpoint(self) -> str:
        return "http://%s:%d/{region}" % (BIND_HOST, self.port)

    @property
    def https_endpoint(self) -> str | None:
        return "https://%s:%d/{region}" % (BIND_HOST, self.port) if self._tls else None

    @property
    def endpoint(self) -> str:
        return self.https_endpoint or self.http_endpoint

    @property
    def base_url(self) -> str:
        return "%s://%s:%d" % ("https" if self._tls else "http", BIND_HOST, self.port)

    @property
    def sts_endpoint(self) -> str:
        return "%s:%d" % (BIND_HOST, self.port)

    @property
    def control_url(self) -> str:
        return "http://%s:%d%s" % (BIND_HOST, self.port, control.PREFIX)

    @property
    def ca_file(self) -> str | None:
        return self.tls_material.ca_file if self.tls_material else None

    @property
    def cert_backend(self) -> str | None:
        return self.tls_material.backend if self.tls_material else None

    def info(self) -> dict:
        """What the CLI prints first: only the documented demo secret ever appears."""
        return {
            "port": self.port,
            "endpoint": self.endpoint,
            "http_endpoint": self.http_endpoint,
            "https_endpoint": self.https_endpoint,
            "sts_endpoint": self.sts_endpoint,
            "control_url": self.control_url,
            "default_region": self.emulator.default_region,
            "regions": self.regions(),
            "dataset": self.emulator.store.dataset.name,
            "jobs": self.emulator.store.count(),
            "access_key_id": DEMO_ACCESS_KEY_ID,
            "access_key_secret": DEMO_ACCESS_KEY_SECRET,
            "ca_file": self.ca_file,
            "cert_backend": self.cert_backend,
            "signature_verifier": self.emulator.verifier.scheme.name,
        }

    # -- observation and control ------------------------------------------------------------------
    def regions(self) -> list:
        return self.emulator.store.regions()

    def jobs(self, region: str) -> list:
        """The region's raw job records (vendor fields plus ``Instances``), in creation order."""
        return self.emulator.store.jobs(region)

    @property
    def request_count(self) -> int:
        return self.emulator.stats.snapshot()["requests"]

    def stats(self) -> dict:
        snapshot = self.emulator.stats.snapshot()
        snapshot["jobs"] = self.emulator.store.count()
        snapshot["sts_sessions"] = self.emulator.keys.session_count()
        return snapshot

    def requests(self) -> list:
        """The log of API requests (ListJobs parameters, status, code, fault), oldest first."""
        return self.emulator.stats.entries()

    @property
    def faults(self) -> Faults:
        return self.emulator.injector.faults

    def set_faults(self, faults: Faults | dict | None = None, **fields: Any) -> Faults:
        """Replace the fault configuration (fields not given take their defaults); restarts the fault RNG."""
        base = resolve_faults(faults).to_dict()
        base.update(fields)
        new = Faults.from_dict(base)
        self.emulator.set_faults(new)
        return new

    def update_faults(self, **fields: Any) -> Faults:
        """Change some fault settings, keeping the others."""
        return self.set_faults(self.faults, **fields)

    def reset_counters(self) -> None:
        self.emulator.stats.reset()

    def reset(self, faults: bool = False, data: bool = False, nonces: bool = False) -> None:
        """Reset counters; optionally also faults (to none), the data (to the initial set) and used nonces."""
        self.reset_counters()
        if faults:
            self.set_faults(Faults())
        if data:
            self.emulator.store.load(self.emulator.store.dataset)
        if nonces:
            self.emulator.nonces.clear()

    def mutate(self, region: str, delete: str | None = None, create: bool = True, seed: int = 0) -> dict:
        """Delete one job (``delete`` or a seeded random one) and create one, now."""
        return self.emulator.mutate(region, delete, create, seed)

    def add_job(self, region: str, job: dict) -> None:
        self.emulator.store.add(region, job)

    def delete_job(self, region: str, app_id: str) -> bool:
        return self.emulator.store.delete(region, app_id)

    def add_access_key(self, access_key_id: str, access_key_secret: str) -> None:
        self.emulator.keys.add_key(access_key_id, access_key_secret)

    def expire_sts_tokens(self) -> int:
        return self.emulator.keys.expire_sessions()
