"""A form whose values break two of the service's rules shows both refusals in one response.

Found by municipal users: with two rule problems they met the second only after fixing the
first and submitting again. Each test sends a form with no field errors and two independent
rule problems, finds both messages on their fields, and finds nothing written.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bwmo.care.models import Indication, WlzApplication
from bwmo.clients.models import Client
from bwmo.toegang import services as toegang_services
from bwmo.toegang.models import CaseEvent, Melding
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _day(day) -> str:
    return day.strftime("%d-%m-%Y")


def _errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    form = response.context["form"]
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


@pytest.fixture
def toegang(client, region_setup):
    client.force_login(region_setup.users["toegang_assen"])
    return client


def test_brp_period_abroad_with_a_municipality_and_a_future_start(toegang, region_setup):
    person = factories.register_client(region_setup)
    response = toegang.post(
        reverse("clients:brp_add", args=[person.pseudonym]),
        {
            "version": person.version,
            "municipality": region_setup.assen.pk,
            "kind": "buitenland",
            "valid_from": _day(TODAY + timedelta(days=10)),
            "valid_to": "",
        },
    )
    errors = _errors(response)
    assert errors["municipality"] == ["Bij 'buitenland' hoort geen gemeente."]
    assert "ligt in de toekomst" in errors["valid_from"][0]
    assert person.brp_registrations.count() == 1


def test_onderzoek_with_both_dates_wrong(toegang, region_setup):
    melding = factories.client_with_melding(region_setup).meldingen.get()
    events = CaseEvent.objects.count()
    response = toegang.post(
        reverse("toegang:step", args=[melding.pk, "onderzoek"]),
        {
            "version": melding.version,
            "started_on": _day(melding.received_on - timedelta(days=2)),
            "conversation_on": _day(TODAY + timedelta(days=4)),
            "findings": "",
        },
    )
    errors = _errors(response)
    assert "ligt vóór de datum van de melding" in errors["started_on"][0]
    assert "ligt in de toekomst" in errors["conversation_on"][0]
    melding.refresh_from_db()
    assert melding.status == "gemeld" and CaseEvent.objects.count() == events


def test_advies_in_the_future_with_a_signing_date_but_no_signature(toegang, region_setup):
    melding = factories.client_with_melding(region_setup).meldingen.get()
    day = TODAY - timedelta(days=5)
    toegang_services.onderzoek_start(
        melding=melding,
        user=region_setup.users["toegang_assen"],
        expected_version=melding.version,
        started_on=day,
        conversation_on=day,
        findings="",
    )
    melding.refresh_from_db()
    response = toegang.post(
        reverse("toegang:step", args=[melding.pk, "advies"]),
        {
            "version": melding.version,
            "issued_on": _day(TODAY + timedelta(days=3)),
            "text": "Beschermd wonen past.",
            "signed_on": _day(day),
        },
    )
    errors = _errors(response)
    assert "ligt in de toekomst" in errors["issued_on"][0]
    assert errors["signed_by_client"] == [
        "U vulde een datum van ondertekening in; vink aan dat de cliënt heeft getekend."
    ]
    melding.refresh_from_db()
    assert melding.status == "in_onderzoek"


def test_a_refusal_in_the_future_without_motivation(toegang, region_setup):
    melding = factories.client_with_melding(region_setup).meldingen.get()
    factories.advance_to_aanvraag(region_setup, melding, day=TODAY - timedelta(days=5))
    melding.refresh_from_db()
    response = toegang.post(
        reverse("toegang:step", args=[melding.pk, "beschikking"]),
        {
            "version": melding.version,
            "decision": "afwijzing",
            "decided_on": _day(TODAY + timedelta(days=3)),
            "motivation": "",
        },
    )
    errors = _errors(response)
    assert "ligt in de toekomst" in errors["decided_on"][0]
    assert errors["motivation"] == ["Motiveer de afwijzing."]
    melding.refresh_from_db()
    assert melding.status == "aanvraag_ontvangen"


def test_a_grant_before_the_aanvraag_with_zin_but_no_provider(toegang, region_setup):
    person = factories.client_with_melding(region_setup)
    melding = person.meldingen.get()
    day = TODAY - timedelta(days=5)
    factories.advance_to_aanvraag(region_setup, melding, day=day)
    melding.refresh_from_db()
    response = toegang.post(
        reverse("toegang:step", args=[melding.pk, "beschikking"]),
        {
            "version": melding.version,
            "decision": "toekenning",
            "decided_on": _day(day - timedelta(days=1)),
            "product": region_setup.products["BW001"].pk,
            "financing": "ZIN",
            "provider": "",
            "valid_from": _day(day),
        },
    )
    errors = _errors(response)
    assert "ligt vóór de datum van de aanvraag" in errors["decided_on"][0]
    assert errors["provider"] == ["Bij zorg in natura hoort een aanbieder."]
    melding.refresh_from_db()
    assert melding.status == "aanvraag_ontvangen"
    assert not Indication.objects.filter(client=person).exists()


def test_mo_intake_refused_in_the_future_without_motivation(client, region_setup):
    person = factories.register_client(region_setup, organisation_key="opvang")
    client.force_login(region_setup.users["opvang"])
    response = client.post(
        reverse("toegang:mo_intake", args=[person.pseudonym]),
        {
            "centrumgemeente": region_setup.assen.pk,
            "intake_on": _day(TODAY + timedelta(days=2)),
            "mo_type": "nachtopvang",
            "location": region_setup.assen.code,
            "dakloos": "ja",
            "zelfredzaam": "nee",
            "regiobinding": "ja",
            "decision": "afwijzing",
            "motivation": "",
        },
    )
    errors = _errors(response)
    assert "ligt in de toekomst" in errors["intake_on"][0]
    assert errors["motivation"] == ["Motiveer de afwijzing."]
    assert not Melding.objects.filter(client=person).exists()


LONG_STREET = "Zuiderzeewegrondomdehavenbijdekerkstraat"  # 40 characters, no short form


def test_a_known_bsn_and_a_street_without_its_short_form(toegang, region_setup):
    known = factories.register_client(region_setup)
    count = Client.objects.count()
    response = toegang.post(
        reverse("clients:register"),
        {
            "bsn": known.bsn,
            "given_names": "Femke",
            "surname": "Wolters",
            "birth_date": "12-04-1986",
            "street": LONG_STREET,
            "house_number": "12",
            "postcode": "9401 AB",
            "place": "Assen",
            "brp_municipality": region_setup.assen.pk,
            "brp_kind": "woonadres",
            "brp_valid_from": "01-03-2015",
        },
    )
    errors = _errors(response)
    assert "Er is al een cliënt met dit BSN" in errors["bsn"][0]
    assert "Vul de korte straatnaam (NEN) in" in errors["street_short"][0]
    assert Client.objects.count() == count


def test_an_edit_with_a_future_birth_date_and_a_street_without_its_short_form(
    toegang, region_setup
):
    person = factories.register_client(region_setup)
    response = toegang.post(
        reverse("clients:edit", args=[person.pseudonym]),
        {
            "version": person.version,
            "given_names": person.given_names,
            "surname": "Wolters",
            "birth_date": _day(TODAY + timedelta(days=30)),
            "street": LONG_STREET,
            "house_number": "12",
            "postcode": "9401 AB",
            "place": "Assen",
        },
    )
    errors = _errors(response)
    assert "ligt in de toekomst" in errors["birth_date"][0]
    assert "Vul de korte straatnaam (NEN) in" in errors["street_short"][0]
    person.refresh_from_db()
    assert person.surname != "Wolters" and person.street != LONG_STREET


def test_a_wlz_decision_without_its_date_on_an_application_in_the_future(toegang, region_setup):
    person = factories.granted_client(region_setup)
    response = toegang.post(
        reverse("care:wlz_add", args=[person.pseudonym]),
        {"applied_on": _day(TODAY + timedelta(days=3)), "status": "toegekend", "decided_on": ""},
    )
    errors = _errors(response)
    assert "ligt in de toekomst" in errors["applied_on"][0]
    assert errors["decided_on"] == ["Vul de datum van het CIZ-besluit in."]
    assert not WlzApplication.objects.filter(client=person).exists()


def test_a_known_bsn_and_a_birth_date_in_the_future(toegang, region_setup):
    known = factories.register_client(region_setup)
    count = Client.objects.count()
    response = toegang.post(
        reverse("clients:register"),
        {
            "bsn": known.bsn,
            "given_names": "Femke",
            "surname": "Wolters",
            "birth_date": _day(TODAY.replace(year=TODAY.year + 1)),
            "street": "Kerkstraat",
            "street_short": "Kerkstraat",
            "house_number": "12",
            "postcode": "9401 AB",
            "place": "Assen",
            "brp_municipality": region_setup.assen.pk,
            "brp_kind": "woonadres",
            "brp_valid_from": "01-03-2015",
        },
    )
    errors = _errors(response)
    assert "Er is al een cliënt met dit BSN" in errors["bsn"][0]
    assert "toekomst" in " ".join(errors["birth_date"])
    assert Client.objects.count() == count
