"""Roles that see aggregates only (beleidsadviseur, controller, contractmanager) never meet a
client identifier: not on a screen, in an export, on the command line or in an error message.

The drill runs on demo-like data and scans everything those roles get for every client's
pseudonym (whole or short), BSN and full name."""

import re
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bwmo.accounts.models import User
from bwmo.accounts.roles import Role
from bwmo.accounts.scoping import default_region_for
from bwmo.care.models import Stay, Tariff
from bwmo.clients.models import Client
from bwmo.finance.models import BudgetParameterSet
from bwmo.generate.demo import generate_demo
from bwmo.generate.demo_accounts import ensure_demo_accounts
from bwmo.rules.budget_params import EXAMPLE_PARAMETERS

AGGREGATE_ROLES = (Role.BELEIDSADVISEUR, Role.CONTROLLER, Role.CONTRACTMANAGER)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        today = timezone.localdate()
        generate_demo(seed=2026, reference_date=today, clients=60)
        ensure_demo_accounts()
        BudgetParameterSet.objects.create(
            name="Voorbeeld", source_text=Path(EXAMPLE_PARAMETERS).read_text(encoding="utf-8")
        )
        yield today
        transaction.set_rollback(True)


def _identifiers() -> list[re.Pattern]:
    """One pattern per client identifier, matched as a whole word."""
    words = set()
    for client in Client.objects.all():
        words.update({str(client.pseudonym), client.short_pseudonym, client.bsn})
        words.add(client.full_name)
    return [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)") for w in words if w]


def _text_of(response) -> str:
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        cells = []
        for sheet in load_workbook(BytesIO(response.content)).worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells += [str(v) for v in row if v is not None]
        return "\n".join(cells)
    return response.content.decode()


def _leaks(text: str, patterns: list[re.Pattern]) -> list[str]:
    return sorted({m.group(0) for p in patterns for m in [p.search(text)] if m})


def _screens(demo_day: date) -> list[tuple[str, dict]]:
    year_ago = demo_day - timedelta(days=365)
    monitor = {"van": year_ago.isoformat(), "tot": demo_day.isoformat()}
    return [
        (reverse("web:home"), {}),
        (reverse("web:worklist"), {}),
        (reverse("finance:overview"), {}),
        (reverse("finance:overview"), {"formaat": "xlsx"}),
        (reverse("finance:parameters"), {}),
        (reverse("monitor:dashboard"), {}),
        (reverse("monitor:dashboard"), monitor),
        (reverse("monitor:dashboard"), {**monitor, "formaat": "xlsx"}),
        (reverse("monitor:council_report"), monitor),
        (reverse("care:occupancy"), {}),
        (reverse("care:occupancy"), {"formaat": "xlsx"}),
        (reverse("care:contracts"), {}),
        *[(reverse("care:contract_detail", args=[pk]), {}) for pk in _contract_pks()],
    ]


def _contract_pks() -> list[int]:
    from bwmo.care.models import Contract

    return list(Contract.objects.order_by("pk").values_list("pk", flat=True)[:3])


def _drill(client, patterns, demo_day) -> dict[tuple[str, str], list[str]]:
    found = {}
    for user in User.objects.filter(groups__name__in=AGGREGATE_ROLES).distinct():
        client.force_login(user)
        for path, query in _screens(demo_day):
            response = client.get(path, query)
            if response.status_code != 200:
                continue  # not this role's screen (the access matrix checks that)
            leaks = _leaks(_text_of(response), patterns)
            if leaks:
                found[(user.username, f"{path}?{query}")] = leaks
    return found


@pytest.mark.django_db
def test_aggregate_roles_see_no_client_identifier_on_any_screen_or_export(client, demo):
    patterns = _identifiers()
    assert len(patterns) > 300  # the drill has something to look for
    assert _drill(client, patterns, demo) == {}


@pytest.mark.django_db
def test_a_missing_tariff_names_product_provider_period_and_count_never_a_client(client, demo):
    """The message the controller gets when a stay's days are not priced by any contract."""
    controller = User.objects.get(username="controller.assen")
    region = default_region_for(controller)
    stay = Stay.objects.filter(
        product__kind="BW",
        end__isnull=True,
        indication__responsible_municipality__region_memberships__region=region,
    ).first()
    Tariff.objects.filter(product=stay.product, contract__provider=stay.provider).delete()
    client.force_login(controller)
    page = client.get(reverse("finance:overview")).content.decode()
    assert "er ontbreken gegevens" in page
    assert stay.provider.name in page and stay.product.code in page
    assert re.search(r"\d+ verblij(f|ven) zonder tarief: product \w+ \(.*\) bij ", page)
    assert _leaks(page, _identifiers()) == []


@pytest.mark.django_db
def test_the_monitor_and_budget_commands_print_no_client_identifier(demo, tmp_path, capsys):
    patterns = _identifiers()
    start = (demo - timedelta(days=365)).isoformat()
    for code in ("GM0106", "GM0114"):
        call_command("monitor", region=code, start=start, end=demo.isoformat())
        out = tmp_path / f"monitor-{code}.xlsx"
        call_command(
            "monitor", region=code, start=start, end=demo.isoformat(), format="xlsx", out=out
        )
        cells = [
            str(v)
            for sheet in load_workbook(out).worksheets
            for row in sheet.iter_rows(values_only=True)
            for v in row
            if v is not None
        ]
        assert _leaks("\n".join(cells), patterns) == []
    call_command("budget", EXAMPLE_PARAMETERS)
    printed = capsys.readouterr()
    assert _leaks(printed.out + printed.err, patterns) == []
