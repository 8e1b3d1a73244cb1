"""Every way of rewriting the access log that we know of is caught by 'bwmo audit verify'.

The log holds entries of two users (701 of them by one); it is anchored, and then an
attacker with write access to the database (but without the key) tampers with it.
"""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from bwmo.audit.models import AccessLogEntry, ChainHead
from bwmo.audit.services import access_log_anchor, access_log_record, access_log_verify
from tests.factories import register_client

from . import tampering as t

pytestmark = pytest.mark.django_db

TARGET_ENTRIES = 701


@pytest.fixture
def log(region_setup):
    """1001 entries: 701 by toegang.assen, 300 by toegang.emmen, interleaved."""
    assen = region_setup.users["toegang_assen"]
    emmen = region_setup.users["toegang_emmen"]
    clients = [register_client(region_setup) for _ in range(7)]
    access_log_record(user=assen, clients=clients[:1], what="dossier", why="test")
    for _ in range(100):
        access_log_record(user=assen, clients=clients, what="zoekresultaat", why="test")
        access_log_record(user=emmen, clients=clients[:3], what="dossier", why="test")
    assert AccessLogEntry.objects.filter(username="toegang.assen").count() == TARGET_ENTRIES
    assert access_log_verify().ok
    return region_setup


def _delete_last_row_and_update_head():
    last, before = AccessLogEntry.objects.order_by("-pk")[:2]
    t.sql(f"DELETE FROM {t.ENTRY} WHERE id = %s", [last.pk])
    t.set_head(
        last_hash=before.entry_hash,
        entries=AccessLogEntry.objects.count(),
        last_entry_id=before.pk,
    )


def _delete_a_users_rows_and_recompute():
    t.sql(f"DELETE FROM {t.ENTRY} WHERE username = %s", ["toegang.assen"])
    t.recompute_plain()


def _delete_a_users_rows_and_recompute_as_pre_key_entries():
    t.sql(f"DELETE FROM {t.ENTRY} WHERE username = %s", ["toegang.assen"])
    t.recompute_plain(version=0)


def _delete_everything_and_reset_the_head():
    t.sql(f"DELETE FROM {t.ENTRY}")
    t.set_head(last_hash=t.GENESIS, entries=0, last_entry_id=None, mac="")


def _delete_last_100_rows_and_the_head():
    keep = AccessLogEntry.objects.order_by("-pk")[100].pk
    t.sql(f"DELETE FROM {t.ENTRY} WHERE id > %s", [keep])
    t.sql(f"DELETE FROM {t.HEAD}")


def _edit_a_row():
    entry = AccessLogEntry.objects.order_by("pk")[500]
    t.sql(f"UPDATE {t.ENTRY} SET client_pseudonym = %s WHERE id = %s", ["x" * 36, entry.pk])


def _retime_a_row():
    entry = AccessLogEntry.objects.order_by("pk")[500]
    t.sql(f"UPDATE {t.ENTRY} SET at = %s WHERE id = %s", [entry.at - timedelta(hours=3), entry.pk])


def _remove_a_row_in_the_middle():
    entry = AccessLogEntry.objects.order_by("pk")[500]
    t.sql(f"DELETE FROM {t.ENTRY} WHERE id = %s", [entry.pk])


def _rewrite_and_pad_to_the_anchored_count():
    # Remove one user's rows, put as many innocent-looking ones back, re-chain without the key.
    gone = t.sql(
        f"SELECT at, organisation, client_pseudonym, what, why FROM {t.ENTRY} "
        "WHERE username = %s ORDER BY id",
        ["toegang.assen"],
    )
    t.sql(f"DELETE FROM {t.ENTRY} WHERE username = %s", ["toegang.assen"])
    for number, row in enumerate(gone):
        t.sql(
            f"INSERT INTO {t.ENTRY} (at, username, organisation, client_pseudonym, what, why, "
            "version, previous_hash, entry_hash) VALUES (%s, %s, %s, %s, %s, %s, 0, '', %s)",
            [row[0], "iemand.anders", *row[1:], f"pad{number}"],
        )
    t.recompute_plain(version=0)


