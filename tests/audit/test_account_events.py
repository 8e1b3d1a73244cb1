"""An entry about an account rather than a client (a single sign-on login) in the access log:
same keyed chain, shown in the user question, no client read added for it."""

import pytest
from django.urls import reverse

from bwmo.audit.models import AccessLogEntry
from bwmo.audit.services import access_log_account_event, access_log_record, access_log_verify
from tests.factories import register_client

from .test_screen import as_auditor, read_workbook

pytestmark = pytest.mark.django_db


def test_a_login_entry_is_chained_and_verifies(region_setup):
    user = region_setup.users["toegang_assen"]
    entry = access_log_account_event(
        user=user, what="inloggen via single sign-on", why="identiteitsprovider https://idp"
    )
    assert entry.client_id is None and entry.client_pseudonym == ""
    assert entry.organisation == "Gemeente Assen"
    report = access_log_verify()
    assert report.ok and report.entries_checked == 1


def test_the_user_question_and_its_download_show_the_login(client, region_setup):
    user = region_setup.users["toegang_assen"]
    patient = register_client(region_setup)
    access_log_account_event(
        user=user, what="inloggen via single sign-on", why="identiteitsprovider https://idp"
    )
    access_log_record(user=user, clients=[patient], what="dossier", why="test")
    as_auditor(client, region_setup)
    page = client.post(reverse("audit:search"), {"u-gebruiker": user.username}).content.decode()
    assert "inloggen via single sign-on" in page

    before = AccessLogEntry.objects.order_by("-pk").first().pk
    response = client.post(reverse("audit:download"), {"u-gebruiker": user.username})
    _, rows = read_workbook(response)
    assert any("inloggen via single sign-on" in str(cell) for row in rows for cell in row)
    # The download is logged once per client it names: the login entry names none.
    new = AccessLogEntry.objects.filter(pk__gt=before)
    assert [(e.client_id, e.what) for e in new] == [(patient.pk, "toegangslog gebruiker (Excel)")]
    assert access_log_verify().ok
