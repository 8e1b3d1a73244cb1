"""The database part of `make bench`: the monitor's pages against hand-written SQL.

``measure`` works on the database Django is connected to (the data already there); ``main``
gives it a database of its own first: ``BWMO_BENCH_DATABASE_URL`` (PostgreSQL: an empty
database, which it fills with the profile, or one that already holds it, which it reuses),
else a new SQLite file in a temporary folder. Every figure is the median and p95 of repeated
runs; the baseline (:mod:`bwmo.monitor.baseline`) runs in the same loop, on the same database.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path


@dataclass
class Timing:
    """One row of the bench table (seconds)."""

    name: str
    target: str
    target_seconds: float | None
    runs: list[float]
    baseline_runs: list[float] | None = None
    max_ratio: float | None = None
    note: str = ""
    quantiles: tuple[float, float] | None = None
    """Median and p95 measured elsewhere (the load test's over all its requests)."""

    @property
    def median(self) -> float:
        return self.quantiles[0] if self.quantiles else statistics.median(self.runs)

    @property
    def p95(self) -> float:
        return self.quantiles[1] if self.quantiles else _p95(self.runs)

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline_runs) if self.baseline_runs else None

    @property
    def ratio(self) -> float | None:
        base = self.baseline_median
        return self.median / base if base else None

    @property
    def passed(self) -> bool | None:
        if self.target_seconds is None and self.max_ratio is None:
            return None
        ok = True
        if self.target_seconds is not None:
            ok = self.p95 < self.target_seconds
        if self.max_ratio is not None and self.ratio is not None:
            ok = ok and self.ratio <= self.max_ratio
        return ok

    def to_dict(self) -> dict:
        return {
            **asdict(self),
            "median": self.median,
            "p95": self.p95,
            "baseline_median": self.baseline_median,
            "ratio": self.ratio,
            "passed": self.passed,
        }


# Regions whose dashboards are timed on the national profile, unless BWMO_BENCH_REGIONS says.
NATIONAL_REGIONS = 1

