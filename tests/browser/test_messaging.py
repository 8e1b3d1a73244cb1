"""The iWmo journeys in the browser: the contract manager sends allocations and reads what
providers send; the access worker answers a provider's request and changes an indication."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from bwmo.care.models import Indication
from bwmo.iwmo import aanbieder, validate_message
from bwmo.iwmo import model as m
from bwmo.messaging import exchange
from bwmo.messaging.models import Allocation, AllocationRequest, Message
from tests.factories import granted_client
from tests.messaging.conftest import client_basis

from .conftest import login, screenshot, url

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The files are built and read with the standard's XSDs (../shared/iwmo); CI has them.
    pytest.mark.skipif(
        not Path(settings.BWMO_IWMO_XSD_DIR).is_dir() and not os.environ.get("CI"),
        reason=f"iWmo XSDs not found at {settings.BWMO_IWMO_XSD_DIR} (BWMO_IWMO_XSD_DIR)",
    ),
]

AGB = "73000001"
TARIEF = 12857  # € 900 per week, per etmaal


def _305(client, indication, tmp_path):
    path = tmp_path / "start.xml"
    path.write_bytes(
        aanbieder.build_wmo305(
            afzender=AGB,
            ontvanger="0106",
            identificatie="S100",
            dagtekening=timezone.localdate(),
            client=client_basis(client),
            start_producten=[
                m.StartProduct(
                    begindatum=indication.valid_from,
                    status_aanlevering="1",
                    toewijzing_nummer=indication.pk,
                    product=m.Product("15", "BW001"),
                )
            ],
            xsd_dir=settings.BWMO_IWMO_XSD_DIR,
        )
    )
    return path


def _323_wrong_tariff(client, indication, tmp_path):
    """Last month's declaration when the allocation started then; else this month so far."""
    begin = indication.valid_from
    first = begin.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    volume = (last - begin).days + 1
    tarief = TARIEF + 150
    prestatie = m.Prestatie(
        referentie_nummer="P1",
        toewijzing_nummer=indication.pk,
        product_categorie="15",
        product_code="BW001",
        product_periode=m.GeslotenPeriode(begin, last),
        geleverd_volume=volume,
        eenheid="14",
        ingediend_bedrag=m.Bedrag(volume * tarief),
        product_tarief=tarief,
    )
    path = tmp_path / "declaratie.xml"
    path.write_bytes(
        aanbieder.build_wmo323(
            afzender=AGB,
            ontvanger="0106",
            identificatie="D100",
            dagtekening=timezone.localdate(),
            declaratie=m.Declaratie(
                declaratie_nummer="DEC100",
                declaratie_periode=m.GeslotenPeriode(first, last),
                declaratie_dagtekening=timezone.localdate(),
                totaal_ingediend_bedrag=m.Bedrag(volume * tarief),
                clienten=(m.DeclaratieClient(client.bsn, (prestatie,)),),
            ),
            xsd_dir=settings.BWMO_IWMO_XSD_DIR,
        )
    )
    return path, first, last


