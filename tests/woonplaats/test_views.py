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
