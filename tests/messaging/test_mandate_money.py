"""A mandate for one kind of care gives sight of that kind's money and allocations only.

The opvanginstelling decides MO on behalf of Assen. Its users never see Assen's BW money (a
declaration's total, a month's declared and approved amounts, a BW declaration line) nor a
BW allocation of Assen, also not of a client who has both an MO and a BW indication of
Assen: on the declarations screens, the export of pending WMO301s, the API and the monitor.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client as HttpClient
from django.utils import timezone

from bwmo.accounts.models import User
from bwmo.api.scopes import AGGREGATES_READ, CLIENTS_READ, IWMO_READ
from bwmo.api.services import api_client_register
from bwmo.care.models import Indication
from bwmo.messaging import selectors
from bwmo.messaging.models import (
    Allocation,
    Declaration,
    DeclarationLine,
    Direction,
    Message,
    MessageStatus,
)
from bwmo.monitor.views import audience_for
from tests.factories import grant_bw, granted_client, mo_client

pytestmark = pytest.mark.django_db

BW_CENTS, MO_CENTS, OTHER_BW_CENTS = 123_456, 7_890, 654_321


def give_bw(setup, client) -> Indication:
    """A BW indication of Assen (ZIN at Stichting Testhuis) for a client who has MO already."""
    return grant_bw(setup, client, provider=setup.provider)


def _declaration(setup, provider, number: str, lines: list[tuple]) -> Declaration:
    month = timezone.localdate().replace(day=1)
    message = Message.objects.create(
        direction=Direction.IN,
        message_type="WMO323",
        status=MessageStatus.ACCEPTED,
        municipality=setup.assen,
        provider=provider,
        identification=number,
    )
    declaration = Declaration.objects.create(
        message=message,
        municipality=setup.assen,
        provider=provider,
        number=number,
        period_start=month,
        period_end=month,
        submitted_cents=sum(cents for *_rest, cents in lines),
        approved_cents=sum(cents for *_rest, cents in lines),
    )
    for n, (client, category, code, cents) in enumerate(lines, start=1):
        DeclarationLine.objects.create(
            declaration=declaration,
            client=client,
            allocation_number=n,
            reference=f"{number}-{n}",
            category=category,
            product_code=code,
            period_start=month,
            period_end=month,
            volume=1,
            unit="14",
            amount_cents=cents,
            approved=True,
        )
    return declaration


@pytest.fixture
def world(region_setup):
    """Assen's BW client, an MO client of the opvanginstelling who got BW of Assen too, and a
    month of declarations: the opvanginstelling's (MO of the MO client) and Testhuis' (BW of
    both)."""
    bw = granted_client(region_setup)
    both = mo_client(region_setup)
    give_bw(region_setup, both)
    _declaration(region_setup, region_setup.opvang, "MO1", [(both, "16", "MO001", MO_CENTS)])
    _declaration(
        region_setup,
        region_setup.provider,
        "BW1",
        [(bw, "15", "BW001", OTHER_BW_CENTS), (both, "15", "BW001", BW_CENTS)],
    )
    opvang = region_setup.users["opvang"]
    opvang.user_permissions.add(Permission.objects.get(codename="exchange_iwmo"))
    return {"bw": bw, "both": both, "opvang": User.objects.get(pk=opvang.pk)}


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def test_declaration_months_of_an_mo_mandate_hold_its_mo_lines_only(region_setup, world):
    months = selectors.declaration_months(world["opvang"])
    assert [(m.provider_id, _cents(m.declared), m.lines) for m in months] == [
        (region_setup.opvang.pk, MO_CENTS, 1)
    ]
    # Assen's own staff (the region's contract manager) see both providers' totals.
    region = selectors.declaration_months(region_setup.users["contract"])
    assert {(m.provider_id, _cents(m.declared)) for m in region} == {
        (region_setup.opvang.pk, MO_CENTS),
        (region_setup.provider.pk, OTHER_BW_CENTS + BW_CENTS),
    }


def test_no_bw_line_of_a_client_with_both_kinds(region_setup, world):
    month = timezone.localdate().replace(day=1)
    lines = selectors.declaration_lines(
        world["opvang"], provider_id=region_setup.provider.pk, month=month
    )
    assert list(lines) == []
    mine = selectors.declaration_lines(
        world["opvang"], provider_id=region_setup.opvang.pk, month=month
    )
    assert [line.product_code for line in mine] == ["MO001"]


def _amounts(cents: int) -> list[str]:
    """How an amount may be written on a screen: 1234.56, 1.234,56, 1234,56."""
    euros, rest = divmod(cents, 100)
    dotted = f"{euros:,}".replace(",", ".")
    return [f"{euros}.{rest:02d}", f"{dotted},{rest:02d}", f"{euros},{rest:02d}"]


def test_the_declaration_screens_show_the_mandate_holder_no_bw_money(region_setup, world):
    http = HttpClient()
    http.force_login(world["opvang"])
    page = http.get("/berichten/declaraties/")
    assert page.status_code == 200
    body = page.content.decode()
    for cents in (BW_CENTS, OTHER_BW_CENTS, BW_CENTS + OTHER_BW_CENTS):
        for text in _amounts(cents):
            assert text not in body, text
    assert region_setup.provider.name not in body
    month = timezone.localdate().strftime("%Y-%m")
    assert (
        http.get(f"/berichten/declaraties/{region_setup.provider.pk}/{month}/").status_code == 404
    )


def test_the_declarations_api_gives_a_mandate_holder_no_grantor_header(region_setup, world):
    assert not selectors.declarations_visible_to(user=world["opvang"]).exists()
    _client, token = api_client_register(
        name="Koppeling opvang",
        organisation=region_setup.org["opvang"],
        scopes=[CLIENTS_READ, IWMO_READ, AGGREGATES_READ],
        by=User.objects.create_superuser("root", password="x" * 16),
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = HttpClient().get("/api/v1/declarations", **headers)
    assert response.status_code == 200
    assert response.json()["results"] == []
    allocations = HttpClient().get("/api/v1/allocations", **headers)
    assert allocations.status_code == 200
    assert "BW001" not in allocations.content.decode()
    figures = HttpClient().get(
        "/api/v1/monitor-figures", {"region": "GM0106", "municipality": "GM0106"}, **headers
    )
    assert figures.status_code == 200
    assert figures.json()["audience"] == "external"


def test_a_mandate_holder_sees_no_bw_allocation_of_the_grantor(region_setup, world):
    both = world["both"]
    bw_allocation = Allocation.objects.get(client=both, indication__product__kind="BW")
    seen = selectors.allocations_visible_to(user=world["opvang"])
    assert bw_allocation.pk not in set(seen.values_list("pk", flat=True))
    # The responsible municipality's own staff still see it.
    assen = selectors.allocations_visible_to(user=region_setup.users["toegang_assen"])
    assert bw_allocation.pk in set(assen.values_list("pk", flat=True))


def test_the_export_of_a_mandate_holder_sends_no_bw_wmo301(region_setup, world, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    pending_bw = set(
        Message.objects.filter(
            message_type="WMO301", status=MessageStatus.PENDING, municipality=region_setup.assen
        ).values_list("pk", flat=True)
    )
    assert pending_bw  # the BW allocations of both clients wait for their WMO301
    http = HttpClient()
    http.force_login(world["opvang"])
    assert http.post("/berichten/aanmaken/").status_code == 302
    still = set(
        Message.objects.filter(pk__in=pending_bw, status=MessageStatus.PENDING).values_list(
            "pk", flat=True
        )
    )
    assert Message.objects.get(client=world["bw"], message_type="WMO301").pk in still


def test_no_wmo301_to_the_bw_provider_of_a_client_with_both_kinds(region_setup, world):
    """The client with MO at the opvanginstelling and BW at Testhuis: the WMO301 to Testhuis
    carries the BW allocation, and is not the opvanginstelling's to see or send."""
    to_bw = Message.objects.get(
        client=world["both"], provider=region_setup.provider, message_type="WMO301"
    )
    assert not selectors.messages_visible_to(world["opvang"]).filter(pk=to_bw.pk).exists()
    assert selectors.messages_visible_to(region_setup.users["contract"]).filter(pk=to_bw.pk)
    http = HttpClient()
    http.force_login(world["opvang"])
    assert http.get(f"/berichten/{to_bw.pk}/").status_code == 404


def test_a_mandate_for_one_kind_gives_the_grantors_figures_aggregated(region_setup, world):
    assert audience_for(world["opvang"], ["GM0106"]) == "external"
    assert audience_for(region_setup.users["toegang_assen"], ["GM0106"]) == "internal"
