"""Two-factor login: who must have it, setting it up, the code step, recovery codes, throttle."""

import base64
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bwmo.accounts.models import RecoveryCode
from bwmo.accounts.selectors import two_factor_required
from bwmo.accounts.services import recovery_codes_replace
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enforced")]
MAX = 5  # settings.test.BWMO_LOGIN_MAX_FAILURES


@pytest.fixture
def enforced():
    with override_settings(BWMO_TWO_FACTOR_ENFORCED=True):
        yield


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=offset):06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="bwmo", confirmed=True)


def password_login(username: str, address: str = "192.0.2.10") -> Client:
    browser = Client(REMOTE_ADDR=address)
    response = browser.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def test_beheer_and_auditor_must_have_it_others_may(region_setup):
    users = region_setup.users
    assert two_factor_required(user=users["beheer"])
    assert two_factor_required(user=users["auditor"])
    for role in ["toegang_assen", "aanbieder", "beleid", "controller", "contract"]:
        assert not two_factor_required(user=users[role]), role


@pytest.mark.parametrize(
    "path",
    ["/", "/beheer/", "/beheer/accounts/user/", "/toegangslog/", "/clienten/zoeken/"],
)
@pytest.mark.parametrize("role", ["beheer", "auditor"])
def test_without_a_device_beheer_and_auditor_reach_only_the_set_up_page(region_setup, role, path):
    browser = password_login(region_setup.users[role].username)
    response = browser.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor"))
    page = browser.get(reverse("two_factor"))
    assert page.status_code == 200
    assert page.context["nav"] == {}  # no menu of screens that cannot be reached yet


def test_a_user_who_need_not_have_it_goes_on_without(region_setup):
    browser = password_login("toegang.assen")
    assert browser.get(reverse("web:worklist")).status_code == 200
    assert browser.get(reverse("two_factor")).status_code == 200  # available to everyone


def test_enrolment_shows_a_qr_code_and_the_secret_and_confirms_with_a_code(region_setup):
    user = region_setup.users["beheer"]
    browser = password_login(user.username)
    page = browser.get(reverse("two_factor")).content.decode()
    assert 'src="data:image/svg+xml' in page  # rendered here, not by a CDN
    secret = re.search(r'class="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice(key=key.hex())  # what the app holds
    assert not TOTPDevice.objects.filter(user=user).exists()  # nothing stored before the code
    # Reopening the page keeps the same secret (the app may already have scanned it).
    assert secret in browser.get(reverse("two_factor")).content.decode().replace(" ", "")

    wrong = browser.post(reverse("two_factor"), {"code": "000000"})
    assert wrong.status_code == 200 and "klopt niet" in wrong.content.decode()
    assert browser.get("/beheer/").status_code == 302

    shown = browser.post(reverse("two_factor"), {"code": code_for(device)})
    codes = re.findall(
        r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", shown.content.decode()
    )
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=user, confirmed=True).key == key.hex()
    # Kept hashed: no code appears in the table.
    stored = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & set(codes)
    assert browser.get("/beheer/").status_code == 200  # this session is verified now


def test_login_with_a_device_asks_for_the_code_before_anything(region_setup):
    user = region_setup.users["beheer"]
    device = enrolled(user)
    browser = password_login(user.username)
    response = browser.get("/beheer/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login_code"))
    assert "next=%2Fbeheer%2F" in response["Location"]
    # Not even the set-up page: a stolen password cannot replace the device.
    assert browser.get(reverse("two_factor"))["Location"].startswith(reverse("login_code"))

    done = browser.post(reverse("login_code"), {"code": code_for(device), "next": "/beheer/"})
    assert done.status_code == 302 and done["Location"] == "/beheer/"
    assert browser.get("/beheer/").status_code == 200


def test_a_code_is_not_accepted_twice(region_setup):
    user = region_setup.users["auditor"]
    device = enrolled(user)
    code = code_for(device)
    first = password_login(user.username)
    assert first.post(reverse("login_code"), {"code": code}).status_code == 302
    second = password_login(user.username, address="192.0.2.11")
    response = second.post(reverse("login_code"), {"code": code})
    assert response.status_code == 200 and "klopt niet" in response.content.decode()


def test_wrong_codes_are_throttled_with_the_passwords(region_setup):
    user = region_setup.users["beheer"]
    device = enrolled(user)
    browser = password_login(user.username)
    for _ in range(MAX):
        response = browser.post(reverse("login_code"), {"code": "123456"})
        assert "klopt niet" in response.content.decode()
    # Locked now: even the right code is refused, and so is the password step.
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    response = browser.post(reverse("login_code"), {"code": code_for(device)})
    assert "Te veel mislukte inlogpogingen" in response.content.decode()
    assert browser.get("/beheer/").status_code == 302
    other = Client(REMOTE_ADDR="192.0.2.10")
    refused = other.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert "Te veel mislukte inlogpogingen" in refused.content.decode()


def test_a_recovery_code_works_once(region_setup):
    user = region_setup.users["beheer"]
    enrolled(user)
    codes = recovery_codes_replace(user=user)
    browser = password_login(user.username)
    response = browser.post(reverse("login_code"), {"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302 and response["Location"] == reverse("two_factor")
    page = browser.get(reverse("two_factor")).content.decode()
    assert "herstelcode" in page and "9 ongebruikte herstelcodes" in page
    assert browser.get("/beheer/").status_code == 200

    again = password_login(user.username, address="192.0.2.12")
    response = again.post(reverse("login_code"), {"code": codes[3]})
    assert response.status_code == 200 and "klopt niet" in response.content.decode()


def test_new_recovery_codes_replace_the_old(region_setup):
    user = region_setup.users["beheer"]
    device = enrolled(user)
    old = recovery_codes_replace(user=user)
    browser = password_login(user.username)
    browser.post(reverse("login_code"), {"code": code_for(device)})
    page = browser.post(reverse("two_factor"), {"new_codes": "1"}).content.decode()
    new = re.findall(r"<code>([a-z2-9-]{14})</code>", page)
    assert len(new) == 10 and not set(new) & set(old)
    other = password_login(user.username, address="192.0.2.13")
    assert other.post(reverse("login_code"), {"code": old[0]}).status_code == 200


def test_the_code_step_does_not_follow_an_outside_next(region_setup):
    user = region_setup.users["beheer"]
    device = enrolled(user)
    browser = password_login(user.username)
    response = browser.post(
        reverse("login_code"), {"code": code_for(device), "next": "https://elders.example/"}
    )
    assert response["Location"] == reverse("web:home")


def test_codes_from_the_neighbouring_time_step_are_accepted(region_setup):
    """A telephone clock half a minute off still works (django-otp's tolerance of 1 step)."""
    user = region_setup.users["beheer"]
    device = enrolled(user)
    browser = password_login(user.username)
    response = browser.post(reverse("login_code"), {"code": code_for(device, offset=-1)})
    assert response.status_code == 302
