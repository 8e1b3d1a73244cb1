"""What every response carries: Dutch, the security headers, no caching of dossiers."""

import pytest
from django.urls import reverse

from tests.factories import granted_client

pytestmark = pytest.mark.django_db


def test_dutch_even_for_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "nl"


def test_security_headers_and_no_store(worker, region_setup):
    patient = granted_client(region_setup)
    response = worker.get(reverse("clients:detail", args=[patient.pseudonym]))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
