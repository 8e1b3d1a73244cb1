"""Each business rule of an inbound iWmo message, broken on purpose, through the real import.

Every test imports a file with ``exchange.import_file`` into the test database and checks
four things: the rule's code is among the findings (on the FileResult and on the stored
Message), the message's status, that nothing of the broken part was applied, and the
retourcode in the retour message / WMO325 written next to the file. A correct message of
the same kind is imported too, so each test would fail if the rule did not bite.

Dates are fixed: ``granted_client`` grants BW001 from 20 days before the real date, so the
fixture moves the indication to a fixed period (an update of valid_from/valid_to) and lets
``allocation_queue`` bring its Allocation in line, as a change of the indication would.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta

import pytest
from lxml import etree
from stdnum.nl import bsn as stdnum_bsn

from bwmo.care.models import Financing, Indication
from bwmo.iwmo import aanbieder
from bwmo.iwmo import model as m
from bwmo.messaging import exchange
from bwmo.messaging.models import (
    AllocationRequest,
    Declaration,
    DeclarationLine,
    DeliveryEvent,
    Direction,
    Message,
    MessageStatus,
)
from bwmo.messaging.services import allocation_queue
from bwmo.organisations.models import Municipality
from tests.factories import RegionSetup, granted_client, test_bsn

from .conftest import XSD_DIR, client_basis, month_bounds

pytestmark = pytest.mark.django_db

AGB = "73000001"
ASSEN = "0106"
TARIEF = 12857  # € 900 per week = 12857 cent per etmaal
BW001 = m.Product("15", "BW001")
START, END = date(2024, 1, 15), date(2024, 12, 31)  # the allocation's fixed period
TODAY = date(2024, 3, 10)
FEB = (date(2024, 2, 1), date(2024, 2, 29))
TECHNISCH = m.RETOURCODE_TECHNISCH  # 0001: an in-message rule broken


# --- fixtures and builders ------------------------------------------------------------------


@pytest.fixture
def setup():
    return RegionSetup.create()


def pin(indication, start, end):
    """Move an indication to a fixed period; its allocation follows (a new 301 is queued)."""
    Indication.objects.filter(pk=indication.pk).update(valid_from=start, valid_to=end)
    indication.refresh_from_db()
    return allocation_queue(indication=indication)


@pytest.fixture
def granted(setup):
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    allocation = pin(indication, START, END)
    return client, indication, allocation


@pytest.fixture
def second_allocation(setup, granted):
    """A second current allocation of the same client at the same provider: BW004 (cat 18)."""
    client, indication, _ = granted
    other = Indication.objects.create(
        client=client,
        melding=indication.melding,
        product=setup.products["BW004"],
        financing=Financing.ZIN,
        provider=setup.provider,
        responsible_municipality=setup.assen,
        valid_from=START,
        valid_to=END,
    )
    return allocation_queue(indication=other)


def load(tmp_path, name, content, today=TODAY):
    """Import one file; the FileResult and the stored inbound Message."""
    path = tmp_path / name
    path.write_bytes(content)
    result = exchange.import_file(path, today=today)
    sha = hashlib.sha256(content).hexdigest()
    return result, Message.objects.get(direction=Direction.IN, sha256=sha)


def codes(findings) -> set[str]:
    return {e["code"] for e in findings}


def retour_codes(result, *, header=False) -> list[str]:
    """RetourCodes in the answer written next to the imported file (Header only if asked)."""
    assert result.reply is not None and result.reply.parent == result.file.parent
    root = etree.fromstring(result.reply.read_bytes())
    where = "/*/*[local-name()='Header']" if header else "/"
    return root.xpath(f"{where}//*[local-name()='RetourCode']/text()")


def assert_refused(result, message, rule, retourcode, status=MessageStatus.REJECTED):
    assert rule in codes(result.errors), result.errors
    assert rule in codes(message.errors)
    assert result.status == message.status == status
    if retourcode:
        assert retourcode in retour_codes(result)
        assert retourcode in message.retour_codes


def assert_accepted(result):
    assert result.status == MessageStatus.ACCEPTED, result.errors


def basis(client, bsn=None):
    b = client_basis(client)
    return replace(b, bsn=bsn) if bsn else b


def start(nummer, begin, status="1"):
    return m.StartProduct(begin, status, nummer, BW001)


def stop(nummer, begin, end, status="1", reden="02"):
    return m.StopProduct(begin, reden, end, status, nummer, BW001)


def wmo305(client, *producten, ident="S1", dag=TODAY, bsn=None, ontvanger=ASSEN):
    return aanbieder.build_wmo305(
        afzender=AGB,
        ontvanger=ontvanger,
        identificatie=ident,
        dagtekening=dag,
        client=basis(client, bsn),
        start_producten=producten,
        xsd_dir=XSD_DIR,
    )


def wmo307(client, *producten, ident="E1", dag=TODAY):
    return aanbieder.build_wmo307(
        afzender=AGB,
        ontvanger=ASSEN,
        identificatie=ident,
        dagtekening=dag,
        client=basis(client),
        stop_producten=producten,
        xsd_dir=XSD_DIR,
    )


def aangevraagd(ref, product=BW001, begin=date(2024, 4, 1)):
    return m.AangevraagdProduct(
        referentie_aanbieder=ref,
        toewijzing_ingangsdatum=begin,
        toewijzing_einddatum=begin + timedelta(days=180),
        verwijzer=m.Verwijzer("01", naam="Wijkteam"),
        product=product,
        omvang=m.Omvang(7, "14", "2"),
    )


def wmo315(client_b, *producten, ident="V1", dag=TODAY):
    return aanbieder.build_wmo315(
        afzender=AGB,
        ontvanger=ASSEN,
        identificatie=ident,
        dagtekening=dag,
        client=client_b,
        aangevraagde_producten=producten,
        xsd_dir=XSD_DIR,
    )


def wmo317(bsn, *, ongewijzigd=(), te_wijzigen=(), ref="VOW1", ident="W1", dag=TODAY):
    return aanbieder.build_wmo317(
        afzender=AGB,
        ontvanger=ASSEN,
        identificatie=ident,
        dagtekening=dag,
        bsn=bsn,
        verzoek=m.Verzoek(
            referentie_aanbieder=ref,
            reden_verzoek="2",
            ongewijzigde_producten=tuple(ongewijzigd),
            te_wijzigen_producten=tuple(te_wijzigen),
        ),
        xsd_dir=XSD_DIR,
    )


def verlengen(allocation, einddatum=date(2025, 6, 30)):
    return m.TeWijzigenProduct(
        toewijzing_nummer=allocation.number,
        gewenste_ingangsdatum=allocation.start,
        einddatum=einddatum,
        omvang=m.Omvang(7, "14", "2"),
    )


def prestatie(nummer, periode=FEB, volume=29, *, ref="R1", bedrag=None, product=BW001, credit=None):
    """A debit Prestatie at the contract tariff, or a credit of ``credit`` (its reference)."""
    return m.Prestatie(
        referentie_nummer=ref,
        toewijzing_nummer=nummer,
        product_categorie=product.categorie,
        product_code=product.code,
        product_periode=m.GeslotenPeriode(*periode),
        geleverd_volume=volume,
        eenheid="14",
        ingediend_bedrag=m.Bedrag(
            volume * TARIEF if bedrag is None else bedrag, m.CREDIT if credit else m.DEBET
        ),
        product_tarief=TARIEF,
        vorig_referentie_nummer=credit,
    )


def wmo323(clienten, *, month=FEB, periode=None, nr="DEC1", ident="D1"):
    """``clienten``: (bsn, [Prestatie, ...]) pairs; the declaration covers ``month``."""
    first, last = periode or month_bounds(month[0])
    dag = month_bounds(month[0])[1] + timedelta(days=1)
    totaal = sum(p.ingediend_bedrag.waarde for _, ps in clienten for p in ps)
    return aanbieder.build_wmo323(
        afzender=AGB,
        ontvanger=ASSEN,
        identificatie=ident,
        dagtekening=dag,
        declaratie=m.Declaratie(
            declaratie_nummer=nr,
            declaratie_periode=m.GeslotenPeriode(first, last),
            declaratie_dagtekening=dag,
            totaal_ingediend_bedrag=m.Bedrag.van_waarde(totaal),
            clienten=tuple(m.DeclaratieClient(bsn, tuple(ps)) for bsn, ps in clienten),
        ),
        xsd_dir=XSD_DIR,
    )


def failing_11_proof(bsn: str) -> str:
    """The test-range BSN with another last digit: 9 digits that fail the 11-proof."""
    bad = bsn[:8] + str((int(bsn[8]) + 1) % 10)
    assert not stdnum_bsn.is_valid(bad) and "999900006" <= bad <= "999999990"
    return bad


def started_on(indication):
    indication.refresh_from_db()
    return indication.started_on


# --- 1. BSN 11-proof (CS002) ----------------------------------------------------------------


def test_bsn_failing_the_11_proof_is_rejected(granted, tmp_path):
    client, indication, allocation = granted
    bad_bsn = failing_11_proof(client.bsn)

    r, msg = load(tmp_path, "bsn.xml", wmo305(client, start(allocation.number, START), bsn=bad_bsn))
    assert_refused(r, msg, "CS002", TECHNISCH)
    assert retour_codes(r, header=True) == [TECHNISCH]
    assert started_on(indication) is None and not DeliveryEvent.objects.exists()

    r, _ = load(tmp_path, "goed.xml", wmo305(client, start(allocation.number, START), ident="S2"))
    assert_accepted(r)
    assert started_on(indication) == START


def test_bsn_failing_the_11_proof_in_a_declaration_approves_nothing(granted, tmp_path):
    """An in-message rule (0001) rejects the whole message (IV028): the other client's
    Prestatie is not approved either, and the 325 says so."""
    client, _, allocation = granted
    bad_bsn = failing_11_proof(test_bsn())
    content = wmo323(
        [
            (client.bsn, [prestatie(allocation.number)]),
            (bad_bsn, [prestatie(allocation.number, ref="R2")]),
        ]
    )
    r, msg = load(tmp_path, "d.xml", content)
    assert_refused(r, msg, "CS002", TECHNISCH)
    assert retour_codes(r, header=True) == [TECHNISCH]
    assert Declaration.objects.get().approved_cents == 0
    assert not DeclarationLine.objects.filter(approved=True).exists()


# --- 2. municipality code (TR378) -----------------------------------------------------------


def test_unknown_municipality_code_is_rejected(granted, tmp_path):
    client, indication, allocation = granted
    assert not Municipality.objects.filter(code="GM9999").exists()

    r, msg = load(
        tmp_path, "gm.xml", wmo305(client, start(allocation.number, START), ontvanger="9999")
    )
    assert_refused(r, msg, "TR378", "S300")
    assert retour_codes(r, header=True) == ["S300"]
    assert started_on(indication) is None and not DeliveryEvent.objects.exists()

    r, _ = load(tmp_path, "goed.xml", wmo305(client, start(allocation.number, START), ident="S2"))
    assert_accepted(r)


# --- 3. BerichtIdentificatie unique per sender and message type (TR056) ---------------------


def test_berichtidentificatie_used_twice_is_rejected(setup, granted, tmp_path):
    client, _, allocation = granted
    r, _ = load(tmp_path, "a.xml", wmo305(client, start(allocation.number, START), ident="S1"))
    assert_accepted(r)

    other = granted_client(setup)
    other_indication = Indication.objects.get(client=other)
    other_allocation = pin(other_indication, START, END)
    content = wmo305(other, start(other_allocation.number, START), ident="S1")
    r, msg = load(tmp_path, "b.xml", content)
    assert_refused(r, msg, "TR056", "9056")
    assert retour_codes(r, header=True) == ["9056"]
    assert started_on(other_indication) is None
    assert not DeliveryEvent.objects.filter(allocation=other_allocation).exists()

    content = wmo305(other, start(other_allocation.number, START), ident="S2")
    r, _ = load(tmp_path, "c.xml", content)
    assert_accepted(r)
    assert started_on(other_indication) == START


# --- 4. Dagtekening in the future (TR135) ---------------------------------------------------


def test_dagtekening_in_the_future_is_rejected(granted, tmp_path):
    client, indication, allocation = granted
    content = wmo305(client, start(allocation.number, START), dag=TODAY + timedelta(days=1))
    r, msg = load(tmp_path, "toekomst.xml", content)
    assert_refused(r, msg, "TR135", "8848")
    assert retour_codes(r, header=True) == ["8848"]
    assert started_on(indication) is None and not DeliveryEvent.objects.exists()

    r, _ = load(tmp_path, "goed.xml", wmo305(client, start(allocation.number, START), ident="S2"))
    assert_accepted(r)


# --- 5. start and stop sequence -------------------------------------------------------------


def test_start_on_unknown_toewijzingnummer_is_rejected(granted, tmp_path):
    client, indication, allocation = granted
    r, msg = load(tmp_path, "onbekend.xml", wmo305(client, start(allocation.number + 1000, START)))
    assert_refused(r, msg, "TR019", "9019")
    assert not DeliveryEvent.objects.exists() and started_on(indication) is None

    r, _ = load(tmp_path, "goed.xml", wmo305(client, start(allocation.number, START), ident="S2"))
    assert_accepted(r)


def test_second_start_while_the_first_is_not_stopped_is_rejected(granted, tmp_path):
    client, indication, allocation = granted
    r, _ = load(tmp_path, "eerste.xml", wmo305(client, start(allocation.number, START)))
    assert_accepted(r)
    later = date(2024, 2, 1)
    r, msg = load(
        tmp_path, "tweede.xml", wmo305(client, start(allocation.number, later), ident="S2")
    )
    assert_refused(r, msg, "TR326", "9326")
    assert DeliveryEvent.objects.filter(begin=later).count() == 0
    assert started_on(indication) == START


def test_same_start_reported_again_is_rejected(granted, tmp_path):
    client, _, allocation = granted
    r, first_msg = load(tmp_path, "eerste.xml", wmo305(client, start(allocation.number, START)))
    assert_accepted(r)
    r, msg = load(tmp_path, "weer.xml", wmo305(client, start(allocation.number, START), ident="S2"))
    assert_refused(r, msg, "TR074", "9074")
    (event,) = DeliveryEvent.objects.all()
    assert event.message == first_msg and not event.withdrawn


def test_stop_with_einddatum_before_begindatum_is_rejected(granted, tmp_path):
    client, _, allocation = granted
    r, _ = load(tmp_path, "start.xml", wmo305(client, start(allocation.number, START)))
    assert_accepted(r)

    wrong = stop(allocation.number, START, START - timedelta(days=1))
    r, msg = load(tmp_path, "stop.xml", wmo307(client, wrong))
    assert_refused(r, msg, "TR018", TECHNISCH)
    assert retour_codes(r, header=True) == [TECHNISCH]
    assert not DeliveryEvent.objects.filter(kind=DeliveryEvent.Kind.STOP).exists()

    r, _ = load(
        tmp_path, "goed.xml", wmo307(client, stop(allocation.number, START, TODAY), ident="E2")
    )
    assert_accepted(r)
    assert DeliveryEvent.objects.filter(kind=DeliveryEvent.Kind.STOP).count() == 1


def test_stop_deletion_without_an_earlier_stop_is_rejected(granted, tmp_path):
    client, _, allocation = granted
    r, _ = load(tmp_path, "start.xml", wmo305(client, start(allocation.number, START)))
    assert_accepted(r)

    weg = stop(allocation.number, START, TODAY, status="3")
    r, msg = load(tmp_path, "weg.xml", wmo307(client, weg))
    assert_refused(r, msg, "TR063", "9063")
    assert not DeliveryEvent.objects.filter(kind=DeliveryEvent.Kind.STOP).exists()

    # the correct order: the stop, then its deletion
    r, _ = load(
        tmp_path, "stop.xml", wmo307(client, stop(allocation.number, START, TODAY), ident="E2")
    )
    assert_accepted(r)
    r, _ = load(tmp_path, "weg2.xml", wmo307(client, weg, ident="E3"))
    assert_accepted(r)
    (event,) = DeliveryEvent.objects.filter(kind=DeliveryEvent.Kind.STOP)
    assert event.withdrawn


def test_partial_305_applies_only_the_good_start(granted, tmp_path):
    client, indication, allocation = granted
    content = wmo305(
        client, start(allocation.number, START), start(allocation.number + 1000, START)
    )
    r, msg = load(tmp_path, "deels.xml", content)
    assert_refused(r, msg, "TR019", "9019", status=MessageStatus.PARTIAL)
    assert retour_codes(r, header=True) == [m.RETOURCODE_GOED]
    (event,) = DeliveryEvent.objects.all()
    assert event.allocation == allocation and event.message == msg
    assert started_on(indication) == START


def test_in_message_finding_on_one_start_applies_nothing(granted, tmp_path):
    """A Begindatum after the Dagtekening (TR134, 0001) rejects the whole 305: the other
    StartProduct, on an unknown allocation, is neither applied nor left to crash the import."""
    client, indication, allocation = granted
    content = wmo305(
        client,
        start(allocation.number, TODAY + timedelta(days=1)),
        start(allocation.number + 1000, START),
    )
    r, msg = load(tmp_path, "technisch.xml", content)
    assert_refused(r, msg, "TR134", TECHNISCH)
    assert retour_codes(r, header=True) == [TECHNISCH]
    assert not DeliveryEvent.objects.exists() and started_on(indication) is None


# --- 6. declaration period one calendar month (CS340) ---------------------------------------


def test_declaration_period_not_one_calendar_month_is_rejected(granted, tmp_path):
    client, _, allocation = granted
    half = (date(2024, 2, 1), date(2024, 2, 15))
    content = wmo323([(client.bsn, [prestatie(allocation.number, half, 15)])], periode=half)
    r, msg = load(tmp_path, "halve-maand.xml", content)
    assert_refused(r, msg, "CS340", TECHNISCH)
    assert retour_codes(r, header=True) == [TECHNISCH]
    assert Declaration.objects.get().approved_cents == 0
    assert not DeclarationLine.objects.filter(approved=True).exists()

    r, _ = load(
        tmp_path,
        "goed.xml",
        wmo323([(client.bsn, [prestatie(allocation.number, ref="R2")])], nr="DEC2", ident="D2"),
    )
    assert_accepted(r)


# --- 7. the Prestatie against its allocation (TR338, TR339/TR340, TR307/TR308) ------------


def _declare_wrong_then_right(tmp_path, wrong, right, rule, retourcode, today=TODAY):
    r, msg = load(tmp_path, "fout.xml", wrong, today=today)
    assert_refused(r, msg, rule, retourcode)
    declaration = Declaration.objects.get(message=msg)
    assert declaration.approved_cents == 0
    assert not declaration.lines.filter(approved=True).exists()
    assert retour_codes(r, header=True) == [m.RETOURCODE_GOED]  # the Prestatie carries it
    r, msg = load(tmp_path, "goed.xml", right, today=max(today, TODAY))
    assert_accepted(r)
    assert Declaration.objects.get(message=msg).approved_cents > 0


def test_prestatie_on_unknown_allocation_is_rejected(granted, tmp_path):
    client, _, allocation = granted
    wrong = wmo323([(client.bsn, [prestatie(allocation.number + 1000)])])
    right = wmo323([(client.bsn, [prestatie(allocation.number, ref="R2")])], nr="DEC2", ident="D2")
    _declare_wrong_then_right(tmp_path, wrong, right, "TR338", "9338")


def test_prestatie_with_another_product_than_allocated_is_rejected(
    granted, second_allocation, tmp_path
):
    client, _, allocation = granted
    # BW001 (category 15) declared on the BW004 (category 18) allocation
    wrong = wmo323([(client.bsn, [prestatie(second_allocation.number)])])
    right = wmo323([(client.bsn, [prestatie(allocation.number, ref="R2")])], nr="DEC2", ident="D2")
    _declare_wrong_then_right(tmp_path, wrong, right, "TR339", "9339")
    line = DeclarationLine.objects.get(allocation_number=second_allocation.number)
    assert {"9339", "9340"} <= set(line.codes)


@pytest.mark.parametrize(
    ("month", "rule", "retourcode"),
    [
        ((date(2023, 12, 1), date(2023, 12, 31)), "TR307", "9307"),  # before 15 January 2024
        ((date(2025, 1, 1), date(2025, 1, 31)), "TR308", "9308"),  # after 31 December 2024
    ],
)
def test_prestatie_outside_the_allocation_is_rejected(granted, tmp_path, month, rule, retourcode):
    client, _, allocation = granted
    today = month[1] + timedelta(days=10)
    wrong = wmo323([(client.bsn, [prestatie(allocation.number, month, 31)])], month=month)
    right = wmo323([(client.bsn, [prestatie(allocation.number, ref="R2")])], nr="DEC2", ident="D2")
    _declare_wrong_then_right(tmp_path, wrong, right, rule, retourcode, today=today)


def test_partial_323_approves_only_the_good_prestatie(granted, tmp_path):
    client, _, allocation = granted
    good = prestatie(allocation.number)
    content = wmo323([(client.bsn, [good, prestatie(allocation.number + 1000, ref="R2")])])
    r, msg = load(tmp_path, "deels.xml", content)
    assert_refused(r, msg, "TR338", "9338", status=MessageStatus.PARTIAL)
    declaration = Declaration.objects.get()
    assert declaration.approved_cents == good.ingediend_bedrag.waarde
    assert dict(declaration.lines.values_list("reference", "approved")) == {
        "R1": True,
        "R2": False,
    }
    assert m.RETOURCODE_VOLLEDIG_TOEGEWEZEN not in retour_codes(r)


def test_in_message_finding_on_one_prestatie_still_cross_checks_the_other(granted, tmp_path):
    """A wrong amount (TR346, retourcode 9346) rejects only its own Prestatie; the other one
    must still be checked against the allocations, not approved unchecked."""
    client, _, allocation = granted
    content = wmo323(
        [
            (
                client.bsn,
                [
                    prestatie(allocation.number, bedrag=29 * TARIEF + 1),
                    prestatie(allocation.number + 1000, ref="R2"),
                ],
            )
        ]
    )
    r, msg = load(tmp_path, "d.xml", content)
    assert {"TR346", "TR338"} <= codes(r.errors)
    assert r.status == msg.status == MessageStatus.REJECTED
    assert Declaration.objects.get().approved_cents == 0
    assert not DeclarationLine.objects.filter(approved=True).exists()
    assert {"9346", "9338"} <= set(retour_codes(r))


# --- 8. delivered volume beyond the allocated volume (TR322) ---------------------------------


def test_total_volume_beyond_the_allocation_is_rejected(granted, tmp_path):
    """One ISO week allocated (29 January - 4 February 2024: 7 etmalen in all); January may
    hold 7 and February 7 on their own (TR321), but together no more than 7."""
    client, indication, allocation = granted
    allocation = pin(indication, date(2024, 1, 29), date(2024, 2, 4))
    jan = (date(2024, 1, 29), date(2024, 1, 31))
    r, _ = load(
        tmp_path,
        "jan.xml",
        wmo323([(client.bsn, [prestatie(allocation.number, jan, 3)])], month=jan),
    )
    assert_accepted(r)

    feb = (date(2024, 2, 1), date(2024, 2, 4))
    wrong = wmo323(
        [(client.bsn, [prestatie(allocation.number, feb, 5, ref="R2")])], nr="DEC2", ident="D2"
    )
    right = wmo323(
        [(client.bsn, [prestatie(allocation.number, feb, 4, ref="R3")])], nr="DEC3", ident="D3"
    )
    _declare_wrong_then_right(tmp_path, wrong, right, "TR322", "9322")
    assert "TR321" not in codes(Message.objects.get(filename="fout.xml").errors)


# --- 9. IngediendBedrag = volume x contract tariff (TR346) ------------------------------------


def test_amount_not_volume_times_tariff_is_rejected(granted, tmp_path):
    client, _, allocation = granted
    wrong = wmo323([(client.bsn, [prestatie(allocation.number, bedrag=29 * TARIEF + 1)])])
    right = wmo323([(client.bsn, [prestatie(allocation.number, ref="R2")])], nr="DEC2", ident="D2")
    _declare_wrong_then_right(tmp_path, wrong, right, "TR346", "9346")


# --- 10. DeclaratieNummer unique for the provider (TR333) -------------------------------------


def test_declaratienummer_used_twice_is_rejected(granted, tmp_path):
    client, _, allocation = granted
    r, _ = load(tmp_path, "feb.xml", wmo323([(client.bsn, [prestatie(allocation.number)])]))
    assert_accepted(r)

    mar = (date(2024, 3, 1), date(2024, 3, 31))
    today = date(2024, 4, 10)
    wrong = wmo323(
        [(client.bsn, [prestatie(allocation.number, mar, 31, ref="R2")])], month=mar, ident="D2"
    )
    right = wmo323(
        [(client.bsn, [prestatie(allocation.number, mar, 31, ref="R3")])],
        month=mar,
        nr="DEC3",
        ident="D3",
    )
    r, msg = load(tmp_path, "fout.xml", wrong, today=today)
    assert_refused(r, msg, "TR333", "9333")
    assert Declaration.objects.get(message=msg).approved_cents == 0
    assert not DeclarationLine.objects.filter(reference="R2", approved=True).exists()
    r, _ = load(tmp_path, "goed.xml", right, today=today)
    assert_accepted(r)


# --- 11. credit without an earlier approved debit (TR323) -------------------------------------


@pytest.mark.parametrize("earlier_debit", ["geen", "afgekeurd"])
def test_credit_without_an_approved_debit_is_rejected(granted, tmp_path, earlier_debit):
    client, _, allocation = granted
    if earlier_debit == "afgekeurd":  # R1 exists but was rejected (a wrong amount)
        bad = prestatie(allocation.number, bedrag=29 * TARIEF + 1)
        r, _ = load(tmp_path, "debet.xml", wmo323([(client.bsn, [bad])], ident="D0", nr="DEC0"))
        assert r.status == MessageStatus.REJECTED
    credit = prestatie(allocation.number, ref="C1", credit="R1")
    r, msg = load(tmp_path, "credit.xml", wmo323([(client.bsn, [credit])]))
    assert_refused(r, msg, "TR323", "8017")
    assert Declaration.objects.get(message=msg).approved_cents == 0
    assert not DeclarationLine.objects.filter(reference="C1", approved=True).exists()

    # an approved debit, then its credit
    r, _ = load(
        tmp_path,
        "debet-goed.xml",
        wmo323([(client.bsn, [prestatie(allocation.number, ref="R2")])], nr="DEC2", ident="D2"),
    )
    assert_accepted(r)
    credit = prestatie(allocation.number, ref="C2", credit="R2")
    r, msg = load(
        tmp_path, "credit-goed.xml", wmo323([(client.bsn, [credit])], nr="DEC3", ident="D3")
    )
    assert_accepted(r)
    assert Declaration.objects.get(message=msg).approved_cents == -29 * TARIEF


# --- 12. requests: ReferentieAanbieder (TR347) and an open request (TR374) --------------------


def test_315_with_a_reference_used_before_is_rejected(granted, tmp_path):
    client, _, _ = granted
    r, _ = load(tmp_path, "eerste.xml", wmo315(basis(client), aangevraagd("VOT1")))
    assert_accepted(r)

    other = replace(basis(client), bsn=test_bsn())  # another client asks, same reference
    r, msg = load(tmp_path, "fout.xml", wmo315(other, aangevraagd("VOT1"), ident="V2"))
    assert_refused(r, msg, "TR347", "9347")
    assert not AllocationRequest.objects.filter(bsn=other.bsn).exists()

    r, _ = load(tmp_path, "goed.xml", wmo315(other, aangevraagd("VOT2"), ident="V3"))
    assert_accepted(r)
    assert AllocationRequest.objects.get(bsn=other.bsn).reference == "VOT2"


def test_partial_315_applies_only_the_good_request(granted, tmp_path):
    client, _, _ = granted
    r, _ = load(tmp_path, "eerste.xml", wmo315(basis(client), aangevraagd("VOT1")))
    assert_accepted(r)

    other = replace(basis(client), bsn=test_bsn())
    content = wmo315(
        other,
        aangevraagd("VOT2"),
        aangevraagd("VOT1", m.Product("18", "BW004")),
        ident="V2",
    )
    r, msg = load(tmp_path, "deels.xml", content)
    assert_refused(r, msg, "TR347", "9347", status=MessageStatus.PARTIAL)
    (request,) = AllocationRequest.objects.filter(bsn=other.bsn)
    assert request.reference == "VOT2" and request.message == msg


def test_second_315_while_a_request_is_open_is_rejected(granted, tmp_path):
    client, _, _ = granted
    r, _ = load(tmp_path, "eerste.xml", wmo315(basis(client), aangevraagd("VOT1")))
    assert_accepted(r)

    r, msg = load(tmp_path, "tweede.xml", wmo315(basis(client), aangevraagd("VOT2"), ident="V2"))
    assert_refused(r, msg, "TR374", "9374")
    assert not AllocationRequest.objects.filter(reference="VOT2").exists()

    # once the first request is answered, the next one is welcome
    AllocationRequest.objects.filter(reference="VOT1").update(
        status=AllocationRequest.Status.AFGEWEZEN
    )
    r, _ = load(tmp_path, "derde.xml", wmo315(basis(client), aangevraagd("VOT3"), ident="V3"))
    assert_accepted(r)


# --- 13. a 317 lists every current allocation (TR349) ----------------------------------------


def test_317_that_leaves_out_a_current_allocation_is_rejected(granted, second_allocation, tmp_path):
    client, _, allocation = granted
    r, msg = load(tmp_path, "fout.xml", wmo317(client.bsn, te_wijzigen=[verlengen(allocation)]))
    assert_refused(r, msg, "TR349", "9349")
    assert not AllocationRequest.objects.exists()

    content = wmo317(
        client.bsn,
        ongewijzigd=[second_allocation.number],
        te_wijzigen=[verlengen(allocation)],
        ref="VOW2",
        ident="W2",
    )
    r, msg = load(tmp_path, "goed.xml", content)
    assert_accepted(r)
    request = AllocationRequest.objects.get()
    assert (request.kind, request.message) == (AllocationRequest.Kind.WIJZIGING, msg)


# --- a stop after a start, both naming the product -------------------------------------------


def test_stop_repeating_the_start_key_is_accepted(granted, tmp_path):
    """TR382: the stop repeats the start's key elements (here with the Product)."""
    client, _, allocation = granted
    r, _ = load(tmp_path, "start.xml", wmo305(client, start(allocation.number, START)))
    assert_accepted(r)
    r, _ = load(tmp_path, "stop.xml", wmo307(client, stop(allocation.number, START, TODAY)))
    assert_accepted(r)
    assert DeliveryEvent.objects.filter(kind=DeliveryEvent.Kind.STOP).count() == 1
