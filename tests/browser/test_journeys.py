"""The main user journeys, clicked through in a real browser against the live server."""

import re
from datetime import date, timedelta

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import Page, expect
from stdnum.nl import bsn as bsn_checker

from bwmo.audit.models import AccessLogEntry
from bwmo.care.models import Indication, Outflow, Stay
from bwmo.clients.models import Client
from bwmo.rules.deadlines import onderzoek_deadline
from bwmo.toegang import services as toegang_services
from bwmo.toegang.models import CaseEvent, Melding
from tests import factories

from .conftest import login, logout, screenshot, url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# --- small page helpers -------------------------------------------------------------------


def nav_link(page: Page, name: str):
    return page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name=name)


def status_badge(page: Page):
    return page.get_by_role("heading", level=1).locator(".badge--status")


def timeline(page: Page):
    return page.get_by_role("region", name="Verloop").get_by_role("listitem")


def current_step(page: Page):
    return page.get_by_role("list", name="Voortgang").locator("[aria-current=step]")


def exactly(label: str) -> re.Pattern:
    """A label matched as a whole; Django may render it with a trailing colon."""
    return re.compile(rf"^{re.escape(label)}:?$")


def field(page: Page, label: str):
    """The wrapper of one form field (label, input, help text and errors)."""
    return page.locator(".field").filter(has=page.get_by_label(exactly(label)))


def client_with_open_melding(setup, *, surname: str, received_on: date) -> Client:
    """A client of Assen (given name Jan) with an open BW melding at Assen."""
    client = factories.register_client(setup, surname=surname)
    toegang_services.melding_register(
        client=client,
        product_kind="BW",
        applied_to=setup.assen,
        received_on=received_on,
        summary="Hulpvraag",
        organisation=setup.org["assen"],
        user=setup.users["toegang_assen"],
    )
    return client


def iso(day: date) -> str:
    return day.isoformat()


def fill_client_form(
    page: Page,
    *,
    bsn: str,
    given: str,
    surname: str,
    birth: date,
    brp_kind: str,
    municipality: str = "Assen",
    since: date = date(2015, 3, 1),
) -> None:
    page.get_by_label(exactly("BSN")).fill(bsn)
    page.get_by_label("Voornamen").fill(given)
    page.get_by_label("Achternaam").fill(surname)
    page.get_by_label("Geboortedatum").fill(iso(birth))
    page.get_by_label("Gemeente van inschrijving (BRP)").select_option(label=municipality)
    page.get_by_label("Soort inschrijving").select_option(label=brp_kind)
    page.get_by_label("Ingeschreven sinds").fill(iso(since))


def register_client_via_ui(page: Page, *, bsn: str, given: str, surname: str, brp_kind: str):
    nav_link(page, "Cliënt registreren").click()
    expect(page.get_by_role("heading", name="Cliënt registreren", level=1)).to_be_visible()
    fill_client_form(
        page, bsn=bsn, given=given, surname=surname, birth=date(1986, 9, 23), brp_kind=brp_kind
    )
    page.get_by_role("button", name="Cliënt registreren").click()
    expect(page.get_by_role("status")).to_contain_text("De cliënt is geregistreerd.")
    expect(page.get_by_role("heading", name=f"{given} {surname}", level=1)).to_be_visible()


def save_step(page: Page, title: str) -> None:
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text(f"{title}: opgeslagen.")


# --- journey 1: from login to beschikking --------------------------------------------------


