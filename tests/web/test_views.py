"""The start page, the work list and the login through Django's test client."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bwmo.toegang.selectors import WorklistFilters, meldingen_worklist
from tests.factories import PASSWORD, client_with_melding

pytestmark = pytest.mark.django_db


def work_items(*, user, today):
    """The work list as it opens: no filters, most urgent first."""
    return meldingen_worklist(user=user, today=today, filters=WorklistFilters()).items


def test_login_page_is_dutch(client):
    page = client.get(reverse("login")).content.decode()
    assert "Inloggen" in page and "Wachtwoord" in page
    assert 'lang="nl"' in page


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


def test_no_cdn_anywhere(worker):
    page = worker.get(reverse("web:home")).content.decode()
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page
