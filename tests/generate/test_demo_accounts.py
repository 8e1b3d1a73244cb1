"""The demo's beheer and auditor accounts log in with the documented demo TOTP secret."""

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp

from bwmo.generate.demo_accounts import (
    DEMO_PASSWORD,
    DEMO_TOTP_KEY,
    demo_totp_code,
    ensure_demo_accounts,
)


@pytest.mark.django_db
@override_settings(BWMO_TWO_FACTOR_ENFORCED=True)
@pytest.mark.parametrize(
    ("username", "path"), [("beheer", "/beheer/"), ("auditor", "/toegangslog/")]
)
def test_demo_beheer_and_auditor_log_in_with_the_demo_code(username, path):
    ensure_demo_accounts()
    ensure_demo_accounts()  # idempotent: still one device each
    browser = Client()
    browser.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert browser.get(path)["Location"].startswith(reverse("login_code"))
    assert demo_totp_code() == f"{totp(DEMO_TOTP_KEY):06d}"
    browser.post(reverse("login_code"), {"code": demo_totp_code()})
    assert browser.get(path).status_code == 200


@pytest.mark.django_db
def test_demo_prints_the_current_code(capsys):
    call_command("demo", totp_code=True)
    assert capsys.readouterr().out.strip().isdigit()
