"""`make bench`: times the pure rules on synthetic inputs of national size (no database),
then the iWmo ingest on a database of its own.

Speed goals live here, not in the test suite. Figures are medians of a few runs; the
machines are shared, so compare with a baseline measured in the same run.
"""

import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

from bwmo.organisations.reference import MUNICIPALITIES_CSV
from bwmo.rules import monitor, woonplaats
from bwmo.rules.budget import compute_budget
from bwmo.rules.budget_params import (
    EXAMPLE_PARAMETERS,
    load_budget_parameters,
    load_reference_municipalities,
)
from bwmo.rules.suppression import suppress_figures, suppress_parts


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


def _int_paths(tree: object, prefix: tuple = ()) -> list[tuple]:
    if isinstance(tree, dict):
        return [p for key, value in tree.items() for p in _int_paths(value, (*prefix, key))]
    return [prefix] if isinstance(tree, int) and not isinstance(tree, bool) else []


def _region_parts(stays: list[monitor.StayRecord], members: int = 9) -> tuple[dict, dict]:
    """A region of the demo's size as the monitor suppresses it: the period, its quarters and
    three years, for the region and each municipality, region = Σ municipalities everywhere,
    the staff of each municipality and one reader with a mandate of two as readers."""
    codes = [f"GM{n:04d}" for n in range(1, members + 1)]
    mine = [s for s in stays if s.responsible in codes]
    start, end = date(2025, 1, 1), date(2025, 10, 31)
    parts: dict = {}
    for name, wanted in {"regio": set(codes), **{c: {c} for c in codes}}.items():
        rows = [s for s in mine if s.responsible in wanted]
        parts[(name, "main")] = monitor.flow_figures(rows, start=start, end=end).to_dict()
        quarters = monitor.series(rows, start=start, end=end, step="quarter", breakdown="kind")
        for i, period in enumerate(quarters):
            parts[(name, f"q{i}")] = period.figures.to_dict()
        years = monitor.series(
            rows, start=date(2023, 1, 1), end=end, step="year", breakdown="product"
        )
        for i, period in enumerate(years):
            parts[(name, f"y{i}")] = period.figures.to_dict()
    links = []
    for (name, section), figures in parts.items():
        if name == "regio":
            for path in _int_paths(figures):
                link = {((name, section), *path): -1}
                link.update({((c, section), *path): 1 for c in codes})
                links.append(link)
    groups = [[c] for c in codes] + [codes[:2]]
    revealed = [[key for key in parts if key[0] in group] for group in groups]
    headline = [key for key in parts if key[1] == "main"]
    return parts, {"links": links, "revealed": revealed, "headline": headline}


def main() -> None:
    rng = random.Random(2026)  # noqa: S311 — synthetic benchmark data
    stays = _stays(100_000, rng)
    cases = _cases(150_000, rng)
    rules = woonplaats.RuleSet(start_date=date(2026, 1, 1))
    params = load_budget_parameters(
        EXAMPLE_PARAMETERS, load_reference_municipalities(MUNICIPALITIES_CSV)
    )
    figures = monitor.flow_figures(stays, start=date(2025, 1, 1), end=date(2025, 12, 31))
    # About the demo's Assen: a few hundred stays over nine municipalities.
    region_parts, region_inputs = _region_parts(stays[:9000])
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
            "suppression of a region of 9 municipalities, all relations at once (target < 1 s)",
            lambda: suppress_parts(region_parts, **region_inputs),
        ),
        (
            "woonplaats decisions, 150,000 cases (target: recompute all < 10 s incl. DB)",
            lambda: [woonplaats.decide(case, rules) for case in cases],
        ),
        ("budget run", lambda: compute_budget(params)),
    ]
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
