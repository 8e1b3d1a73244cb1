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
from bwmo.rules.budget import compute_budget, to_csv
from bwmo.rules.budget_params import (
    EXAMPLE_PARAMETERS,
    load_budget_parameters,
    load_reference_municipalities,
    parse_budget_parameters,
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


def _median_run_seconds(function, runs: int) -> float:
    """The median wall time of ``runs`` calls (the bench functions below use it alone, so
    they can be called from any table)."""
    import statistics

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def national_budget_parameters_text(known: dict[str, str], regions: int = 44) -> str:
    """A parameter file (TOML) for every municipality of the country, in ``regions`` regions,
    with the example's twelve-year macro table (2021-2032) and equal objective shares."""
    example = EXAMPLE_PARAMETERS.read_text(encoding="utf-8")
    macro = example[example.index("\n[[macro]]") : example.index("\n[[region]]")]
    codes = sorted(known)
    share = f"{int(1e8 / len(codes)) / 1e8:.8f}"  # rounded down: together at most 1
    years = "\n".join(f"{year} = {share}" for year in range(2021, 2033))
    lines = ['name = "benchmark: all municipalities"', "", macro]
    for number in range(regions):
        members = codes[number * len(codes) // regions : (number + 1) * len(codes) // regions]
        lines += [
            "[[region]]",
            f'name = "Regio {number + 1}"',
            f'centrumgemeente = "{members[0]}"',
            "historic_base_year = 2021",
            f"historic_base_amount = {10_000_000 + 250_000 * number}",
            "",
        ]
        for code in members:
            lines += [
                "[[region.municipality]]",
                f'code = "{code}"',
                "[region.municipality.objective_share]",
                years,
                "",
            ]
    return "\n".join(lines)


def bench_budget_run(runs: int = 3) -> float:
    """Median seconds of a budget run for all 342 municipalities × 12 years: read and check
    the parameter file, compute every row, write the CSV (target: < 1 s)."""
    known = load_reference_municipalities(MUNICIPALITIES_CSV)
    text = national_budget_parameters_text(known)
    return _median_run_seconds(
        lambda: to_csv(compute_budget(parse_budget_parameters(text, known))), runs
    )


def _django() -> None:
    """Django on the database of ``DATABASE_URL`` (a generated profile), once per process."""
    import django
    from django.apps import apps

    if not apps.ready:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bwmo.settings.base")
        django.setup()


def bench_woonplaats_recompute(
    region: str | None = None, *, version: str | None = None, runs: int = 3
) -> float:
    """Median seconds of a recompute of the responsible municipality (``bwmo woonplaats
    recompute``): read, decide, compare with the stored decisions and write what changed,
    for a region (name or centrumgemeente code) or every client of the country (target
    < 10 s for the national profile). ``version``: recompute under that rule set, so that
    cases change and are written. Runs on the database of ``DATABASE_URL``; each run is
    rolled back, so the database is left as it was."""
    _django()
    from django.db import transaction

    from bwmo.organisations.selectors import region_by_name_or_code
    from bwmo.woonplaats.services import responsibility_recompute

    chosen = region_by_name_or_code(value=region) if region else None
    if region and chosen is None:
        raise ValueError(f"unknown region {region!r}")

    def recompute() -> None:
        with transaction.atomic():
            responsibility_recompute(region=chosen, version=version)
            transaction.set_rollback(True)

    return _median_run_seconds(recompute, runs)


def bench_iwmo_ingest(n: int = 10_000) -> float:
    """Seconds to validate and ingest ``n`` WMO323 declarations of 5 lines (target for
    10,000: < 30 s), in a process of its own on a new SQLite database, or on the empty one
    of ``BWMO_BENCH_DATABASE_URL``. One run: preparing the files takes a while."""
    output = subprocess.run(  # noqa: S603 - our own module, a number as its argument
        [sys.executable, "-m", "bwmo.messaging.benchmark", str(int(n))],
        check=True,
        env=os.environ,
        capture_output=True,
        text=True,
    ).stdout
    return float(output.split()[0])


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