def _forge_the_anchor_file():
    path = settings.BWMO_AUDIT_ANCHOR_FILE
    lines = path.read_text().splitlines()
    anchor = json.loads(lines[-1])
    anchor["entries"] -= 100
    lines[-1] = json.dumps(anchor)
    path.write_text("\n".join(lines) + "\n")
    _delete_last_100_rows_and_the_head()


# (tampering, what verify must say) — each is tried with the anchor of the whole log.
TAMPERINGS = [
    (_delete_last_row_and_update_head, "truncated: the anchor of .* records 1001 entries"),
    (_delete_a_users_rows_and_recompute, "content does not match its keyed hash"),
    (_delete_a_users_rows_and_recompute_as_pre_key_entries, "truncated: .* now holds 300"),
    (_delete_everything_and_reset_the_head, "truncated: .* records 1001 entries .* holds 0"),
    (_delete_last_100_rows_and_the_head, "truncated: .* records 1001 entries .* holds 901"),
    (_edit_a_row, "content does not match its keyed hash"),
    (_retime_a_row, "content does not match its keyed hash"),
    (_remove_a_row_in_the_middle, "previous_hash does not match the entry before"),
    (_rewrite_and_pad_to_the_anchored_count, "rewritten: the anchor of .* records 1001 entries"),
    (_forge_the_anchor_file, "anchor not trustworthy: .* signature .* does not match"),
]


@pytest.mark.parametrize(
    ("tamper", "message"), TAMPERINGS, ids=[f.__name__.strip("_") for f, _ in TAMPERINGS]
)
def test_tampering_after_an_anchor_is_detected(log, tamper, message):
    access_log_anchor()
    t.drop_triggers()
    tamper()
    report = access_log_verify()
    assert not report.ok
    assert re.search(message, report.problem), report.problem
    with pytest.raises(CommandError, match="chain broken"):
        call_command("audit", "verify")


# Without an anchor that covers the change, the signed head still tells for the first three;
# only what the anchor alone can see (a whole log deleted together with its head) needs it.
WITHOUT_ANCHOR = [
    (_delete_last_row_and_update_head, "chain head's signature does not match"),
    (_delete_a_users_rows_and_recompute, "content does not match its keyed hash"),
    (_delete_a_users_rows_and_recompute_as_pre_key_entries, "signature does not match"),
    (_delete_last_100_rows_and_the_head, "the chain head is missing"),
]


@pytest.mark.parametrize(
    ("tamper", "message"), WITHOUT_ANCHOR, ids=[f.__name__.strip("_") for f, _ in WITHOUT_ANCHOR]
)
def test_tampering_without_anchor_is_detected_by_the_signed_head(log, tamper, message):
    t.drop_triggers()
    tamper()
    report = access_log_verify()
    assert not report.ok
    assert message in report.problem, report.problem


def test_an_untouched_log_verifies_against_its_anchors(log):
    first = access_log_anchor()
    access_log_record(
        user=log.users["toegang_assen"],
        clients=[register_client(log)],
        what="dossier",
        why="test",
    )
    second = access_log_anchor()
    assert (first.entries, second.entries) == (1001, 1002)
    report = access_log_verify()
    assert report.ok, report.problem
    assert report.anchors_checked == 2
    assert report.last_anchor.entries == 1002


def test_a_tampered_log_is_not_anchored(log):
    t.drop_triggers()
    _edit_a_row()
    with pytest.raises(Exception, match="Not anchored"):
        access_log_anchor()
    assert not settings.BWMO_AUDIT_ANCHOR_FILE.exists()


def test_an_invalid_head_is_never_signed_again(log):
    # Rewinding the head and then waiting for the next read to re-sign it does not work.
    t.drop_triggers()
    _delete_last_row_and_update_head()
    access_log_record(
        user=log.users["toegang_assen"],
        clients=[register_client(log)],
        what="dossier",
        why="test",
    )
    report = access_log_verify()
    assert "signature does not match" in report.problem
    assert ChainHead.objects.get().mac == "invalid"
