"""The dispute screens through Django's test client."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bwmo.woonplaats import services
from bwmo.woonplaats.models import Dispute
from tests.factories import client_with_melding

pytestmark = pytest.mark.django_db


def test_a_dispute_shows_field_and_rule_errors_together(client, region_setup):
    """Found by municipal users: a missing date showed first, and only on the next submit
    that a dispute needs two different municipalities."""
    melding = client_with_melding(region_setup).meldingen.get()
    client.force_login(region_setup.users["toegang_assen"])
    url = reverse("woonplaats:dispute_add", args=[melding.pk])
    response = client.post(
        url, {"claimant": "GM0106", "respondent": "GM0106", "opened_on": "31-02-2026"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Een geschil gaat tussen twee verschillende gemeenten." in page  # the rule
    assert page.count("field--error") == 2  # and the date's own error
    assert not Dispute.objects.exists()


def test_a_dispute_update_shows_field_and_rule_errors_together(client, region_setup):
    melding = client_with_melding(region_setup).meldingen.get()
    dispute = services.dispute_record(
        melding=melding,
        claimant=region_setup.assen,
        respondent=region_setup.tynaarlo,
        opened_on=timezone.localdate() - timedelta(days=2),
    )
    client.force_login(region_setup.users["toegang_assen"])
    url = reverse("woonplaats:dispute_update", args=[dispute.pk])
    response = client.post(
        url, {"status": Dispute.Status.BINDEND_ADVIES, "advice_date": "gisteren"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Kies de gemeente die volgens het bindend advies verantwoordelijk is." in page
    assert page.count("field--error") == 2
    dispute.refresh_from_db()
    assert dispute.status != Dispute.Status.BINDEND_ADVIES


def test_a_dispute_with_two_rule_problems_shows_both_at_once(client, region_setup):
    """A date in the future and the same municipality twice: both in one response."""
    melding = client_with_melding(region_setup).meldingen.get()
    client.force_login(region_setup.users["toegang_assen"])
    url = reverse("woonplaats:dispute_add", args=[melding.pk])
    later = timezone.localdate() + timedelta(days=3)
    response = client.post(
        url,
        {"claimant": "GM0106", "respondent": "GM0106", "opened_on": later.strftime("%d-%m-%Y")},
    )
    errors = {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()}
    assert response.status_code == 200
    assert errors["respondent"] == ["Een geschil gaat tussen twee verschillende gemeenten."]
    assert "ligt in de toekomst" in errors["opened_on"][0]
    assert not Dispute.objects.exists()


def test_a_binding_advice_with_two_rule_problems_shows_both_at_once(client, region_setup):
    """No municipality and an advice dated before the dispute: both in one response."""
    melding = client_with_melding(region_setup).meldingen.get()
    opened = timezone.localdate() - timedelta(days=2)
    dispute = services.dispute_record(
        melding=melding,
        claimant=region_setup.assen,
        respondent=region_setup.tynaarlo,
        opened_on=opened,
    )
    client.force_login(region_setup.users["toegang_assen"])
    url = reverse("woonplaats:dispute_update", args=[dispute.pk])
    before = opened - timedelta(days=5)
    response = client.post(
        url,
        {"status": Dispute.Status.BINDEND_ADVIES, "advice_date": before.strftime("%d-%m-%Y")},
    )
    errors = {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()}
    assert response.status_code == 200
    assert errors["advice_responsible"] == [
        "Kies de gemeente die volgens het bindend advies verantwoordelijk is."
    ]
    assert "ligt vóór de start van het geschil" in errors["advice_date"][0]
    dispute.refresh_from_db()
    assert dispute.status != Dispute.Status.BINDEND_ADVIES
