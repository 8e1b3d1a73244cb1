"""The production settings refuse to load without their secrets and pass the deploy check.

Settings are read once, when the process starts: each case is a process of its own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BWMO = [sys.executable, "-m", "bwmo.cli"]
SECRET = "x" * 64 + "-production-secret-for-the-check-only"


def run(args, tmp_path: Path, **env):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "BWMO_DATA_DIR": str(tmp_path),
        **env,
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    return subprocess.run(
        [*BWMO, *args], capture_output=True, text=True, env=environment, timeout=300, check=False
    )


@pytest.mark.parametrize("settings", ["bwmo.settings.production"])
def test_production_settings_pass_the_deploy_check(tmp_path, settings):
    result = run(
        ["check", "--deploy", "--fail-level", "WARNING", "--settings", settings],
        tmp_path,
        SECRET_KEY=SECRET,
        BWMO_AUDIT_KEY="k" * 64,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_the_access_log_key(tmp_path):
    result = run(
        ["check", "--settings", "bwmo.settings.production"],
        tmp_path,
        SECRET_KEY=SECRET,
        BWMO_AUDIT_KEY="",
        BWMO_AUDIT_KEY_FILE="",
    )
    assert result.returncode != 0
    assert "BWMO_AUDIT_KEY or BWMO_AUDIT_KEY_FILE must be set in production" in result.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "bwmo.settings.production",
        }
    )
    result = subprocess.run(
        [*BWMO, "check"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


OIDC = {
    "BWMO_OIDC_ISSUER": "https://login.gemeente.example/oidc",
    "BWMO_OIDC_CLIENT_ID": "bwmo",
    "BWMO_OIDC_CLIENT_SECRET": "s3cr3t-for-the-check-only",
    "BWMO_OIDC_AUTHORIZATION_ENDPOINT": "https://login.gemeente.example/oidc/authorize",
    "BWMO_OIDC_TOKEN_ENDPOINT": "https://login.gemeente.example/oidc/token",
    "BWMO_OIDC_USERINFO_ENDPOINT": "https://login.gemeente.example/oidc/userinfo",
    "BWMO_OIDC_JWKS_ENDPOINT": "https://login.gemeente.example/oidc/jwks",
    "BWMO_OIDC_END_SESSION_ENDPOINT": "https://login.gemeente.example/oidc/logout",
    "BWMO_OIDC_ORGANISATIONS": "GM0106=Gemeente Assen",
    "BWMO_OIDC_ROLES": "toegang=Toegangsmedewerker",
}


def test_production_with_single_sign_on_passes_the_deploy_check(tmp_path):
    result = run(
        ["check", "--deploy", "--fail-level", "WARNING", "--settings", "bwmo.settings.production"],
        tmp_path,
        SECRET_KEY=SECRET,
        BWMO_AUDIT_KEY="k" * 64,
        **OIDC,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_single_sign_on_over_plain_http_fails_the_deploy_check(tmp_path):
    result = run(
        ["check", "--deploy", "--fail-level", "WARNING", "--settings", "bwmo.settings.production"],
        tmp_path,
        SECRET_KEY=SECRET,
        BWMO_AUDIT_KEY="k" * 64,
        **{**OIDC, "BWMO_OIDC_TOKEN_ENDPOINT": "http://login.gemeente.example/oidc/token"},
    )
    assert result.returncode != 0
    assert "bwmo.accounts.W002" in result.stderr + result.stdout
    assert "BWMO_OIDC_TOKEN_ENDPOINT" in result.stderr + result.stdout


def test_production_refuses_to_start_with_half_a_single_sign_on_configuration(tmp_path):
    result = run(
        ["check", "--settings", "bwmo.settings.production"],
        tmp_path,
        SECRET_KEY=SECRET,
        BWMO_AUDIT_KEY="k" * 64,
        BWMO_OIDC_ISSUER="https://login.gemeente.example/oidc",
    )
    assert result.returncode != 0
    assert "BWMO_OIDC_ISSUER is set, so these must be set too" in result.stderr
