"""'bwmo generate' and 'bwmo demo' as an operator runs them, in this process."""

import re

import pytest

from bwmo.clients.models import Client
from tests.commands import run_command

pytestmark = pytest.mark.django_db


def test_generate_then_refuse_a_second_time():
    first = run_command(
        "generate",
        "--profile",
        "demo",
        "--seed",
        "3",
        "--clients",
        "60",
        "--reference-date",
        "2026-06-30",
    )
    assert first.returncode == 0, first.stderr
    generated = int(re.search(r"clients: (\d+)", first.stdout).group(1))
    assert generated >= 60  # the population plus the woonplaats scenarios
    assert generated == Client.objects.count()
    assert "decisions: " in first.stdout
    second = run_command("generate", "--profile", "demo", "--seed", "3", "--clients", "60")
    assert second.returncode == 2
    assert "already holds clients" in second.stderr
    assert Client.objects.count() == generated  # nothing added


def test_bad_arguments_are_explained():
    result = run_command("generate", "--profile", "europe")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert not Client.objects.exists()


def test_demo_prepares_and_prints_the_accounts():
    result = run_command("demo", "--no-serve", "--seed", "5")
    assert result.returncode == 0, result.stderr
    assert "toegang.assen" in result.stdout and "demo-bwmo-2026" in result.stdout
    again = run_command("demo", "--no-serve")  # idempotent: nothing generated twice
    assert again.returncode == 0
    assert "wordt aangemaakt" not in again.stdout


def test_a_database_with_clients_it_did_not_make_is_refused(region_setup):
    from tests.factories import register_client

    register_client(region_setup)
    result = run_command("generate", "--profile", "demo", "--clients", "20")
    assert result.returncode == 2
    assert "did not make" in result.stderr and "real people" in result.stderr
    assert Client.objects.count() == 1  # nothing added


@pytest.mark.parametrize(
    ("profile", "clients", "maximum"), [("demo", 15000, 9030), ("national", 10**6, 899939)]
)
def test_more_clients_than_the_bsn_range_holds_is_refused_at_once(profile, clients, maximum):
    result = run_command("generate", "--profile", profile, "--clients", clients)
    assert result.returncode == 2
    assert f"at most {maximum} clients" in result.stderr
    assert not Client.objects.exists()


def test_scale_makes_a_smaller_national_shaped_run():
    result = run_command(
        "generate", "--profile", "national", "--scale", "0.0002", "--reference-date", "2026-02-01"
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"clients: 32\b", result.stdout)  # 30 plus the two provisional ones
    assert "iwmo_messages: " in result.stdout
