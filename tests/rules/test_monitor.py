"""Stock and flow of the monitor: worked examples and the identity on generated stays."""

import json
import random
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwmo.rules.monitor import (
    BREAKDOWNS,
    Case,
    Indication,
    StayRecord,
    duration_stats,
    episodes,
    flow_figures,
    lead_times,
    nesting,
    origin_location_matrix,
    series,
    waiting_list,
)

PROPERTY = settings(max_examples=150, deadline=None)
QUICK = settings(max_examples=60, deadline=None)

ASSEN, AA_EN_HUNZE, EMMEN = "GM0106", "GM1680", "GM0114"
ONE_DAY = timedelta(days=1)
YEAR_2024 = {"start": date(2024, 1, 1), "end": date(2024, 12, 31)}

# (product, rank, kind): rank is the intensity, higher is heavier care.
PRODUCTS = {
    "BW24": (5, "BW"),
    "BW Nabij": (4, "BW"),
    "Begeleid Wonen": (3, "BW"),
    "Thuis Plus": (2, "BW"),
    "crisisopvang": (3, "MO"),
    "nachtopvang": (1, "MO"),
}


def stay(
    start,
    end=None,
    *,
    client="c1",
    product="BW24",
    financing="ZIN",
    provider="P1",
    responsible=ASSEN,
    location=ASSEN,
    category=None,
    reason=None,
):
    rank, kind = PRODUCTS[product]
    if category is None:
        category = "mo" if kind == "MO" else "nieuwe_client"
    return StayRecord(
        client=client,
        start=start,
        end=end,
        kind=kind,
        product=product,
        product_rank=rank,
        financing=financing,
        provider=provider,
        responsible=responsible,
        location=location,
        category=category,
        outflow_reason=reason,
    )


def flows(figures):
    """(start, instroom, uitstroom, doorstroom, end) totals."""
    return (
        figures.in_care_at_start.total,
        figures.instroom.total,
        figures.uitstroom.total,
        figures.doorstroom.total,
        figures.in_care_at_end.total,
    )


# --- worked examples -------------------------------------------------------------------------


def test_a_stay_starting_inside_the_period_is_instroom():
    figures = flow_figures([stay(date(2024, 3, 1))], **YEAR_2024)
    assert flows(figures) == (0, 1, 0, 0, 1)
    assert figures.instroom.by["product"] == {"BW24": 1}
    assert figures.in_care_at_end.by["responsible"] == {ASSEN: 1}
    assert figures.in_care_at_start.by["product"] == {"BW24": 0}


def test_a_stay_ending_inside_the_period_is_uitstroom_with_its_reason():
    figures = flow_figures(
        [
            stay(date(2023, 6, 1), date(2024, 5, 31), reason="zelfstandig wonen"),
            stay(date(2023, 1, 1), date(2024, 2, 1), client="c2"),
        ],
        **YEAR_2024,
    )
    assert flows(figures) == (2, 0, 2, 0, 0)
    assert figures.uitstroom.by["reason"] == {"onbekend": 1, "zelfstandig wonen": 1}


def test_adjacent_stays_are_one_episode_with_a_doorstroom_afschalen():
    stays = [
        stay(date(2024, 1, 10), date(2024, 4, 30), product="BW24", provider="P1"),
        stay(date(2024, 5, 1), product="Begeleid Wonen", provider="P2"),
    ]
    figures = flow_figures(stays, **YEAR_2024)
    assert flows(figures) == (0, 1, 0, 1, 1)
    assert figures.instroom.by["product"] == {"BW24": 1, "Begeleid Wonen": 0}
    assert figures.doorstroom.direction == {"afschalen": 1, "opschalen": 0, "wissel": 0}
    assert figures.doorstroom.by["product"] == {
        "BW24": {"in": 0, "out": 1},
        "Begeleid Wonen": {"in": 1, "out": 0},
    }
    assert figures.doorstroom.by["provider"] == {
        "P1": {"in": 0, "out": 1},
        "P2": {"in": 1, "out": 0},
    }
    # Unchanged breakdowns see no doorstroom.
    assert figures.doorstroom.by["financing"] == {"ZIN": {"in": 0, "out": 0}}
    [episode] = episodes(stays)
    assert (episode.start, episode.end) == (date(2024, 1, 10), None)
    assert [(day, a.product, b.product) for day, a, b in episode.product_changes] == [
        (date(2024, 5, 1), "BW24", "Begeleid Wonen")
    ]


