"""A provider's request (WMO315/317) is shown under a mandate for one kind by its products.

The opvanginstelling holds Assen's MO mandate and delivers MO to a client of Assen. Nothing
is allocated yet for a request, so the line rule of the WMO301 cannot judge it: a BW request
from the opvanginstelling for that client names a BW product and is not the MO mandate's
(its page, the work list, its file, its retour and answer, the export and the API), nor is a
request for change that adds a BW product to the MO allocation. An MO request is the
mandate's; Assen's own staff see every one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client as HttpClient
from django.utils import timezone

from bwmo.accounts.models import User
from bwmo.api.scopes import IWMO_READ
from bwmo.api.services import api_client_register
from bwmo.messaging import selectors, services
from bwmo.messaging.models import (
    Allocation,
    AllocationRequest,
    Direction,
    Message,
    MessageStatus,
)
from tests.factories import mo_client

pytestmark = pytest.mark.django_db


def _requested(category: str, code: str) -> dict:
    start = timezone.localdate() + timedelta(days=7)
    return {
        "soort": "aangevraagd",
        "categorie": category,
        "code": code,
        "ingangsdatum": start.isoformat(),
        "einddatum": (start + timedelta(days=180)).isoformat(),
        "volume": 7,
        "eenheid": "14",
        "frequentie": "2",
        "verwijzer": "",
        "commentaar": "",
    }


def _request(setup, client, reference: str, products: list[dict], *, kind: str = "315"):
    """A request read in from the opvanginstelling, with its retour (316/318), taken into
    investigation by Assen's access worker: a pending answer (319, ``answer``)."""
    now = timezone.now()
    message = Message.objects.create(
        direction=Direction.IN,
        message_type=f"WMO{kind}",
        status=MessageStatus.ACCEPTED,
        municipality=setup.assen,
        provider=setup.opvang,
        client=client,
        identification=reference,
        content="<bericht/>",
        processed_at=now,
    )
    retour = Message.objects.create(
        direction=Direction.OUT,
        message_type=f"WMO{int(kind) + 1}",
        status=MessageStatus.SENT,
        municipality=setup.assen,
        provider=setup.opvang,
        client=client,
        reply_to=message,
        identification=f"R{reference}",
        processed_at=now,
    )
    request = AllocationRequest.objects.create(
        message=message,
        kind=kind,
        bsn=client.bsn,
        client=client,
        municipality=setup.assen,
        provider=setup.opvang,
        reference=reference,
        products=products,
        received_on=timezone.localdate(),
    )
    services.request_answer(
        request=request,
        user=setup.users["toegang_assen"],
        expected_version=request.version,
        answer="onderzoek",
    )
    answer = Message.objects.get(reply_to=message, message_type="WMO319")
    return {"request": request, "message": message, "retour": retour, "answer": answer}


@pytest.fixture
def world(region_setup):
    """A client with MO of Assen allocated at the opvanginstelling, and from it a BW request,
    an MO request, and a request for change of the MO allocation that adds a BW product."""
    client = mo_client(region_setup)
    mo_allocation = Allocation.objects.get(client=client)
    assert mo_allocation.product_code == "MO001"
    opvang = region_setup.users["opvang"]
    opvang.user_permissions.add(
        Permission.objects.get(codename="exchange_iwmo"),
        Permission.objects.get(codename="process_melding"),
    )
    change = {"soort": "ongewijzigd", "toewijzing": mo_allocation.number}
    return {
        "client": client,
        "bw": _request(region_setup, client, "VOT-BW", [_requested("15", "BW001")]),
        "mo": _request(region_setup, client, "VOT-MO", [_requested("16", "MO001")]),
        "mixed": _request(
            region_setup,
            client,
            "VOW-MIX",
            [change, {**_requested("15", "BW001"), "soort": "nieuw"}],
            kind="317",
        ),
        "mo_change": _request(
            region_setup,
            client,
            "VOW-MO",
            [{"soort": "wijzigen", "toewijzing": mo_allocation.number, "volume": 5}],
            kind="317",
        ),
        "opvang": User.objects.get(pk=opvang.pk),
    }


def _ids(rows, key: str) -> set[int]:
    return {row[key].pk for row in rows}


