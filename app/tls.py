"""A self-signed TLS certificate for serving HTTPS on a venue's local network.

Phone browsers give the camera only to HTTPS pages, so the scan page needs HTTPS when staff
phones open the service on a laptop at the venue (``https://192.168.1.10:8443/``). A
self-signed certificate makes the phone show a warning once ("proceed anyway"); after that
the page is a secure context and the camera works.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app import times


def write_self_signed(folder: Path, hosts: list[str], days: int = 365) -> tuple[Path, Path]:
    """Write ``xinmiao-cert.pem`` and ``xinmiao-key.pem`` (ECDSA P-256, SHA-256) into
    ``folder`` for ``hosts`` (IP addresses or DNS names; ``localhost`` and ``127.0.0.1``
    are always added), valid for ``days`` days from now. The key file is created readable
    by its owner only. Returns (certificate path, key path). Raises ``ValueError`` for an
    empty host name or ``days`` < 1."""
    if days < 1:
        raise ValueError("days must be at least 1")
    names: list[x509.GeneralName] = []
    seen: set[str] = set()
    for host in [*hosts, "localhost", "127.0.0.1"]:
        host = host.strip()
        if not host:
            raise ValueError("empty host name")
        if host in seen:
            continue
        seen.add(host)
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, hosts[0] if hosts else "localhost"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Xinmiao venue"),
        ]
    )
    now = times.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "xinmiao-cert.pem", folder / "xinmiao-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.touch(mode=0o600, exist_ok=True)
    key_path.chmod(0o600)
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path
