"""Login throttling: counted before the password check, per username+address and per address."""

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth import forms as auth_forms
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bwmo.accounts import services
from bwmo.accounts.models import LoginThrottle
from tests.factories import PASSWORD

MAX = 5  # settings.test.BWMO_LOGIN_MAX_FAILURES


@pytest.fixture
def counted_password_checks(monkeypatch):
    """Counts the real password checks; each takes a moment, as Argon2 does, so that
    parallel attempts overlap."""
    real = auth_forms.authenticate
    calls = []
    lock = threading.Lock()

    def slow_authenticate(*args, **kwargs):
        with lock:
            calls.append(1)
        time.sleep(0.05)
        return real(*args, **kwargs)

    monkeypatch.setattr(auth_forms, "authenticate", slow_authenticate)
    return calls


def _at_once(threads: int, logins: int, *, address: str, password: str) -> list[int]:
    """The status codes of ``logins`` logins of toegang.assen in each of ``threads`` threads,
    all started at the same moment, each with its own browser and database connection."""
    statuses: list[int] = []
    start = threading.Barrier(threads)

    def attempt():
        try:
            browser = Client(REMOTE_ADDR=address)
            start.wait()
            for _ in range(logins):
                response = browser.post(
                    reverse("login"), {"username": "toegang.assen", "password": password}
                )
                statuses.append(response.status_code)
        finally:
            connection.close()

    running = [threading.Thread(target=attempt) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=120)
    return statuses


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_wrong_passwords_get_at_most_max_checks(region_setup, counted_password_checks):
    attempts = 20
    statuses = _at_once(attempts, 1, address="192.0.2.7", password="fout-fout-fout")
    assert len(statuses) == attempts and set(statuses) == {200}
    assert len(counted_password_checks) == MAX
    # Now locked from that address, even with the right password …
    locked = Client(REMOTE_ADDR="192.0.2.7").post(
        reverse("login"), {"username": "toegang.assen", "password": PASSWORD}
    )
    assert "Te veel mislukte inlogpogingen" in locked.content.decode()
    # … while the owner at another address logs in as usual.
    owner = Client(REMOTE_ADDR="198.51.100.20")
    response = owner.post(reverse("login"), {"username": "toegang.assen", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_lock_names_the_time_and_whom_to_ask(client, region_setup):
    for _ in range(MAX):
        client.post(reverse("login"), {"username": "toegang.assen", "password": "fout"})
    page = client.post(
        reverse("login"), {"username": "toegang.assen", "password": "fout"}
    ).content.decode()
    assert "Te veel mislukte inlogpogingen" in page
    assert "functioneel beheerder" in page
    retry_at = timezone.localtime(timezone.now() + timedelta(minutes=15))
    assert f"om {retry_at:%H:%M}" in page or f"om {retry_at - timedelta(minutes=1):%H:%M}" in page


@pytest.mark.django_db
def test_a_successful_login_gives_its_attempt_back(client, region_setup):
    for _ in range(MAX - 1):
        client.post(reverse("login"), {"username": "toegang.assen", "password": "fout"})
    for _ in range(3):
        client.post(reverse("login"), {"username": "toegang.assen", "password": PASSWORD})
        client.logout()
    response = client.post(reverse("login"), {"username": "toegang.assen", "password": "fout"})
    assert "of de gebruikersnaam bestaat niet" in response.content.decode()


@pytest.mark.django_db
def test_one_address_cannot_try_every_username(settings):
    settings.BWMO_LOGIN_MAX_FAILURES_PER_ADDRESS = 8
    outcomes = [
        services.login_attempt_reserve(username=f"naam{i}", address="192.0.2.9").allowed
        for i in range(10)
    ]
    assert outcomes == [True] * 8 + [False] * 2
    assert services.login_attempt_reserve(username="naam0", address="192.0.2.10").allowed


@pytest.mark.django_db
def test_the_lock_ends_with_the_window(settings):
    now = timezone.now()
    for _ in range(MAX):
        assert services.login_attempt_reserve(username="a", address="x", now=now).allowed
    refused = services.login_attempt_reserve(username="A ", address="x", now=now)
    assert not refused.allowed
    assert refused.retry_at == now + timedelta(seconds=settings.BWMO_LOGIN_WINDOW_SECONDS)
    later = refused.retry_at + timedelta(seconds=1)
    assert services.login_attempt_reserve(username="a", address="x", now=later).allowed


@pytest.mark.django_db
def test_neither_username_nor_address_is_stored():
    services.login_attempt_reserve(username="toegang.assen", address="192.0.2.7")
    stored = " ".join(LoginThrottle.objects.values_list("key", flat=True))
    assert "toegang" not in stored and "192.0.2.7" not in stored


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_logins_of_one_account_from_one_address_all_succeed(region_setup):
    """A double-clicked login button, or colleagues behind one address sharing nothing but
    it: each login reserves its attempt and a successful one gives it back, on the same rows.
    Done in different orders, the two deadlocked on PostgreSQL, and the login answered 500."""
    # Fewer at once than the limit: each holds its reservation while its password is checked.
    attempts, rounds = MAX - 1, 6
    # The rows in the table in the other order than their keys (as after a clean-up): a scan
    # in the table's order meets the account's row first, the key's order the address's.
    keys = services._throttle_keys(username="toegang.assen", address="192.0.2.8")
    for key, _limit in reversed(keys):
        LoginThrottle.objects.create(key=key, attempts=0, window_start=timezone.now())

    statuses = _at_once(attempts, rounds, address="192.0.2.8", password=PASSWORD)
    assert statuses == [302] * (rounds * attempts)
    # Every attempt was given back: nothing counts against the account or the address.
    assert set(LoginThrottle.objects.values_list("attempts", flat=True)) <= {0}