def test_a_heavier_next_product_is_opschalen_and_an_equal_rank_a_wissel():
    stays = [
        stay(date(2023, 1, 1), date(2024, 3, 31), product="Thuis Plus"),
        stay(date(2024, 4, 1), date(2024, 6, 30), product="BW Nabij"),
        stay(date(2024, 7, 1), product="BW Nabij", provider="P2"),  # no product change
        stay(date(2023, 1, 1), date(2024, 3, 31), client="c2", product="Begeleid Wonen"),
        stay(date(2024, 4, 1), client="c2", product="crisisopvang"),
    ]
    figures = flow_figures(stays, **YEAR_2024)
    assert figures.doorstroom.direction == {"afschalen": 0, "opschalen": 1, "wissel": 1}
    assert figures.doorstroom.total == 2
    assert figures.doorstroom.by["provider"]["P2"] == {"in": 1, "out": 0}


def test_a_gap_of_one_day_is_an_exit_and_a_re_entry():
    stays = [
        stay(date(2024, 2, 1), date(2024, 4, 30), reason="detentie"),
        stay(date(2024, 5, 2), product="BW Nabij"),
    ]
    figures = flow_figures(stays, **YEAR_2024)
    assert flows(figures) == (0, 2, 1, 0, 1)
    assert figures.uitstroom.by["reason"] == {"detentie": 1}
    assert figures.instroom.by["product"] == {"BW Nabij": 1, "BW24": 1}
    assert [(e.start, e.end) for e in episodes(stays)] == [
        (date(2024, 2, 1), date(2024, 4, 30)),
        (date(2024, 5, 2), None),
    ]


def test_a_client_entering_twice_counts_twice_for_instroom():
    stays = [
        stay(date(2024, 2, 1), date(2024, 2, 10)),
        stay(date(2024, 6, 1), date(2024, 6, 10)),
    ]
    assert flows(flow_figures(stays, **YEAR_2024)) == (0, 2, 2, 0, 0)


def test_running_stays_are_in_care_at_both_ends():
    stays = [stay(date(2019, 5, 1)), stay(date(2020, 1, 1), client="c2", product="nachtopvang")]
    figures = flow_figures(stays, **YEAR_2024)
    assert flows(figures) == (2, 0, 0, 0, 2)
    assert figures.in_care_at_end.by["kind"] == {"BW": 1, "MO": 1}


def test_the_period_boundaries():
    start, end = date(2024, 1, 1), date(2024, 12, 31)
    stays = [
        stay(start, date(2024, 3, 1), client="enters-on-start"),  # stock, not instroom
        stay(date(2023, 1, 1), start, client="leaves-after-start"),  # uitstroom on the 1st
        stay(date(2024, 6, 1), end, client="leaves-after-end"),  # in care on end
        stay(date(2023, 1, 1), start - ONE_DAY, client="gone-before"),
        stay(end + ONE_DAY, client="comes-after"),
    ]
    figures = flow_figures(stays, start=start, end=end)
    assert flows(figures) == (2, 1, 2, 0, 1)


def test_mo_and_bw_scopes():
    stays = [
        stay(date(2023, 10, 1), date(2024, 3, 31), product="nachtopvang", reason="naar BW"),
        stay(date(2024, 4, 1), product="BW24", category="nieuwe_client"),
    ]
    everything = flow_figures(stays, **YEAR_2024)
    assert flows(everything) == (1, 0, 0, 1, 1)
    assert everything.doorstroom.by["kind"] == {
        "BW": {"in": 1, "out": 0},
        "MO": {"in": 0, "out": 1},
    }
    assert everything.doorstroom.by["category"] == {
        "mo": {"in": 0, "out": 1},
        "nieuwe_client": {"in": 1, "out": 0},
    }
    assert everything.doorstroom.direction["opschalen"] == 1

    bw = flow_figures(stays, scope="BW", **YEAR_2024)
    assert flows(bw) == (0, 1, 0, 0, 1)

    mo = flow_figures(stays, scope="MO", **YEAR_2024)
    assert flows(mo) == (1, 0, 1, 0, 0)
    assert mo.uitstroom.by["reason"] == {"naar BW": 1}


