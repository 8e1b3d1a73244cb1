"""A WMO301 is shown under a mandate for one kind by its own lines (ToegewezenProducten).

The opvanginstelling holds Assen's MO mandate and delivers BW too. A client who gets both
MO and BW of Assen at the opvanginstelling has one WMO301 with both allocations: it names a
BW product, so the MO mandate does not see it (screen, download, API) nor send it; Assen's
own staff do. The WMO301 of a client with MO only is the mandate's; one sent before the BW
allocation was made held MO only and stays visible.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client as HttpClient
from django.utils import timezone

from bwmo.accounts.models import User
from bwmo.api.scopes import IWMO_READ
from bwmo.api.services import api_client_register
from bwmo.clients.models import Client
from bwmo.messaging import selectors
from bwmo.messaging.models import Allocation, Direction, Message, MessageStatus
from tests.factories import grant_bw, mo_client

pytestmark = pytest.mark.django_db


def _bw_at_the_opvanginstelling(setup, client: Client) -> None:
    grant_bw(setup, client, provider=setup.opvang)


def _pending_301(client: Client, provider) -> Message:
    return Message.objects.get(
        client=client, provider=provider, message_type="WMO301", status=MessageStatus.PENDING
    )


@pytest.fixture
def world(region_setup):
    """``both``: MO and BW of Assen at the opvanginstelling; its MO-only WMO301 was sent
    before the BW was granted, the new one (both lines) is pending. ``mo``: MO only."""
    both = mo_client(region_setup)
    sent = _pending_301(both, region_setup.opvang)
    Message.objects.filter(pk=sent.pk).update(
        status=MessageStatus.SENT, processed_at=timezone.now()
    )
    Allocation.objects.filter(client=both).update(needs_sending=False, last_message=sent)
    _bw_at_the_opvanginstelling(region_setup, both)
    mixed = _pending_301(both, region_setup.opvang)
    assert set(Allocation.objects.filter(client=both).values_list("product_code", flat=True)) == {
        "MO001",
        "BW001",
    }
    mo = mo_client(region_setup)
    opvang = region_setup.users["opvang"]
    opvang.user_permissions.add(Permission.objects.get(codename="exchange_iwmo"))
    return {
        "both": both,
        "sent": sent,
        "mixed": mixed,
        "mo_only": _pending_301(mo, region_setup.opvang),
        "opvang": User.objects.get(pk=opvang.pk),
    }


def test_a_wmo301_with_a_bw_line_is_not_the_mo_mandates(region_setup, world):
    seen = set(selectors.messages_visible_to(world["opvang"]).values_list("pk", flat=True))
    assert world["mixed"].pk not in seen
    assert {world["sent"].pk, world["mo_only"].pk} <= seen
    pending = set(
        selectors.pending_exports_visible_to(world["opvang"]).values_list("pk", flat=True)
    )
    assert world["mixed"].pk not in pending and world["mo_only"].pk in pending
    # The responsible municipality's own staff see every one of them.
    contract = selectors.messages_visible_to(region_setup.users["contract"])
    assert contract.filter(pk__in=[world["mixed"].pk, world["sent"].pk]).count() == 2


def test_the_mixed_wmo301_page_and_file_are_not_found(region_setup, world):
    http = HttpClient()
    http.force_login(world["opvang"])
    mixed = world["mixed"].pk
    assert http.get(f"/berichten/{mixed}/").status_code == 404
    assert http.get(f"/berichten/{world['mo_only'].pk}/").status_code == 200
    listing = http.get("/berichten/").content.decode()
    assert f"/berichten/{mixed}/" not in listing
    assert f"/berichten/{world['mo_only'].pk}/" in listing


def test_the_mandate_holders_export_leaves_the_mixed_wmo301(
    region_setup, world, tmp_path, settings
):
    settings.DATA_DIR = tmp_path
    http = HttpClient()
    http.force_login(world["opvang"])
    assert http.post("/berichten/aanmaken/").status_code == 302
    world["mixed"].refresh_from_db()
    world["mo_only"].refresh_from_db()
    assert world["mixed"].status == MessageStatus.PENDING
    assert world["mo_only"].status == MessageStatus.SENT


def test_the_api_gives_the_mo_mandate_no_mixed_wmo301(region_setup, world):
    _client, token = api_client_register(
        name="Koppeling opvang",
        organisation=region_setup.org["opvang"],
        scopes=[IWMO_READ],
        by=User.objects.create_superuser("root", password="x" * 16),
    )
    api = HttpClient(HTTP_AUTHORIZATION=f"Bearer {token}")
    ids = {m["id"] for m in api.get("/api/v1/iwmo-messages").json()["results"]}
    assert world["mixed"].pk not in ids and world["mo_only"].pk in ids
    assert api.get(f"/api/v1/iwmo-messages/{world['mixed'].pk}").status_code == 404


def test_a_start_of_care_and_its_retour_follow_the_same_lines(region_setup, world):
    """A WMO305 from the provider of both kinds about that client, and the retour (306)
    that answers it, carry its allocations' lines: not the MO mandate's."""
    now = timezone.now()
    made = {}
    for key, client_id in (("mixed", world["both"].pk), ("mo_only", world["mo_only"].client_id)):
        start = Message.objects.create(
            direction=Direction.IN,
            message_type="WMO305",
            status=MessageStatus.ACCEPTED,
            municipality=region_setup.assen,
            provider=region_setup.opvang,
            client_id=client_id,
            processed_at=now,
        )
        retour = Message.objects.create(
            direction=Direction.OUT,
            message_type="WMO306",
            status=MessageStatus.SENT,
            municipality=region_setup.assen,
            provider=region_setup.opvang,
            client_id=client_id,
            reply_to=start,
            processed_at=now,
        )
        made[key] = {start.pk, retour.pk}
    seen = set(selectors.messages_visible_to(world["opvang"]).values_list("pk", flat=True))
    assert not made["mixed"] & seen
    assert made["mo_only"] <= seen
