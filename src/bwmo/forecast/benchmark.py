"""Benchmark: a region's forecast with backtest on the demo profile (target: < 3 s).

Runs on a database of its own (a new SQLite file in a temporary folder, or the empty one of
``BWMO_BENCH_DATABASE_URL``): the demo is generated first (not timed), then the forecast of
Centrumregio Assen, 1,000 runs, 5 years, with backtest, is read, computed and stored (timed;
median of 3). Prints the seconds on the last line. Called through :mod:`bwmo.benchmarks`.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

REFERENCE = date(2026, 12, 1)


def _setup_django(folder: Path) -> None:
    os.environ["DATABASE_URL"] = os.environ.get(
        "BWMO_BENCH_DATABASE_URL", f"sqlite:///{folder / 'bench.sqlite3'}"
    )
    os.environ["BWMO_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bwmo.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def region_forecast_seconds(repeats: int = 3) -> float:
    from bwmo.forecast.selectors import default_parameter_set
    from bwmo.forecast.services import forecast_run_create, forecast_run_execute
    from bwmo.generate.demo import generate_demo
    from bwmo.organisations.models import Region

    generate_demo(seed=2026, reference_date=REFERENCE, clients=1500)
    region = Region.objects.get(centrumgemeente_id="GM0106")
    times = []
    for repeat in range(repeats):
        start = time.perf_counter()
        run = forecast_run_create(
            region=region,
            cutoff=REFERENCE,
            years=5,
            runs=1000,
            seed=repeat,
            with_backtest=True,
            parameter_set=default_parameter_set(),
        )
        forecast_run_execute(run=run)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        _setup_django(Path(folder))
        seconds = region_forecast_seconds()
        print(f"{seconds:.3f}")


if __name__ == "__main__":
    main()
