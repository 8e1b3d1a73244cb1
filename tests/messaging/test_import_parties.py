"""A declaration (WMO323) whose sender bwmo does not know, or that names an allocation no
provider was ever sent, is refused as such through the real import."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from django.utils import timezone

from bwmo.clients import services as client_services
from bwmo.clients.models import BrpKind
from bwmo.iwmo import aanbieder
from bwmo.iwmo import model as m
from bwmo.messaging import exchange
from bwmo.messaging.models import Allocation, Declaration, Direction, Message, MessageStatus
from bwmo.organisations.models import Provider
from bwmo.toegang import services as toegang_services
from tests.factories import granted_client, test_bsn

from .conftest import XSD_DIR

pytestmark = pytest.mark.django_db

TARIEF = 12857  # the test contract's etmaal price in cents
FEB = (date(2024, 2, 1), date(2024, 2, 29))


def _wmo323(afzender: str, bsn: str, nummer: int) -> bytes:
    """One debit Prestatie of BW001 in February 2024 on allocation ``nummer``."""
    prestatie = m.Prestatie(
        referentie_nummer="R1",
        toewijzing_nummer=nummer,
        product_categorie="15",
        product_code="BW001",
        product_periode=m.GeslotenPeriode(*FEB),
        geleverd_volume=29,
        eenheid="14",
        ingediend_bedrag=m.Bedrag(29 * TARIEF, m.DEBET),
        product_tarief=TARIEF,
    )
    dag = FEB[1] + timedelta(days=1)
    return aanbieder.build_wmo323(
        afzender=afzender,
        ontvanger="0106",
        identificatie="D1",
        dagtekening=dag,
        declaratie=m.Declaratie(
            declaratie_nummer="DEC1",
            declaratie_periode=m.GeslotenPeriode(*FEB),
            declaratie_dagtekening=dag,
            totaal_ingediend_bedrag=m.Bedrag.van_waarde(29 * TARIEF),
            clienten=(m.DeclaratieClient(bsn, (prestatie,)),),
        ),
        xsd_dir=XSD_DIR,
    )


def _load(tmp_path, content: bytes):
    path = tmp_path / "declaratie.xml"
    path.write_bytes(content)
    result = exchange.import_file(path, today=date(2024, 3, 10))
    sha = hashlib.sha256(content).hexdigest()
    return result, Message.objects.get(direction=Direction.IN, sha256=sha)


def test_declaration_from_an_unknown_provider_is_refused_as_unknown(region_setup, tmp_path):
    """The municipality is known, the sender's AGB code is not: the import says so (and
    does not fail inside bwmo on the missing provider)."""
    client = granted_client(region_setup)
    allocation = Allocation.objects.get(client=client)
    assert not Provider.objects.filter(agb_code="73009999").exists()

    result, message = _load(tmp_path, _wmo323("73009999", client.bsn, allocation.number))

    assert result.status == message.status == MessageStatus.REJECTED
    assert [e["code"] for e in result.errors] == ["ONBEKEND"], result.errors
    assert "afzender (AGB-code)" in result.errors[0]["message"]
    assert result.reply is None  # no answer to a sender bwmo does not know
    assert not Declaration.objects.exists()


def test_prestatie_on_a_provisional_clients_allocation_is_unknown(region_setup, tmp_path):
    """A provisional client's allocation waits for the BSN and was never sent: to the
    provider its number is unknown (TR338), not another client's (TR304)."""
    setup = region_setup
    client = client_services.client_register_provisional(
        given_names="Kees",
        surname="",
        birth_year=1978,
        identifying_notes="Noemt zich Kees.",
        organisation=setup.org["opvang"],
        by=setup.users["opvang"],
        brp=[{"municipality": None, "kind": BrpKind.GEEN, "valid_from": date(2026, 1, 1)}],
    )
    toegang_services.mo_intake_record(
        client=client,
        user=setup.users["opvang"],
        organisation=setup.org["opvang"],
        centrumgemeente=setup.assen,
        provider=setup.opvang,
        intake_on=timezone.localdate() - timedelta(days=2),
        mo_type="nachtopvang",
        dakloos="ja",
        zelfredzaam="nee",
        regiobinding="onbekend",
        problem_areas=["huisvesting"],
        decision="toekenning",
        motivation="",
        location=setup.assen,
    )
    waiting = Allocation.objects.get(client=client)
    assert waiting.needs_sending and client.bsn is None

    result, message = _load(tmp_path, _wmo323(setup.opvang.agb_code, test_bsn(), waiting.number))

    codes = {e["code"] for e in result.errors}
    assert "TR338" in codes and "TR304" not in codes, result.errors
    assert result.status == message.status == MessageStatus.REJECTED
