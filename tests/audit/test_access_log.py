"""The access log: every read appended, hash-chained, and the chain check finds tampering."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bwmo.audit.models import AccessLogEntry, ChainHead
from bwmo.audit.services import access_log_record, access_log_verify
from tests.factories import granted_client, register_client

from . import tampering

pytestmark = pytest.mark.django_db


def _entries(n, setup):
    user = setup.users["toegang_assen"]
    clients = [register_client(setup) for _ in range(n)]
    for client in clients:
        access_log_record(user=user, clients=[client], what="dossier", why="test")
    return clients


def test_chain_verifies_when_untouched(region_setup):
    _entries(4, region_setup)
    report = access_log_verify()
    assert report.ok and report.entries_checked == 4


def test_changed_entry_is_reported_as_first_broken(region_setup):
    _entries(5, region_setup)
    third = AccessLogEntry.objects.order_by("pk")[2]
    # Tamper directly in the database, as an attacker with SQL access would.
    tampering.drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AccessLogEntry._meta.db_table} SET username = %s WHERE id = %s",
            ["iemand.anders", third.pk],
        )
    report = access_log_verify()
    assert not report.ok
    assert report.first_broken_id == third.pk
    assert report.entries_checked == 2


def test_removed_entry_breaks_the_chain(region_setup):
    _entries(4, region_setup)
    second = AccessLogEntry.objects.order_by("pk")[1]
    tampering.drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AccessLogEntry._meta.db_table} WHERE id = %s", [second.pk])
    report = access_log_verify()
    assert not report.ok
    assert report.first_broken_id == second.pk + 1


def test_removed_last_entry_is_noticed_through_the_head(region_setup):
    _entries(3, region_setup)
    last = AccessLogEntry.objects.order_by("-pk").first()
    tampering.drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AccessLogEntry._meta.db_table} WHERE id = %s", [last.pk])
    assert ChainHead.objects.get().last_hash == last.entry_hash
    report = access_log_verify()
    assert not report.ok


def test_entries_cannot_be_changed_through_the_orm(region_setup):
    _entries(1, region_setup)
    entry = AccessLogEntry.objects.get()
    entry.what = "iets anders"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


def test_audit_verify_command(region_setup, capsys):
    _entries(2, region_setup)
    call_command("audit", "verify")
    assert "intact: 2 entries" in capsys.readouterr().out
    tampering.drop_triggers()
    tampering.sql(
        f"UPDATE {tampering.ENTRY} SET why = 'gewijzigd' WHERE id = %s",
        [AccessLogEntry.objects.first().pk],
    )
    with pytest.raises(CommandError, match="broken at entry"):
        call_command("audit", "verify")


def test_viewing_a_dossier_is_logged_with_who_what_why(client, region_setup):
    patient = granted_client(region_setup)
    client.force_login(region_setup.users["toegang_assen"])
    response = client.get(reverse("clients:detail", kwargs={"pseudonym": patient.pseudonym}))
    assert response.status_code == 200
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert entry.username == "toegang.assen"
    assert entry.client_id == patient.pk
    assert entry.what == "dossier"
    assert entry.why == "verantwoordelijke gemeente"
    assert entry.organisation == "Gemeente Assen"


def test_search_hits_are_logged_and_refusals_are_not(client, region_setup):
    patient = granted_client(region_setup)
    client.force_login(region_setup.users["toegang_emmen"])
    client.post(reverse("clients:search"), {"q": patient.bsn})
    assert not AccessLogEntry.objects.filter(client=patient).exists()
    client.force_login(region_setup.users["toegang_assen"])
    response = client.post(reverse("clients:search"), {"q": patient.surname})
    assert patient.full_name in response.content.decode()
    assert AccessLogEntry.objects.filter(client=patient, what="zoekresultaat").exists()


def test_auditor_answers_both_questions(client, region_setup):
    patient = granted_client(region_setup)
    client.force_login(region_setup.users["toegang_assen"])
    client.get(reverse("clients:detail", kwargs={"pseudonym": patient.pseudonym}))
    client.force_login(region_setup.users["auditor"])
    page = client.post(reverse("audit:search"), {"c-bsn": patient.bsn}).content.decode()
    assert "toegang.assen" in page and "dossier" in page
    # The auditor's own question is in the log too.
    assert AccessLogEntry.objects.filter(username="auditor", client=patient).exists()
    page = client.get(reverse("audit:search"), {"u-gebruiker": "toegang.assen"}).content.decode()
    assert patient.short_pseudonym in page
    assert patient.bsn not in page  # the user question lists pseudonyms only


def test_log_is_written_in_dutch_whatever_the_users_language(client, region_setup):
    patient = granted_client(region_setup)
    client.force_login(region_setup.users["toegang_assen"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("clients:detail", kwargs={"pseudonym": patient.pseudonym}))
    assert "Date of birth" in page.content.decode()  # the screen itself is English
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert entry.why == "verantwoordelijke gemeente"


def test_entries_from_before_the_key_keep_their_plain_hash_and_are_sealed(region_setup):
    """A log from before the key: its rows stay version 0 and the keyed chain builds on them."""
    import hashlib
    import json

    user = region_setup.users["toegang_assen"]
    patient = register_client(region_setup)
    tampering.drop_triggers()  # writing rows as the old code did, without the model's checks
    previous = tampering.GENESIS
    at = timezone.now()
    for _ in range(3):
        fields = [previous, at.isoformat(), user.username, "", str(patient.pseudonym), "d", "w"]
        digest = hashlib.sha256(
            json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
        ).hexdigest()
        tampering.sql(
            f"INSERT INTO {tampering.ENTRY} (at, username, organisation, client_pseudonym, "
            "what, why, version, previous_hash, entry_hash) "
            "VALUES (%s, %s, '', %s, 'd', 'w', 0, %s, %s)",
            [at, user.username, str(patient.pseudonym), previous, digest],
        )
        previous = digest
    # The head as migration 0003 leaves it: position known, no signature yet.
    tampering.set_head(
        last_hash=previous,
        entries=3,
        last_entry_id=AccessLogEntry.objects.order_by("-pk").first().pk,
        mac="",
    )
    report = access_log_verify()
    assert report.ok and report.legacy_entries == 3
    assert "3 entries from before the key" in report.notice
    access_log_record(user=user, clients=[patient], what="dossier", why="test")
    report = access_log_verify()
    assert report.ok, report.problem
    assert [e.version for e in AccessLogEntry.objects.order_by("pk")] == [0, 0, 0, 1]
    assert ChainHead.objects.get().mac not in ("", "invalid")
    # Changing a pre-key row now breaks the keyed entry that sealed it.
    first = AccessLogEntry.objects.order_by("pk").first()
    tampering.sql(f"UPDATE {tampering.ENTRY} SET what = 'x' WHERE id = %s", [first.pk])
    assert access_log_verify().first_broken_id == first.pk


def test_auditor_sees_the_last_verification_and_can_check_now(client, region_setup):
    from bwmo.audit.models import ChainVerification

    _entries(3, region_setup)
    client.force_login(region_setup.users["auditor"])
    page = client.get(reverse("audit:search")).content.decode()
    assert "nog niet gecontroleerd" in page and "Nu controleren" in page
    response = client.post(reverse("audit:verify"), follow=True)
    page = response.content.decode()
    assert "in orde: 3 regels gecontroleerd" in page
    record = ChainVerification.objects.get()
    assert (record.by, record.trigger, record.ok, record.entries_checked) == (
        "auditor",
        "screen",
        True,
        3,
    )
    assert "Laatste controle" in page and "nog geen anker" in page
    tampering.drop_triggers()
    first = AccessLogEntry.objects.order_by("pk").first()
    tampering.sql(f"UPDATE {tampering.ENTRY} SET what = 'x' WHERE id = %s", [first.pk])
    page = client.post(reverse("audit:verify"), follow=True).content.decode()
    assert "NIET in orde" in page and "content does not match its keyed hash" in page
    assert ChainVerification.objects.count() == 2  # both results kept


def test_only_the_auditor_may_verify(client, region_setup):
    client.force_login(region_setup.users["toegang_assen"])
    assert client.post(reverse("audit:verify")).status_code == 403
