"""``xinmiao cert`` + ``xinmiao serve --certfile --keyfile``: the service answers over HTTPS
with a certificate valid for the venue address (phone cameras need HTTPS)."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cryptography import x509


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cert_command_and_https_serving(tmp_path: Path):
    env = {
        **os.environ,
        "XINMIAO_DATA_DIR": str(tmp_path / "data"),
        "XINMIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'x.sqlite3'}",
        "XINMIAO_SECRET_KEY": "https-test",
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "cert",
            "--host",
            "192.168.1.10",
            "--host",
            "xinmiao.local",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    cert_path, key_path = tmp_path / "xinmiao-cert.pem", tmp_path / "xinmiao-key.pem"
    assert str(cert_path) in out and "--certfile" in out
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(str(ip) for ip in names.get_values_for_type(x509.IPAddress)) == ["127.0.0.1", "192.168.1.10"]
    assert sorted(names.get_values_for_type(x509.DNSName)) == ["localhost", "xinmiao.local"]
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            "--port",
            str(port),
            "--certfile",
            str(cert_path),
            "--keyfile",
            str(key_path),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        context = ssl.create_default_context(cafile=str(cert_path))  # the phone trusts it after "proceed"
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/login", context=context, timeout=5) as response:
                    body = response.read().decode()
                    headers = response.headers
                break
            except (urllib.error.URLError, ConnectionError, ssl.SSLError):
                if time.time() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert response.status == 200 and "登录" in body
        # issue 11 item 9: over HTTPS, HSTS and Secure cookies (the CSRF cookie here)
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
        cookies = headers.get_all("Set-Cookie") or []
        assert cookies and all("; Secure" in c for c in cookies), cookies
        # plain HTTP on the same port is refused: everything goes over TLS
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5)
            raise AssertionError("plain HTTP must not be served")
        except (urllib.error.URLError, ConnectionError, http_client_errors()):
            pass
    finally:
        server.terminate()
        server.wait(timeout=10)


def http_client_errors():
    import http.client

    return http.client.HTTPException
