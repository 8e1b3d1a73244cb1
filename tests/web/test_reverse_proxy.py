"""HTTPS behind a reverse proxy, end to end: nginx ends TLS on loopback and proxies to
``bwmo serve --settings bwmo.settings.production`` (waitress), as docs/operations.md says.

The drill that found it: waitress dropped ``X-Forwarded-Proto``, so every HTTPS request was
redirected to itself and no ``Strict-Transport-Security`` was sent.
"""

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings

NGINX = os.environ.get("BWMO_NGINX", "/usr/sbin/nginx")
BWMO = [sys.executable, "-m", "bwmo.cli"]
PASSWORD = "proxy-wachtwoord-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listens on port {port}: {log.read_text()[-2000:]}")


NGINX_CONF = """
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{http_port};
        return 301 https://$host:{https_port}$request_uri;
    }}
    server {{
        listen 127.0.0.1:{https_port} ssl;
        ssl_certificate {tmp}/cert.pem;
        ssl_certificate_key {tmp}/key.pem;
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """nginx (HTTPS and HTTP ports) in front of a production bwmo with a fresh SQLite DB."""
    if not Path(NGINX).exists() or not shutil.which("openssl"):
        message = f"no nginx at {NGINX} (or no openssl): install Debian's package 'nginx-light'"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it; a missing nginx there is an error
        pytest.skip(f"{message} to run the reverse-proxy test")
    tmp = tmp_path_factory.mktemp("proxy")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    ports = {"app_port": free_port(), "https_port": free_port(), "http_port": free_port()}
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'bwmo.sqlite3'}",
        "BWMO_DATA_DIR": str(tmp),
        "SECRET_KEY": "x" * 50 + "-only-for-the-reverse-proxy-test",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BWMO_TRUSTED_PROXY": "127.0.0.1",
        # Production refuses to start without the access log's key (docs/security.md).
        "BWMO_AUDIT_KEY": "k" * 64 + "-only-for-the-reverse-proxy-test",
        "BWMO_AUDIT_ANCHOR_FILE": str(tmp / "anchors.jsonl"),
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        "DJANGO_SETTINGS_MODULE": "bwmo.settings.production",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(
        [*BWMO, "createsuperuser", "--noinput", "--username", "proxy", "--email", "p@x.nl"],
        env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, **ports))
    app_log, nginx_log = tmp / "app.log", tmp / "nginx.log"
    with app_log.open("w") as out:
        app = subprocess.Popen(
            [*BWMO, "serve", "--settings", "bwmo.settings.production", "--port",
             str(ports["app_port"]), "--threads", "2"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    with nginx_log.open("w") as out:
        nginx = subprocess.Popen(
            [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "e.log")],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(ports["app_port"], app, app_log)
        wait_for_port(ports["https_port"], nginx, nginx_log)
        yield {**ports, "cafile": str(tmp / "cert.pem")}
    finally:
        for process in (nginx, app):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def https(proxied, method, path, body=None, headers=None):
    context = ssl.create_default_context(cafile=proxied["cafile"])
    connection = http.client.HTTPSConnection(
        "127.0.0.1", proxied["https_port"], context=context, timeout=30
    )
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def plain(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def cookies(response) -> dict[str, str]:
    return {
        value.split("=", 1)[0]: value
        for name, value in response.getheaders()
        if name.lower() == "set-cookie"
    }


def test_https_through_the_proxy_reaches_the_login_without_a_loop(proxied):
    home = https(proxied, "GET", "/")
    assert home.status == 302
    assert home.getheader("Location") == "/inloggen/?next=/"  # to the login, not to itself
    assert "max-age=" in home.getheader("Strict-Transport-Security")
    login = https(proxied, "GET", "/inloggen/")
    assert login.status == 200
    assert "includeSubDomains" in login.getheader("Strict-Transport-Security")
    csrf = cookies(login)["csrftoken"]
    assert "Secure" in csrf and "HttpOnly" in csrf


def test_a_login_over_https_gets_a_secure_session_cookie(proxied):
    context = ssl.create_default_context(cafile=proxied["cafile"])
    connection = http.client.HTTPSConnection(
        "127.0.0.1", proxied["https_port"], context=context, timeout=30
    )
    connection.request("GET", "/inloggen/")
    page = connection.getresponse()
    html = page.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    csrf_cookie = cookies(page)["csrftoken"].split(";", 1)[0]
    origin = f"https://127.0.0.1:{proxied['https_port']}"
    connection.request(
        "POST",
        "/inloggen/",
        body=f"csrfmiddlewaretoken={token}&username=proxy&password={PASSWORD}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": csrf_cookie,
            "Origin": origin,
            "Referer": f"{origin}/inloggen/",
        },
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 302, response.status
    session = cookies(response)["sessionid"]
    assert "Secure" in session and "HttpOnly" in session


def test_plain_http_is_sent_to_https(proxied):
    via_nginx = plain(proxied["http_port"], "/inloggen/")
    assert via_nginx.status == 301
    assert via_nginx.getheader("Location") == (
        f"https://127.0.0.1:{proxied['https_port']}/inloggen/"
    )
    direct = plain(proxied["app_port"], "/inloggen/")
    assert direct.status == 301
    assert direct.getheader("Location").startswith("https://127.0.0.1:")
    assert direct.getheader("Strict-Transport-Security") is None  # only over HTTPS


@override_settings(
    SECURE_SSL_REDIRECT=False,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_HSTS_SECONDS=31536000,
)
def test_hsts_on_https_also_without_the_redirect(client, db):
    response = client.get("/inloggen/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
