"""The forecast model: counts from episodes, pooling, Monte Carlo, scenarios, backtest."""

import calendar
import dataclasses
import itertools
import warnings
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwmo.rules import monitor
from bwmo.rules.forecast import (
    BANDS,
    EXITS,
    History,
    Scenario,
    ScenarioError,
    Simulation,
    backtest,
    band_of,
    capacity_rows,
    first_forecast_year,
    first_shortages,
    fit,
    history_from_episodes,
    parse_scenario,
    simulate,
    summarize,
)
from bwmo.rules.forecast.synthetic import DEMO_STATES, synthetic_history

STATES = DEMO_STATES
S, B, K = len(STATES), len(BANDS), len(STATES) + len(EXITS)

# A warning of the model (a 0/0, an overflow) is a defect: it fails the test.
pytestmark = pytest.mark.filterwarnings(r"error:::bwmo\.rules\.forecast")


def _stay(client, start, end, product, responsible="GM0106", reason=None):
    return monitor.StayRecord(
        client=client,
        start=start,
        end=end,
        kind=product[:2],
        product=product,
        product_rank=1,
        financing="ZIN",
        provider="A",
        responsible=responsible,
        location=responsible,
        outflow_reason=reason,
    )


def test_counts_from_episodes():
    stays = [
        # In care before the start, steps down on 15 March, leaves for the Wlz in May.
        _stay("a", date(2019, 6, 1), date(2020, 3, 14), "BW001"),
        _stay("a", date(2020, 3, 15), date(2020, 5, 10), "BW003", reason="wlz"),
        # Enters in February 2020 and is still in care at the cut-off.
        _stay("b", date(2020, 2, 10), None, "BW002", responsible="GM1680"),
        # Another municipality outside the list: not counted.
        _stay("c", date(2020, 2, 10), None, "BW002", responsible="GM9999"),
    ]
    history = history_from_episodes(
        monitor.episodes(stays),
        start=date(2020, 1, 1),
        cutoff=date(2020, 7, 1),
        municipalities=["GM0106", "GM1680"],
        states=STATES,
    )
    assert history.months == 6 and history.cutoff == date(2020, 7, 1)
    bw1, bw2, bw3 = 0, 1, 2
    # a: BW001 on Jan, Feb, Mar 1 (7, 8, 9 months in it: band 1), BW003 on Apr and May 1.
    assert history.stock[0, :, bw1].sum(axis=1).tolist() == [1, 1, 1, 0, 0, 0, 0]
    assert history.stock[0, :, bw3].sum(axis=1).tolist() == [0, 0, 0, 1, 1, 0, 0]
    assert history.stock[0, 0, bw1, band_of(7)] == 1
    assert history.transitions[0, 2, bw1, band_of(9), bw3] == 1  # the step down
    assert history.transitions[0, 4, bw3, 0, S + EXITS.index("wlz")] == 1
    # b enters in February (in care from the 1 March snapshot) and stays.
    assert history.inflow[1, 1, bw2] == 1
    assert history.inflow.sum() == 1
    assert history.stock[1, -1, bw2].sum() == 1
    # Every snapshot but the last one leads to exactly one transition.
    assert history.transitions.sum() == history.stock[:, :-1].sum()


def test_history_round_trip_and_digest():
    history = synthetic_history(municipalities=3, months=14, seed=3)
    again = History.from_bytes(history.to_bytes())
    assert again.digest() == history.digest()
    assert np.array_equal(again.transitions, history.transitions)
    assert history.truncated(date(2018, 1, 1)).digest() != history.digest()


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(0, 40), min_size=3 * S * B * K, max_size=3 * S * B * K),
    afschalen=st.floats(-99, 500),
    wlz=st.floats(-100, 1000),
)
def test_transition_probabilities_sum_to_one(counts, afschalen, wlz):
    array = np.array(counts, dtype=np.int64).reshape(3, 1, S, B, K)
    history = History(
        start=date(2020, 1, 1),
        municipalities=("A", "B", "C"),
        states=STATES,
        stock=np.zeros((3, 2, S, B), dtype=np.int64),
        transitions=array,
        inflow=np.zeros((3, 1, S), dtype=np.int64),
    )
    fitted = fit(history)
    assert np.allclose(fitted.probabilities.sum(axis=-1), 1)
    assert (fitted.probabilities >= 0).all()
    changed = Scenario(afschalen_pct=afschalen, wlz_pct=wlz).apply_to_probabilities(
        fitted.probabilities, STATES
    )
    assert np.allclose(changed.sum(axis=-1), 1)
    assert (changed >= -1e-12).all()
    assert ((fitted.transition_weight >= 0) & (fitted.transition_weight <= 1)).all()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), afschalen=st.floats(0, 200))