def test_a_short_stay_inside_a_longer_one_takes_over_and_hands_back():
    # The stay that started last counts; a crisis placement inside a BW stay is two changes.
    stays = [
        stay(date(2023, 1, 1), date(2024, 12, 31), product="BW24"),
        stay(date(2024, 6, 1), date(2024, 6, 10), product="crisisopvang"),
    ]
    figures = flow_figures(stays, start=date(2024, 1, 1), end=date(2025, 6, 30))
    assert flows(figures) == (1, 0, 1, 2, 0)
    assert figures.doorstroom.direction == {"afschalen": 1, "opschalen": 1, "wissel": 0}
    assert figures.doorstroom.by["product"]["crisisopvang"] == {"in": 1, "out": 1}
    on_june_5 = flow_figures(stays, start=date(2024, 6, 5), end=date(2024, 6, 5))
    assert on_june_5.in_care_at_start.by["product"] == {"crisisopvang": 1}
    # In scope BW the crisis days are ordinary BW days.
    assert flow_figures(stays, scope="BW", **YEAR_2024).doorstroom.total == 0


def test_the_same_start_prefers_the_heavier_product():
    stays = [
        stay(date(2024, 1, 1), product="Thuis Plus"),
        stay(date(2024, 1, 1), product="BW Nabij", provider="P9"),
    ]
    figures = flow_figures(stays, **YEAR_2024)
    assert figures.in_care_at_end.by["product"] == {"BW Nabij": 1}
    assert figures.in_care_at_end.by["provider"] == {"P9": 1}
    # Input order does not matter.
    assert flow_figures(stays[::-1], **YEAR_2024) == figures


def test_breakdowns_can_be_chosen_and_are_checked():
    figures = flow_figures([stay(date(2024, 3, 1))], breakdowns=("location",), **YEAR_2024)
    assert set(figures.instroom.by) == {"location"}
    assert set(figures.uitstroom.by) == {"location", "reason"}
    with pytest.raises(ValueError, match="unknown breakdowns"):
        flow_figures([], breakdowns=("gemeente",), **YEAR_2024)
    with pytest.raises(ValueError, match="scope"):
        flow_figures([], scope="Wlz", **YEAR_2024)
    with pytest.raises(ValueError, match="ends before"):
        flow_figures([], start=date(2024, 2, 1), end=date(2024, 1, 1))
    with pytest.raises(ValueError, match="ends before it starts"):
        stay(date(2024, 2, 1), date(2024, 1, 1))
    with pytest.raises(ValueError, match="financing"):
        StayRecord("c1", date(2024, 1, 1), None, "BW", "BW24", 5, "subsidie", "P1", ASSEN, ASSEN)


def test_to_dict_is_json_with_iso_dates():
    stays = [stay(date(2024, 1, 10), date(2024, 4, 30)), stay(date(2024, 5, 1), product="BW Nabij")]
    data = json.loads(json.dumps(flow_figures(stays, **YEAR_2024).to_dict()))
    assert data["start"] == "2024-01-01"
    assert data["instroom"] == {
        "total": 1,
        "product": {"BW Nabij": 0, "BW24": 1},
        "kind": {"BW": 1},
        "financing": {"ZIN": 1},
        "provider": {"P1": 1},
        "responsible": {ASSEN: 1},
        "location": {ASSEN: 1},
        "category": {"nieuwe_client": 1},
    }
    assert data["doorstroom"]["direction"] == {"afschalen": 1, "opschalen": 0, "wissel": 0}
    assert data["doorstroom"]["product"]["BW Nabij"] == {"in": 1, "out": 0}
    periods = series(stays, start=date(2024, 1, 1), end=date(2024, 6, 30), step="quarter")
    json.dumps([period.to_dict() for period in periods])
    json.dumps(duration_stats(stays, on=date(2025, 1, 1)).to_dict())
    json.dumps(lead_times([Case(date(2024, 1, 1))], on=date(2024, 3, 1)).to_dict())
    json.dumps(waiting_list([Indication(date(2024, 1, 1))], date(2024, 3, 1)).to_dict())


