"""What may change on an indication's allocation, and which WMO002 reason fits."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bwmo.rules.allocation_change import (
    CHANGE_REASONS,
    EARLIER_ONLY,
    Direction,
    EndDateChange,
    Refusal,
    direction,
    has_ended,
    needs_confirmation,
    refusal,
)

TODAY = date(2026, 12, 1)
START = date(2026, 1, 1)
END = date(2027, 12, 31)


def change(new_end, reason="05", *, current_end=END, decided_end=END, today=TODAY):
    return EndDateChange(
        valid_from=START,
        current_end=current_end,
        new_end=new_end,
        reason=reason,
        decided_end=decided_end,
        today=today,
    )


def test_direction_of_a_change_of_the_end_date():
    assert direction(END, date(2027, 6, 30)) is Direction.EARLIER
    assert direction(None, date(2027, 6, 30)) is Direction.EARLIER  # open-ended gets an end
    assert direction(END, date(2028, 6, 30)) is Direction.LATER
    assert direction(END, None) is Direction.LATER  # no end any more
    assert direction(END, END) is Direction.SAME
    assert direction(None, None) is Direction.SAME


def test_the_last_day_of_care_is_still_running():
    assert not has_ended(TODAY, TODAY)
    assert has_ended(TODAY - timedelta(days=1), TODAY)
    assert not has_ended(None, TODAY)


def test_an_ended_indication_cannot_be_changed_with_any_reason():
    ended = date(2023, 9, 1)
    for reason in [*CHANGE_REASONS, "04"]:
        for new_end in (date(2027, 6, 30), date(2023, 8, 1), None):
            assert refusal(change(new_end, reason, current_end=ended)) is Refusal.ENDED


def test_the_reported_case_an_extension_labelled_as_a_shortening():
    # Ended 01-09-2023 (Wlz), set to 30-06-2027 with "verkorting": refused, it has ended.
    assert refusal(change(date(2027, 6, 30), "05", current_end=date(2023, 9, 1))) is Refusal.ENDED
    # On a running indication the same later date with "verkorting" is an extension.
    assert refusal(change(date(2028, 6, 30), "05")) is Refusal.EXTENSION


@pytest.mark.parametrize("reason", sorted(EARLIER_ONLY))
def test_shortening_and_ending_reasons_fit_an_earlier_end_date_only(reason):
    earlier = date(2026, 12, 1) if reason == "02" else date(2027, 3, 31)
    assert refusal(change(earlier, reason)) is None
    assert refusal(change(date(2028, 3, 31), reason)) is Refusal.EXTENSION
    assert refusal(change(None, reason)) is Refusal.EXTENSION


def test_verlenging_is_never_a_reason_to_change_an_existing_allocation():
    assert refusal(change(date(2028, 3, 31), "04")) is Refusal.EXTENSION
    assert refusal(change(date(2027, 3, 31), "04")) is Refusal.EXTENSION


@pytest.mark.parametrize("reason", ["01", "13", "99", "", "5"])
def test_codes_that_do_not_change_an_end_date_are_refused(reason):
    assert refusal(change(date(2027, 3, 31), reason)) is Refusal.NOT_A_CHANGE


def test_a_correction_stays_within_the_beschikking():
    entered_too_short = date(2027, 6, 30)
    assert refusal(change(END, "14", current_end=entered_too_short)) is None
    assert refusal(change(date(2027, 3, 31), "14")) is None
    assert refusal(change(date(2028, 1, 1), "14")) is Refusal.BEYOND_DECISION
    assert refusal(change(None, "14")) is Refusal.BEYOND_DECISION
    # An open-ended beschikking (opvang): a correction may take the end date away again.
    assert refusal(change(None, "14", current_end=date(2027, 1, 31), decided_end=None)) is None


def test_a_providers_request_may_move_the_end_date_either_way():
    assert refusal(change(date(2028, 6, 30), "12")) is None
    assert refusal(change(date(2027, 3, 31), "12")) is None


def test_the_same_end_date_or_one_before_the_start_is_refused():
    assert refusal(change(END, "05")) is Refusal.SAME
    assert refusal(change(START - timedelta(days=1), "05")) is Refusal.BEFORE_START
    assert refusal(change(START, "05")) is None  # one day of care


def test_the_date_of_death_is_not_in_the_future():
    assert refusal(change(TODAY + timedelta(days=1), "02")) is Refusal.DEATH_IN_FUTURE
    assert refusal(change(TODAY, "02")) is None
    assert refusal(change(TODAY - timedelta(days=40), "02")) is None


def test_an_end_date_in_the_past_needs_confirmation_except_a_death():
    assert needs_confirmation(change(TODAY - timedelta(days=1), "05"))
    assert not needs_confirmation(change(TODAY, "05"))
    assert not needs_confirmation(change(TODAY - timedelta(days=1), "02"))
    assert not needs_confirmation(change(None, "14", decided_end=None))


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))
ends = st.none() | days
reasons = st.sampled_from(sorted(CHANGE_REASONS | {"01", "04", "13", "99"}))


@given(current=ends, new=ends, reason=reasons, decided=ends, today=days)
def test_an_accepted_change_never_revives_or_extends_against_the_rules(
    current, new, reason, decided, today
):
    c = EndDateChange(
        valid_from=date(2020, 1, 1),
        current_end=current,
        new_end=new,
        reason=reason,
        decided_end=decided,
        today=today,
    )
    if refusal(c) is not None:
        return
    assert not has_ended(current, today)
    assert reason in CHANGE_REASONS
    assert new != current
    if c.direction is Direction.LATER:
        assert reason not in EARLIER_ONLY
        if reason == "14" and decided is not None:
            assert new is not None and new <= decided
