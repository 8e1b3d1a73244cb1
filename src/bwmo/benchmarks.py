"""`make bench`: every target of docs/performance.md in one table, with the hand-written SQL
baseline measured in the same run where there is one; also written to var/bench/results.json.

The pure rules run on synthetic inputs of national size (no database); the monitor pages, the
national overview and the woonplaats recompute on a database filled with a profile
(:mod:`bwmo.monitor.benchmark`); the iWmo ingest on a database of its own.

Speed goals live here, not in the test suite. Figures are medians of a few runs; the
machines are shared, so compare with a baseline measured in the same run.
"""

import functools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from bwmo.monitor.benchmark import Timing
from bwmo.organisations.reference import MUNICIPALITIES_CSV
from bwmo.rules import forecast, monitor, woonplaats
from bwmo.rules.budget import compute_budget, to_csv
from bwmo.rules.budget_params import (
    EXAMPLE_PARAMETERS,
    load_reference_municipalities,
    parse_budget_parameters,
)
from bwmo.rules.suppression import suppress_figures, suppress_parts


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

    return statistics.median(_runs(run, 3))


def bench_forecast_region_demo() -> float:
    """Seconds (median of 3) for a region's forecast with backtest on the demo profile: read
    from the database, fitted, 1,000 runs × 5 years, backtest, stored (target: < 3 s). Runs in
    a process of its own on a database of its own; generating the demo is not timed."""
    # A database of its own: the demo is generated into it, so never the bench's database
    # (which holds the profile being measured). BWMO_BENCH_FORECAST_DATABASE_URL: an empty
    # one; without it a temporary SQLite file.
    env = dict(os.environ)
    env.pop("BWMO_BENCH_DATABASE_URL", None)
    if "BWMO_BENCH_FORECAST_DATABASE_URL" in env:
        env["BWMO_BENCH_DATABASE_URL"] = env["BWMO_BENCH_FORECAST_DATABASE_URL"]
    result = subprocess.run(
        [sys.executable, "-m", "bwmo.forecast.benchmark"],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def _forecast_region_row() -> Timing:
    name = "forecast of a region with backtest, demo profile"
    try:
        seconds = bench_forecast_region_demo()
    except (subprocess.CalledProcessError, ValueError, IndexError) as error:
        # The table is printed whole: a row that could not be measured says why.
        detail = getattr(error, "stderr", "") or str(error)
        return Timing(name, "< 3 s", 3.0, [float("nan")], note=f"failed: {detail[-300:]}")
    return Timing(name, "< 3 s", 3.0, [seconds], note="median of 3")


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


def _pure_rows(scale: int) -> list[tuple[str, str, float | None, Callable[[], object]]]:
    rng = random.Random(2026)  # noqa: S311 — synthetic benchmark data
    stays = _stays(100_000 // scale, rng)
    cases = _cases(150_000 // scale, rng)
    rules = woonplaats.RuleSet(start_date=date(2026, 1, 1))
    known = load_reference_municipalities(MUNICIPALITIES_CSV)
    national_budget = national_budget_parameters_text(known)
    figures = monitor.flow_figures(stays, start=date(2025, 1, 1), end=date(2025, 12, 31))
    rows: list[tuple[str, str, float | None, Callable[[], object]]] = [
        (
            f"monitor flow_figures, {len(stays):,} stays (rule only)",
            "",
            None,
            lambda: monitor.flow_figures(stays, start=date(2025, 1, 1), end=date(2025, 12, 31)),
        ),
        (
            f"monitor quarterly series 2017-2026, {len(stays):,} stays (rule only)",
            "",
            None,
            lambda: monitor.series(
                stays, start=date(2017, 1, 1), end=date(2026, 12, 31), step="quarter"
            ),
        ),
        (
            f"woonplaats decisions, {len(cases):,} cases (rule only)",
            "",
            None,
            lambda: [woonplaats.decide(case, rules) for case in cases],
        ),
        (
            "budget run, all 342 municipalities × 12 years (read, check, compute, CSV)",
            "< 1 s",
            1.0,
            lambda: to_csv(compute_budget(parse_budget_parameters(national_budget, known))),
        ),
    ]
    if scale == 1:
        # Minutes even on few stays (342 municipalities as breakdown values): not in a smoke run.
        rows.insert(
            2,
            (
                "suppression of the national figures (rule only)",
                "",
                None,
                lambda: suppress_figures(figures.to_dict()),
            ),
        )
        # About the demo's Assen: a few hundred stays over nine municipalities.
        region_parts, region_inputs = _region_parts(stays[:9000])
        rows.insert(
            3,
            (
                "suppression of a region of 9 municipalities, all relations at once",
                "< 1 s",
                1.0,
                lambda: suppress_parts(region_parts, **region_inputs),
            ),
        )
    return rows


def _runs(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def _iwmo(files: int) -> Timing:
    """In a process of its own, on a new temporary SQLite database (or the empty one of
    BWMO_BENCH_IWMO_DATABASE_URL). One run: preparing 10,000 files takes a while."""
    env = dict(os.environ)
    env.pop("BWMO_BENCH_DATABASE_URL", None)
    if "BWMO_BENCH_IWMO_DATABASE_URL" in env:
        env["BWMO_BENCH_DATABASE_URL"] = env["BWMO_BENCH_IWMO_DATABASE_URL"]
    done = subprocess.run(  # noqa: S603 - our own module, a number as its argument
        [sys.executable, "-m", "bwmo.messaging.benchmark", str(files)],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    name = f"iWmo: validate + ingest {files:,} WMO323 × 5 lines"
    try:
        seconds = float(done.stdout.split()[0])
    except (IndexError, ValueError):
        return Timing(name, "< 30 s (10,000)", None, [float("nan")], note=done.stderr[-300:])
    target = 30.0 if files >= 10_000 else None
    return Timing(name, "< 30 s (10,000)", target, [seconds], note="one run")


def _loadtest_row() -> Timing | None:
    """The last `make loadtest` (var/bench/loadtest.json), if there is one."""
    path = RESULTS.parent / "loadtest.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return Timing(
        f"{data['users']} users, {data['duration_s']} s (last make loadtest)",
        "p95 < 500 ms, 0 errors",
        0.5,
        [data["p50_ms"] / 1000, data["p95_ms"] / 1000],
        note=f"{data['requests']} requests, {data['throughput_rps']} req/s, "
        f"p99 {data['p99_ms']} ms, {data['errors']} errors/non-200",
        quantiles=(data["p50_ms"] / 1000, data["p95_ms"] / 1000),
    )


def _cell(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:
        return "—"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def table(timings: list[Timing]) -> str:
    header = ("what", "target", "median", "p95", "SQL baseline", "ratio", "result")
    rows = [header]
    for t in timings:
        ratio = t.ratio
        verdict = {None: "", True: "pass", False: "FAIL"}[t.passed]
        rows.append(
            (
                t.name,
                t.target,
                _cell(t.median),
                _cell(t.p95),
                _cell(t.baseline_median),
                f"{ratio:.2f}×" if ratio else "—",
                verdict + (f" ({t.note})" if t.note else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        lines.append(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1]
        )
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


RESULTS = Path(os.environ.get("BWMO_BENCH_RESULTS", "var/bench/results.json"))


def main(argv: list[str] | None = None) -> int:
    """`make bench`: every target of docs/performance.md, with its baseline; `--smoke` runs
    everything once on a small demo (the test suite does, so the bench keeps working)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bwmo.benchmarks")
    parser.add_argument("--smoke", action="store_true", help="once, small: does it all run?")
    parser.add_argument("--profile", default=os.environ.get("BWMO_BENCH_PROFILE", "demo"))
    parser.add_argument("--clients", type=int, default=os.environ.get("BWMO_BENCH_CLIENTS"))
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BWMO_BENCH_REPEAT", 5)))
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    repeat = 1 if args.smoke else args.repeat
    clients = 40 if args.smoke else args.clients
    scale = 100 if args.smoke else 1
    timings = [
        Timing(name, target, limit, _runs(function, max(repeat, 3) if not args.smoke else 1))
        for name, target, limit, function in _pure_rows(scale)
    ]
    if args.smoke:
        timings.append(
            Timing(
                "forecast, 1,000 runs × 342 municipalities × 10 years",
                "< 10 s",
                None,
                [float("nan")],
                note="not in a smoke run",
            )
        )
    else:
        timings.append(
            Timing(
                "forecast, 1,000 runs × 342 municipalities × 10 years",
                "< 10 s",
                10.0,
                [bench_forecast_national()],
                note="median of 3",
            )
        )
        timings.append(_forecast_region_row())
    with tempfile.TemporaryDirectory(prefix="bwmo-bench-") as folder:
        out = Path(folder) / "database.json"
        command = [sys.executable, "-m", "bwmo.monitor.benchmark", "--profile", args.profile]
        command += ["--repeat", str(repeat), "--json", str(out)]
        if clients:
            command += ["--clients", str(clients)]
        if args.smoke:
            # The suppressed view takes a minute even on a small demo: not in a smoke run.
            command.append("--no-external")
        done = subprocess.run(command, check=False, env=os.environ)  # noqa: S603 - our module
        if done.returncode or not out.exists():
            print("the database benchmark failed", file=sys.stderr)
            return 1
        timings += [Timing(**_fields(row)) for row in json.loads(out.read_text())]
    files = 20 if args.smoke else int(os.environ.get("BWMO_BENCH_IWMO_FILES", "10000"))
    timings.append(_iwmo(files))
    loadtest = None if args.smoke else _loadtest_row()
    if loadtest:
        timings.append(loadtest)
    database = os.environ.get("BWMO_BENCH_DATABASE_URL", "sqlite (temporary file)")
    database = database.split("@")[-1] if "@" in database else database
    print(
        f"bwmo bench — profile {args.profile}, database {database}, {repeat} runs each "
        f"(medians and p95; the baseline is measured in the same run)"
    )
    print(table(timings))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(
        json.dumps(
            {
                "profile": args.profile,
                "clients": clients,
                "database": database,
                "repeat": repeat,
                "commit": _commit(),
                "machine": f"{os.cpu_count()} CPUs, {sys.platform}",
                "rows": [t.to_dict() for t in timings],
            },
            indent=1,
            default=str,
        )
    )
    print(f"written: {args.results}")
    return 0


def _fields(row: dict) -> dict:
    keys = ("name", "target", "target_seconds", "runs", "baseline_runs", "max_ratio", "note")
    return {key: row[key] for key in keys}


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
