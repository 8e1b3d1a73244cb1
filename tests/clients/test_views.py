"""The client screens through Django's test client: Dutch errors on the form, nothing saved,
scope."""

import pytest
from django.urls import reverse
from django.utils import timezone

from bwmo.clients.models import Client
from bwmo.toegang.models import Melding
from bwmo.toegang.selectors import WorklistFilters, meldingen_worklist
from tests.factories import client_with_melding, granted_client, test_bsn

pytestmark = pytest.mark.django_db


def _register_data(**overrides):
    data = {
        "bsn": test_bsn(),
        "given_names": "Anouk",
        "surname_prefix": "van",
        "surname": "Dijk",
        "birth_date": "1990-04-12",
        "brp_municipality": "GM0106",
        "brp_kind": "woonadres",
        "brp_valid_from": "2015-01-01",
    }
    data.update(overrides)
    return data


def test_register_client_through_the_form(worker):
    response = worker.post(reverse("clients:register"), _register_data())
    client = Client.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[client.pseudonym])
    assert client.bsn not in response["Location"]


@pytest.mark.parametrize(
    ("overrides", "field_text"),
    [
        ({"bsn": "999999991"}, "elfproef"),
        ({"bsn": "12345"}, "precies 9 cijfers"),
        ({"birth_date": "2999-01-01"}, "toekomst"),
        ({"brp_valid_from": "1980-01-01"}, "vóór de geboortedatum"),
        ({"brp_municipality": "", "brp_kind": "woonadres"}, "Kies de gemeente"),
    ],
)
def test_bad_registration_shows_dutch_error_and_saves_nothing(worker, overrides, field_text):
    response = worker.post(reverse("clients:register"), _register_data(**overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert field_text in page
    assert "Het formulier is niet opgeslagen" in page
    assert not Client.objects.exists()


def test_duplicate_client_error_on_the_form(worker):
    data = _register_data()
    worker.post(reverse("clients:register"), data)
    response = worker.post(reverse("clients:register"), {**data, "surname": "Anders"})
    assert "al een cliënt met dit BSN" in response.content.decode()
    assert Client.objects.count() == 1


def test_stale_form_is_refused_with_a_clear_message(worker, region_setup):
    patient = client_with_melding(region_setup)
    url = reverse("clients:edit", args=[patient.pseudonym])
    data = {
        "version": patient.version,
        "given_names": "Eerste",
        "surname_prefix": "",
        "surname": "Versie",
        "birth_date": "1980-05-17",
    }
    assert worker.post(url, data).status_code == 302
    response = worker.post(url, {**data, "given_names": "Tweede"})
    assert "Iemand anders heeft dit dossier gewijzigd" in response.content.decode()
    patient.refresh_from_db()
    assert patient.given_names == "Eerste"


def test_mandate_holder_sees_and_acts_for_the_mandating_municipality(client, region_setup):
    patient = client_with_melding(region_setup, municipality="GM1730", organisation_key="tynaarlo")
    holder = region_setup.users["toegang_mandaat"]
    client.force_login(holder)
    response = client.get(reverse("clients:detail", args=[patient.pseudonym]))
    assert response.status_code == 200
    assert "mandaat" in response.content.decode()
    worklist = meldingen_worklist(
        user=holder, today=timezone.localdate(), filters=WorklistFilters()
    )
    assert len(worklist.items) == 1


def test_provider_sees_only_what_it_needs(client, region_setup):
    patient = granted_client(region_setup)
    client.force_login(region_setup.users["aanbieder"])
    page = client.get(reverse("clients:detail", args=[patient.pseudonym])).content.decode()
    assert patient.full_name in page
    assert "Meldingen en besluiten" not in page  # no onderzoek, advies or beschikking
    melding = Melding.objects.get(client=patient)
    assert client.get(reverse("toegang:detail", args=[melding.pk])).status_code == 403


def test_live_search_returns_only_the_results(worker, region_setup):
    patient = granted_client(region_setup)
    response = worker.post(
        reverse("clients:search"), {"q": patient.surname}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert patient.full_name in page
    assert "<html" not in page  # a fragment for htmx to swap in