@pytest.mark.browser
def test_contract_manager_sends_the_allocation_and_reads_start_and_declaration(
    page: Page, live_server, region_setup, tmp_path, settings
):
    settings.DATA_DIR = tmp_path / "data"
    client = granted_client(region_setup)
    indication = Indication.objects.get(client=client)

    login(page, live_server, "contract")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Berichten").click()
    expect(page.get_by_role("heading", name="iWmo-berichten", exact=True)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="WMO301")).to_contain_text(
        "Klaar om te verzenden"
    )
    page.get_by_role("button", name="Berichten aanmaken").click()
    expect(page.get_by_role("alert").or_(page.locator(".messages"))).to_contain_text(
        "1 bericht aangemaakt"
    )
    row = page.get_by_role("row").filter(has_text="WMO301")
    expect(row).to_contain_text("Verzonden")
    screenshot(page, "messaging-inbox")

    # The allocation as the provider gets it: in the exchange folder, XSD-valid. Its page
    # shows no personal data, and the file is not offered to the contract manager's role.
    row.get_by_role("link", name="WMO301").click()
    expect(page.get_by_role("heading", name="WMO301 Toewijzing")).to_be_visible()
    expect(page.locator("body")).to_contain_text("niet te downloaden met uw rol")
    expect(page.locator("body")).not_to_contain_text(client.bsn)
    (written,) = (tmp_path / "data" / "iwmo" / "uit").glob("WMO301_*.xml")
    content = written.read_bytes()
    result = validate_message(content, settings.BWMO_IWMO_XSD_DIR, today=timezone.localdate())
    assert result.valid, result.errors
    assert result.bericht.toegewezen_producten[0].toewijzing_nummer == indication.pk

    # The provider's start, uploaded: accepted, and the indication is verzilverd.
    page.get_by_role("link", name="Terug naar de berichten").click()
    page.get_by_label("iWmo-bestand (XML)").set_input_files(str(_305(client, indication, tmp_path)))
    page.get_by_role("button", name="Inlezen").click()
    expect(page.get_by_role("heading", name="WMO305 Start zorg")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Goedgekeurd")
    expect(page.get_by_role("link", name="WMO306")).to_be_visible()
    indication.refresh_from_db()
    assert indication.started_on == indication.valid_from

    # A declaration with the wrong tariff: the line is rejected, with the rule.
    page.get_by_role("link", name="Terug naar de berichten").click()
    path, _first, _last = _323_wrong_tariff(client, indication, tmp_path)
    page.get_by_label("iWmo-bestand (XML)").set_input_files(str(path))
    page.get_by_role("button", name="Inlezen").click()
    expect(page.get_by_role("heading", name="WMO323 Declaratie")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Afgekeurd")
    findings = page.get_by_role("table").filter(has_text="Plaats in het bericht")
    expect(findings).to_contain_text("TR346")
    screenshot(page, "messaging-declaration-findings")

    page.get_by_role("link", name="Alle regels van deze aanbieder in deze maand").click()
    expect(page.get_by_role("row").filter(has_text="DEC100")).to_contain_text("afgewezen")
    expect(page.get_by_role("row").filter(has_text="DEC100")).to_contain_text("TR346")
    page.get_by_role("link", name="Terug naar de declaraties").click()
    month_row = page.get_by_role("row").filter(has_text="Stichting Testhuis")
    expect(month_row).to_contain_text("1 / 1")
    screenshot(page, "messaging-declarations")

    # Uploading the same file again is recognised.
    page.get_by_role("link", name="Terug naar de berichten").click()
    page.get_by_label("iWmo-bestand (XML)").set_input_files(str(path))
    page.get_by_role("button", name="Inlezen").click()
    expect(page.locator("body")).to_contain_text("al eerder ingelezen")
    assert Message.objects.filter(direction="in").count() == 2


@pytest.mark.browser
def test_access_worker_answers_a_request_and_changes_an_indication(
    page: Page, live_server, region_setup, tmp_path
):
    client = granted_client(region_setup)
    indication = Indication.objects.get(client=client)
    path = tmp_path / "verzoek.xml"
    dag = timezone.localdate()
    path.write_bytes(
        aanbieder.build_wmo315(
            afzender="73000002",
            ontvanger="0106",
            identificatie="V100",
            dagtekening=dag,
            client=client_basis(client),
            aangevraagde_producten=[
                m.AangevraagdProduct(
                    referentie_aanbieder="VOT100",
                    toewijzing_ingangsdatum=dag + timedelta(days=14),
                    toewijzing_einddatum=dag + timedelta(days=200),
                    verwijzer=m.Verwijzer("01", naam="Huisarts"),
                    product=m.Product("15", "BW001"),
                    omvang=m.Omvang(7, "14", "2"),
                )
            ],
            xsd_dir=settings.BWMO_IWMO_XSD_DIR,
        )
    )
    result = exchange.import_file(path, today=dag)
    assert result.status == "goedgekeurd", result.errors

    login(page, live_server, "toegang.assen")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Werkvoorraad"
    ).click()
    requests = page.get_by_role("region", name="Verzoeken van aanbieders")
    expect(requests).to_contain_text("Zorg Elders")
    requests.get_by_role("link", name="Verzoek om toewijzing").click()
    expect(page.get_by_role("heading", name="Verzoek om toewijzing")).to_be_visible()
    page.get_by_label("Afwijzen: antwoordbericht 'Verzoek afgewezen' (WMO319, code 1)").check()
    page.get_by_role("button", name="Antwoord klaarzetten").click()
    expect(page.locator(".field--error")).to_contain_text("Kies de reden van afwijzing")
    page.get_by_label("Afwijzen: antwoordbericht 'Verzoek afgewezen' (WMO319, code 1)").check()
    page.get_by_label("Reden van afwijzing").select_option(label="Geen contract")
    page.get_by_role("button", name="Antwoord klaarzetten").click()
    expect(page.locator("body")).to_contain_text("Het antwoord (WMO319) staat klaar")
    expect(page.locator(".facts")).to_contain_text("Afgewezen")
    screenshot(page, "messaging-request")
    request = AllocationRequest.objects.get()
    assert request.status == "afgewezen" and request.rejection_reason == "3"
    answer = Message.objects.get(message_type="WMO319")
    assert answer.payload == {"referentie": "VOT100", "antwoord": "1", "reden": "3"}

    # Shorten the indication: the provider gets a new WMO301 with the reason.
    page.goto(url(live_server, "clients:detail", pseudonym=client.pseudonym))
    page.get_by_role("link", name="Wijzigen of beëindigen").click()
    new_end = indication.valid_from + timedelta(days=100)
    page.get_by_label("Nieuwe einddatum").fill(new_end.isoformat())
    page.get_by_label("Reden (iWmo)").select_option(label="Herbeoordeling: verkorting")
    screenshot(page, "indication-change")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("body")).to_contain_text("De indicatie is gewijzigd")
    indication.refresh_from_db()
    assert indication.valid_to == new_end
    allocation = Allocation.objects.get(indication=indication)
    assert (allocation.end, allocation.reason_change, allocation.needs_sending) == (
        new_end,
        "05",
        True,
    )