# --- series --------------------------------------------------------------------------------


def test_series_cuts_at_calendar_boundaries():
    periods = series([], start=date(2024, 1, 15), end=date(2024, 4, 10), step="month")
    assert [(p.start, p.end) for p in periods] == [
        (date(2024, 1, 15), date(2024, 2, 1)),
        (date(2024, 2, 1), date(2024, 3, 1)),
        (date(2024, 3, 1), date(2024, 4, 1)),
        (date(2024, 4, 1), date(2024, 4, 10)),
    ]
    quarters = series([], start=date(2024, 2, 1), end=date(2025, 1, 1), step="quarter")
    assert [p.start for p in quarters] == [
        date(2024, 2, 1),
        date(2024, 4, 1),
        date(2024, 7, 1),
        date(2024, 10, 1),
    ]
    years = series([], start=date(2020, 1, 1), end=date(2022, 1, 1), step="year")
    assert [(p.start, p.end) for p in years] == [
        (date(2020, 1, 1), date(2021, 1, 1)),
        (date(2021, 1, 1), date(2022, 1, 1)),
    ]
    assert len(series([], start=date(2024, 1, 1), end=date(2024, 1, 1))) == 1
    with pytest.raises(ValueError, match="step"):
        series([], start=date(2024, 1, 1), end=date(2024, 2, 1), step="week")


def test_series_by_month_of_a_worked_example():
    stays = [
        stay(date(2024, 1, 10), date(2024, 2, 14), reason="Wlz"),
        stay(date(2024, 2, 15), date(2024, 3, 5), product="BW Nabij"),
        stay(date(2024, 1, 1), client="c2"),
    ]
    periods = series(stays, start=date(2024, 1, 1), end=date(2024, 4, 1), breakdown="product")
    assert [flows(p.figures) for p in periods] == [
        (1, 1, 0, 0, 2),
        (2, 0, 0, 1, 2),
        (2, 0, 1, 0, 1),
    ]
    assert periods[1].figures.doorstroom.by["product"]["BW Nabij"] == {"in": 1, "out": 0}


# --- durations, access and the origin × location matrix -----------------------------------


def test_duration_stats():
    on = date(2026, 1, 1)
    stays = [
        # c1: 2022-01-01 .. 2022-12-31 (365 days) in BW24, then after a gap 2024 running.
        stay(date(2022, 1, 1), date(2022, 6, 30)),
        stay(date(2022, 7, 1), date(2022, 12, 31), product="BW Nabij"),
        stay(date(2024, 1, 1)),
        # c2: a completed episode of 2 years and 10 days.
        stay(date(2021, 1, 1), date(2023, 1, 10), client="c2", product="BW Nabij"),
        # c3: in care on the reference day itself: not completed.
        stay(date(2025, 6, 1), on, client="c3"),
        # An MO stay, out of scope BW.
        stay(date(2023, 1, 1), date(2023, 1, 31), client="c4", product="nachtopvang"),
    ]
    stats = duration_stats(stays, scope="BW", on=on)
    assert stats.total.episodes == 2
    assert stats.total.episode_median_days == (365 + 740) / 2
    assert stats.total.stays == 3
    assert stats.product["BW24"].stays == 1
    assert stats.product["BW24"].stay_mean_days == 181
    assert stats.product["BW24"].episodes == 1  # the episode started in BW24
    # Started at least a year (two years) before `on`: c1's two episodes and c2's. c1's first
    # lasted 365 days, so it is not in care on its anniversary; the others are.
    assert (stats.total.after_1_year, stats.total.share_after_1_year) == (3, 2 / 3)
    assert (stats.total.after_2_years, stats.total.share_after_2_years) == (3, 2 / 3)
    assert stats.product["BW Nabij"].after_2_years == 1
    assert duration_stats([], on=on).total.episode_mean_days is None


