"""Allocations, requests and their answers through the services, the command line and the
finance figures, on a real database."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from bwmo.care import services as care_services
from bwmo.care.models import Indication, Outflow, Stay
from bwmo.core.errors import StaleVersionError
from bwmo.iwmo import aanbieder, parse_message, validate_message
from bwmo.iwmo import model as m
from bwmo.messaging import exchange, services
from bwmo.messaging.models import (
    Allocation,
    AllocationRequest,
    Declaration,
    Direction,
    Message,
    MessageStatus,
)
from tests.factories import (
    RegionSetup,
    client_with_melding,
    grant_melding,
    granted_client,
    mo_client,
)

from .conftest import XSD_DIR, client_basis

pytestmark = pytest.mark.django_db

AGB = "73000001"


@pytest.fixture
def setup():
    return RegionSetup.create()


def _export(tmp_path, today=None):
    return exchange.export_pending(
        municipality_codes=["GM0106", "GM1730", "GM0114"],
        out_dir=tmp_path / "uit",
        today=today or timezone.localdate(),
    )


def _import(tmp_path, name, content, today=None):
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(content)
    return exchange.import_file(folder / name, today=today or timezone.localdate())


def _315(client, ref="VOT1", agb=AGB, ident="V1"):
    day = timezone.localdate()
    return aanbieder.build_wmo315(
        afzender=agb,
        ontvanger="0106",
        identificatie=ident,
        dagtekening=day,
        client=client_basis(client),
        aangevraagde_producten=[
            m.AangevraagdProduct(
                referentie_aanbieder=ref,
                toewijzing_ingangsdatum=day + timedelta(days=7),
                toewijzing_einddatum=day + timedelta(days=300),
                verwijzer=m.Verwijzer("01", naam="Huisarts"),
                product=m.Product("15", "BW001"),
                omvang=m.Omvang(7, "14", "2"),
            )
        ],
        xsd_dir=XSD_DIR,
    )


def _grant(setup, client, *, financing="ZIN"):
    day = timezone.localdate() - timedelta(days=5)
    grant_melding(setup, client.meldingen.get(), day=day, financing=financing)
    return Indication.objects.get(client=client)


def test_a_pgb_is_not_allocated_through_iwmo(setup):
    client = client_with_melding(setup, received_on=timezone.localdate() - timedelta(days=30))
    _grant(setup, client, financing="PGB")
    assert not Allocation.objects.exists()
    assert not Message.objects.exists()


def test_a_grant_answers_the_providers_open_request_with_its_reference(setup, tmp_path):
    client = client_with_melding(setup, received_on=timezone.localdate() - timedelta(days=30))
    result = _import(tmp_path, "vot.xml", _315(client))
    assert result.status == MessageStatus.ACCEPTED, result.errors
    request = AllocationRequest.objects.get()
    assert (request.client, request.status) == (client, AllocationRequest.Status.OPEN)

    indication = _grant(setup, client)
    request.refresh_from_db()
    assert request.status == AllocationRequest.Status.TOEGEWEZEN
    (path,) = _export(tmp_path).written
    (tp,) = parse_message(path.read_bytes()).toegewezen_producten
    assert (tp.toewijzing_nummer, tp.referentie_aanbieder) == (indication.pk, "VOT1")


def test_changing_an_indication_queues_a_new_301_with_end_date_and_reason(setup, tmp_path):
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    _export(tmp_path)
    assert not Message.objects.filter(status=MessageStatus.PENDING).exists()

    new_end = indication.valid_from + timedelta(days=90)
    services.indication_change_end(
        indication=indication,
        valid_to=new_end,
        reason_change="05",
        opened_with=indication.valid_to,
    )
    (path,) = _export(tmp_path).written
    content = path.read_bytes()
    assert validate_message(content, XSD_DIR, today=timezone.localdate()).valid
    (tp,) = parse_message(content).toegewezen_producten
    assert (tp.einddatum, tp.reden_wijziging) == (new_end, "05")


def test_a_change_on_a_stale_form_is_refused_and_nothing_changes(setup):
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    with pytest.raises(StaleVersionError):
        services.indication_change_end(
            indication=indication,
            valid_to=indication.valid_from + timedelta(days=10),
            reason_change="05",
            opened_with=indication.valid_to + timedelta(days=1),
        )
    assert Indication.objects.get().valid_to == indication.valid_to
    with pytest.raises(ValidationError) as error:
        services.indication_change_end(
            indication=indication,
            valid_to=indication.valid_from - timedelta(days=1),
            reason_change="05",
        )
    assert "vóór de ingangsdatum" in str(error.value)


def test_open_ended_indication_is_allocated_per_month(setup):
    # Opvang is granted without an end date. (Taking a BW indication's end date away was
    # done here with reason 04 before; that is an extension, which needs a new beschikking.)
    client = mo_client(setup)
    allocation = Allocation.objects.get(client=client)
    assert allocation.end is None
    # "7 per week" needs an end date (CD076): open-ended is 31 etmalen per month.
    assert (allocation.volume, allocation.unit, allocation.frequency) == (31, "14", "4")


def test_request_answered_in_onderzoek_then_rejected_gives_two_valid_319s(setup, tmp_path):
    client = client_with_melding(setup, received_on=timezone.localdate() - timedelta(days=30))
    _import(tmp_path, "vot.xml", _315(client))
    request = AllocationRequest.objects.get()
    user = setup.users["toegang_assen"]
    services.request_answer(
        request=request, user=user, expected_version=request.version, answer="onderzoek"
    )
    with pytest.raises(ValidationError):  # the provider already knows
        services.request_answer(
            request=request, user=user, expected_version=request.version, answer="onderzoek"
        )
    with pytest.raises(ValidationError) as error:
        services.request_answer(
            request=request, user=user, expected_version=request.version, answer="afwijzen"
        )
    assert "rejection_reason" in error.value.error_dict
    with pytest.raises(StaleVersionError):
        services.request_answer(
            request=request,
            user=user,
            expected_version=request.version - 1,
            answer="afwijzen",
            rejection_reason="8",
        )
    services.request_answer(
        request=request,
        user=user,
        expected_version=request.version,
        answer="afwijzen",
        rejection_reason="8",
    )
    paths = _export(tmp_path).written
    answers = [parse_message(p.read_bytes()).antwoord for p in paths]
    assert [(a.verzoek_antwoord, a.reden_afwijzing_verzoek) for a in answers] == [
        ("2", None),
        ("1", "8"),
    ]
    for p in paths:
        assert validate_message(p.read_bytes(), XSD_DIR, today=timezone.localdate()).valid
    with pytest.raises(ValidationError):  # closed
        services.request_answer(
            request=request, user=user, expected_version=request.version, answer="onderzoek"
        )


def test_a_317_granted_extends_the_allocation(setup, tmp_path):
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    _export(tmp_path)
    today = timezone.localdate()
    new_end = indication.valid_to + timedelta(days=180)
    content = aanbieder.build_wmo317(
        afzender=AGB,
        ontvanger="0106",
        identificatie="W1",
        dagtekening=today,
        bsn=client.bsn,
        verzoek=m.Verzoek(
            referentie_aanbieder="VOW1",
            reden_verzoek="2",
            te_wijzigen_producten=(
                m.TeWijzigenProduct(
                    toewijzing_nummer=indication.pk,
                    gewenste_ingangsdatum=indication.valid_from,
                    einddatum=new_end,
                    omvang=m.Omvang(7, "14", "2"),
                ),
            ),
        ),
        xsd_dir=XSD_DIR,
    )
    result = _import(tmp_path, "vow.xml", content)
    assert result.status == MessageStatus.ACCEPTED, result.errors
    request = AllocationRequest.objects.get()
    services.change_request_grant(
        request=request, user=setup.users["toegang_assen"], expected_version=request.version
    )
    indication.refresh_from_db()
    assert indication.valid_to == new_end
    allocation = Allocation.objects.get()
    assert (allocation.reason_change, allocation.reference_provider) == ("12", "VOW1")
    assert AllocationRequest.objects.get().status == AllocationRequest.Status.TOEGEWEZEN


def test_a_client_without_address_or_phone_keeps_the_301_pending_with_the_reason(setup, tmp_path):
    client = granted_client(setup)
    type(client).objects.filter(pk=client.pk).update(
        street="", house_number=None, postcode="", place="", phone=""
    )
    result = _export(tmp_path)
    assert result.written == []
    ((message, errors),) = result.failed
    assert errors[0]["code"] == "ADRES"
    message = Message.objects.get()
    assert message.status == MessageStatus.PENDING and message.errors
    # With a telephone number the allocation can go.
    type(client).objects.filter(pk=client.pk).update(phone="0592123456")
    assert len(_export(tmp_path).written) == 1


def _start(client, indication, begin, ident):
    return aanbieder.build_wmo305(
        afzender=AGB,
        ontvanger="0106",
        identificatie=ident,
        dagtekening=timezone.localdate(),
        client=client_basis(client),
        start_producten=[
            m.StartProduct(
                begin, "1", indication.pk, m.Product("15", "BW001"), indication.valid_from
            )
        ],
        xsd_dir=XSD_DIR,
    )


def _stop(client, indication, begin, end, reason, ident):
    return aanbieder.build_wmo307(
        afzender=AGB,
        ontvanger="0106",
        identificatie=ident,
        dagtekening=timezone.localdate(),
        client=client_basis(client),
        stop_producten=[
            m.StopProduct(
                begin,
                reason,
                end,
                "1",
                indication.pk,
                m.Product("15", "BW001"),
                indication.valid_from,
            )
        ],
        xsd_dir=XSD_DIR,
    )


def test_a_stop_ends_the_stay_with_its_reason_and_a_temporary_stop_does_not(setup, tmp_path):
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    begin = indication.valid_from
    stay = care_services.stay_start(indication=indication, location=setup.assen, start=begin)
    assert _import(tmp_path, "s.xml", _start(client, indication, begin, "S1")).status == (
        MessageStatus.ACCEPTED
    )
    end = begin + timedelta(days=5)
    result = _import(tmp_path, "t.xml", _stop(client, indication, begin, end, "20", "E1"))
    assert result.status == MessageStatus.ACCEPTED, result.errors
    stay.refresh_from_db()
    assert stay.end is None  # in hospital for a while: the stay goes on

    end = begin + timedelta(days=9)
    result = _import(tmp_path, "e.xml", _stop(client, indication, begin, end, "02", "E2"))
    assert result.status == MessageStatus.ACCEPTED, result.errors
    stay.refresh_from_db()
    assert stay.end == end
    assert Outflow.objects.get(stay=stay).reason == "overleden"
    assert result.reply.name.startswith("WMO308_")


def test_command_line_export_and_import(setup, tmp_path):
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    out = StringIO()
    call_command(
        "iwmo", "export", "--region", setup.region.name, "--out", str(tmp_path), stdout=out
    )
    document = json.loads(out.getvalue())
    assert len(document["written"]) == 1 and document["not_built"] == []

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "s.xml").write_bytes(_start(client, indication, indication.valid_from, "S1"))
    (tmp_path / "in" / "kapot.xml").write_bytes(b"geen xml")
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("iwmo", "import", str(tmp_path / "in"), stdout=out)
    assert exit_.value.code == 1  # one file could not be read
    files = {Path(f["file"]).name: f for f in json.loads(out.getvalue())["files"]}
    assert files["s.xml"]["status"] == MessageStatus.ACCEPTED
    assert files["s.xml"]["reply"].endswith(".xml")
    assert files["kapot.xml"]["status"] == MessageStatus.INVALID
    assert files["kapot.xml"]["errors"][0]["code"] == "XML"

    out = StringIO()
    call_command("iwmo", "import", str(tmp_path / "in"), stdout=out)  # nothing new: exit 0
    outcomes = {Path(f["file"]).name: f["outcome"] for f in json.loads(out.getvalue())["files"]}
    assert outcomes["s.xml"] == outcomes["kapot.xml"] == exchange.Outcome.DUPLICATE

    out = StringIO()
    call_command("iwmo", "export", "--region", "gm0106", "--out", str(tmp_path), stdout=out)
    assert json.loads(out.getvalue()) == {"written": [], "not_built": []}
    with pytest.raises(CommandError, match="unknown region 'Nergens'"):
        call_command("iwmo", "export", "--region", "Nergens", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("iwmo", "import", str(tmp_path / "bestaat-niet"))


def test_approved_declarations_appear_in_the_finance_figures(setup):
    from bwmo.finance import services as finance_services
    from tests.finance.test_finance import _params_text

    parameters = finance_services.parameter_set_upload(
        name="Septembercirculaire", text=_params_text(), user=None
    )
    today = timezone.localdate()
    message = Message.objects.create(
        direction=Direction.IN,
        message_type="WMO323",
        status=MessageStatus.PARTIAL,
        municipality=setup.assen,
        provider=setup.provider,
    )
    Declaration.objects.create(
        message=message,
        municipality=setup.assen,
        provider=setup.provider,
        number="D1",
        period_start=date(today.year, 1, 1),
        period_end=date(today.year, 1, 31),
        submitted_cents=500_000,
        approved_cents=398_713,
    )
    overview = finance_services.finance_overview(
        region=setup.region, parameter_set=parameters, today=today
    )
    row = next(r for r in overview.rows_for(today.year) if r.code == "GM0106")
    assert row.declared == Decimal("3987.13")


def test_leaving_the_opvang_ends_the_allocation_with_a_new_301(setup, tmp_path):
    person = mo_client(setup, days_ago=10)
    today = timezone.localdate()
    (first,) = _export(tmp_path).written
    (tp,) = parse_message(first.read_bytes()).toegewezen_producten
    assert (tp.einddatum, tp.omvang) == (None, m.Omvang(31, "14", "4"))  # open-ended: per month
    stay = Stay.objects.get(client=person)
    care_services.stay_end(
        stay=stay,
        expected_version=stay.version,
        end=today - timedelta(days=1),
        reason="zelfstandig",
    )
    (second,) = _export(tmp_path).written
    (tp,) = parse_message(second.read_bytes()).toegewezen_producten
    assert (tp.einddatum, tp.reden_wijziging) == (today - timedelta(days=1), "05")
    assert tp.omvang == m.Omvang(7, "14", "2")
    assert validate_message(second.read_bytes(), XSD_DIR, today=today).valid


def test_a_withdrawn_stop_lets_the_stay_go_on(setup, tmp_path):
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    begin = indication.valid_from
    stay = care_services.stay_start(indication=indication, location=setup.assen, start=begin)
    _import(tmp_path, "s.xml", _start(client, indication, begin, "S1"))
    end = begin + timedelta(days=4)
    _import(tmp_path, "e.xml", _stop(client, indication, begin, end, "19", "E1"))
    stay.refresh_from_db()
    assert stay.end == end and Outflow.objects.filter(stay=stay).exists()

    withdrawal = aanbieder.build_wmo307(
        afzender=AGB,
        ontvanger="0106",
        identificatie="E2",
        dagtekening=timezone.localdate(),
        client=client_basis(client),
        stop_producten=[
            m.StopProduct(
                begin,
                "19",
                end,
                "3",
                indication.pk,
                m.Product("15", "BW001"),
                indication.valid_from,
            )
        ],
        xsd_dir=XSD_DIR,
    )
    result = _import(tmp_path, "w.xml", withdrawal)
    assert result.status == MessageStatus.ACCEPTED, result.errors
    stay.refresh_from_db()
    assert stay.end is None
    assert not Outflow.objects.current().filter(stay=stay).exists()
    # The end is history, not deleted: ended on `end` (zelfstandig), stop withdrawn since.
    (kept,) = Outflow.objects.filter(stay=stay)
    assert (kept.date, kept.reason) == (end, "zelfstandig")
    assert kept.withdrawn_at is not None and "WMO307" in kept.withdrawn_by
    assert stay.outflow is None

    # The provider sends the right stop: the stay ends again, with one outflow that counts.
    right = end + timedelta(days=2)
    _import(tmp_path, "r.xml", _stop(client, indication, begin, right, "19", "E3"))
    stay.refresh_from_db()
    assert stay.end == right
    assert stay.outflow is not None and stay.outflow.date == right
    assert Outflow.objects.filter(stay=stay).count() == 2


def test_a_request_for_a_client_registered_later_joins_the_dossier(setup, tmp_path, client):
    from django.urls import reverse

    from bwmo.clients import services as client_services
    from bwmo.clients.models import BrpKind

    stranger = m.ClientBasis(
        bsn="999990019",
        geboortedatum=m.Geboortedatum(date(1994, 4, 2)),
        geslacht="2",
        naam=m.Naam(m.Achternaam("Verzonnen"), voornamen="Iris"),
    )
    day = timezone.localdate()
    content = aanbieder.build_wmo315(
        afzender=AGB,
        ontvanger="0106",
        identificatie="V9",
        dagtekening=day,
        client=stranger,
        aangevraagde_producten=[
            m.AangevraagdProduct(
                referentie_aanbieder="VOT9",
                toewijzing_ingangsdatum=day + timedelta(days=7),
                toewijzing_einddatum=day + timedelta(days=100),
                verwijzer=m.Verwijzer("01", naam="Huisarts"),
                product=m.Product("15", "BW001"),
                omvang=m.Omvang(7, "14", "2"),
            )
        ],
        xsd_dir=XSD_DIR,
    )
    assert _import(tmp_path, "vot.xml", content).status == MessageStatus.ACCEPTED
    request = AllocationRequest.objects.get()
    assert request.client is None
    client.force_login(setup.users["toegang_assen"])
    page = client.get(reverse("messaging:request", args=[request.pk])).content.decode()
    assert "Nog niet bekend in bwmo" in page and "Iris Verzonnen" in page

    # Registering the person links the request (opening the page writes nothing).
    person = client_services.client_register(
        bsn="999990019",
        given_names="Iris",
        surname="Verzonnen",
        birth_date=date(1994, 4, 2),
        organisation=setup.org["assen"],
        brp=[
            {
                "municipality": setup.assen,
                "kind": BrpKind.WOONADRES,
                "valid_from": date(2010, 1, 1),
            }
        ],
    )
    request.refresh_from_db()
    assert request.client_id == person.pk
    page = client.get(reverse("messaging:request", args=[request.pk])).content.decode()
    request.refresh_from_db()
    assert request.client_id == person.pk
    assert reverse("clients:detail", args=[person.pseudonym]) in page
