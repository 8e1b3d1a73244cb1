"""Properties of the woonplaats engine that must hold for every case, not only the examples."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bwmo.rules.dates import add_months
from bwmo.rules.woonplaats import (
    BRP_KINDS,
    BrpPeriod,
    CarePeriod,
    Case,
    Decision,
    DisputeAdvice,
    RuleSet,
    decide,
)

PROPERTY = settings(max_examples=200, deadline=None)
# For properties whose input space is small (one comparison with the start date).
QUICK = settings(max_examples=100, deadline=None)

CODES = [f"GM{n:04d}" for n in (106, 109, 114, 118, 119, 1680, 1681, 1690, 1699, 1701, 1730, 1731)]
FIRST_DAY, LAST_DAY = date(2018, 1, 1), date(2031, 12, 31)
ONE_DAY = timedelta(days=1)

codes = st.sampled_from(CODES)
days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
application_days = st.dates(min_value=date(2023, 1, 1), max_value=LAST_DAY)
# Register-like histories: mostly woonadres and instelling.
timeline_kinds = st.sampled_from(["woonadres", "woonadres", "instelling", "instelling", *BRP_KINDS])
# Mostly the bill's 12 months; 0 (only a running stay counts) is the edge worth hitting.
lookbacks = st.one_of(st.sampled_from([12, 12, 0, 1, 6]), st.integers(min_value=0, max_value=24))
rule_sets = st.builds(
    RuleSet,
    start_date=st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
    lookback_months=lookbacks,
)


def outcome(decision: Decision) -> tuple[str, str, str, str, bool]:
    """The decision without its trace (which may mention the records that did not count)."""
    return (
        decision.responsible,
        decision.category,
        decision.rule,
        decision.basis,
        decision.woonplaats_onbekend,
    )


@st.composite
def spans(draw: st.DrawFn) -> tuple[date, date | None]:
    start = draw(days)
    if draw(st.integers(0, 4)) == 0:
        return start, None
    return start, start + timedelta(days=draw(st.integers(0, 2500)))


@st.composite
def brp_periods(draw: st.DrawFn) -> BrpPeriod:
    start, end = draw(spans())
    return BrpPeriod(draw(codes), start, end, draw(st.sampled_from(BRP_KINDS)))


@st.composite
def care_periods(draw: st.DrawFn, kinds: tuple[str, ...] = ("BW", "BW", "MO")) -> CarePeriod:
    start, end = draw(spans())
    return CarePeriod(draw(st.sampled_from(kinds)), start, end, draw(codes), draw(codes))


@st.composite
def brp_timelines(draw: st.DrawFn) -> tuple[BrpPeriod, ...]:
    """A BRP history as the register keeps it: one registration at a time, gaps allowed."""
    day = draw(st.dates(min_value=date(2016, 1, 1), max_value=date(2024, 12, 31)))
    periods = []
    for _ in range(draw(st.integers(1, 6))):
        day += timedelta(days=draw(st.integers(0, 60)))
        end = day + timedelta(days=draw(st.integers(0, 400)))
        periods.append(BrpPeriod(draw(codes), day, end, draw(timeline_kinds)))
        day = end + ONE_DAY
    if draw(st.booleans()):
        periods[-1] = replace(periods[-1], end=None)
    if draw(st.booleans()):  # most people have lived somewhere before
        periods[0] = replace(periods[0], kind="woonadres")
    return tuple(periods)


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    product: str | None = None,
    advice: bool | None = None,
    brp: st.SearchStrategy[tuple[BrpPeriod, ...]] | None = None,
) -> Case:
    dispute_advice = None
    if advice or (advice is None and draw(st.integers(0, 5)) == 0):
        dispute_advice = DisputeAdvice(draw(codes), draw(days))
    return Case(
        id="p",
        product=product or draw(st.sampled_from(["BW", "BW", "BW", "MO"])),
        application_date=draw(application_days),
        applied_to=draw(codes),
        centrumgemeente=draw(codes),
        brp=draw(brp if brp is not None else st.lists(brp_periods(), max_size=5).map(tuple)),
        care=tuple(draw(st.lists(care_periods(), max_size=4))),
        dispute_advice=dispute_advice,
    )


# --- what the engine may answer ---------------------------------------------------------


@PROPERTY
@given(case=cases(), rules=rule_sets)
def test_responsible_is_a_municipality_from_the_input(case: Case, rules: RuleSet) -> None:
    # Care locations are left out on purpose: where the care was delivered never decides.
    candidates = {case.applied_to, case.centrumgemeente}
    candidates |= {p.municipality for p in case.brp}
    candidates |= {p.provided_by for p in case.care}
    if case.dispute_advice is not None:
        candidates.add(case.dispute_advice.responsible)
    decision = decide(case, rules)
    assert decision.responsible in candidates
    assert decision.woonplaats_onbekend == (decision.rule == "D")
    assert decision.trace[-1].endswith(f"→ {decision.basis}")


@PROPERTY
@given(data=st.data(), case=cases(), rules=rule_sets, other=codes)
def test_record_order_does_not_matter(
    data: st.DataObject, case: Case, rules: RuleSet, other: str
) -> None:
    # Records with the same dates (but another municipality) are where order could sneak in.
    twins = data.draw(st.lists(st.sampled_from(case.care), max_size=2)) if case.care else []
    brp_twins = data.draw(st.lists(st.sampled_from(case.brp), max_size=2)) if case.brp else []
    case = replace(
        case,
        brp=case.brp + tuple(replace(p, municipality=other) for p in brp_twins),
        care=case.care + tuple(replace(p, provided_by=other) for p in twins),
    )
    shuffled = replace(
        case,
        brp=tuple(data.draw(st.permutations(case.brp))),
        care=tuple(data.draw(st.permutations(case.care))),
    )
    assert decide(shuffled, rules) == decide(case, rules)


# --- records that cannot matter ---------------------------------------------------------


@PROPERTY
@given(
    case=cases(),
    extra=st.lists(care_periods(kinds=("MO",)), min_size=1, max_size=3),
    rules=rule_sets,
)
def test_mo_stays_never_matter(case: Case, extra: list[CarePeriod], rules: RuleSet) -> None:
    # Only BW counts for rules T and A; no other rule looks at care at all.
    more = replace(case, care=case.care + tuple(extra))
    assert outcome(decide(more, rules)) == outcome(decide(case, rules))


@PROPERTY
@given(
    data=st.data(),
    case=cases(),
    rules=rule_sets,
    extra_brp=st.lists(brp_periods(), max_size=2),
    extra_care=st.lists(care_periods(), max_size=2),
)
def test_records_starting_after_the_application_do_not_matter(
    data: st.DataObject,
    case: Case,
    rules: RuleSet,
    extra_brp: list[BrpPeriod],
    extra_care: list[CarePeriod],
) -> None:
    # Every rule looks at the application date or before: the registration on that day, the
    # woonadres before it, the BW running on it or ended before it. A BW stay that starts
    # later can only be appended to a chain, never change where the chain began or which
    # stay ran on the day before the start date (which is before the application).
    day = case.application_date
    assume(day < LAST_DAY)
    later = st.dates(min_value=day + ONE_DAY, max_value=LAST_DAY)
    extra_brp = [replace(p, start=data.draw(later), end=None) for p in extra_brp]
    extra_care = [replace(p, start=data.draw(later), end=None) for p in extra_care]
    more = replace(case, brp=case.brp + tuple(extra_brp), care=case.care + tuple(extra_care))
    assert outcome(decide(more, rules)) == outcome(decide(case, rules))


@PROPERTY
@given(
    case=cases(product="BW", advice=False),
    rules=rule_sets,
    gap=st.integers(0, 800),
    length=st.integers(0, 800),
    provided_by=codes,
)
def test_a_bw_stay_long_before_every_other_bw_does_not_matter(
    case: Case, rules: RuleSet, gap: int, length: int, provided_by: str
) -> None:
    # A BW stay matters through rule A (running on, or ended less than the look-back before,
    # the application) or by belonging to the chain the application joins (rule T: where the
    # chain began, who provided on the day before the start date). A stay that ends before,
    # and at least the look-back period before, both the application and the start of every
    # other BW stay is neither: it forms a chain of its own that the application does not
    # join. (Ending merely outside the look-back of the application is not enough: it could
    # still link a later stay to a chain that began before the start date.)
    bound = min([case.application_date] + [p.start for p in case.care if p.kind == "BW"])
    # The look-back ends on the day with the same number, that day included.
    latest_end = add_months(bound, -rules.lookback_months) - ONE_DAY
    end = latest_end - timedelta(days=gap)
    old = CarePeriod("BW", end - timedelta(days=length), end, provided_by, provided_by)
    assert add_months(end, rules.lookback_months) < bound
    more = replace(case, care=(old, *case.care))
    assert outcome(decide(more, rules)) == outcome(decide(case, rules))


@PROPERTY
@given(
    data=st.data(),
    case=cases(product="BW", brp=brp_timelines()),
    rules=rule_sets,
    kind=st.sampled_from(BRP_KINDS),
    municipality=codes,
    gap=st.integers(0, 800),
    length=st.integers(0, 800),
)
def test_a_brp_period_before_an_earlier_woonadres_does_not_matter(
    data: st.DataObject,
    case: Case,
    rules: RuleSet,
    kind: str,
    municipality: str,
    gap: int,
    length: int,
) -> None:
    # Take a woonadres W that began on or before the application date in a register-like
    # history (no overlaps). Any registration that ended before W began cannot matter:
    # - it does not cover the application date, so the kind on that day is unchanged;
    # - if W still runs on that day, rule W decides by W;
    # - otherwise W ended before the application, so the run of instelling periods that
    #   contains the application starts after W and cannot reach back past it, and W is a
    #   candidate for "the last woonadres before", later than anything that ended before W.
    # Rules G, MO, V, T and A do not look at the BRP at all.
    day = case.application_date
    woonadressen = [p for p in case.brp if p.kind == "woonadres" and p.start <= day]
    assume(woonadressen)
    anchor = data.draw(st.sampled_from(woonadressen))
    end = anchor.start - ONE_DAY - timedelta(days=gap)
    early = BrpPeriod(municipality, end - timedelta(days=length), end, kind)
    position = data.draw(st.integers(0, len(case.brp)))
    more = replace(case, brp=(*case.brp[:position], early, *case.brp[position:]))
    assert decide(more, rules) == decide(case, rules)


# --- the start date ---------------------------------------------------------------------


@QUICK
@given(case=cases(product="BW", advice=False), rules=rule_sets)
def test_v_applies_exactly_before_the_start_date(case: Case, rules: RuleSet) -> None:
    decision = decide(case, rules)
    assert (decision.rule == "V") == (case.application_date < rules.start_date)
    if decision.rule == "V":
        assert decision.responsible == case.centrumgemeente


@QUICK
@given(case=cases(product="BW", advice=False), lookback=lookbacks)
def test_moving_the_start_date_across_the_application_switches_v(case: Case, lookback: int) -> None:
    day = case.application_date
    on_the_day = decide(case, RuleSet(start_date=day, lookback_months=lookback))
    a_day_later = decide(case, RuleSet(start_date=day + ONE_DAY, lookback_months=lookback))
    assert on_the_day.rule != "V"
    assert a_day_later.rule == "V"
    assert a_day_later.category == "overgangsclient"


@PROPERTY
@given(case=cases(), rules=rule_sets)
def test_category_follows_the_product(case: Case, rules: RuleSet) -> None:
    # MO cost must never land in a BW budget stream, whichever rule decides (G included).
    decision = decide(case, rules)
    assert (decision.category == "mo") == (case.product == "MO")


@QUICK
@given(case=cases(product="BW", advice=True), rules=rule_sets)
def test_dispute_advice_always_decides(case: Case, rules: RuleSet) -> None:
    assert case.dispute_advice is not None
    decision = decide(case, rules)
    assert (decision.rule, decision.responsible) == ("G", case.dispute_advice.responsible)


# --- the look-back boundary -------------------------------------------------------------


def _after_bw(ended: date, applied: date, lookback: int = 12) -> Decision:
    """A BW stay (begun after the start date, so rule A rather than T) ended on ``ended``;
    the client lives in GM0106."""
    return decide(
        Case(
            id="boundary",
            product="BW",
            application_date=applied,
            applied_to="GM0106",
            centrumgemeente="GM0106",
            brp=(BrpPeriod("GM0106", date(2000, 1, 1), None, "woonadres"),),
            care=(CarePeriod("BW", ended - timedelta(days=30), ended, "GM1731", "GM1731"),),
        ),
        RuleSet(start_date=ended - timedelta(days=30), lookback_months=lookback),
    )


@pytest.mark.parametrize(
    ("ended", "applied", "lookback", "rule"),
    [
        # The months after the last day of BW end on the day with the same number, which is
        # still inside ("minder dan twaalf maanden"); the day after is outside.
        ("2026-08-31", "2027-08-30", 12, "A"),
        ("2026-08-31", "2027-08-31", 12, "A"),
        ("2026-08-31", "2027-09-01", 12, "W"),
        # Clipped to the month end: 6 months after 2026-08-31 end on 2027-02-28.
        ("2026-08-31", "2027-02-28", 6, "A"),
        ("2026-08-31", "2027-03-01", 6, "W"),
        # 31 January + 1 month: 28 February, or 29 in a leap year.
        ("2026-01-31", "2026-02-28", 1, "A"),
        ("2026-01-31", "2026-03-01", 1, "W"),
        ("2028-01-31", "2028-02-29", 1, "A"),
        ("2028-01-31", "2028-03-01", 1, "W"),
        # 12 months after 2027-02-28 end on 2028-02-28, although 2028 has a 29 February.
        ("2027-02-28", "2028-02-28", 12, "A"),
        ("2027-02-28", "2028-02-29", 12, "W"),
        # From a leap day: 12 months end on 2029-02-28 (no 29th), 48 months on 2032-02-29.
        ("2028-02-29", "2029-02-28", 12, "A"),
        ("2028-02-29", "2029-03-01", 12, "W"),
        ("2028-02-29", "2032-02-29", 48, "A"),
        ("2028-02-29", "2032-03-01", 48, "W"),
        # 24 months after 2026-02-28 end on 2028-02-28, not on the leap day.
        ("2026-02-28", "2028-02-28", 24, "A"),
        ("2026-02-28", "2028-02-29", 24, "W"),
        # Across the turn of the year.
        ("2026-12-31", "2027-12-31", 12, "A"),
        ("2026-12-31", "2028-01-01", 12, "W"),
        # Without look-back only the stay itself counts: its last day, not the day after.
        ("2026-03-31", "2026-03-31", 0, "A"),
        ("2026-03-31", "2026-04-01", 0, "W"),
    ],
)
def test_look_back_boundary_on_month_ends_and_leap_years(
    ended: str, applied: str, lookback: int, rule: str
) -> None:
    decision = _after_bw(date.fromisoformat(ended), date.fromisoformat(applied), lookback)
    assert decision.rule == rule
    assert decision.responsible == ("GM1731" if rule == "A" else "GM0106")


@PROPERTY
@given(
    ended=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    lookback=st.integers(0, 24),
)
def test_look_back_includes_the_day_with_the_same_number(ended: date, lookback: int) -> None:
    last_inside = add_months(ended, lookback)
    assert _after_bw(ended, last_inside - ONE_DAY, lookback).rule == "A" or lookback == 0
    assert _after_bw(ended, last_inside, lookback).rule == "A"
    assert _after_bw(ended, last_inside + ONE_DAY, lookback).rule == "W"


# --- the BRP rules against a day-by-day reading -----------------------------------------


def _covering(periods: tuple[BrpPeriod, ...], day: date) -> BrpPeriod | None:
    return next((p for p in periods if p.start <= day <= (p.end or date.max)), None)


def _woonadres_on_or_before(periods: tuple[BrpPeriod, ...], day: date) -> str | None:
    """Walk back day by day to the last day with a woonadres."""
    first = min(p.start for p in periods)
    while day >= first:
        period = _covering(periods, day)
        if period is not None and period.kind == "woonadres":
            return period.municipality
        day -= ONE_DAY
    return None


@QUICK
@given(
    case=cases(product="BW", advice=False, brp=brp_timelines()).map(lambda c: replace(c, care=())),
    data=st.data(),
)
def test_brp_rules_agree_with_a_day_by_day_reading(case: Case, data: st.DataObject) -> None:
    periods = case.brp
    last = periods[-1].end or periods[-1].start
    day = data.draw(st.dates(periods[0].start - timedelta(days=30), last + timedelta(days=60)))
    case = replace(case, application_date=day)
    decision = decide(case, RuleSet(start_date=date(2000, 1, 1)))

    current = _covering(periods, day)
    if current is not None and current.kind == "woonadres":
        expected = ("W", current.municipality)
    elif current is not None and current.kind == "buitenland":
        expected = ("D", case.applied_to)
    else:
        run_start = day
        if current is not None and current.kind == "instelling":
            while (
                before := _covering(periods, run_start - ONE_DAY)
            ) and before.kind == "instelling":
                run_start -= ONE_DAY
        found = _woonadres_on_or_before(periods, run_start - ONE_DAY)
        rule = "B" if current is not None and current.kind == "instelling" else "C"
        expected = (rule, found) if found else ("D", case.applied_to)
    assert (decision.rule, decision.responsible) == expected


# --- the BW rules against a day-by-day reading of the chain ------------------------------


@st.composite
def bw_histories(draw: st.DrawFn) -> tuple[CarePeriod, ...]:
    """BW stays close enough together to form chains, overlapping now and then."""
    start = draw(st.dates(min_value=date(2022, 1, 1), max_value=date(2026, 12, 31)))
    periods = []
    for _ in range(draw(st.integers(1, 5))):
        end = None if draw(st.integers(0, 6)) == 0 else start + timedelta(draw(st.integers(0, 500)))
        periods.append(CarePeriod("BW", start, end, draw(codes), draw(codes)))
        start += timedelta(days=draw(st.integers(0, 700)))
    return tuple(periods)


def _joins_until(period: CarePeriod, lookback: int) -> date:
    """The last application date that still joins ``period``: the day with the same number
    ``lookback`` months after its last day."""
    if period.end is None:
        return date.max
    return add_months(period.end, lookback)


@PROPERTY
@given(
    data=st.data(),
    care=bw_histories(),
    lookback=lookbacks,
    home=codes,
)
def test_bw_rules_agree_with_a_day_by_day_reading(
    data: st.DataObject, care: tuple[CarePeriod, ...], lookback: int, home: str
) -> None:
    # Every stay stretches from its start to the last day an application still joins it.
    # Walking back day by day from the application, as long as one stretch holds both a
    # day and the day before, finds where the chain began, without building chains.
    day = data.draw(st.dates(care[0].start, max(p.start for p in care) + timedelta(days=800)))
    start_date = data.draw(st.dates(day - timedelta(days=1500), day))
    case = Case(
        id="bw",
        product="BW",
        application_date=day,
        applied_to=home,
        centrumgemeente=home,
        brp=(BrpPeriod(home, date(2000, 1, 1), None, "woonadres"),),
        care=care,
    )
    decision = decide(case, RuleSet(start_date=start_date, lookback_months=lookback))

    known = [p for p in care if p.start <= day]
    joining = [p for p in known if day <= _joins_until(p, lookback)]
    if not joining:
        assert decision.rule == "W"
        return
    began = day
    while any(p.start < began <= _joins_until(p, lookback) for p in known):
        began -= ONE_DAY
    chain = [p for p in known if p.start >= began]
    by_start = lambda p: (p.start, p.last_day, p.provided_by, p.location)  # noqa: E731
    by_end = lambda p: (p.last_day, p.start, p.provided_by, p.location)  # noqa: E731
    # Whoever provided BW last decides (art. 1.2.1a lid 1 sub a) ...
    running = [p for p in joining if p.covers(day)]
    source = max(running, key=by_start) if running else max(joining, key=by_end)
    assert decision.responsible == source.provided_by
    # ... and the client is an overgangscliënt when the chain began before the start date
    # and that BW is the overgangsrecht's: begun before the start date, or provided by the
    # municipality whose BW ran on the day before it (else the last one before it).
    rule = "A"
    if began < start_date:
        eve = start_date - ONE_DAY
        on_eve = [p for p in chain if p.covers(eve)]
        placer = (
            max(on_eve, key=by_start)
            if on_eve
            else max((p for p in chain if p.last_day < eve), key=by_end)
        )
        if source.start < start_date or source.provided_by == placer.provided_by:
            rule = "T"
    assert decision.rule == rule
    assert decision.category == ("overgangsclient" if rule == "T" else "nieuwe_client")