def test_lead_times_and_deadlines():
    on = date(2024, 6, 1)
    cases = [
        # Onderzoek exactly on the 42nd day: on time; aanvraag → beschikking in 14 days.
        Case(date(2024, 1, 1), date(2024, 2, 12), date(2024, 2, 20), date(2024, 3, 5)),
        # 43 days: late; beschikking in 15 days: late; care starts 10 days later.
        Case(
            date(2024, 1, 1),
            date(2024, 2, 13),
            date(2024, 2, 20),
            date(2024, 3, 6),
            date(2024, 3, 16),
        ),
        # Open past the deadline (melding 2024-04-01 + 6 weeks = 2024-05-13).
        Case(date(2024, 4, 1)),
        # Open, still within the deadline.
        Case(date(2024, 5, 20)),
        # Done after `on`: still open on `on`.
        Case(date(2024, 5, 25), date(2024, 6, 20)),
        # After `on`: not there yet.
        Case(date(2024, 7, 1)),
    ]
    times = lead_times(cases, on=on)
    mo = times.melding_onderzoek
    assert (mo.count, mo.median_days, mo.on_time_share) == (2, 42.5, 0.5)
    assert (mo.open, mo.open_overdue) == (3, 1)
    ab = times.aanvraag_beschikking
    assert (ab.count, ab.mean_days, ab.on_time_share, ab.open) == (2, 14.5, 0.5, 0)
    bs = times.beschikking_start
    assert (bs.count, bs.median_days, bs.open, bs.on_time_share, bs.open_overdue) == (
        1,
        10.0,
        1,
        None,
        None,
    )
    with pytest.raises(ValueError, match="before the melding"):
        Case(date(2024, 2, 1), date(2024, 1, 1))


def test_waiting_list():
    on = date(2024, 6, 1)
    indications = [
        Indication(date(2024, 5, 1)),
        Indication(date(2024, 5, 22), date(2024, 6, 15)),  # starts after `on`: waiting
        Indication(date(2024, 1, 1), date(2024, 2, 1)),  # verzilverd
        Indication(date(2024, 7, 1)),  # not granted yet on `on`
    ]
    waiting = waiting_list(indications, on)
    assert (waiting.count, waiting.median_days, waiting.max_days) == (2, 20.5, 31)
    assert waiting_list([], on).max_days is None


def test_origin_location_matrix_counts_each_client_once():
    on = date(2024, 6, 1)
    stays = [
        stay(date(2024, 1, 1), responsible=ASSEN, location=EMMEN),
        stay(date(2024, 1, 1), client="c2", responsible=ASSEN, location=ASSEN),
        stay(date(2024, 1, 1), client="c3", responsible=ASSEN, location=ASSEN),
        # Two stays on the day: the one that started last counts.
        stay(date(2023, 1, 1), client="c4", responsible=AA_EN_HUNZE, location=ASSEN),
        stay(date(2024, 3, 1), client="c4", responsible=AA_EN_HUNZE, location=EMMEN),
        stay(date(2023, 1, 1), date(2024, 1, 1), client="c5", location=EMMEN),
    ]
    matrix = origin_location_matrix(stays, on)
    assert matrix == {(AA_EN_HUNZE, EMMEN): 1, (ASSEN, ASSEN): 2, (ASSEN, EMMEN): 1}
    figures = flow_figures(stays, start=on, end=on)
    assert sum(matrix.values()) == figures.in_care_at_start.total


def test_nesting_maps_products_and_categories_to_their_kind():
    stays = [
        stay(date(2024, 1, 1), product="BW24", category="overgangsclient"),
        stay(date(2024, 1, 1), client="c2", product="nachtopvang"),
        stay(date(2024, 1, 1), client="c3", product="Thuis Plus", category=""),
        stay(date(2024, 1, 1), client="c4", product="crisisopvang", category=""),
    ]
    assert nesting(stays) == {
        ("product", "kind"): {
            "BW24": "BW",
            "Thuis Plus": "BW",
            "crisisopvang": "MO",
            "nachtopvang": "MO",
        }
    }  # category "" is in both kinds, so categories do not nest
    assert nesting(stays[:2])[("category", "kind")] == {"mo": "MO", "overgangsclient": "BW"}


