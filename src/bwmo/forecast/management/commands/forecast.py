"""``bwmo forecast``: the prognose of a region as JSON or Excel (see ``docs/forecast.md``)."""

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bwmo.forecast.documents import forecast_document, forecast_workbook
from bwmo.forecast.selectors import default_parameter_set, forecast_states
from bwmo.forecast.services import forecast_run_create, forecast_run_execute
from bwmo.organisations.commands import region_argument
from bwmo.organisations.models import Region, RegionMembership
from bwmo.rules import forecast


class Command(BaseCommand):
    help = (
        "Forecast clients and cost per municipality, product and year (P10/P50/P90) for a "
        "region, optionally under a scenario (JSON file) and with a backtest. For internal "
        "users: figures are not suppressed. Bad input exits 2 with every error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="name or centrumgemeente code")
        parser.add_argument("--municipality", help="only this municipality's rows (CBS code)")
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--runs", type=int, default=1000)
        parser.add_argument("--scenario", type=Path, help="scenario file (JSON)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--cutoff", help="data up to this first of a month (YYYY-MM-DD)")
        parser.add_argument("--indexation", type=float, default=0.0, help="% a year")
        parser.add_argument("--backtest", action="store_true")
        parser.add_argument("--format", choices=["json", "xlsx"], default="json")
        parser.add_argument("--out", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        errors: list[str] = []
        region: Region | None
        try:
            region = region_argument(options["region"])
        except CommandError as error:
            errors.append(str(error))
            region = None
        municipality = options["municipality"]
        if municipality and region is not None:
            municipality = municipality.upper()
            if not RegionMembership.objects.filter(
                region=region, municipality_id=municipality
            ).exists():
                errors.append(f"--municipality: {municipality!r} is not a member of {region.name}")
        cutoff = timezone.localdate().replace(day=1)
        if options["cutoff"]:
            try:
                cutoff = date.fromisoformat(options["cutoff"])
            except ValueError:
                errors.append(f"--cutoff: {options['cutoff']!r} is not a date YYYY-MM-DD")
        if options["format"] == "xlsx" and options["out"] is None:
            errors.append("--format xlsx writes a workbook: give --out FILE.xlsx")
        scenario = forecast.BASE
        if options["scenario"] is not None:
            path = options["scenario"]
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except OSError as error:
                errors.append(f"{path}: cannot be read: {error.strerror or error}")
            except UnicodeDecodeError:
                errors.append(f"{path}: is not UTF-8 text")
            except json.JSONDecodeError as error:
                errors.append(
                    f"{path}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
                )
            else:
                codes = (
                    [s.code for s in forecast_states(region=region, cutoff=cutoff)]
                    if region is not None
                    else []
                )
                try:
                    scenario = forecast.parse_scenario(data, products=codes)
                except forecast.ScenarioError as error:
                    errors += [f"{path}: {message}" for message in error.errors]
        if not errors and region is not None:
            try:
                run = forecast_run_create(
                    region=region,
                    cutoff=cutoff,
                    years=options["years"],
                    runs=options["runs"],
                    seed=options["seed"],
                    scenario=scenario,
                    indexation_pct=options["indexation"],
                    with_backtest=options["backtest"],
                    parameter_set=default_parameter_set(),
                )
            except ValidationError as error:
                errors += list(error.messages)
        if errors:
            for message in errors:
                self.stderr.write(f"error: {message}")
            sys.exit(2)
        run = forecast_run_execute(run=run)
        document = forecast_document(run, municipality=municipality or None)
        if options["format"] == "xlsx":
            options["out"].write_bytes(
                forecast_workbook(document, made_by="bwmo forecast (opdrachtregel)")
            )
            return
        text = json.dumps(document, ensure_ascii=False, indent=1)
        if options["out"]:
            options["out"].write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)
