"""A fresh self-signed CA and a server certificate for 127.0.0.1 / localhost, via trustme or the openssl CLI."""

from __future__ import annotations

import importlib.util
import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

BACKENDS = ("auto", "trustme", "openssl")
HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class TlsMaterial:
    ca_file: str  # PEM of the CA: what clients trust (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, verify=...)
    cert_file: str  # server certificate chain PEM
    key_file: str
    backend: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _with_trustme(directory: Path) -> TlsMaterial:
    import trustme

    ca = trustme.CA(organization_name="SAE emulator test CA")
    server = ca.issue_cert(*HOSTS)
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca.cert_pem.write_to_path(str(paths[0]))
    # The chain: leaf first, then the CA.
    with open(paths[1], "wb") as handle:
        for blob in server.cert_chain_pems:
            handle.write(blob.bytes())
    server.private_key_pem.write_to_path(str(paths[2]))
    return TlsMaterial(str(paths[0]), str(paths[1]), str(paths[2]), "trustme")


# Extensions Python's strict X.509 checks (VERIFY_X509_STRICT, default since 3.13) require.
_CA_CONFIG = """[req]
distinguished_name = dn
prompt = no
[dn]
O = SAE emulator test CA
CN = SAE emulator test CA
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""
_LEAF_EXTENSIONS = """[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def _openssl(*args: str) -> None:
    done = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], done.stderr.strip()[-500:]))


def _with_openssl(directory: Path) -> TlsMaterial:
    if shutil.which("openssl") is None:
        raise RuntimeError("TLS needs the trustme package or the openssl command; neither is available")
    ca_key, ca_pem, ca_cnf = directory / "ca.key", directory / "ca.pem", directory / "ca.cnf"
    key, csr, leaf_cnf = directory / "server.key", directory / "server.csr", directory / "leaf.cnf"
    leaf, chain = directory / "leaf.pem", directory / "server.pem"
    ca_cnf.write_text(_CA_CONFIG)
    leaf_cnf.write_text(_LEAF_EXTENSIONS)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    days = ("-days", "7")
    _openssl(
        "req",
        "-x509",
        *ec,
        *days,
        "-keyout",
        str(ca_key),
        "-out",
        str(ca_pem),
        "-config",
        str(ca_cnf),
        "-extensions",
        "ca",
    )
    _openssl("req", "-new", *ec, "-keyout", str(key), "-out", str(csr), "-subj", "/CN=localhost")
    signer = ("-CA", str(ca_pem), "-CAkey", str(ca_key), "-CAcreateserial")
    extensions = ("-extfile", str(leaf_cnf), "-extensions", "leaf")
    _openssl("x509", "-req", "-in", str(csr), *signer, *days, "-out", str(leaf), *extensions)
    chain.write_bytes(leaf.read_bytes() + ca_pem.read_bytes())
    ca_key.unlink()  # nothing else may ever sign with it
    return TlsMaterial(str(ca_pem), str(chain), str(key), "openssl")


def make_material(directory: str, backend: str = "auto") -> TlsMaterial:
    """Write ``ca.pem``, ``server.pem`` and ``server.key`` into ``directory`` (which must exist)."""
    if backend not in BACKENDS:
        raise ValueError("cert backend must be one of %s" % ", ".join(BACKENDS))
    path = Path(directory)
    if backend == "trustme" or (backend == "auto" and importlib.util.find_spec("trustme") is not None):
        return _with_trustme(path)
    return _with_openssl(path)