@pytest.mark.browser
def test_a_refused_utf16_or_doctype_file_is_explained_on_the_screen(
    page: Page, live_server, region_setup, tmp_path, settings
):
    settings.DATA_DIR = tmp_path / "data"
    client = granted_client(region_setup)
    indication = Indication.objects.get(client=client)
    good = _305(client, indication, tmp_path).read_bytes()
    login(page, live_server, "contract")
    page.goto(url(live_server, "messaging:inbox"))

    utf16 = tmp_path / "start-utf16.xml"
    utf16.write_bytes(good.decode().encode("utf-16"))
    page.get_by_label("iWmo-bestand (XML)").set_input_files(str(utf16))
    page.get_by_role("button", name="Inlezen").click()
    expect(page.locator("body")).to_contain_text(
        "Het iWmo-bestand moet in UTF-8 zijn gecodeerd; dit bestand is UTF-16"
    )
    expect(page.locator(".facts")).to_contain_text("Ongeldig")
    screenshot(page, "messaging-refused-utf16")

    page.get_by_role("link", name="Terug naar de berichten").click()
    doctype = tmp_path / "start-doctype.xml"
    doctype.write_bytes(
        good.replace(b"?>", b'?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
    )
    page.get_by_label("iWmo-bestand (XML)").set_input_files(str(doctype))
    page.get_by_role("button", name="Inlezen").click()
    expect(page.locator("body")).to_contain_text("DOCTYPE-declaratie")
    expect(page.locator("body")).not_to_contain_text("root:")
    screenshot(page, "messaging-refused-doctype")
