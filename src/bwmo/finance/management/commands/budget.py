import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bwmo.organisations.models import Municipality
from bwmo.rules.budget import compute_budget, round_euros, rows_to_json, to_csv
from bwmo.rules.budget_params import BudgetParameterError, load_budget_parameters
from bwmo.ui.excel import About, workbook_bytes

HEADER = ["year", "region", "municipality", "historic", "objective", "total"]
# The workbook is read by controllers: its columns in words.
XLSX_HEADER = [
    "Jaar",
    "Regio",
    "Gemeente",
    "Historisch budget",
    "Objectief budget",
    "Totaal budget",
]


class Command(BaseCommand):
    help = (
        "Compute the historic and objective BW budget per region and municipality per year "
        "from a parameter file (TOML, one per circular). Prints CSV by default; a malformed "
        "file is refused with every error and exit code 2."
    )

    def add_arguments(self, parser):
        parser.add_argument("params", type=Path, help="parameter file (TOML)")
        parser.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv")
        parser.add_argument("--out", type=Path, help="write to this file instead of stdout")

    def handle(self, *args, params: Path, format: str, out: Path | None, **options):
        if format == "xlsx" and out is None:
            raise CommandError("--format xlsx writes a binary workbook: give --out FILE.xlsx")
        known = dict(Municipality.objects.values_list("code", "name"))
        try:
            parameters = load_budget_parameters(params, known)
        except OSError as error:
            self.stderr.write(f"{params}: cannot be read: {error}")
            sys.exit(2)
        except BudgetParameterError as error:
            self.stderr.write(str(error))
            sys.exit(2)
        rows = compute_budget(parameters)
        if format == "xlsx":
            data = workbook_bytes(
                [
                    (
                        "Budget",
                        XLSX_HEADER,
                        (
                            [
                                r.year,
                                r.region,
                                f"{known[r.municipality]} ({r.municipality})"
                                if r.municipality in known
                                else r.municipality,
                                round_euros(r.historic),
                                round_euros(r.objective),
                                round_euros(r.total),
                            ]
                            for r in rows
                        ),
                        {3, 4, 5},
                    )
                ],
                about=About(
                    title="Budget beschermd wonen per regio en gemeente",
                    period=(
                        f"{min(r.year for r in rows)} tot en met {max(r.year for r in rows)}"
                        if rows
                        else "geen jaren"
                    ),
                    filters=[("Parameterbestand", params.name)],
                    audience="Controllers en beleid van de gemeenten in de regio",
                    made_by="bwmo budget (opdrachtregel)",
                    notes=[("Bedragen", "in euro's")],
                ),
            )
            assert out is not None  # refused above: --format xlsx needs --out
            out.write_bytes(data)
            return
        text = to_csv(rows) if format == "csv" else rows_to_json(rows)
        if out is not None:
            out.write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="" if text.endswith("\n") else "\n")