# --- properties ----------------------------------------------------------------------------

FIRST = date(2024, 1, 1)
WINDOW = 150
codes = st.sampled_from([ASSEN, AA_EN_HUNZE, EMMEN])


@st.composite
def stay_sets(draw: st.DrawFn) -> list[StayRecord]:
    result = []
    for index in range(draw(st.integers(0, 14))):
        start = FIRST + timedelta(days=draw(st.integers(0, WINDOW)))
        length = draw(st.one_of(st.none(), st.integers(0, 60)))
        product = draw(st.sampled_from(sorted(PRODUCTS)))
        kind = PRODUCTS[product][1]
        result.append(
            stay(
                start,
                None if length is None else start + timedelta(days=length),
                # Few clients, so that stays meet, overlap and follow each other.
                client=f"c{draw(st.integers(0, 3)) if index else 0}",
                product=product,
                financing=draw(st.sampled_from(["ZIN", "PGB"])),
                provider=draw(st.sampled_from(["P1", "P2"])),
                responsible=draw(codes),
                location=draw(codes),
                category="mo"
                if kind == "MO"
                else draw(st.sampled_from(["overgangsclient", "nieuwe_client", ""])),
                reason=draw(st.sampled_from([None, "Wlz", "zelfstandig wonen"])),
            )
        )
    return result


periods = st.tuples(st.integers(0, WINDOW + 20), st.integers(0, 60)).map(
    lambda t: (FIRST + timedelta(days=t[0]), FIRST + timedelta(days=t[0] + t[1]))
)
scopes = st.sampled_from(["all", "BW", "MO"])


def in_care(stays, scope, day):
    return {
        s.client
        for s in stays
        if (scope == "all" or s.kind == scope)
        and s.start <= day
        and (s.end is None or day <= s.end)
    }


def assert_identity(figures):
    f = figures
    assert f.in_care_at_end.total == (
        f.in_care_at_start.total + f.instroom.total - f.uitstroom.total
    )
    for name in f.in_care_at_start.by:
        values = f.in_care_at_start.by[name]
        for table in (f.in_care_at_end, f.instroom, f.uitstroom):
            assert table.by[name].keys() == values.keys()
            assert sum(table.by[name].values()) == table.total
        moved = f.doorstroom.by[name]
        assert sum(io["in"] for io in moved.values()) == sum(io["out"] for io in moved.values())
        for value in values:
            assert f.in_care_at_end.by[name][value] == (
                f.in_care_at_start.by[name][value]
                + f.instroom.by[name][value]
                - f.uitstroom.by[name][value]
                + moved[value]["in"]
                - moved[value]["out"]
            ), (name, value)
    assert sum(f.uitstroom.by["reason"].values()) == f.uitstroom.total
    assert sum(f.doorstroom.direction.values()) == f.doorstroom.total
    if "product" in f.doorstroom.by:
        assert sum(io["in"] for io in f.doorstroom.by["product"].values()) == f.doorstroom.total


@PROPERTY
@given(stay_sets(), periods, scopes)
def test_identity_holds_for_the_total_and_every_breakdown_value(stays, period, scope):
    start, end = period
    figures = flow_figures(stays, start=start, end=end, scope=scope)
    assert_identity(figures)

    # The totals against a day-by-day count from the definitions.
    assert figures.in_care_at_start.total == len(in_care(stays, scope, start))
    assert figures.in_care_at_end.total == len(in_care(stays, scope, end))
    entries = exits = 0
    day = start
    while day < end:
        before, after = in_care(stays, scope, day), in_care(stays, scope, day + ONE_DAY)
        entries += len(after - before)
        exits += len(before - after)
        day += ONE_DAY
    assert (figures.instroom.total, figures.uitstroom.total) == (entries, exits)

    # Per product on the last day: the stay that started last, then the heaviest, counts.
    expected = attributed_products(stays, scope, end)
    if expected is not None:
        shown = {p: n for p, n in figures.in_care_at_end.by["product"].items() if n}
        assert shown == expected


