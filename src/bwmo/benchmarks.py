"""`make bench`: times the pure rules on synthetic inputs of national size (no database),
then the iWmo ingest on a database of its own.

Speed goals live here, not in the test suite. Figures are medians of a few runs; the
machines are shared, so compare with a baseline measured in the same run.
"""

import functools
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

from bwmo.organisations.reference import MUNICIPALITIES_CSV
from bwmo.rules import forecast, monitor, woonplaats
from bwmo.rules.budget import compute_budget
from bwmo.rules.budget_params import (
    EXAMPLE_PARAMETERS,
    load_budget_parameters,
    load_reference_municipalities,
)
from bwmo.rules.suppression import suppress_figures


def _median_seconds(function, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _stays(count: int, rng: random.Random) -> list[monitor.StayRecord]:
    codes = [f"GM{n:04d}" for n in range(1, 343)]
    stays = []
    for index in range(count):
        start = date(2017, 1, 1) + timedelta(days=rng.randrange(0, 3600))
        end = None if rng.random() < 0.2 else start + timedelta(days=rng.randrange(1, 900))
        rank = rng.randrange(1, 6)
        stays.append(
            monitor.StayRecord(
                client=f"c{index // 2}",
                start=start,
                end=end,
                kind="BW" if rank > 1 else "MO",
                product=f"P{rank}",
                product_rank=rank,
                financing="ZIN",
                provider=f"A{index % 40}",
                responsible=rng.choice(codes),
                location=rng.choice(codes),
                category="",
                outflow_reason=None,
            )
        )
    return stays


def _cases(count: int, rng: random.Random) -> list[woonplaats.Case]:
    cases = []
    for index in range(count):
        home = f"GM{rng.randrange(1, 343):04d}"
        applied = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 700))
        cases.append(
            woonplaats.Case(
                id=str(index),
                product="BW",
                application_date=applied,
                applied_to="GM0106",
                centrumgemeente="GM0106",
                brp=(woonplaats.BrpPeriod(home, date(2010, 1, 1), None, "woonadres"),),
            )
        )
    return cases


@functools.cache
def _national_forecast_inputs() -> forecast.History:
    """342 synthetic municipalities with three years of monthly history (made once)."""
    from bwmo.rules.forecast.synthetic import synthetic_history

    return synthetic_history(municipalities=342, months=36, seed=2026)


def bench_forecast_national() -> float:
    """Seconds (median of 3) to fit, simulate and summarise the forecast of 342 municipalities,
    1,000 Monte Carlo runs, 10 years, on synthetic history (target: < 10 s)."""
    history = _national_forecast_inputs()

    def run() -> None:
        fitted = forecast.fit(history)
        forecast.summarize(forecast.simulate(history, fitted, years=10, runs=1000, seed=1))

    return _median_seconds(run)


def bench_forecast_region_demo() -> float:
    """Seconds (median of 3) for a region's forecast with backtest on the demo profile: read
    from the database, fitted, 1,000 runs × 5 years, backtest, stored (target: < 3 s). Runs in
    a process of its own on a database of its own; generating the demo is not timed."""
    result = subprocess.run(
        [sys.executable, "-m", "bwmo.forecast.benchmark"],
        check=True,
        env=os.environ,
        capture_output=True,
        text=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    rng = random.Random(2026)  # noqa: S311 — synthetic benchmark data
    stays = _stays(100_000, rng)
    cases = _cases(150_000, rng)
    rules = woonplaats.RuleSet(start_date=date(2026, 1, 1))
    params = load_budget_parameters(
        EXAMPLE_PARAMETERS, load_reference_municipalities(MUNICIPALITIES_CSV)
    )
    figures = monitor.flow_figures(stays, start=date(2025, 1, 1), end=date(2025, 12, 31))
    rows = [
        (
            "monitor flow_figures, 100,000 stays",
            lambda: monitor.flow_figures(stays, start=date(2025, 1, 1), end=date(2025, 12, 31)),
        ),
        (
            "monitor quarterly series 2017-2026, 100,000 stays",
            lambda: monitor.series(
                stays, start=date(2017, 1, 1), end=date(2026, 12, 31), step="quarter"
            ),
        ),
        ("suppression of the national figures", lambda: suppress_figures(figures.to_dict())),
        (
            "woonplaats decisions, 150,000 cases (target: recompute all < 10 s incl. DB)",
            lambda: [woonplaats.decide(case, rules) for case in cases],
        ),
        ("budget run", lambda: compute_budget(params)),
    ]
    print("forecast (median of 3 runs, seconds)")
    print(
        f"  {bench_forecast_national():8.3f}  342 municipalities × 1,000 runs × 10 years (< 10 s)"
    )
    print(f"  {bench_forecast_region_demo():8.3f}  region with backtest, demo profile (< 3 s)")
    print("bwmo benchmarks (median of 3 runs, seconds)")
    for label, function in rows:
        print(f"  {_median_seconds(function):8.3f}  {label}")
    # With a database: in a process of its own, on a new temporary SQLite database (or the
    # empty one of BWMO_BENCH_DATABASE_URL). One run: preparing 10,000 files takes a while.
    files = str(int(os.environ.get("BWMO_BENCH_IWMO_FILES", "10000")))
    print(f"iWmo ingest, {files} WMO323 files (target for 10,000: < 30 s; one run)")
    subprocess.run(  # noqa: S603 - our own module, a number as its argument
        [sys.executable, "-m", "bwmo.messaging.benchmark", files], check=False, env=os.environ
    )


if __name__ == "__main__":
    main()
