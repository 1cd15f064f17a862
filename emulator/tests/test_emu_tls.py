from __future__ import annotations

import importlib.util
import ssl

import pytest
import requests
from emu_helpers import call

from sae_emulator import EmulatorServer


@pytest.mark.parametrize("backend", ["openssl", "trustme", "auto"])
def test_tls_backends_serve_https_and_http_on_one_port(backend, tmp_path):
    with EmulatorServer(tls=True, cert_backend=backend, cert_dir=str(tmp_path)) as server:
        expected = backend if backend != "auto" else ("trustme" if importlib.util.find_spec("trustme") else "openssl")
        assert server.cert_backend == expected
        assert server.ca_file == str(tmp_path / "ca.pem")
        assert server.endpoint == "https://127.0.0.1:%d/{region}" % server.port
        assert server.http_endpoint == "http://127.0.0.1:%d/{region}" % server.port
        assert call(server, scheme="https", verify=server.ca_file).status_code == 200
        assert call(server).status_code == 200
        # localhost is in the certificate too.
        response = requests.get("https://localhost:%d/_emulator/health" % server.port, verify=server.ca_file, timeout=5)
        assert response.json()["ok"] is True


def test_certificate_passes_strict_verification(tmp_path):
    with EmulatorServer(tls=True, cert_backend="openssl", cert_dir=str(tmp_path)) as server:
        context = ssl.create_default_context(cafile=server.ca_file)
        context.verify_flags |= ssl.VERIFY_X509_STRICT
        import socket

        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_untrusted_ca_is_refused():
    with EmulatorServer(tls=True) as server:
        with pytest.raises(requests.exceptions.SSLError):
            call(server, scheme="https", verify=True)


def test_temporary_cert_dir_is_removed_on_stop():
    import os

    server = EmulatorServer(tls=True).start()
    ca_file = server.ca_file
    assert os.path.exists(ca_file)
    server.stop()
    assert not os.path.exists(ca_file)


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError):
        EmulatorServer(tls=True, cert_backend="gnutls").start()