def attributed_products(stays, scope, day):
    """Clients per product on ``day``; ``None`` when a tie needs the last tie-breakers."""
    counts = {}
    for client in {s.client for s in stays}:
        covering = [
            s
            for s in stays
            if s.client == client
            and (scope == "all" or s.kind == scope)
            and s.start <= day
            and (s.end is None or day <= s.end)
        ]
        if not covering:
            continue
        keys = sorted(((s.start, s.product_rank) for s in covering), reverse=True)
        best = [s for s in covering if (s.start, s.product_rank) == keys[0]]
        if len({s.product for s in best}) > 1:
            return None
        counts[best[0].product] = counts.get(best[0].product, 0) + 1
    return counts


@QUICK
@given(stay_sets(), scopes)
def test_episodes_cover_exactly_the_days_in_care(stays, scope):
    found = episodes(stays, scope=scope)
    last = FIRST + timedelta(days=WINDOW + 70)
    for client in {s.client for s in stays}:
        own = [e for e in found if e.client == client]
        for a, b in pairwise(own):
            assert a.end is not None and a.end + ONE_DAY < b.start  # a day out of care between
        day = FIRST
        while day <= last:
            covered = any(e.start <= day and (e.end is None or day <= e.end) for e in own)
            assert covered == (client in in_care(stays, scope, day))
            day += ONE_DAY


@QUICK
@given(
    stay_sets(),
    periods,
    st.sampled_from(["month", "quarter"]),
    st.sampled_from([None, *BREAKDOWNS]),
)
def test_series_stocks_chain_and_flows_add_up(stays, period, step, breakdown):
    start, end = period
    result = series(
        stays, start=start, end=end + timedelta(days=90), step=step, breakdown=breakdown
    )
    assert result[0].start == start
    names = () if breakdown is None else (breakdown,)
    for previous, current in pairwise(result):
        assert previous.end == current.start
        assert nonzero(previous.figures.in_care_at_end) == nonzero(current.figures.in_care_at_start)
    for period_ in result:
        alone = flow_figures(
            stays, start=period_.start, end=period_.end, breakdowns=names, scope="all"
        )
        assert period_.figures == alone
    whole = flow_figures(stays, start=result[0].start, end=result[-1].end, breakdowns=())
    assert sum(p.figures.instroom.total for p in result) == whole.instroom.total
    assert sum(p.figures.uitstroom.total for p in result) == whole.uitstroom.total
    assert sum(p.figures.doorstroom.total for p in result) == whole.doorstroom.total


def nonzero(counts):
    """The total and the breakdown values with a count (each period lists its own values)."""
    return counts.total, {
        name: {value: n for value, n in values.items() if n} for name, values in counts.by.items()
    }


def random_stays(n, seed=7):
    rng = random.Random(seed)
    names = sorted(PRODUCTS)
    result = []
    client = 0
    while len(result) < n:
        client += 1
        day = date(2016, 1, 1) + timedelta(days=rng.randrange(3650))
        for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):
            end = None if rng.random() < 0.2 else day + timedelta(days=rng.randrange(1, 1500))
            result.append(
                stay(
                    day,
                    end,
                    client=f"c{client}",
                    product=rng.choice(names),
                    financing=rng.choice(["ZIN", "PGB"]),
                    provider=f"P{rng.randrange(30)}",
                    responsible=f"GM{rng.randrange(100, 140):04d}",
                    location=f"GM{rng.randrange(100, 140):04d}",
                    reason=rng.choice([None, "Wlz", "zelfstandig wonen"]),
                )
            )
            if end is None:
                break
            day = end + timedelta(days=rng.choice([1, 1, 2, 30, -10]))
    return result


def test_identity_holds_on_fifty_thousand_stays():
    # Speed is measured by `make bench`; here only that large inputs stay correct.
    figures = flow_figures(random_stays(50_000), start=date(2020, 1, 1), end=date(2024, 12, 31))
    assert_identity(figures)
