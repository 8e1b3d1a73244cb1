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


def test_stay_start_offers_the_providers_recorded_locations(worker, region_setup):
    """Found by municipal users: the location list offered every municipality of the
    country, also for a provider whose locations are recorded."""
    from bwmo.care.models import Indication, Stay
    from bwmo.care.services import provider_location_add

    patient = granted_client(region_setup)
    indication = Indication.objects.get(client=patient)
    url = reverse("care:stay_start", args=[indication.pk])
    page = worker.get(url).content.decode()
    assert 'value="GM0014"' in page  # no locations recorded: every municipality
    assert "nog geen locaties vastgelegd" in page

    home = region_setup.assen  # in the region: no motivation needed
    provider_location_add(provider=indication.provider, municipality=home)
    page = worker.get(url).content.decode()
    assert f'value="{home.pk}"' in page
    assert 'value="GM0014"' not in page
    assert "Alleen de locaties die voor deze aanbieder zijn vastgelegd." in page

    day = indication.valid_from.isoformat()
    response = worker.post(
        url, {"start": day, "location": "GM0014", "placement_reason": "Specialistisch aanbod"}
    )
    assert response.status_code == 200
    assert not Stay.objects.exists()
    response = worker.post(url, {"start": day, "location": home.pk})
    assert response.status_code == 302
    assert Stay.objects.get().location_id == home.pk


def test_stay_start_without_a_location_is_refused_without_an_error_page(worker, region_setup):
    """A refused location reached the database in the dry run (an error page) and would
    otherwise have been called "outside the region"."""
    from bwmo.care.models import Indication, Stay

    patient = granted_client(region_setup)
    indication = Indication.objects.get(client=patient)
    url = reverse("care:stay_start", args=[indication.pk])
    response = worker.post(url, {"start": indication.valid_from.isoformat(), "location": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Deze plek ligt buiten de regio" not in page
    assert not Stay.objects.exists()
