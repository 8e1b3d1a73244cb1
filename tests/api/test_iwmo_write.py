"""A provider's API client sends its iWmo files (scope ``iwmo:write``): the same import as the
inbox and the portal, all or nothing per file, answered with the recorded message and its
findings, in the access log with the API client as actor, never for another provider."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from bwmo.api.scopes import IWMO_WRITE
from bwmo.api.services import api_client_register
from bwmo.audit.models import AccessLogEntry
from bwmo.iwmo import aanbieder
from bwmo.iwmo import model as m
from bwmo.messaging.models import Allocation, DeliveryEvent, Direction, Message, MessageStatus
from tests.factories import granted_client

XSD_DIR = Path(settings.BWMO_IWMO_XSD_DIR)

pytestmark = pytest.mark.skipif(
    not XSD_DIR.is_dir() and not os.environ.get("CI"),
    reason=f"iWmo XSDs not found at {XSD_DIR} (BWMO_IWMO_XSD_DIR)",
)

URL = "/api/v1/iwmo-messages"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def wmo305(
    allocation: Allocation, *, begin: date, afzender: str | None = None, number: int | None = None
) -> str:
    client = allocation.client
    return aanbieder.build_wmo305(
        afzender=afzender or allocation.provider.agb_code,
        ontvanger=allocation.municipality_id[2:],
        identificatie="000000000001",
        dagtekening=timezone.localdate(),
        client=m.ClientBasis(
            bsn=client.bsn,
            geboortedatum=m.Geboortedatum(client.birth_date),
            geslacht=client.gender or "0",
            naam=m.Naam(m.Achternaam(client.surname), voornamen=client.given_names or None),
        ),
        start_producten=[
            m.StartProduct(
                begindatum=begin,
                status_aanlevering=m.STATUS_EERSTE_AANLEVERING,
                toewijzing_nummer=number or allocation.number,
                product=m.Product(allocation.category, allocation.product_code),
                toewijzing_ingangsdatum=allocation.start,
            )
        ],
        xsd_dir=XSD_DIR,
    ).decode()


@pytest.fixture
def ours(region_setup):
    client = granted_client(region_setup)
    Allocation.objects.update(needs_sending=False)
    return Allocation.objects.get(client=client)


def test_a_provider_sends_a_start_through_the_import_and_gets_the_message(callers, ours):
    caller = callers["aanbieder_write"]
    content = wmo305(ours, begin=ours.start)
    response = caller.post(URL, {"fileName": "start.xml", "content": content})
    assert response.status_code == 201, response.content[:500]
    body = response.json()
    assert response["Location"] == f"{URL}/{body['id']}"
    assert (body["messageType"], body["status"], body["findings"]) == (
        "WMO305",
        MessageStatus.ACCEPTED,
        [],
    )
    message = Message.objects.get(pk=body["id"])
    assert message.direction == Direction.IN
    assert message.uploaded_by == caller.api_client.account
    assert message.replies.get().message_type == "WMO306"
    event = DeliveryEvent.objects.get(allocation=ours)
    assert (event.kind, event.begin) == (DeliveryEvent.Kind.START, ours.start)
    # The API client's account is the actor in the access log.
    entry = AccessLogEntry.objects.get(what="API: iWmo-bestand verstuurd")
    assert (entry.user, entry.client) == (caller.api_client.account, ours.client)
    # Its own message it reads back (scope iwmo:write gives no read of the traffic).
    assert caller.get(response["Location"]).status_code == 403


def test_a_refused_file_is_a_problem_with_its_findings_and_nothing_is_applied(callers, ours):
    caller = callers["aanbieder_write"]
    # A start of an allocation bwmo never made: the cross-checks refuse it.
    unknown = wmo305(ours, begin=ours.start, number=ours.number + 1000)
    response = caller.post(URL, {"content": unknown})
    assert response.status_code == 422, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 422 and body["message"]["status"] == MessageStatus.REJECTED
    assert body["findings"] and all(f["code"] and f["message"] for f in body["findings"])
    assert body["findings"] == body["message"]["findings"]
    assert not DeliveryEvent.objects.filter(allocation=ours).exists()
    assert ours.client.bsn not in response.content.decode()

    garbage = caller.post(URL, {"content": "<geen-iwmo/>"})
    assert garbage.status_code == 422
    assert garbage.json()["message"]["status"] == MessageStatus.INVALID
    assert garbage.json()["findings"]


def test_a_file_of_another_provider_is_refused_and_nothing_is_recorded(callers, ours):
    before = Message.objects.filter(direction=Direction.IN).count()
    content = wmo305(ours, begin=ours.start, afzender="73000002")
    response = callers["aanbieder_write"].post(URL, {"content": content})
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert "73000002" in response.json()["detail"]
    assert Message.objects.filter(direction=Direction.IN).count() == before


def test_the_same_file_twice_is_a_conflict(callers, ours):
    caller = callers["aanbieder_write"]
    content = wmo305(ours, begin=ours.start)
    assert caller.post(URL, {"content": content}).status_code == 201
    again = caller.post(URL, {"content": content})
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM
    assert DeliveryEvent.objects.filter(allocation=ours).count() == 1


def test_without_the_scope_or_as_a_municipality_a_file_is_refused(callers, ours, superuser):
    content = wmo305(ours, begin=ours.start)
    assert callers["aanbieder"].post(URL, {"content": content}).status_code == 403
    assert callers["assen"].post(URL, {"content": content}).status_code == 403
    assert not Message.objects.filter(message_type="WMO305").exists()
    with pytest.raises(ValidationError, match="alleen voor een API-client van een aanbieder"):
        api_client_register(
            name="Gemeente schrijft",
            organisation=callers["assen"].api_client.organisation,
            scopes=[IWMO_WRITE],
            by=superuser,
        )


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ({}, "content"),
        ({"content": ""}, "content"),
        ({"content": "x", "fileName": "../../etc/passwd"}, "fileName"),
        ({"content": "\ud800"}, "content"),
    ],
)
def test_bad_input_names_the_field(callers, data, name):
    response = callers["aanbieder_write"].post(URL, data)
    assert response.status_code == 400, response.content[:300]
    assert [p["name"] for p in response.json()["invalidParams"]] == [name]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(callers, settings):
    settings.BWMO_IWMO_MAX_FILE_BYTES = 100
    response = callers["aanbieder_write"].post(URL, {"content": "<a>" + "x" * 200 + "</a>"})
    assert response.status_code == 400
    assert not Message.objects.exists()
