"""The message screens through Django's test client: scope, Dutch feedback, the access log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bwmo.audit.models import AccessLogEntry
from bwmo.care.models import Indication
from bwmo.iwmo import aanbieder
from bwmo.iwmo import model as m
from bwmo.messaging import exchange
from bwmo.messaging.codelists import meaning
from bwmo.messaging.models import AllocationRequest, Direction, Message, MessageStatus
from tests.factories import granted_client

from .conftest import XSD_DIR, client_basis

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(client, region_setup, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(region_setup.users["contract"])
    return client


def _start_file(client, indication, ident="S1"):
    return aanbieder.build_wmo305(
        afzender="73000001",
        ontvanger="0106",
        identificatie=ident,
        dagtekening=timezone.localdate(),
        client=client_basis(client),
        start_producten=[
            m.StartProduct(indication.valid_from, "1", indication.pk, m.Product("15", "BW001"))
        ],
        xsd_dir=XSD_DIR,
    )


def _upload(http, name, content):
    return http.post(
        reverse("messaging:upload"),
        {"bestand": SimpleUploadedFile(name, content, content_type="text/xml")},
    )


def test_inbox_export_detail_and_download(contract, region_setup):
    person = granted_client(region_setup)
    page = contract.get(reverse("messaging:inbox")).content.decode()
    assert "Klaar om te verzenden" in page and "WMO301" in page
    assert person.bsn not in page and person.surname not in page  # the list shows no one

    response = contract.post(reverse("messaging:export"), follow=True)
    assert "1 bericht aangemaakt" in response.content.decode()
    message = Message.objects.get(message_type="WMO301")
    assert message.status == MessageStatus.SENT

    before = AccessLogEntry.objects.count()
    detail = contract.get(reverse("messaging:detail", args=[message.pk])).content.decode()
    assert "WMO301 Toewijzing" in detail and "Verzonden" in detail
    assert person.bsn not in detail and person.surname not in detail
    assert "niet te downloaden met uw rol" in detail
    # The contract manager sees no personal data: the XML (BSN, name, address) is not theirs.
    assert contract.get(reverse("messaging:download", args=[message.pk])).status_code == 403
    assert AccessLogEntry.objects.count() == before


def test_a_user_who_may_see_the_client_downloads_the_xml_and_it_is_logged(
    client, region_setup, tmp_path
):
    from django.contrib.auth.models import Permission

    person = granted_client(region_setup)
    exchange.export_pending(
        municipality_codes=["GM0106"], out_dir=tmp_path, today=timezone.localdate()
    )
    message = Message.objects.get(message_type="WMO301")
    worker = region_setup.users["toegang_assen"]
    worker.user_permissions.add(Permission.objects.get(codename="exchange_iwmo"))
    client.force_login(worker)
    before = AccessLogEntry.objects.count()
    download = client.get(reverse("messaging:download", args=[message.pk]))
    assert download["Content-Type"].startswith("application/xml")
    assert person.bsn.encode() in download.content
    entry = AccessLogEntry.objects.order_by("pk")[before]
    assert (entry.what, entry.client_id) == ("iWmo-bericht downloaden", person.pk)


def test_upload_processes_once_and_explains_what_it_cannot_use(contract, region_setup):
    person = granted_client(region_setup)
    indication = Indication.objects.get(client=person)
    content = _start_file(person, indication)

    response = _upload(contract, "start.xml", content)
    inbound = Message.objects.get(direction=Direction.IN)
    assert response.url == reverse("messaging:detail", args=[inbound.pk])
    assert inbound.status == MessageStatus.ACCEPTED
    indication.refresh_from_db()
    assert indication.started_on == indication.valid_from

    again = _upload(contract, "start-kopie.xml", content)
    page = contract.get(again.url).content.decode()
    assert "al eerder ingelezen" in page
    assert Message.objects.filter(direction=Direction.IN).count() == 1

    broken = _upload(contract, "portaal.txt", b"geen xml")
    page = contract.get(broken.url).content.decode()
    assert "Ongeldig (XSD), niet verwerkt" in page and "XML" in page
    # Who read a file in may download it again, whatever it holds.
    own_upload = Message.objects.get(direction=Direction.IN, status=MessageStatus.INVALID)
    download = contract.get(reverse("messaging:download", args=[own_upload.pk]))
    assert download.content == b"geen xml"

    # A BSN that fails the 11-proof is not repeated in the stored findings.
    wrong = content.replace(person.bsn.encode(), b"123456789").replace(b">S1<", b">S2<")
    _upload(contract, "fout.xml", wrong)
    rejected = Message.objects.get(direction=Direction.IN, identification="S2")
    assert "CS002" in {e["code"] for e in rejected.errors}
    assert "123456789" not in str(rejected.errors)

    contract.post(reverse("messaging:export"))  # the pending 301 is written
    own = Message.objects.get(message_type="WMO301").content.encode()
    response = _upload(contract, "eigen.xml", own)
    page = contract.get(response.url).content.decode()
    assert "bericht dat de gemeente zelf verstuurt" in page

    filtered = contract.get(reverse("messaging:inbox"), {"richting": "in", "status": "ongeldig"})
    rows = filtered.content.decode().count("Ongeldig (XSD), niet verwerkt</span>")
    assert rows == 1


def test_contract_manager_of_another_region_sees_nothing(client, region_setup):
    from tests.factories import make_user

    person = granted_client(region_setup)
    assert person
    other = make_user("contract.emmen", "Contractmanager", region_setup.org["emmen"])
    client.force_login(other)
    page = client.get(reverse("messaging:inbox")).content.decode()
    assert "Geen berichten." in page
    message = Message.objects.get()
    assert client.get(reverse("messaging:detail", args=[message.pk])).status_code == 404


def test_access_worker_answers_a_request_on_its_page(client, region_setup, tmp_path):
    person = granted_client(region_setup)
    day = timezone.localdate()
    path = tmp_path / "vot.xml"
    path.write_bytes(
        aanbieder.build_wmo315(
            afzender="73000002",
            ontvanger="0106",
            identificatie="V1",
            dagtekening=day,
            client=client_basis(person),
            aangevraagde_producten=[
                m.AangevraagdProduct(
                    referentie_aanbieder="VOT1",
                    toewijzing_ingangsdatum=day + timedelta(days=10),
                    toewijzing_einddatum=day + timedelta(days=100),
                    verwijzer=m.Verwijzer("01", naam="Huisarts"),
                    product=m.Product("15", "BW001"),
                    omvang=m.Omvang(7, "14", "2"),
                )
            ],
            xsd_dir=XSD_DIR,
        )
    )
    exchange.import_file(path, today=day)
    request = AllocationRequest.objects.get()
    client.force_login(region_setup.users["toegang_assen"])
    worklist = client.get(reverse("web:worklist")).content.decode()
    assert reverse("messaging:request", args=[request.pk]) in worklist
    url = reverse("messaging:request", args=[request.pk])
    response = client.post(url, {"version": request.version, "answer": "afwijzen"})
    assert "Kies de reden van afwijzing" in response.content.decode()
    assert not Message.objects.filter(message_type="WMO319").exists()
    response = client.post(url, {"version": request.version, "answer": "onderzoek"})
    assert response.status_code == 302
    assert Message.objects.get(message_type="WMO319").payload["antwoord"] == "2"
    stale = client.post(
        url, {"version": request.version, "answer": "afwijzen", "rejection_reason": "3"}
    )
    assert "Iemand anders heeft dit dossier gewijzigd" in stale.content.decode()
    # Emmen's access worker does not get Assen's request.
    client.force_login(region_setup.users["toegang_emmen"])
    assert client.get(url).status_code == 404


def test_indication_change_refuses_bad_dates_in_dutch(client, region_setup):
    person = granted_client(region_setup)
    indication = Indication.objects.get(client=person)
    client.force_login(region_setup.users["toegang_assen"])
    url = reverse("care:indication_change", args=[indication.pk])
    response = client.post(
        url,
        {
            "valid_to": (indication.valid_from - timedelta(days=1)).isoformat(),
            "reason": "05",
            "opened_with": indication.valid_to.isoformat(),
        },
    )
    assert "De einddatum ligt vóór de ingangsdatum" in response.content.decode()
    response = client.post(
        url,
        {
            "valid_to": (indication.valid_from + timedelta(days=3)).isoformat(),
            "reason": "05",
            "opened_with": (indication.valid_to + timedelta(days=1)).isoformat(),
        },
    )
    assert "Iemand anders heeft dit dossier gewijzigd" in response.content.decode()
    indication.refresh_from_db()
    assert indication.valid_to == indication.valid_from + timedelta(days=365)


def test_inbox_names_message_types_and_retour_codes_in_words(contract, region_setup):
    person = granted_client(region_setup)
    indication = Indication.objects.get(client=person)
    _upload(contract, "start.xml", _start_file(person, indication))
    wrong = _start_file(person, indication, ident="S2").replace(person.bsn.encode(), b"123456789")
    _upload(contract, "fout.xml", wrong)
    codes = {c for m in Message.objects.all() for c in m.retour_codes}
    assert codes, "the test needs messages with retour codes"

    page = contract.get(reverse("messaging:inbox")).content.decode()
    assert "WMO301 Toewijzing" in page
    assert "WMO305 Start zorg" in page and "WMO306 Retour start zorg" in page
    for code in codes:
        text = meaning("WJ001", code)
        assert text, f"code list has no meaning for {code}"
        assert f"<strong>{code}</strong> {text}" in page
    assert person.bsn not in page and person.surname not in page


def test_a_request_answer_shows_field_and_rule_errors_together(client, region_setup, tmp_path):
    """Found by municipal users: a wrong reason showed first, and only on the next submit
    that the provider already knew the request was being looked into."""
    person = granted_client(region_setup)
    day = timezone.localdate()
    path = tmp_path / "vot.xml"
    path.write_bytes(
        aanbieder.build_wmo315(
            afzender="73000002",
            ontvanger="0106",
            identificatie="V2",
            dagtekening=day,
            client=client_basis(person),
            aangevraagde_producten=[
                m.AangevraagdProduct(
                    referentie_aanbieder="VOT2",
                    toewijzing_ingangsdatum=day + timedelta(days=10),
                    toewijzing_einddatum=day + timedelta(days=100),
                    verwijzer=m.Verwijzer("01", naam="Huisarts"),
                    product=m.Product("15", "BW001"),
                    omvang=m.Omvang(7, "14", "2"),
                )
            ],
            xsd_dir=XSD_DIR,
        )
    )
    exchange.import_file(path, today=day)
    request = AllocationRequest.objects.get()
    AllocationRequest.objects.filter(pk=request.pk).update(
        status=AllocationRequest.Status.IN_ONDERZOEK
    )
    client.force_login(region_setup.users["toegang_assen"])
    url = reverse("messaging:request", args=[request.pk])
    response = client.post(
        url, {"version": request.version, "answer": "onderzoek", "rejection_reason": "XX"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in page  # the field error
    assert "De aanbieder weet al dat dit verzoek in onderzoek is." in page  # the rule
    assert not Message.objects.filter(message_type="WMO319").exists()
    request.refresh_from_db()
    assert request.answered_at is None