@pytest.mark.browser
def test_access_worker_takes_a_bw_melding_from_registration_to_beschikking(
    page: Page, live_server, region_setup
):
    today = timezone.localdate()
    bsn = factories.test_bsn()

    page.goto(live_server.url)  # not logged in: sent to the Dutch login page
    expect(page).to_have_url(re.compile(r"/inloggen/"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    login(page, live_server, "toegang.assen")

    register_client_via_ui(page, bsn=bsn, given="Femke", surname="Wolters", brp_kind="Woonadres")
    client = Client.objects.get(bsn=bsn)
    expect(page.get_by_role("region", name="BRP-inschrijvingen")).to_contain_text("Woonadres")
    expect(page.get_by_role("region", name="Meldingen en besluiten")).to_contain_text(
        "Nog geen meldingen."
    )

    page.get_by_role("link", name="Nieuwe melding BW").click()
    expect(page.get_by_role("heading", name="Nieuwe melding Beschermd Wonen")).to_be_visible()
    expect(page.get_by_label("Gemeld bij gemeente")).to_have_value(str(region_setup.assen.pk))
    expect(page.get_by_label("Datum melding")).to_have_value(today.strftime("%d-%m-%Y"))
    page.get_by_label("Hulpvraag").fill("Zoekt een beschermde woonplek na opname.")
    page.get_by_role("button", name="Melding registreren").click()

    expect(page.get_by_role("status")).to_contain_text("De melding is geregistreerd.")
    expect(status_badge(page)).to_have_text("Melding ontvangen")
    expect(current_step(page)).to_have_text("Melding")
    expect(timeline(page)).to_have_count(1)
    expect(timeline(page).first).to_contain_text("Melding geregistreerd")
    melding = Melding.objects.get(client=client)
    assert melding.status == "gemeld"

    # Onderzoek
    page.get_by_role("link", name="Onderzoek starten").click()
    expect(page.get_by_role("heading", name="Onderzoek starten", level=1)).to_be_visible()
    expect(page.get_by_label("Onderzoek gestart op")).to_have_value(today.strftime("%d-%m-%Y"))
    page.get_by_label("Datum keukentafelgesprek").fill(iso(today))
    page.get_by_label("Bevindingen").fill("Keukentafelgesprek gevoerd; woonvraag urgent.")
    save_step(page, "Onderzoek starten")
    expect(status_badge(page)).to_have_text("In onderzoek")
    expect(current_step(page)).to_have_text("Onderzoek")
    expect(timeline(page)).to_have_count(2)
    expect(timeline(page).nth(1)).to_contain_text("In onderzoek")
    expect(page.get_by_text("Keukentafelgesprek gevoerd; woonvraag urgent.")).to_be_visible()

    # Advies
    page.get_by_role("link", name="Advies vastleggen").click()
    expect(page.get_by_role("heading", name="Advies vastleggen", level=1)).to_be_visible()
    page.get_by_label("Geadviseerd product").select_option(label="BW Intramuraal")
    page.get_by_label(exactly("Advies")).fill("Beschermd wonen intramuraal voor een jaar.")
    page.get_by_label("De cliënt heeft het advies ondertekend").check()
    page.get_by_label("Ondertekend op").fill(iso(today))
    save_step(page, "Advies vastleggen")
    expect(status_badge(page)).to_have_text("Advies uitgebracht")
    expect(current_step(page)).to_have_text("Advies")
    expect(timeline(page)).to_have_count(3)
    expect(timeline(page).nth(2)).to_contain_text("Advies uitgebracht")

    # Aanvraag
    page.get_by_role("link", name="Aanvraag registreren").click()
    expect(page.get_by_role("heading", name="Aanvraag registreren", level=1)).to_be_visible()
    expect(page.get_by_label("Datum aanvraag")).to_have_value(today.strftime("%d-%m-%Y"))
    save_step(page, "Aanvraag registreren")
    expect(status_badge(page)).to_have_text("Aanvraag ontvangen")
    expect(current_step(page)).to_have_text("Aanvraag")
    expect(timeline(page)).to_have_count(4)
    expect(timeline(page).nth(3)).to_contain_text("Aanvraag ontvangen")

    # Beschikking: the grant fields appear once "Toekenning" is chosen.
    page.get_by_role("link", name="Beschikking vastleggen").click()
    expect(page.get_by_role("heading", name="Beschikking vastleggen", level=1)).to_be_visible()
    page.get_by_role("radio", name="Toekenning").check()
    grant = page.get_by_role("group", name="Toegekende voorziening")
    expect(grant).to_be_visible()
    grant.get_by_label(exactly("Product")).select_option(label="BW Intramuraal")
    grant.get_by_label("Financiering").select_option("ZIN")
    grant.get_by_label("Aanbieder").select_option(label="Stichting Testhuis")
    expect(grant.get_by_label("Ingangsdatum")).to_have_value(today.strftime("%d-%m-%Y"))
    grant.get_by_label("Einddatum").fill(iso(today + timedelta(days=365)))
    save_step(page, "Beschikking vastleggen")

    expect(status_badge(page)).to_have_text("Toegekend")
    expect(current_step(page)).to_have_text("Beschikking")
    expect(timeline(page)).to_have_count(5)
    expect(timeline(page).nth(4)).to_contain_text("Toegekend")
    expect(page.get_by_role("heading", name="Beschikking", level=2, exact=True)).to_be_visible()
    # A decided case offers no further steps.
    expect(page.get_by_role("link", name="Beschikking vastleggen")).to_have_count(0)
    screenshot(page, "journey1-melding-toegekend")

    page.get_by_role("link", name=re.compile("Naar het dossier van")).click()
    expect(page.get_by_role("heading", name="Femke Wolters", level=1)).to_be_visible()
    indications = page.get_by_role("region", name="Indicaties")
    row = indications.get_by_role("row").filter(has_text="BW Intramuraal")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Stichting Testhuis")
    expect(row).to_contain_text("ZIN")
    expect(row).to_contain_text("nog niet gestart")
    expect(page.get_by_role("region", name="Meldingen en besluiten")).to_contain_text("Toegekend")
    screenshot(page, "journey1-dossier")

    melding.refresh_from_db()
    assert melding.status == "toegekend"
    assert CaseEvent.objects.filter(melding=melding).count() == 5
    indication = Indication.objects.get(client=client)
    assert indication.product == region_setup.products["BW001"]
    assert indication.provider == region_setup.provider
    assert indication.financing == "ZIN"
    assert indication.melding == melding
    reads = AccessLogEntry.objects.filter(client_pseudonym=str(client.pseudonym))
    assert reads.filter(username="toegang.assen", what="dossier").exists()
    assert reads.filter(username="toegang.assen", what="melding").exists()


# --- journey 1b: the work list -----------------------------------------------------------


@pytest.mark.browser
def test_work_list_shows_open_meldingen_with_their_deadline(page: Page, live_server, region_setup):
    today = timezone.localdate()
    fresh = client_with_open_melding(
        region_setup, surname="Hofstede", received_on=today - timedelta(days=10)
    )
    client_with_open_melding(
        region_setup, surname="Lammers", received_on=today - timedelta(weeks=7)
    )

    login(page, live_server, "toegang.assen")
    nav_link(page, "Werkvoorraad").click()
    expect(page.get_by_role("heading", name="Werkvoorraad", level=1)).to_be_visible()
    summary = page.get_by_text("2 openstaande meldingen, waarvan 1 over de wettelijke termijn")
    expect(summary).to_be_visible()

    table = page.get_by_role("table", name="Openstaande meldingen, de meest urgente bovenaan")
    rows = table.locator("tbody").get_by_role("row")
    expect(rows).to_have_count(2)
    # Overdue first.
    expect(rows.nth(0)).to_contain_text("Jan Lammers")
    expect(rows.nth(0).locator(".badge--overdue")).to_have_text("7 dagen te laat")

    row = rows.nth(1)
    deadline = onderzoek_deadline(today - timedelta(days=10))
    with translation.override("nl"):
        deadline_text = formats.date_format(deadline, "j F Y")
    expect(row.get_by_role("link", name="Jan Hofstede")).to_be_visible()
    expect(row.locator(".badge--ok")).to_have_text(f"nog {(deadline - today).days} dagen")
    expect(row).to_contain_text(deadline_text)
    expect(row).to_contain_text("Melding ontvangen")
    expect(row).to_contain_text("Onderzoek starten")
    screenshot(page, "journey1b-werkvoorraad")

    row.get_by_role("link", name="Jan Hofstede").click()
    expect(page.get_by_role("heading", name=re.compile("Melding Beschermd"))).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/meldingen/{fresh.meldingen.get().pk}/$"))


# --- journey 2: MO intake by the opvanginstelling ----------------------------------------


@pytest.mark.browser
def test_opvang_worker_registers_mo_intake_and_ends_the_stay(page: Page, live_server, region_setup):
    today = timezone.localdate()
    bsn = factories.test_bsn()
    login(page, live_server, "opvang")

    register_client_via_ui(page, bsn=bsn, given="Ruben", surname="Kuipers", brp_kind="Briefadres")
    expect(page.get_by_role("region", name="BRP-inschrijvingen")).to_contain_text("Briefadres")

    page.get_by_role("link", name="MO-intake registreren").click()
    expect(page.get_by_role("heading", name="Intake maatschappelijke opvang")).to_be_visible()
    expect(page.get_by_label("Datum intake")).to_have_value(today.strftime("%d-%m-%Y"))
    page.get_by_label("Namens (centrumgemeente)").select_option(label="Assen")
    page.get_by_label("Soort opvang").select_option(label="Nachtopvang")
    page.get_by_label("Locatie (gemeente)").select_option(label="Assen")
    for question, answer in [
        ("Feitelijk of residentieel dakloos", "Ja"),
        ("Kan zich zelfstandig handhaven in de samenleving", "Nee"),
        ("Binding met de regio", "Ja"),
    ]:
        group = page.get_by_role("group", name=question)
        group.get_by_role("radio", name=answer, exact=True).check()
    areas = page.get_by_role("group", name="Leefgebieden met problemen")
    areas.get_by_label("Huisvesting").check()
    areas.get_by_label("Financiën").check()
    page.get_by_role("group", name="Besluit").get_by_role("radio", name="Toekenning").check()
    page.get_by_role("button", name="Intake vastleggen").click()

    expect(page.get_by_role("status")).to_contain_text("De MO-intake is vastgelegd.")
    expect(status_badge(page)).to_have_text("Toegekend")
    intake = page.locator(".card").filter(
        has=page.get_by_role("heading", name="MO-intake", level=2)
    )
    expect(intake).to_be_visible()
    expect(intake).to_contain_text("Opvang Testdorp")
    expect(intake).to_contain_text("Nachtopvang")
    expect(intake).to_contain_text("Financiën, Huisvesting")
    expect(timeline(page)).to_have_count(2)

    page.get_by_role("link", name=re.compile("Naar het dossier van")).click()
    stays = page.get_by_role("region", name="Verblijven en uitstroom")
    stay_row = stays.locator("tbody").get_by_role("row").filter(has_text="Nachtopvang")
    expect(stay_row).to_have_count(1)
    expect(stay_row).to_contain_text("Opvang Testdorp")
    expect(stay_row).to_contain_text("loopt")
    screenshot(page, "journey2-dossier-verblijf")

    stay_row.get_by_role("link", name="Beëindigen").click()
    expect(page.get_by_role("heading", name="Verblijf beëindigen")).to_be_visible()
    expect(page.get_by_label("Laatste dag van het verblijf")).to_have_value(
        today.strftime("%d-%m-%Y")
    )
    page.get_by_label("Reden van uitstroom").select_option(label="Zelfstandig wonen")
    page.get_by_role("button", name="Opslaan").click()

    expect(page.get_by_role("status")).to_contain_text("Het verblijf is beëindigd")
    expect(stay_row).to_contain_text("Zelfstandig wonen")
    expect(stay_row).not_to_contain_text("loopt")
    expect(stay_row.get_by_role("link", name="Beëindigen")).to_have_count(0)
    screenshot(page, "journey2-dossier-uitstroom")

    client = Client.objects.get(bsn=bsn)
    stay = Stay.objects.get(client=client)
    assert stay.end == today
    assert Outflow.objects.get(stay=stay).reason == "zelfstandig"
    assert Melding.objects.get(client=client).status == "toegekend"


# --- journey 3: bad input is refused in Dutch --------------------------------------------


@pytest.mark.browser
def test_invalid_registration_is_refused_in_dutch_and_nothing_is_saved(
    page: Page, live_server, region_setup
):
    invalid_bsn = "999999991"
    assert not bsn_checker.is_valid(invalid_bsn)
    login(page, live_server, "toegang.assen")
    page.goto(url(live_server, "clients:register"))

    fill_client_form(
        page,
        bsn=invalid_bsn,
        given="Sanne",
        surname="Veenstra",
        birth=date(1990, 1, 1),
        brp_kind="Woonadres",
    )
    page.get_by_role("button", name="Cliënt registreren").click()
    expect(page.get_by_role("alert")).to_contain_text("Het formulier is niet opgeslagen")
    bsn_errors = field(page, "BSN").locator(".errorlist")
    expect(bsn_errors).to_contain_text("elfproef")
    expect(bsn_errors).to_contain_text("Dit BSN is ongeldig")
    expect(page.get_by_label(exactly("BSN"))).to_have_value(invalid_bsn)
    assert not Client.objects.filter(bsn=invalid_bsn).exists()
    assert Client.objects.count() == 0
    screenshot(page, "journey3-elfproef")

    page.get_by_label(exactly("BSN")).fill(factories.test_bsn())
    page.get_by_label("Geboortedatum").fill(iso(timezone.localdate() + timedelta(days=30)))
    page.get_by_role("button", name="Cliënt registreren").click()
    expect(page.get_by_role("alert")).to_contain_text("Het formulier is niet opgeslagen")
    expect(field(page, "Geboortedatum").locator(".errorlist")).to_contain_text("toekomst")
    expect(field(page, "BSN").locator(".errorlist")).to_have_count(0)
    assert Client.objects.count() == 0


# --- journey 4: privacy between municipalities -------------------------------------------


@pytest.mark.browser
def test_other_municipality_gets_404_for_a_client_of_assen(page: Page, live_server, region_setup):
    client = client_with_open_melding(
        region_setup, surname="Brinkman", received_on=timezone.localdate()
    )
    melding = client.meldingen.get()

    login(page, live_server, "toegang.emmen")
    for address in (
        url(live_server, "clients:detail", client.pseudonym),
        url(live_server, "clients:edit", client.pseudonym),
        url(live_server, "toegang:detail", melding.pk),
    ):
        response = page.goto(address)
        assert response is not None
        assert response.status == 404, address
        expect(page.get_by_role("heading", level=1)).to_have_text(
            re.compile("niet gevonden", re.IGNORECASE)
        )
        content = page.content()
        assert "Brinkman" not in content
        assert client.bsn not in content

    assert not AccessLogEntry.objects.filter(
        client_pseudonym=str(client.pseudonym), username="toegang.emmen"
    ).exists()


# --- journey 5: the auditor asks who viewed a client -------------------------------------


@pytest.mark.browser
def test_auditor_sees_who_viewed_a_client(page: Page, live_server, region_setup):
    client = client_with_open_melding(
        region_setup, surname="Dijkstra", received_on=timezone.localdate()
    )

    login(page, live_server, "toegang.assen")
    nav_link(page, "Cliënt zoeken").click()
    page.get_by_label("BSN of naam").fill(client.bsn)
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Jan Dijkstra").click()
    expect(page.get_by_role("heading", name="Jan Dijkstra", level=1)).to_be_visible()
    logout(page)

    login(page, live_server, "auditor")
    expect(nav_link(page, "Cliënt zoeken")).to_have_count(0)
    nav_link(page, "Toegangslog").click()
    expect(page.get_by_role("heading", name="Toegangslog", level=1)).to_be_visible()
    question = page.locator(".card").filter(
        has=page.get_by_role("heading", name="Wie heeft deze cliënt ingezien?")
    )
    question.get_by_label("BSN van de cliënt").fill(client.bsn)
    question.get_by_role("button", name="Opvragen").click()

    answer = page.get_by_role("heading", name=f"Wie keek naar cliënt {client.short_pseudonym}")
    expect(answer).to_be_visible()
    rows = page.get_by_role("table").locator("tbody").get_by_role("row")
    viewed = rows.filter(has_text="toegang.assen")
    expect(viewed.filter(has_text="dossier")).to_have_count(1)
    expect(viewed.filter(has_text="zoekresultaat")).to_have_count(1)
    own_question = rows.filter(has_text="auditor").filter(has_text="toegangslog cliënt")
    expect(own_question).to_have_count(1)
    # The auditor sees who looked, not the client's personal data.
    expect(page.get_by_role("table")).not_to_contain_text("Dijkstra")
    screenshot(page, "journey5-toegangslog")


# --- journey 6: optimistic locking --------------------------------------------------------


@pytest.mark.browser
def test_second_save_of_a_stale_form_is_refused(page: Page, live_server, region_setup):
    client = factories.register_client(region_setup, surname="Oosterhof")
    login(page, live_server, "toegang.assen")
    edit_url = url(live_server, "clients:edit", client.pseudonym)

    first = page
    second = page.context.new_page()
    for tab in (first, second):
        tab.goto(edit_url)
        expect(tab.get_by_role("heading", name="Persoonsgegevens wijzigen")).to_be_visible()
        expect(tab.get_by_label("Achternaam")).to_have_value("Oosterhof")

    first.get_by_label("Achternaam").fill("Oosterhof-Eerst")
    first.get_by_role("button", name="Opslaan").click()
    expect(first.get_by_role("status")).to_contain_text("De persoonsgegevens zijn bijgewerkt.")
    expect(first.get_by_role("heading", name="Jan Oosterhof-Eerst", level=1)).to_be_visible()

    second.get_by_label("Achternaam").fill("Oosterhof-Later")
    second.get_by_role("button", name="Opslaan").click()
    expect(second.get_by_role("alert")).to_contain_text("Iemand anders heeft dit dossier gewijzigd")
    expect(second.get_by_role("heading", name="Persoonsgegevens wijzigen")).to_be_visible()
    screenshot(second, "journey6-verouderd-formulier")

    client.refresh_from_db()
    assert client.surname == "Oosterhof-Eerst"