def test_without_inflow_the_stock_only_falls(seed, afschalen):
    history = synthetic_history(municipalities=3, months=24, seed=seed % 50)
    simulation = simulate(
        history,
        fit(history),
        years=4,
        runs=20,
        seed=seed,
        scenario=Scenario(afschalen_pct=afschalen),
        inflow=False,
    )
    total = simulation.clients.sum(axis=-1)  # run, municipality, year
    start = history.stock[:, -1].sum(axis=(1, 2))
    assert (total[:, :, 0] <= start[None] + 1e-3).all()
    assert (np.diff(total, axis=2) <= 1e-3).all()


def test_more_runs_narrow_the_monte_carlo_error():
    history = synthetic_history(municipalities=2, months=36, seed=5)
    fitted = fit(history)

    def spread(runs):
        medians = []
        for seed in range(12):
            result = simulate(history, fitted, years=3, runs=runs, seed=seed)
            medians.append(np.median(result.clients.sum(axis=(1, 3))[:, -1]))
        return np.std(medians)

    assert spread(400) < spread(10)


def test_pooling_weight_goes_to_the_region_as_history_shrinks():
    history = synthetic_history(municipalities=6, months=48, seed=8)
    weights = []
    for share in (1.0, 0.3, 0.05, 0.0):
        transitions = history.transitions.copy()
        transitions[0] = np.floor(transitions[0] * share).astype(np.int64)
        fitted = fit(
            History(
                start=history.start,
                municipalities=history.municipalities,
                states=history.states,
                stock=history.stock,
                transitions=transitions,
                inflow=history.inflow,
            )
        )
        weights.append(fitted.transition_weight[0])
    for before, after in itertools.pairwise(weights):
        assert (after >= before - 1e-12).all()
    assert np.allclose(weights[-1], 1.0)
    # Without history, the municipality gets exactly the region's probabilities.
    assert weights[0].mean() < 1.0


