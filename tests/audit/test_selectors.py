"""The auditor's reads: a period of whole days, and repeated entries collapsed for display."""

import itertools
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from bwmo.audit.models import AccessLogEntry
from bwmo.audit.selectors import (
    COLLAPSE_WINDOW,
    Period,
    access_log_collapsed,
    access_log_for_client,
    access_log_for_user,
    username_known,
)
from bwmo.audit.services import access_log_record, access_log_verify
from tests.factories import register_client

BASE = timezone.make_aware(datetime(2026, 3, 2, 9, 0))


def log_at(at, *, user, client, what="dossier", why="test"):
    """An entry written as if at ``at`` (the chain stays valid: ``at`` is in its hash)."""
    # As timezone.now() gives it: in UTC (the hash covers the time as written).
    with mock.patch("django.utils.timezone.now", return_value=at.astimezone(UTC)):
        return access_log_record(user=user, clients=[client], what=what, why=why)[0]


def entry(pk, minutes, user="a", client="c1", what="dossier", why="w", org=""):
    return SimpleNamespace(
        pk=pk,
        at=BASE + timedelta(minutes=minutes),
        username=user,
        organisation=org,
        client_pseudonym=client,
        what=what,
        why=why,
    )


# -- collapsing (a pure function) ------------------------------------------------------------


def test_a_run_of_identical_entries_becomes_one_row_with_count_and_times():
    entries = [entry(i, m) for i, m in enumerate([14, 12, 9, 5, 1])]  # newest first
    [row] = access_log_collapsed(entries, COLLAPSE_WINDOW)
    assert row.count == 5
    assert row.first_at == BASE + timedelta(minutes=1)
    assert row.last_at == BASE + timedelta(minutes=14)
    assert row.entry is entries[0]


def test_a_different_user_client_what_why_or_organisation_starts_a_new_row():
    entries = [
        entry(1, 5),
        entry(2, 4, user="b"),
        entry(3, 3, client="c2"),
        entry(4, 2, what="zoekresultaat"),
        entry(5, 1, why="anders"),
        entry(6, 0, org="Emmen"),
    ]
    assert [r.count for r in access_log_collapsed(entries, COLLAPSE_WINDOW)] == [1] * 6


def test_identical_entries_that_are_not_consecutive_stay_apart():
    entries = [entry(1, 3), entry(2, 2, user="b"), entry(3, 1)]
    assert [r.count for r in access_log_collapsed(entries, COLLAPSE_WINDOW)] == [1, 1, 1]


def test_a_run_longer_than_the_window_is_split():
    # 09:00 … 10:30 every 15 minutes: the first row spans exactly one hour (allowed).
    entries = [entry(i, m) for i, m in enumerate(range(90, -1, -15))]
    rows = access_log_collapsed(entries, COLLAPSE_WINDOW)
    assert [r.count for r in rows] == [5, 2]
    assert rows[0].last_at - rows[0].first_at == timedelta(hours=1)


def test_nothing_to_collapse():
    assert access_log_collapsed([], COLLAPSE_WINDOW) == []


entries_strategy = st.lists(
    st.tuples(
        st.sampled_from(["a", "b"]),
        st.sampled_from(["c1", "c2"]),
        st.sampled_from(["dossier", "zoekresultaat"]),
        st.integers(min_value=0, max_value=40),  # minutes since the entry before
    ),
    max_size=60,
)


@given(entries_strategy, st.integers(min_value=0, max_value=120))
def test_collapsing_keeps_every_entry_in_order(raw, window_minutes):
    minutes, entries = 0, []
    for pk, (user, client, what, gap) in enumerate(raw):
        minutes -= gap  # newest first, as the screen shows them
        entries.append(entry(pk, minutes, user=user, client=client, what=what))
    window = timedelta(minutes=window_minutes)
    rows = access_log_collapsed(entries, window)
    # The counts add up to the stored entries, and unfolding the rows gives them back in order.
    assert sum(r.count for r in rows) == len(entries)
    assert [e.pk for r in rows for e in r.entries] == [e.pk for e in entries]
    for row in rows:
        keys = {(e.username, e.client_pseudonym, e.what, e.why) for e in row.entries}
        assert len(keys) == 1
        assert row.last_at - row.first_at <= window
        assert row.first_at == min(e.at for e in row.entries)
        assert row.last_at == max(e.at for e in row.entries)
    # No two neighbouring rows could have been one: different, or too far apart.
    for before, after in itertools.pairwise(rows):
        same = (before.entry.username, before.entry.client_pseudonym, before.entry.what) == (
            after.entry.username,
            after.entry.client_pseudonym,
            after.entry.what,
        )
        if same:
            assert before.last_at - after.entry.at > window


# -- period (on the database) -----------------------------------------------------------------


@pytest.mark.django_db
def test_period_takes_whole_days_with_the_end_included(region_setup):
    user = region_setup.users["toegang_assen"]
    patient = register_client(region_setup)
    tz = timezone.get_current_timezone()
    moments = [
        datetime(2026, 2, 28, 23, 59, 59, tzinfo=tz),
        datetime(2026, 3, 1, 0, 0, tzinfo=tz),
        datetime(2026, 3, 31, 23, 59, 59, tzinfo=tz),
        datetime(2026, 4, 1, 0, 0, tzinfo=tz),
    ]
    logged = [log_at(at, user=user, client=patient) for at in moments]
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    assert [e.pk for e in access_log_for_client(client=patient, period=march)] == [
        logged[2].pk,
        logged[1].pk,
    ]
    assert access_log_for_client(client=patient, period=Period(date(2026, 4, 1))).count() == 1
    assert (
        access_log_for_client(client=patient, period=Period(None, date(2026, 2, 28))).count() == 1
    )
    assert access_log_for_user(username=user.username, period=Period()).count() == 4
    # up to an entry: what an earlier screen showed, whatever was logged since
    assert access_log_for_user(username=user.username, until_pk=logged[1].pk).count() == 2
    assert access_log_verify().ok  # entries written at other times keep the chain whole


@pytest.mark.django_db
def test_a_user_is_known_by_account_or_by_the_log(region_setup):
    assert username_known("toegang.assen")
    assert not username_known("niemand.bekend")
    assert AccessLogEntry.objects.count() == 0
