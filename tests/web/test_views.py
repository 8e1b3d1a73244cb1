"""Screens through Django's test client: Dutch errors on the form, nothing saved, scope."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bwmo.clients.models import Client
from bwmo.toegang.models import Melding
from bwmo.toegang.selectors import WorklistFilters, meldingen_worklist
from bwmo.toegang.workflow import Status
from tests.factories import PASSWORD, client_with_melding, granted_client, test_bsn

pytestmark = pytest.mark.django_db


def work_items(*, user, today):
    """The work list as it opens: no filters, most urgent first."""
    return meldingen_worklist(user=user, today=today, filters=WorklistFilters()).items


@pytest.fixture
def worker(client, region_setup):
    client.force_login(region_setup.users["toegang_assen"])
    return client


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


def test_login_page_is_dutch(client):
    page = client.get(reverse("login")).content.decode()
    assert "Inloggen" in page and "Wachtwoord" in page
    assert 'lang="nl"' in page


def test_dutch_even_for_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "nl"


def test_login_is_throttled_after_repeated_failures(client, region_setup):
    url = reverse("login")
    for _ in range(5):
        response = client.post(url, {"username": "toegang.assen", "password": "fout"})
        assert "of de gebruikersnaam bestaat niet" in response.content.decode()
    response = client.post(url, {"username": "toegang.assen", "password": PASSWORD})
    assert "Te veel mislukte inlogpogingen" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_works(client, region_setup):
    response = client.post(reverse("login"), {"username": "toegang.assen", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


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


def test_beschikking_form_without_aanvraag(worker, region_setup):
    patient = client_with_melding(region_setup)
    melding = patient.meldingen.get()
    url = reverse("toegang:step", args=[melding.pk, "beschikking"])
    assert "nog geen aanvraag" in worker.get(url).content.decode()
    today = timezone.localdate().isoformat()
    response = worker.post(
        url,
        {
            "version": melding.version,
            "decision": "toekenning",
            "decided_on": today,
            "product": region_setup.products["BW001"].pk,
            "financing": "ZIN",
            "provider": region_setup.provider.pk,
            "valid_from": today,
        },
    )
    assert "nog geen aanvraag" in response.content.decode()
    melding.refresh_from_db()
    assert melding.status == Status.GEMELD


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


def test_step_flow_through_views(worker, region_setup):
    patient = client_with_melding(region_setup, received_on=timezone.localdate() - timedelta(9))
    melding = patient.meldingen.get()
    today = timezone.localdate().isoformat()
    steps = [
        ("onderzoek", {"started_on": today, "conversation_on": today, "findings": "Gesprek"}),
        (
            "advies",
            {
                "issued_on": today,
                "text": "BW Nabij",
                "signed_by_client": "on",
                "signed_on": today,
                "advised_product": region_setup.products["BW001"].pk,
            },
        ),
        ("aanvraag", {"received_on": today}),
        (
            "beschikking",
            {
                "decision": "afwijzing",
                "decided_on": today,
                "motivation": "Voorliggend veld volstaat",
            },
        ),
    ]
    for step, data in steps:
        melding.refresh_from_db()
        response = worker.post(
            reverse("toegang:step", args=[melding.pk, step]), {"version": melding.version, **data}
        )
        assert response.status_code == 302, (step, response.content.decode()[:2000])
    melding.refresh_from_db()
    assert melding.status == Status.AFGEWEZEN
    assert melding.events.count() == 5
    page = worker.get(reverse("toegang:detail", args=[melding.pk])).content.decode()
    assert "Voorliggend veld volstaat" in page and "Afgewezen" in page


def test_worklist_puts_overdue_first(worker, region_setup):
    today = timezone.localdate()
    recent = client_with_melding(region_setup, received_on=today - timedelta(days=3))
    overdue = client_with_melding(region_setup, received_on=today - timedelta(days=60))
    items = work_items(user=region_setup.users["toegang_assen"], today=today)
    assert [i.melding.client for i in items] == [overdue, recent]
    assert items[0].urgency == "overdue" and items[0].days_overdue == 18
    page = worker.get(reverse("web:worklist")).content.decode()
    assert "18 dagen te laat" in page
    overdue_link = reverse("toegang:detail", args=[overdue.meldingen.get().pk])
    recent_link = reverse("toegang:detail", args=[recent.meldingen.get().pk])
    assert page.index(overdue_link) < page.index(recent_link)


def test_worklist_shows_only_own_scope(client, region_setup):
    client_with_melding(region_setup)
    client.force_login(region_setup.users["toegang_emmen"])
    assert work_items(user=region_setup.users["toegang_emmen"], today=timezone.localdate()) == []
    page = client.get(reverse("web:worklist")).content.decode()
    assert "Er zijn geen openstaande meldingen" in page


def test_mandate_holder_sees_and_acts_for_the_mandating_municipality(client, region_setup):
    patient = client_with_melding(region_setup, municipality="GM1730", organisation_key="tynaarlo")
    holder = region_setup.users["toegang_mandaat"]
    client.force_login(holder)
    response = client.get(reverse("clients:detail", args=[patient.pseudonym]))
    assert response.status_code == 200
    assert "mandaat" in response.content.decode()
    assert len(work_items(user=holder, today=timezone.localdate())) == 1


def test_provider_sees_only_what_it_needs(client, region_setup):
    patient = granted_client(region_setup)
    client.force_login(region_setup.users["aanbieder"])
    page = client.get(reverse("clients:detail", args=[patient.pseudonym])).content.decode()
    assert patient.full_name in page
    assert "Meldingen en besluiten" not in page  # no onderzoek, advies or beschikking
    melding = Melding.objects.get(client=patient)
    assert client.get(reverse("toegang:detail", args=[melding.pk])).status_code == 403


def test_security_headers_and_no_store(worker, region_setup):
    patient = granted_client(region_setup)
    response = worker.get(reverse("clients:detail", args=[patient.pseudonym]))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


def test_no_cdn_anywhere(worker):
    page = worker.get(reverse("web:home")).content.decode()
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page


def test_live_search_returns_only_the_results(worker, region_setup):
    patient = granted_client(region_setup)
    response = worker.post(
        reverse("clients:search"), {"q": patient.surname}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert patient.full_name in page
    assert "<html" not in page  # a fragment for htmx to swap in


def test_placement_outside_the_region_needs_a_motivation(worker, region_setup):
    from bwmo.care.models import Indication, Stay

    patient = granted_client(region_setup)
    indication = Indication.objects.get(client=patient)
    url = reverse("care:stay_start", args=[indication.pk])
    day = indication.valid_from.isoformat()
    response = worker.post(url, {"start": day, "location": "GM0014"})  # Groningen
    assert "beste plek voor herstel" in response.content.decode()
    assert not Stay.objects.exists()
    response = worker.post(
        url, {"start": day, "location": "GM0014", "placement_reason": "Specialistisch aanbod"}
    )
    assert response.status_code == 302
    assert Stay.objects.get().placement_reason == "Specialistisch aanbod"