# Runs of a region's SQL baseline at most (its median is compared with the pages' median).
BASELINE_REPEAT = 3


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def _time(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _period(today: date) -> tuple[date, date]:
    """The dashboard's default period: from 1 January last year up to today."""
    return date(today.year - 1, 1, 1), today


def _regional_reader():
    """A policy adviser working for every municipality there is (a regional team): the monitor
    shows them the region's own figures in full. Created in the bench's database only."""
    from django.contrib.auth.models import Group

    from bwmo.accounts.models import User
    from bwmo.accounts.roles import Role
    from bwmo.organisations.models import Organisation

    user, created = User.objects.get_or_create(username="bench.regio")
    if created:
        user.groups.add(Group.objects.get(name=Role.BELEIDSADVISEUR))
        user.organisations.add(*Organisation.objects.filter(kind=Organisation.Kind.GEMEENTE))
    return user


def measure(
    *,
    repeat: int,
    today: date | None = None,
    external: bool = True,
    regions_at_most: int | None = None,
    woonplaats: bool = True,
) -> list[Timing]:
    """Time the monitor pages of every region, and their baselines, ``repeat`` times each.

    Two readers: a regional team that sees the region's own figures in full (no suppression:
    the figures themselves), and — with ``external`` — the policy adviser of one municipality,
    for whom the other municipalities' figures are suppressed (the suppression's own cost).
    ``regions_at_most`` limits the dashboards to the first so many regions (by key: the two
    of Drenthe first); ``woonplaats`` false leaves out the recompute."""
    from django.test import Client as WebClient
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from bwmo.accounts.models import User
    from bwmo.generate.demo_accounts import ensure_demo_accounts
    from bwmo.organisations.models import Region

    from . import baseline
    from .selectors import region_codes

    today = today or timezone.localdate()
    start, end = _period(today)
    ensure_demo_accounts()
    readers = [("the region's own view (internal)", _regional_reader())]
    if external:
        readers.append(
            (
                "a municipality's adviser (external: suppressed)",
                User.objects.get(username="beleid.assen"),
            )
        )
    every_region = list(Region.objects.order_by("pk"))
    members = {region.pk: region_codes(region) for region in every_region}
    regions = every_region[:regions_at_most] if regions_at_most else every_region
    query = {"van": start.isoformat(), "tot": today.isoformat()}
    # The SQL baseline of a region is the same for every reader and does not get faster by
    # repeating it: measured at most BASELINE_REPEAT times per region, and the national
    # overview's baseline is the sum of the regions' medians (each region once more only if
    # its dashboard was not measured), so that 44 regions do not cost 44 baselines per run.
    baseline_runs: dict[int, list[float]] = {}

    def region_baseline(region: Region, times: int = 1) -> list[float]:
        runs = baseline_runs.setdefault(region.pk, [])
        while len(runs) < times:
            runs.append(
                _time(lambda: baseline.dashboard_figures(members[region.pk], start=start, end=end))
            )
        return runs

    timings = []
    for label, user in readers:
        web = WebClient(HTTP_HOST="localhost")
        web.force_login(user)
        dashboard: list[float] = []
        dashboard_sql: list[float] = []
        statuses: list[int] = []
        for _ in range(repeat):
            for region in regions:

                def page(
                    region: Region = region, web: WebClient = web, statuses: list = statuses
                ) -> None:
                    answer = web.get(
                        reverse("monitor:dashboard"), {**query, "regio": str(region.pk)}
                    )
                    statuses.append(answer.status_code)

                dashboard.append(_time(page))
        for region in regions:
            dashboard_sql += region_baseline(region, min(repeat, BASELINE_REPEAT))
        timings.append(
            Timing(
                f"region dashboard, {label}, {len(regions)} regions × {repeat}, server time",
                "p95 < 200 ms, ≤ 1.5× SQL",
                0.2,
                dashboard,
                dashboard_sql,
                max_ratio=1.5,
                note=_statuses(statuses),
            )
        )
    try:
        national_url = reverse("monitor:national")
    except NoReverseMatch:
        national_url = None
    if national_url:
        web = WebClient(HTTP_HOST="localhost")
        web.force_login(readers[-1][1])
        national: list[float] = []
        national_sql: list[float] = []
        answers: list[int] = []
        for _ in range(repeat):

            def overview(web: WebClient = web) -> None:
                answers.append(web.get(national_url, query).status_code)

            national.append(_time(overview))
        national_sql.append(
            sum(statistics.median(region_baseline(region)) for region in every_region)
        )
        note = f"baseline: the sum of {len(every_region)} regions' medians"
        timings.append(
            Timing(
                "national overview, server time",
                "p95 < 1 s",
                1.0,
                national,
                national_sql,
                note="; ".join(filter(None, [_statuses(answers), note])),
            )
        )
    if woonplaats:
        timings.append(_woonplaats(repeat))
    return timings


def _statuses(statuses: list[int]) -> str:
    bad = [s for s in statuses if s != 200]
    return f"{len(bad)} answers not 200: {sorted(set(bad))}" if bad else ""


def _woonplaats(repeat: int) -> Timing:
    from io import StringIO

    from django.core.management import call_command

    runs = [
        _time(lambda: call_command("woonplaats", "recompute", stdout=StringIO()))
        for _ in range(repeat)
    ]
    return Timing("woonplaats recompute, every client (DB read + write)", "< 10 s", 10.0, runs)


def prepare(*, profile: str, clients: int | None, today: date) -> Timing | None:
    """Fill an empty database with the profile (timed); ``None`` when data is there already."""
    from io import StringIO

    from django.core.management import call_command

    from bwmo.clients.models import Client

    if Client.objects.exists():
        return None
    arguments = ["generate", "--profile", profile, "--reference-date", today.isoformat()]
    if clients:
        arguments += ["--clients", str(clients)]
    import resource

    seconds = _time(lambda: call_command(*arguments, stdout=StringIO()))
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Timing(
        f"generate + load profile {profile}" + (f" ({clients} clients)" if clients else ""),
        "< 10 min, < 2 GB",
        600.0,
        [seconds],
        note=f"peak memory {memory:.0f} MB",
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference-date", type=date.fromisoformat, default=None)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument(
        "--no-external", action="store_true", help="leave out the suppressed dashboard"
    )
    parser.add_argument(
        "--regions",
        type=int,
        default=int(os.environ.get("BWMO_BENCH_REGIONS", "0")) or None,
        help="only the first N regions' dashboards (default: every region; national: 1)",
    )
    parser.add_argument(
        "--no-woonplaats",
        action="store_true",
        default=os.environ.get("BWMO_BENCH_WOONPLAATS", "1") == "0",
        help="leave out the woonplaats recompute",
    )
    args = parser.parse_args(argv)
    if args.regions is None and args.profile == "national":
        # A region's first dashboard computes its suppression (minutes on the national
        # profile): the bench times the first region's unless BWMO_BENCH_REGIONS says more.
        args.regions = NATIONAL_REGIONS
    folder = tempfile.mkdtemp(prefix="bwmo-bench-")
    os.environ["DATABASE_URL"] = os.environ.get(
        "BWMO_BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3"
    )
    os.environ.setdefault("BWMO_DATA_DIR", folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bwmo.settings.base")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    today = args.reference_date or timezone.localdate()
    loaded = prepare(profile=args.profile, clients=args.clients, today=today)
    timings = ([loaded] if loaded else []) + measure(
        repeat=args.repeat,
        today=today,
        external=not args.no_external,
        regions_at_most=args.regions,
        woonplaats=not args.no_woonplaats,
    )
    args.json.write_text(json.dumps([t.to_dict() for t in timings], indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
