"""The provider portal through its views on a real database: what a provider sees, and that
what it sends takes the import path of a file (all or nothing, findings recorded)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bwmo.audit.models import AccessLogEntry
from bwmo.care import services as care_services
from bwmo.care.models import Indication
from bwmo.iwmo import aanbieder
from bwmo.iwmo import model as m
from bwmo.messaging.codelists import stop_reason_choices
from bwmo.messaging.models import (
    Allocation,
    AllocationRequest,
    Declaration,
    DeliveryEvent,
    Direction,
    Message,
    MessageStatus,
)
from bwmo.messaging.portal import selectors
from tests.factories import RegionSetup, granted_client

from .conftest import XSD_DIR, client_basis

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def setup():
    return RegionSetup.create()


@pytest.fixture
def world(setup):
    """Two clients at the provider of the aanbieder user, one at another provider; their
    WMO301s went out and each stay started."""
    ours = [granted_client(setup), granted_client(setup)]
    theirs = granted_client(setup, provider=setup.other_provider)
    Allocation.objects.update(needs_sending=False)
    for client in (*ours, theirs):
        indication = Indication.objects.get(client=client)
        care_services.stay_start(
            indication=indication, location=setup.assen, start=indication.valid_from
        )
    return ours, theirs


def _login(client, setup):
    client.force_login(setup.users["aanbieder"])


def _number(client_obj) -> int:
    return Allocation.objects.get(client=client_obj).number


def test_the_start_page_shows_counts_and_no_names(client, setup, world):
    ours, theirs = world
    _login(client, setup)
    page = client.get(reverse("web:home")).content.decode()
    assert "geen toegang tot persoonsgegevens" not in page
    assert "nog niet is gestart" in page
    for c in (*ours, theirs):
        assert c.surname not in page and c.bsn not in page
    counts = selectors.portal_counts(user=setup.users["aanbieder"], today=timezone.localdate())
    assert (counts.to_start, counts.clients) == (2, 2)


def test_a_provider_sees_only_its_own_allocations(client, setup, world):
    ours, theirs = world
    _login(client, setup)
    page = client.get(reverse("portaal:allocations")).content.decode()
    for c in ours:
        assert reverse("portaal:allocation", args=[_number(c)]) in page
    assert f">{_number(theirs)}<" not in page
    assert client.get(reverse("portaal:allocation", args=[_number(theirs)])).status_code == 404
    assert client.get(reverse("portaal:allocation", args=[_number(ours[0])])).status_code == 200
    # Who saw which client is in the access log.
    logged = set(
        AccessLogEntry.objects.filter(user=setup.users["aanbieder"]).values_list(
            "client_id", flat=True
        )
    )
    assert {c.pk for c in ours} <= logged and theirs.pk not in logged


def test_a_filter_value_that_cannot_apply_is_named(client, setup, world):
    _login(client, setup)
    response = client.get(reverse("portaal:allocations"), {"stand": "kwijt"}, follow=True)
    assert "Stand &#x27;kwijt&#x27; bestaat niet" in response.content.decode()


def test_clients_are_searched_by_post_and_only_the_providers_own(client, setup, world):
    ours, theirs = world
    _login(client, setup)
    everyone = client.get(reverse("portaal:clients")).content.decode()
    assert all(c.bsn in everyone for c in ours) and theirs.bsn not in everyone
    found = client.post(reverse("portaal:clients"), {"zoek": ours[0].bsn})
    assert ours[0].bsn in found.content.decode()
    assert ours[1].bsn not in found.content.decode()
    # Another provider's client is not found, not even by its BSN.
    other = client.post(reverse("portaal:clients"), {"zoek": theirs.bsn}).content.decode()
    assert f"<td>{theirs.bsn}</td>" not in other
    assert "Geen cliënt met een lopende toewijzing" in other
    assert client.get(reverse("portaal:request", args=[theirs.pseudonym])).status_code == 404


def test_the_other_roles_do_not_reach_the_portal(client, setup, world):
    client.force_login(setup.users["toegang_assen"])
    assert client.get(reverse("portaal:clients")).status_code == 403
    assert client.get(reverse("portaal:answers")).status_code == 403


def test_starting_care_goes_through_the_import_and_is_answered(client, setup, world):
    ours, _theirs = world
    _login(client, setup)
    indication = Indication.objects.get(client=ours[0])
    url = reverse("portaal:allocation", args=[_number(ours[0])])
    begin = indication.valid_from
    response = client.post(url, {"action": "start", "start-begin": begin.strftime("%d-%m-%Y")})
    message = Message.objects.get(direction=Direction.IN, message_type="WMO305")
    assert response.status_code == 302 and response["Location"].endswith(
        reverse("portaal:answer", args=[message.pk])
    )
    assert message.status == MessageStatus.ACCEPTED, message.errors
    assert message.uploaded_by == setup.users["aanbieder"]
    assert message.replies.get().message_type == "WMO306"
    event = DeliveryEvent.objects.get(allocation__client=ours[0])
    assert (event.kind, event.begin) == (DeliveryEvent.Kind.START, begin)
    indication.refresh_from_db()
    assert indication.started_on == begin
    page = client.get(response["Location"]).content.decode()
    assert "Geen bevindingen" in page

    # The stop repeats the start's key; an end before the start is refused by the standard's
    # rules and recorded as a finding, nothing of it applied.
    bad = client.post(
        url,
        {
            "action": "stop",
            "stop-end": (begin - timedelta(days=5)).strftime("%d-%m-%Y"),
            "stop-reason": "19",
        },
    )
    stop = Message.objects.get(direction=Direction.IN, message_type="WMO307")
    assert bad.status_code == 302
    assert stop.status != MessageStatus.ACCEPTED and stop.errors
    assert not DeliveryEvent.objects.filter(kind=DeliveryEvent.Kind.STOP).exists()
    answer = client.get(reverse("portaal:answer", args=[stop.pk])).content.decode()
    assert "Bevindingen" in answer and stop.errors[0]["code"] in answer


def test_a_stop_without_a_start_is_refused_before_anything_is_sent(client, setup, world):
    ours, _theirs = world
    _login(client, setup)
    url = reverse("portaal:allocation", args=[_number(ours[0])])
    today = timezone.localdate().strftime("%d-%m-%Y")
    response = client.post(url, {"action": "stop", "stop-end": today, "stop-reason": "19"})
    assert response.status_code == 400
    assert "meld eerst de start" in response.content.decode()
    assert not Message.objects.filter(direction=Direction.IN).exists()


def test_a_change_request_lands_in_the_access_work_list(client, setup, world):
    ours, _theirs = world
    _login(client, setup)
    indication = Indication.objects.get(client=ours[0])
    response = client.post(
        reverse("portaal:allocation", args=[_number(ours[0])]),
        {
            "action": "wijziging",
            "wijziging-reference": "VOW-1",
            "wijziging-reason": "1",
            # Before today, the wanted start is the allocation's own (TR357).
            "wijziging-wanted_from": indication.valid_from.strftime("%d-%m-%Y"),
            "wijziging-end": (indication.valid_to + timedelta(days=90)).strftime("%d-%m-%Y"),
            "wijziging-volume": "7",
            "wijziging-frequency": "2",
        },
    )
    assert response.status_code == 302
    message = Message.objects.get(direction=Direction.IN, message_type="WMO317")
    assert message.status == MessageStatus.ACCEPTED, message.errors
    request = AllocationRequest.objects.get(kind="317")
    assert (request.reference, request.client) == ("VOW-1", ours[0])


def test_a_request_for_an_allocation_is_read_in(client, setup, world):
    ours, _theirs = world
    _login(client, setup)
    start = timezone.localdate() + timedelta(days=7)
    response = client.post(
        reverse("portaal:request", args=[ours[0].pseudonym]),
        {
            "reference": "VOT-1",
            "product": "BW001",
            "start": start.strftime("%d-%m-%Y"),
            "end": (start + timedelta(days=180)).strftime("%d-%m-%Y"),
            "volume": "7",
            "frequency": "2",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    message = Message.objects.get(direction=Direction.IN, message_type="WMO315")
    assert message.replies.get().message_type == "WMO316"
    assert AllocationRequest.objects.filter(kind="315", reference="VOT-1").exists()


def test_a_file_from_another_sender_is_refused_and_nothing_is_written(client, setup, world):
    _ours, theirs = world
    _login(client, setup)
    indication = Indication.objects.get(client=theirs)
    content = aanbieder.build_wmo305(
        afzender=setup.other_provider.agb_code,
        ontvanger="0106",
        identificatie="X1",
        dagtekening=timezone.localdate(),
        client=client_basis(theirs),
        start_producten=[
            m.StartProduct(
                begindatum=indication.valid_from,
                status_aanlevering="1",
                toewijzing_nummer=indication.pk,
                product=m.Product("15", "BW001"),
                toewijzing_ingangsdatum=indication.valid_from,
            )
        ],
        xsd_dir=XSD_DIR,
    )
    response = client.post(
        reverse("portaal:declarations"),
        {"action": "bestand", "bestand": SimpleUploadedFile("start.xml", content)},
    )
    assert response.status_code == 400
    assert "niet door Stichting Testhuis" in response.content.decode()
    assert not Message.objects.filter(direction=Direction.IN).exists()
    assert not DeliveryEvent.objects.exists()


def test_a_declaration_built_from_the_allocations_is_answered_with_a_325(client, setup, world):
    ours, _theirs = world
    _login(client, setup)
    month = Indication.objects.get(client=ours[0]).valid_from.replace(day=1)
    response = client.post(
        reverse("portaal:declarations"),
        {"action": "opbouwen", "month": month.strftime("%m-%Y"), "municipality": "GM0106"},
    )
    assert response.status_code == 302
    message = Message.objects.get(direction=Direction.IN, message_type="WMO323")
    assert message.replies.get().message_type == "WMO325"
    declaration = Declaration.objects.get(message=message)
    assert declaration.lines.count() == 2
    page = client.get(reverse("portaal:answer", args=[message.pk])).content.decode()
    assert f"Declaratie {declaration.number}" in page
    # Sent again, the same declaration number is refused with its rule, in words.
    client.post(
        reverse("portaal:declarations"),
        {"action": "opbouwen", "month": month.strftime("%m-%Y"), "municipality": "GM0106"},
    )
    again = Message.objects.filter(direction=Direction.IN, message_type="WMO323").latest("pk")
    assert again.status != MessageStatus.ACCEPTED and again.errors


def test_another_providers_answer_is_not_found(client, setup, world):
    _ours, theirs = world
    other = Message.objects.create(
        direction=Direction.IN,
        message_type="WMO305",
        status=MessageStatus.REJECTED,
        provider=setup.other_provider,
        client=theirs,
        sender=setup.other_provider.agb_code,
    )
    _login(client, setup)
    assert client.get(reverse("portaal:answer", args=[other.pk])).status_code == 404
    page = client.get(reverse("portaal:answers")).content.decode()
    assert reverse("portaal:answer", args=[other.pk]) not in page


def test_a_file_that_is_not_xml_is_recorded_and_its_finding_shown(client, setup, world):
    _login(client, setup)
    response = client.post(
        reverse("portaal:declarations"),
        {"action": "bestand", "bestand": SimpleUploadedFile("d.xml", b"geen XML")},
    )
    message = Message.objects.get(direction=Direction.IN)
    assert message.status == MessageStatus.INVALID and message.errors
    assert response["Location"].endswith(reverse("portaal:answer", args=[message.pk]))
    page = client.get(response["Location"]).content.decode()
    assert f"<strong>{message.errors[0]['code']}</strong>" in page
    # Another provider's user does not see it.
    client.force_login(setup.users["opvang"])
    assert client.get(response["Location"]).status_code == 404


def _stop_reasons(page: str) -> list[str]:
    select = page.split('name="stop-reason"', 1)[1].split("</select>", 1)[0]
    return list(re.findall(r'<option value="(\d+)"', select))


def test_the_stop_offers_only_the_reasons_the_code_list_lets_a_provider_give(client, setup, world):
    """WMO588: 36 (by the municipality) and 37 (after a change request) are not the
    provider's own initiative: offered only after the municipality's change with a reason
    in their column (36 after 03, 05, 08, 10, 11; 37 after 12). A posted 36 is refused
    before anything is sent."""
    ours, _theirs = world
    _login(client, setup)
    allocation = Allocation.objects.get(client=ours[0])
    url = reverse("portaal:allocation", args=[allocation.number])
    offered = _stop_reasons(client.get(url).content.decode())
    assert "36" not in offered and "37" not in offered
    assert {"02", "19", "20", "38", "39"} <= set(offered)
    assert offered == [c for c, _t in stop_reason_choices("")]
    today = timezone.localdate().strftime("%d-%m-%Y")
    refused = client.post(url, {"action": "stop", "stop-end": today, "stop-reason": "36"})
    assert refused.status_code == 400
    assert "Reden 36 past niet bij deze toewijzing" in refused.content.decode()
    assert not Message.objects.filter(direction=Direction.IN).exists()
    # After the municipality shortened the allocation (03) or answered a change request (12).
    for reason_change, extra in (("03", "36"), ("12", "37")):
        Allocation.objects.filter(pk=allocation.pk).update(reason_change=reason_change)
        offered = _stop_reasons(client.get(url).content.decode())
        assert extra in offered and ({"36", "37"} - {extra}).isdisjoint(offered)


def _new_client_data(**changes) -> dict:
    start = timezone.localdate() + timedelta(days=7)
    data = {
        "bsn": "999900122",
        "given_names": "Noor",
        "surname_prefix": "van",
        "surname": "Nieuwland",
        "birth_date": "03-04-1990",
        "gender": "2",
        "municipality": "GM0106",
        "reference": "NIEUW-1",
        "product": "BW001",
        "start": start.strftime("%d-%m-%Y"),
        "end": (start + timedelta(days=180)).strftime("%d-%m-%Y"),
        "volume": "7",
        "frequency": "2",
    }
    return {**data, **changes}


def test_a_request_for_someone_new_to_bwmo_is_read_in(client, setup, world):
    from bwmo.clients.models import Client

    _login(client, setup)
    url = reverse("portaal:new_client_request")
    page = client.get(url).content.decode()
    assert "Voor wie vraagt u een toewijzing?" in page and "Assen" in page
    assert (
        reverse("portaal:new_client_request")
        in client.get(reverse("portaal:clients")).content.decode()
    )
    response = client.post(url, _new_client_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    message = Message.objects.get(direction=Direction.IN, message_type="WMO315")
    assert message.status == MessageStatus.ACCEPTED, message.errors
    assert message.uploaded_by == setup.users["aanbieder"]
    assert message.replies.get().message_type == "WMO316"
    request = AllocationRequest.objects.get(kind="315", reference="NIEUW-1")
    assert request.client is None  # joins the dossier when the municipality registers her
    assert not Client.objects.filter(bsn="999900122").exists()
    assert "Nieuwland" in message.content and "999900122" in message.content


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"bsn": "999900123"}, "bsn", "elfproef"),
        ({"bsn": "12345"}, "bsn", "precies 9 cijfers"),
        ({"surname": ""}, "surname", ""),
        ({"birth_date": "01-01-2999"}, "birth_date", "in de toekomst"),
        ({"surname_prefix": "x" * 11}, "surname_prefix", "Hoogstens 10 tekens"),
        ({"municipality": "GM9999"}, "municipality", ""),
    ],
)
def test_a_new_client_request_with_bad_data_names_the_field_and_sends_nothing(
    client, setup, world, changes, field, text
):
    _login(client, setup)
    response = client.post(reverse("portaal:new_client_request"), _new_client_data(**changes))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert text in " ".join(form.errors[field])
    assert not Message.objects.filter(direction=Direction.IN).exists()
