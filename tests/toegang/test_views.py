"""The steps of a melding through Django's test client."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bwmo.toegang.workflow import Status
from tests.factories import client_with_melding

pytestmark = pytest.mark.django_db


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