def test_the_mo_mandate_sees_no_bw_request_of_its_mo_client(region_setup, world):
    hidden = [world["bw"], world["mixed"]]
    shown = [world["mo"], world["mo_change"]]
    seen = set(selectors.requests_visible_to(world["opvang"]).values_list("pk", flat=True))
    assert not _ids(hidden, "request") & seen
    assert _ids(shown, "request") <= seen
    open_ = set(selectors.open_requests_for(world["opvang"]).values_list("pk", flat=True))
    assert not _ids(hidden, "request") & open_
    messages = set(selectors.messages_visible_to(world["opvang"]).values_list("pk", flat=True))
    for key in ("message", "retour", "answer"):
        assert not _ids(hidden, key) & messages, key
        assert _ids(shown, key) <= messages, key
    # Assen's own access worker sees every request and message.
    assen = region_setup.users["toegang_assen"]
    everything = [*hidden, *shown]
    assert _ids(everything, "request") <= set(
        selectors.requests_visible_to(assen).values_list("pk", flat=True)
    )
    assert _ids(everything, "message") <= set(
        selectors.messages_visible_to(assen).values_list("pk", flat=True)
    )


def test_the_bw_requests_pages_and_files_are_not_found(world):
    http = HttpClient()
    http.force_login(world["opvang"])
    for key in ("bw", "mixed"):
        assert http.get(f"/berichten/verzoeken/{world[key]['request'].pk}/").status_code == 404
        for message in ("message", "retour", "answer"):
            pk = world[key][message].pk
            assert http.get(f"/berichten/{pk}/").status_code == 404, (key, message)
            assert http.get(f"/berichten/{pk}/download/").status_code == 404, (key, message)
    assert http.get(f"/berichten/verzoeken/{world['mo']['request'].pk}/").status_code == 200
    assert http.get(f"/berichten/{world['mo']['message'].pk}/").status_code == 200
    worklist = http.get("/werkvoorraad/").content.decode()
    inbox = http.get("/berichten/").content.decode()
    for key in ("bw", "mixed"):
        assert f"/berichten/verzoeken/{world[key]['request'].pk}/" not in worklist
        assert f"/berichten/{world[key]['message'].pk}/" not in inbox
    assert f"/berichten/verzoeken/{world['mo']['request'].pk}/" in worklist
    assert f"/berichten/{world['mo']['message'].pk}/" in inbox


def test_the_mandate_holders_export_leaves_the_answer_to_a_bw_request(world, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    http = HttpClient()
    http.force_login(world["opvang"])
    assert http.post("/berichten/aanmaken/").status_code == 302
    for key, status in (("bw", MessageStatus.PENDING), ("mixed", MessageStatus.PENDING)):
        world[key]["answer"].refresh_from_db()
        assert world[key]["answer"].status == status, key
    world["mo"]["answer"].refresh_from_db()
    assert world["mo"]["answer"].status == MessageStatus.SENT, world["mo"]["answer"].errors


def test_the_api_gives_the_mo_mandate_no_bw_request(region_setup, world):
    _client, token = api_client_register(
        name="Koppeling opvang",
        organisation=region_setup.org["opvang"],
        scopes=[IWMO_READ],
        by=User.objects.create_superuser("root", password="x" * 16),
    )
    api = HttpClient(HTTP_AUTHORIZATION=f"Bearer {token}")
    ids = {m["id"] for m in api.get("/api/v1/iwmo-messages").json()["results"]}
    for key in ("bw", "mixed"):
        for message in ("message", "retour", "answer"):
            assert world[key][message].pk not in ids, (key, message)
            pk = world[key][message].pk
            assert api.get(f"/api/v1/iwmo-messages/{pk}").status_code == 404
    assert world["mo"]["message"].pk in ids


def test_a_message_with_a_bw_request_next_to_an_mo_one_is_not_shown(region_setup, world):
    """A WMO315 names several requested products, one request each: its file holds them
    all, so one BW request hides the message (and its MO request stays visible alone)."""
    mo = world["mo"]
    sibling = AllocationRequest.objects.create(
        message=mo["message"],
        kind="315",
        bsn=world["client"].bsn,
        client=world["client"],
        municipality=region_setup.assen,
        provider=region_setup.opvang,
        reference="VOT-BW2",
        products=[_requested("15", "BW001")],
        received_on=timezone.localdate(),
    )
    seen = set(selectors.requests_visible_to(world["opvang"]).values_list("pk", flat=True))
    assert mo["request"].pk in seen and sibling.pk not in seen
    messages = set(selectors.messages_visible_to(world["opvang"]).values_list("pk", flat=True))
    assert not {mo["message"].pk, mo["retour"].pk, mo["answer"].pk} & messages
