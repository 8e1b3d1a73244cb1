"""The care screens through Django's test client."""

import pytest
from django.urls import reverse

from tests.factories import granted_client

pytestmark = pytest.mark.django_db


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