def test_a_region_of_one_municipality_fits_without_a_warning():
    """With one municipality there is no spread between municipalities: the trend's
    between-municipality variance is 0 (it was 0/0, a RuntimeWarning, before)."""
    history = synthetic_history(municipalities=1, months=36, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted = fit(history)
    assert np.isfinite(fitted.inflow_trend).all() and np.isfinite(fitted.inflow_trend_se).all()
    assert np.allclose(fitted.inflow_weight, 1.0)


def test_inflow_trend_pooled_towards_the_region():
    history = synthetic_history(municipalities=6, months=48, seed=9)
    fitted = fit(history)
    assert ((fitted.inflow_weight >= 0) & (fitted.inflow_weight <= 1)).all()
    assert (np.abs(fitted.inflow_trend) <= np.log(1.25) / 12 + 1e-12).all()
    assert np.isclose(fitted.season.mean(), 0)


def test_same_inputs_and_seed_give_identical_output():
    history = synthetic_history(municipalities=4, months=36, seed=2)
    one = summarize(simulate(history, fit(history), years=3, runs=100, seed=42))
    two = summarize(simulate(history, fit(history), years=3, runs=100, seed=42))
    other = summarize(simulate(history, fit(history), years=3, runs=100, seed=43))
    assert one == two
    assert one != other


def test_summary_rows_and_percentiles_ordered():
    history = synthetic_history(municipalities=2, months=36, seed=2)
    rows = summarize(simulate(history, fit(history), years=2, runs=50, seed=1))
    # (2 municipalities + region) × 2 years × (9 products + BW + MO + all)
    assert len(rows) == 3 * 2 * (S + 3)
    for row in rows:
        assert row.clients_p10 <= row.clients_p50 <= row.clients_p90
        assert row.cost_p10 <= row.cost_p50 <= row.cost_p90
    region_all = [r for r in rows if r.municipality is None and r.product is None]
    by_municipality = [r for r in rows if r.municipality is not None and r.product is None]
    assert region_all[0].clients_p50 == pytest.approx(
        sum(r.clients_p50 for r in by_municipality if r.year == region_all[0].year), rel=0.1
    )


def test_scenarios_move_the_forecast_the_expected_way():
    history = synthetic_history(municipalities=3, months=48, seed=4)
    fitted = fit(history)

    def total(scenario, product=None, **kw):
        result = simulate(history, fitted, years=3, runs=200, seed=7, scenario=scenario, **kw)
        clients = result.clients if product is None else result.clients[..., [product]]
        return float(np.median(clients.sum(axis=(1, 3))[:, -1]))

    base = Scenario()
    assert total(Scenario(inflow_pct=-50)) < total(base) < total(Scenario(inflow_pct=50))
    assert total(Scenario(wlz_pct=200)) < total(base)
    # Step-down faster: fewer clients in the intramural product, more in lighter ones.
    assert total(Scenario(afschalen_pct=100), product=0) < total(base, product=0)
    assert total(Scenario(intramural_pct=50), product=0) < total(base, product=0)
    base_cost = simulate(history, fitted, years=3, runs=50, seed=1).cost.sum()
    indexed = simulate(history, fitted, years=3, runs=50, seed=1, indexation_pct=3).cost.sum()
    assert indexed > base_cost


def test_capacity_caps_the_product_and_moves_the_rest_down():
    history = synthetic_history(municipalities=3, months=48, seed=4)
    fitted = fit(history)
    closing = parse_scenario(
        {"capacity": [{"product": "BW001", "places": -10, "from": "2021-01-01"}]},
        products=[s.code for s in STATES],
    )
    base = simulate(history, fitted, years=2, runs=50, seed=1)
    closed = simulate(history, fitted, years=2, runs=50, seed=1, scenario=closing)
    cap = history.stock[:, -1, 0].sum() - 10
    assert (closed.clients[..., 0].sum(axis=1) <= cap + 1e-3).all()
    assert np.isclose(closed.clients.sum(), base.clients.sum(), rtol=1e-5)
    # The demand is what the region would need before the cap; the cap is recorded.
    assert np.allclose(closed.demand, base.demand)
    assert (closed.demand[..., 0].sum(axis=1) > cap).any()
    assert np.allclose(closed.places[:, 0], cap) and np.isnan(closed.places[:, 1]).all()


def test_contracted_places_alone_cap_nothing():
    """The forecast is the demand: contracted places (here 5, and 0 once the contracts have
    ended) are set against it, but cap no client: a contract that ends without a decision
    on its extension does not end the care."""
    history = synthetic_history(municipalities=3, months=48, seed=4)
    fitted = fit(history)
    first = first_forecast_year(history.cutoff)
    base = simulate(history, fitted, years=3, runs=50, seed=1)

    def ending(product, year):
        return (5 if year == first else 0) if product in ("BW001", "BW002") else None

    contracted = simulate(history, fitted, years=3, runs=50, seed=1, places=ending)
    assert np.array_equal(contracted.clients, base.clients)
    assert not contracted.not_placed.any()
    totals = summarize(contracted)
    region = [r for r in totals if r.municipality is None and r.product is None]
    assert len(region) == 3 and all(r.clients_p50 > 0 and r.cost_p50 > 0 for r in region)
    # The places are set against the demand, so the shortage shows.
    assert np.allclose(contracted.places[:, 0], [5, 0, 0])
    short = first_shortages(capacity_rows(contracted))
    assert short["BW001"].year == first and short["BW001"].short_p50 > 0


def test_a_closing_after_the_contracts_end_works_on_the_last_known_places():
    history = synthetic_history(municipalities=3, months=48, seed=4)
    fitted = fit(history)
    first = first_forecast_year(history.cutoff)
    closing = parse_scenario(
        {"capacity": [{"product": "BW001", "places": -10, "from": f"{first + 1}-01-01"}]},
        products=[s.code for s in STATES],
    )
    # 40 places until the contracts end after the first year; then not known.
    run = simulate(
        history,
        fitted,
        years=3,
        runs=20,
        seed=1,
        scenario=closing,
        places=lambda p, y: (40 if y == first else None) if p == "BW001" else None,
    )
    assert np.allclose(run.places[:, 0], [40, 30, 30])
    assert (run.clients[:, :, 1:, 0].sum(axis=1) <= 30 + 1e-3).all()


def _hand_made(demand_by_year, places):
    """A simulation of 11 runs and one product whose demand in year y is ``base + run``."""
    years = tuple(range(2027, 2027 + len(demand_by_year)))
    runs = np.arange(11, dtype=np.float32)  # 0..10: P50 = base + 5, P90 = base + 9
    demand = np.stack([base + runs for base in demand_by_year], axis=1)[..., None]
    return Simulation(
        municipalities=("GM0106",),
        states=STATES[:1],
        years=years,
        clients=demand[:, None].copy(),
        cost_per_client=np.ones((len(years), 1)),
        not_placed=np.zeros((11, len(years)), dtype=np.float32),
        demand=demand,
        places=np.array(places, dtype=float)[:, None],
    )


def test_demand_against_places_by_hand():
    # Demand P50 per year: 25, 30, 35; P90: 29, 34, 39. Places: 32 every year.
    rows = capacity_rows(_hand_made([20, 25, 30], [32, 32, 32]))
    assert [(r.year, r.places, r.demand_p50, r.demand_p90) for r in rows] == [
        (2027, 32, 25, 29),
        (2028, 32, 30, 34),
        (2029, 32, 35, 39),
    ]
    assert [(r.short_p50, r.short_p90) for r in rows] == [(0, 0), (0, 2), (3, 7)]
    short = first_shortages(rows)
    assert list(short) == ["BW001"] and short["BW001"].year == 2029
    assert short["BW001"].short_p50 == 3
    # Unknown places: demand is shown, no shortage is claimed.
    unknown = capacity_rows(_hand_made([20, 25, 30], [np.nan] * 3))
    assert all(r.places is None and r.short_p50 is None for r in unknown)
    assert first_shortages(unknown) == {}


def test_a_closed_location_works_on_the_contracted_places():
    history = synthetic_history(municipalities=3, months=48, seed=4)
    fitted = fit(history)
    first = first_forecast_year(history.cutoff)
    # 40 places contracted; 10 close on 1 July of the first year, 20 more from its next.
    closing = parse_scenario(
        {
            "capacity": [
                {"product": "BW001", "places": -10, "from": f"{first}-07-01"},
                {"product": "BW001", "places": -20, "from": f"{first + 1}-01-01"},
            ]
        },
        products=[s.code for s in STATES],
    )
    run = simulate(
        history,
        fitted,
        years=2,
        runs=20,
        seed=1,
        scenario=closing,
        places=lambda p, y: 40 if p == "BW001" else None,
    )
    days = 366 if calendar.isleap(first) else 365
    remaining = (date(first, 12, 31) - date(first, 7, 1)).days + 1
    assert np.isclose(run.places[0, 0], 40 - 10 * remaining / days)
    assert np.isclose(run.places[1, 0], 10)


def test_a_malformed_scenario_lists_every_error():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(
            {
                "afschalen": 20,
                "inflow_pct": "veel",
                "intramural_pct": 150,
                "ingroeipad_delay_years": 1.5,
                "capacity": [{"product": "XX", "places": 0, "from": "1 januari"}, 3],
            },
            products=["BW001"],
        )
    errors = caught.value.errors
    assert len(errors) == 8, errors
    assert any(e.startswith("afschalen:") for e in errors)
    assert any(e.startswith("capacity[0].from") for e in errors)
    assert any(e.startswith("capacity[1]") for e in errors)
    assert parse_scenario({"name": "afschalen 20% sneller", "afschalen_pct": 20}, products=[]) == (
        Scenario(name="afschalen 20% sneller", afschalen_pct=20.0)
    )
    with pytest.raises(ScenarioError):
        parse_scenario([], products=[])


def test_backtest_figures():
    history = synthetic_history(municipalities=4, months=72, seed=6)
    rows = backtest(history, runs=100, seed=1)
    assert [row.horizon for row in rows] == [1, 2]
    for row in rows:
        assert row.n > 0
        assert 0 <= row.coverage_clients <= 1 and 0 <= row.coverage_cost <= 1
        assert 0 <= row.mape_clients < 0.5


def test_year_to_year_drift_of_the_leave_rate():
    history = synthetic_history(municipalities=6, months=72, seed=12)
    steady = fit(history).leave_drift
    transitions = history.transitions.copy()
    overig = S + EXITS.index("overig")
    for year in range(0, 6, 2):  # every other year twice as many leave BW001
        block = transitions[:, 12 * year : 12 * (year + 1), 0]
        moved = block[..., 0] // 10
        block[..., 0] -= moved
        block[..., overig] += moved
    varying = fit(
        History(
            start=history.start,
            municipalities=history.municipalities,
            states=history.states,
            stock=history.stock,
            transitions=transitions,
            inflow=history.inflow,
        )
    ).leave_drift
    assert varying[0] > steady[0] + 0.1
    assert ((steady >= 0) & (steady <= 1)).all()


def test_the_chance_of_which_client_leaves_is_simulated():
    """One product, 100 clients, a well-known monthly leave rate of 0.1 and one shared set of
    rates: the runs still differ, by the binomial chance of each client (the model that
    carried the stock forward in expectation gave every run the same number)."""
    state = STATES[:1]
    n_k = 1 + len(EXITS)
    months = 24
    transitions = np.zeros((1, months, 1, B, n_k), dtype=np.int64)
    transitions[0, :, 0, :, 0] = 9_000  # stays
    transitions[0, :, 0, :, 1 + EXITS.index("zelfstandig")] = 1_000  # leaves: 0.1 a month
    stock = np.zeros((1, months + 1, 1, B), dtype=np.int64)
    stock[0, -1, 0, 0] = 100
    history = History(
        start=date(2024, 1, 1),
        municipalities=("GM0106",),
        states=state,
        stock=stock,
        transitions=transitions,
        inflow=np.zeros((1, months, 1), dtype=np.int64),
    )
    fitted = fit(history)
    result = simulate(history, fitted, years=1, runs=2000, seed=3, inflow=False, parameter_draws=1)
    total = result.clients[:, 0, 0, 0].astype(float) * 12  # client-months in the year
    # Per client X = number of the year's 12 snapshots still in care; snapshot t is t months
    # after the cut-off (t = 0 the cut-off itself, 1 January of the year).
    q = 1 - float(fitted.probabilities[0, 0, 0, 1 + EXITS.index("zelfstandig")])
    alive = q ** np.arange(12)
    mean = 100 * alive.sum()
    second = sum(q ** max(a, b) for a in range(12) for b in range(12))
    variance = 100 * (second - alive.sum() ** 2)
    assert total.mean() == pytest.approx(mean, rel=0.02)
    assert total.std() == pytest.approx(np.sqrt(variance), rel=0.1)


def test_the_band_covers_about_80_percent_of_synthetic_history():
    """History drawn from known, fixed rates: the backtest's P10–P90 band holds about 80% of
    what happened (0.65–0.95 over 280 municipality-years of two histories; the band was too
    narrow when the chance of which client leaves when was left out)."""
    inside, total = 0.0, 0
    for seed in (1, 2):
        history = synthetic_history(municipalities=20, months=72, seed=seed)
        for row in backtest(history, runs=200, seed=1):
            inside += row.coverage_clients * row.n
            total += row.n
    assert total == 280
    assert 0.65 <= inside / total <= 0.95


def test_time_in_care_of_the_clients_at_the_cutoff_drawn_one_by_one():
    """Both ways of finding a client's snapshots in care (a search for few clients, a table
    for many) agree with counting, client by client, the snapshots where alive > U."""
    import sys

    simulate_module = sys.modules["bwmo.rules.forecast.simulate"]
    rng = np.random.default_rng(0)
    alive = np.sort(rng.random((5, 3, 30)), axis=2)[..., ::-1].copy()
    alive[..., 0] = 1.0
    in_year = np.clip(np.arange(31)[:, None] - (6 + 12 * np.arange(2))[None], 0, 12)
    in_year = in_year.astype(np.float32)
    run_sets = np.repeat(np.arange(3), 4)
    for sizes in ([3, 0, 7, 1, 4], [300, 0, 700, 100, 400]):
        owner = np.repeat(np.arange(5, dtype=np.int32), sizes)
        drawn = simulate_module._stock_months(
            np.random.default_rng(1), owner, alive, run_sets, in_year
        )
        numbers = np.random.default_rng(1).integers(0, simulate_module.TABLE, (12, owner.size))
        u = (numbers + 0.5) / simulate_module.TABLE
        expected = np.zeros_like(drawn)
        for i, d in enumerate(run_sets):
            last = (alive[owner, d] > u[i][:, None]).sum(axis=1)
            np.add.at(expected[i], owner, in_year[last])
        assert np.array_equal(drawn, expected)
        assert (np.diff(drawn, axis=2) <= 0).all()  # a cohort's count never rises


def test_the_inflow_trend_is_damped():
    from bwmo.rules.forecast.fit import MAX_YEARLY_GROWTH, TREND_HALF_LIFE, damped_months

    months = np.arange(0, 121)
    carried = damped_months(months)
    phi = 0.5 ** (1 / TREND_HALF_LIFE)
    assert carried[0] == 0 and np.all(np.diff(carried) > 0)
    assert np.all(carried[1:] < months[1:]) and carried[-1] < phi / (1 - phi)
    # Each month's step is the one before times φ: it halves every half-life.
    assert np.allclose(np.diff(carried)[1:] / np.diff(carried)[:-1], phi)
    assert np.array_equal(damped_months(months, half_life=float("inf")), months)

    # A region whose inflow grew at the cap (25% a year) up to the cut-off: the forecast
    # carries the growth on for a while, then the inflow levels off (a straight trend would
    # grow it 25% every year, for ten years).
    history = synthetic_history(municipalities=3, months=48, seed=4)
    fitted = fit(history)
    growing = dataclasses.replace(
        fitted,
        inflow_trend=np.full_like(fitted.inflow_trend, np.log(MAX_YEARLY_GROWTH) / 12),
        inflow_trend_se=np.zeros_like(fitted.inflow_trend_se),
    )
    run = simulate(history, growing, years=6, runs=50, seed=1)
    region = run.clients.sum(axis=(1, 3)).mean(axis=0)  # per year
    assert region[5] / region[4] < 1.02


def test_the_cut_off_year_so_far_joins_the_history_to_the_forecast():
    from bwmo.rules.forecast import actual_year, current_year

    # 2017-01-01 + 107 months: cut-off 1 December 2025, 12 snapshots of 2025 known.
    history = synthetic_history(municipalities=3, months=107, seed=4)
    assert history.cutoff == date(2025, 12, 1)
    year, snapshots, clients, cost = current_year(history)
    assert (year, snapshots) == (2025, 12) and first_forecast_year(history.cutoff) == 2026
    t0 = history.snapshot(date(2025, 1, 1))
    expected = history.stock[:, t0:].sum(axis=(1, 2, 3)) / 12
    assert np.allclose(clients, expected)
    # Up to 1 May: the average of five monthly counts, the cost on a yearly basis.
    may = history.truncated(date(2025, 5, 1))
    year, snapshots, clients, cost = current_year(may)
    assert (year, snapshots) == (2025, 5)
    by_state = may.stock[:, t0 : t0 + 5].sum(axis=(1, 3)) / 5
    rates = np.array([s.day_rate for s in may.states])
    assert np.allclose(cost, (by_state * rates * 365).sum(axis=1))
    # A cut-off on 1 January: the forecast starts that year, nothing is partial.
    january = history.truncated(date(2025, 1, 1))
    assert current_year(january) is None and first_forecast_year(january.cutoff) == 2025
    full_clients, _cost = actual_year(history, 2024)
    assert full_clients.shape == clients.shape
    # A history that starts after 1 January of the cut-off year has no such year.
    short = synthetic_history(municipalities=1, months=3, seed=1, start=date(2025, 2, 1))
    assert current_year(short) is None
