"""A form with a field error also shows the service's rule refusals in the same response.

Found by municipal users: they fixed a field error, submitted again and only then met the
rule's refusal (a date before the melding, a BSN already known, a broken parameter file). Each
test sends one form with one field error and one rule error and finds both, in the fields and
in the error summary, with nothing written.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bwmo.care import services as care_services
from bwmo.care.models import Indication, Outflow, Stay
from bwmo.clients.models import Client
from bwmo.finance.models import BudgetParameterSet
from bwmo.toegang.models import CaseEvent, Melding
from tests import factories
from tests.finance.test_finance import _params_text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _errors(response) -> dict[str, list[str]]:
    form = response.context["form"]
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _in_summary(response, *texts: str) -> None:
    page = response.content.decode()
    summary = page[page.index("Controleer de volgende velden") :]
    for text in texts:
        assert text in summary, text


@pytest.fixture
def toegang(client, region_setup):
    client.force_login(region_setup.users["toegang_assen"])
    return client


def test_onderzoek_date_before_the_melding_shows_with_a_field_error(toegang, region_setup):
    person = factories.client_with_melding(region_setup)
    melding = person.meldingen.get()
    events = CaseEvent.objects.count()
    before = melding.received_on - timedelta(days=2)
    response = toegang.post(
        reverse("toegang:step", args=[melding.pk, "onderzoek"]),
        {
            "version": melding.version,
            "started_on": before.strftime("%d-%m-%Y"),
            "conversation_on": "31-02-2026",
            "findings": "",
        },
    )
    assert response.status_code == 200
    errors = _errors(response)
    assert errors["conversation_on"] == ["31-02-2026 bestaat niet: februari 2026 heeft 28 dagen."]
    assert "ligt vóór de datum van de melding" in errors["started_on"][0]
    _in_summary(response, "bestaat niet", "ligt vóór de datum van de melding")
    melding.refresh_from_db()
    assert melding.status == "gemeld" and CaseEvent.objects.count() == events


def test_a_beschikking_without_aanvraag_says_so_with_the_field_errors(toegang, region_setup):
    person = factories.client_with_melding(region_setup)
    melding = person.meldingen.get()
    response = toegang.post(
        reverse("toegang:step", args=[melding.pk, "beschikking"]),
        {"version": melding.version, "decision": "toekenning", "decided_on": ""},
    )
    errors = _errors(response)
    assert errors["decided_on"] == ["Dit veld is verplicht."]
    assert any("Er is nog geen aanvraag geregistreerd" in e for e in errors["__all__"])
    _in_summary(response, "Er is nog geen aanvraag geregistreerd")


def test_a_beschikking_in_the_future_shows_with_a_wrong_date(toegang, region_setup):
    person = factories.client_with_melding(region_setup)
    melding = person.meldingen.get()
    factories.advance_to_aanvraag(region_setup, melding, day=TODAY - timedelta(days=5))
    melding.refresh_from_db()
    response = toegang.post(
        reverse("toegang:step", args=[melding.pk, "beschikking"]),
        {
            "version": melding.version,
            "decision": "toekenning",
            "decided_on": (TODAY + timedelta(days=3)).strftime("%d-%m-%Y"),
            "product": region_setup.products["BW001"].pk,
            "financing": "ZIN",
            "provider": region_setup.provider.pk,
            "valid_from": "30-02-2026",
        },
    )
    errors = _errors(response)
    assert errors["valid_from"] == ["30-02-2026 bestaat niet: februari 2026 heeft 28 dagen."]
    assert "ligt in de toekomst" in errors["decided_on"][0]
    melding.refresh_from_db()
    assert melding.status == "aanvraag_ontvangen"
    assert not Indication.objects.filter(client=person).exists()


def test_stay_start_before_the_indication_shows_with_a_missing_location(toegang, region_setup):
    person = factories.granted_client(region_setup)
    indication = Indication.objects.get(client=person)
    response = toegang.post(
        reverse("care:stay_start", args=[indication.pk]),
        {"start": (indication.valid_from - timedelta(days=5)).isoformat(), "location": ""},
    )
    errors = _errors(response)
    assert errors["location"] == ["Dit veld is verplicht."]
    assert errors["start"] and "vóór" in errors["start"][0]
    assert not Stay.objects.filter(client=person).exists()
    indication.refresh_from_db()
    assert indication.started_on is None


def test_stay_end_before_its_start_shows_with_a_missing_reason(toegang, region_setup):
    person = factories.granted_client(region_setup)
    indication = Indication.objects.get(client=person)
    stay = care_services.stay_start(
        indication=indication, location=region_setup.assen, start=TODAY - timedelta(days=3)
    )
    response = toegang.post(
        reverse("care:stay_end", args=[stay.pk]),
        {"version": stay.version, "end": (TODAY - timedelta(days=6)).isoformat(), "reason": ""},
    )
    errors = _errors(response)
    assert errors["reason"] == ["Dit veld is verplicht."]
    assert "ligt vóór de begindatum" in errors["end"][0]
    stay.refresh_from_db()
    assert stay.end is None and not Outflow.objects.filter(stay=stay).exists()


def test_a_known_bsn_shows_with_an_impossible_birth_date(toegang, region_setup):
    known = factories.register_client(region_setup)
    count = Client.objects.count()
    response = toegang.post(
        reverse("clients:register"),
        {
            "bsn": known.bsn,
            "given_names": "Femke",
            "surname": "Wolters",
            "birth_date": "31-02-1986",
            "brp_municipality": region_setup.assen.pk,
            "brp_kind": "woonadres",
            "brp_valid_from": "01-03-2015",
        },
    )
    errors = _errors(response)
    assert errors["birth_date"] == ["31-02-1986 bestaat niet: februari 1986 heeft 28 dagen."]
    assert errors["bsn"] and "al" in errors["bsn"][0]
    assert Client.objects.count() == count
    assert known.surname not in response.content.decode()


def test_mo_intake_in_the_future_shows_with_a_missing_type(client, region_setup):
    person = factories.register_client(region_setup, organisation_key="opvang")
    client.force_login(region_setup.users["opvang"])
    response = client.post(
        reverse("toegang:mo_intake", args=[person.pseudonym]),
        {
            "centrumgemeente": region_setup.assen.pk,
            "intake_on": (TODAY + timedelta(days=2)).strftime("%d-%m-%Y"),
            "mo_type": "",
            "location": region_setup.assen.pk,
            "decision": "toekenning",
        },
    )
    errors = _errors(response)
    assert errors["mo_type"] == ["Kies de soort opvang."]
    assert "ligt in de toekomst" in errors["intake_on"][0]
    assert not Melding.objects.filter(client=person).exists()


def test_a_broken_parameter_file_shows_with_a_missing_name(client, region_setup):
    client.force_login(region_setup.users["controller"])
    bad = _params_text().replace('code = "GM1730"', 'code = "GM9999"')
    response = client.post(
        reverse("finance:parameters"),
        {"u-name": "", "u-file": SimpleUploadedFile("c.toml", bad.encode(), "application/toml")},
    )
    form = response.context["upload"]
    assert form.errors["name"] == ["Dit veld is verplicht."]
    assert "niets opgeslagen" in form.errors["file"][0]
    assert any("GM9999" in e for e in form.errors["file"])
    assert not BudgetParameterSet.objects.exists()


def test_a_known_name_and_a_broken_file_are_refused_together(client, region_setup):
    client.force_login(region_setup.users["controller"])
    good = _params_text()
    client.post(
        reverse("finance:parameters"),
        {"u-name": "Mei", "u-file": SimpleUploadedFile("c.toml", good.encode())},
    )
    assert BudgetParameterSet.objects.count() == 1
    bad = good.replace('code = "GM1730"', 'code = "GM9999"')
    response = client.post(
        reverse("finance:parameters"),
        {"u-name": "Mei", "u-file": SimpleUploadedFile("c.toml", bad.encode())},
    )
    form = response.context["upload"]
    assert form.errors["name"] == ["Er is al een parameterset met deze naam."]
    assert any("GM9999" in e for e in form.errors["file"])
    assert BudgetParameterSet.objects.count() == 1


def test_a_brp_registration_in_the_future_shows_with_a_wrong_end_date(toegang, region_setup):
    person = factories.register_client(region_setup)
    response = toegang.post(
        reverse("clients:brp_add", args=[person.pseudonym]),
        {
            "version": person.version,
            "municipality": region_setup.assen.pk,
            "kind": "woonadres",
            "valid_from": (TODAY + timedelta(days=10)).strftime("%d-%m-%Y"),
            "valid_to": "32-01-2027",
        },
    )
    errors = _errors(response)
    assert errors["valid_to"]  # not a date
    assert "ligt in de toekomst" in errors["valid_from"][0]
    assert person.brp_registrations.count() == 1


def test_a_wlz_application_in_the_future_shows_with_a_wrong_decision_date(toegang, region_setup):
    person = factories.granted_client(region_setup)
    response = toegang.post(
        reverse("care:wlz_add", args=[person.pseudonym]),
        {
            "applied_on": (TODAY + timedelta(days=10)).strftime("%d-%m-%Y"),
            "status": "aangevraagd",
            "decided_on": "30-02-2026",
        },
    )
    errors = _errors(response)
    assert errors["decided_on"]  # not a date
    assert "ligt in de toekomst" in errors["applied_on"][0]
    assert not person.wlz_applications.exists()


def test_stay_start_with_an_impossible_date_still_says_a_stay_is_running(toegang, region_setup):
    """Found by municipal users: a refused start date stopped the dry run (a TypeError in the
    date rules), so "a stay is already running" showed only one submit later."""
    person = factories.granted_client(region_setup)
    indication = Indication.objects.get(client=person)
    care_services.stay_start(
        indication=indication, location=region_setup.assen, start=TODAY - timedelta(days=3)
    )
    response = toegang.post(
        reverse("care:stay_start", args=[indication.pk]),
        {"start": "31-02-2026", "location": region_setup.assen.pk},
    )
    assert response.status_code == 200
    errors = _errors(response)
    assert errors["start"] == ["31-02-2026 bestaat niet: februari 2026 heeft 28 dagen."]
    assert errors["__all__"] == ["Er loopt al een verblijf op deze indicatie; beëindig dat eerst."]
    _in_summary(response, "bestaat niet", "Er loopt al een verblijf")
    assert Stay.objects.filter(client=person).count() == 1


def test_stay_start_reports_every_rule_at_once(region_setup):
    person = factories.granted_client(region_setup)
    indication = Indication.objects.get(client=person)
    care_services.stay_start(
        indication=indication, location=region_setup.assen, start=TODAY - timedelta(days=3)
    )
    with pytest.raises(ValidationError) as caught:
        care_services.stay_start(
            indication=Indication.objects.get(pk=indication.pk),
            location=None,
            start=TODAY + timedelta(days=2),
        )
    errors = caught.value.message_dict
    assert errors["__all__"] == ["Er loopt al een verblijf op deze indicatie; beëindig dat eerst."]
    assert "ligt in de toekomst" in errors["start"][0]
    assert errors["location"] == ["Kies de locatie (gemeente) van het verblijf."]
