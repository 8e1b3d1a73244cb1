"""Start the test identity provider as a second process and point bwmo at it.

``running_provider`` starts ``tests.oidc_idp.serve`` on a free loopback port, waits (bounded)
until its discovery document answers and stops it afterwards. ``Provider.environment`` gives
the ``BWMO_OIDC_*`` variables an operator would set for it; ``Provider.settings`` turns them
into Django settings through the same ``oidc_settings`` the settings module uses.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bwmo.settings.oidc import oidc_settings

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "bwmo-test"
CLIENT_SECRET = "test-client-secret-not-used-anywhere-else"
START_TIMEOUT_S = 60
PASSWORD = "wachtwoord-bij-de-idp"

# Organisation claim values (a CBS code, an OIN, an AGB code) → bwmo organisations, and role
# claim values → bwmo roles: what an operator would put in BWMO_OIDC_ORGANISATIONS / _ROLES.
ORGANISATIONS = (
    "GM0106=Gemeente Assen; 00000001001589623000=Gemeente Emmen; 73000001=Stichting Testhuis"
)
ROLES = (
    "toegang=Toegangsmedewerker; beleid=Beleidsadviseur; aanbieder=Aanbieder; "
    "beheer=Functioneel beheerder; audit=Auditor"
)


def person(organisation: str, roles: list[str], given: str, family: str) -> dict:
    return {
        "password": PASSWORD,
        "given_name": given,
        "family_name": family,
        "email": f"{given.lower()}@gemeente.example",
        "bwmo_organisatie": organisation,
        "bwmo_rollen": roles,
    }


PEOPLE = {
    "t.jansen": person("GM0106", ["toegang"], "Tessa", "Jansen"),
    "b.bakker": person("00000001001589623000", ["beleid"], "Bram", "Bakker"),
    "f.beheer": person("GM0106", ["beheer"], "Fenna", "Visser"),
    "x.onbekend": person("GM0106", ["directeur"], "Xander", "Smit"),
    "o.elders": person("GM9999", ["toegang"], "Olga", "Mulder"),
    "m.mix": person("GM0106", ["beheer", "toegang"], "Mira", "de Boer"),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    base_url: str  # http://127.0.0.1:PORT
    process: subprocess.Popen

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/openid"

    def environment(self, **overrides: str) -> dict[str, str]:
        environment = {
            "BWMO_OIDC_ISSUER": self.issuer,
            "BWMO_OIDC_CLIENT_ID": CLIENT_ID,
            "BWMO_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "BWMO_OIDC_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize",
            "BWMO_OIDC_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "BWMO_OIDC_USERINFO_ENDPOINT": f"{self.issuer}/userinfo",
            "BWMO_OIDC_JWKS_ENDPOINT": f"{self.issuer}/jwks",
            "BWMO_OIDC_END_SESSION_ENDPOINT": f"{self.issuer}/end-session",
            "BWMO_OIDC_SCOPES": "openid profile email bwmo",
            "BWMO_OIDC_ORGANISATIONS": ORGANISATIONS,
            "BWMO_OIDC_ROLES": ROLES,
            "BWMO_OIDC_LOGIN_LABEL": "Inloggen met uw gemeente-account",
        }
        environment.update(overrides)
        return environment

    def settings(self, **overrides: str) -> dict[str, object]:
        return oidc_settings(self.environment(**overrides))


@contextmanager
def running_provider(*, bwmo_url: str, directory: Path) -> Iterator[Provider]:
    port = free_port()
    config = directory / "idp.json"
    config.write_text(
        json.dumps(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{bwmo_url}/inloggen/sso/terug/"],
                "post_logout_redirect_uris": [f"{bwmo_url}/inloggen/"],
                "users": PEOPLE,
            }
        )
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "BWMO_", "DATABASE_URL"))
    }
    environment["OIDC_IDP_DATABASE"] = str(directory / "idp.sqlite3")
    log = (directory / "idp.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_idp.serve", str(port), str(config)],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    provider = Provider(base_url=f"http://127.0.0.1:{port}", process=process)
    try:
        _wait_until_up(provider, directory / "idp.log")
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _wait_until_up(provider: Provider, log: Path) -> None:
    discovery = f"{provider.issuer}/.well-known/openid-configuration"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if provider.process.poll() is not None:
            raise RuntimeError(f"the test identity provider stopped:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(discovery, timeout=2) as answer:  # noqa: S310 (http://)
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the test identity provider did not start in {START_TIMEOUT_S} s")
