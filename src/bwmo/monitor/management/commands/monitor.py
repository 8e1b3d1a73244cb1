import json
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bwmo.monitor.excel import (
    NATIONAL_HEADER,
    monitor_about,
    monitor_workbook,
    national_rows,
    national_workbook,
)
from bwmo.monitor.services import (
    AUDIENCES,
    MonitorScope,
    compact_changes,
    forget_unusable,
    monitor_document,
    national_overview,
    warm_documents,
    withheld_message,
)
from bwmo.organisations.commands import region_argument
from bwmo.organisations.models import Municipality, RegionMembership


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date; expected YYYY-MM-DD", returncode=2) from None


class Command(BaseCommand):
    help = (
        "The regional monitor for a region (centrumgemeente code) and period, as JSON "
        "(stdout) or Excel. --audience external reports counts of 1-4 as '×' (hidden) with "
        "secondary suppression."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", help="centrumgemeente code, e.g. GM0106")
        parser.add_argument(
            "--national",
            action="store_true",
            help="all regions side by side (always suppressed as for an external audience)",
        )
        parser.add_argument(
            "--warm",
            action="store_true",
            help=(
                "store the dashboards' documents of the period (default: 1 January last year "
                "to today) for every region (or --region) and the national overview, after "
                "compacting the change log, and remove the stored documents and suppressions "
                "that no current data version or code can use: for a nightly run"
            ),
        )
        parser.add_argument("--from", dest="start", help="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="YYYY-MM-DD")
        parser.add_argument("--municipality", help="only this municipality (CBS code)")
        parser.add_argument("--audience", choices=AUDIENCES, default="internal")
        parser.add_argument(
            "--series",
            choices=["month", "quarter", "year"],
            help="also add the stock and flows per month, quarter or year",
        )
        parser.add_argument(
            "--format", choices=["json", "xlsx", "text"], default="json", help="text: --national"
        )
        parser.add_argument("--out", type=Path)

    def handle(
        self, *args, region, start, end, municipality, audience, format, out, series, **opts
    ):
        if opts["warm"]:
            return self.warm(region, start, end)
        if not start or not end:
            raise CommandError("give --from YYYY-MM-DD and --to YYYY-MM-DD", returncode=2)
        start, end = _date(start), _date(end)
        if start > end:
            raise CommandError(f"--from {start} lies after --to {end}", returncode=2)
        if format == "xlsx" and out is None:
            raise CommandError(
                "--format xlsx writes a workbook: give --out FILE.xlsx", returncode=2
            )
        if opts["national"]:
            if region or municipality or series or audience != "internal":
                raise CommandError(
                    "--national shows every region, suppressed as for an external audience: "
                    "leave out --region, --municipality, --series and --audience",
                    returncode=2,
                )
            return self.national(start, end, format, out)
        if not region:
            raise CommandError("give --region CODE, or --national", returncode=2)
        if format == "text":
            raise CommandError("--format text is for --national; use json or xlsx", returncode=2)
        found = region_argument(region)
        chosen = None
        if municipality:
            chosen = Municipality.objects.filter(code=municipality.upper()).first()
            member = RegionMembership.objects.filter(region=found, municipality=chosen).exists()
            if chosen is None or not member:
                raise CommandError(
                    f"municipality {municipality!r} is not a member of {found.name}", returncode=2
                )
        document = monitor_document(
            scope=MonitorScope(found, chosen),
            start=start,
            end=end,
            audience=audience,
            series=series,
        )
        self._say_period(start, end, document)
        if document.get("withheld"):
            self.stderr.write(f"warning: {withheld_message()}")
        for gap in document.get("data_gaps", []):
            # A gap is a warning, not a failure: the figures that could be computed follow.
            self.stderr.write(f"warning: {gap['message']} {gap['fix']}")
        if format == "xlsx":
            filters = [("Regio", found.name), ("Gemeente", chosen.name if chosen else "hele regio")]
            about = monitor_about(document, filters=filters, made_by="bwmo monitor (opdrachtregel)")
            out.write_bytes(monitor_workbook(document, about=about))
            return
        text = json.dumps(document, ensure_ascii=False, indent=1, default=str)
        if out:
            out.write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)

    def _say_period(self, start: date, end: date, document: dict) -> None:
        shown = (document["from"], document["to"])
        if shown != (start.isoformat(), end.isoformat()):
            self.stderr.write(
                f"note: the period shown is {shown[0]} to {shown[1]}: figures for an outside "
                "audience cover whole, closed quarters (asked: "
                f"{start.isoformat()} to {end.isoformat()})"
            )

    def warm(self, region: str | None, start: str | None, end: str | None) -> None:
        today = timezone.localdate()
        first = _date(start) if start else date(today.year - 1, 1, 1)
        last = _date(end) if end else today
        if first > last:
            raise CommandError(f"--from {first} lies after --to {last}", returncode=2)
        removed = compact_changes()
        regions = [region_argument(region)] if region else None
        began = time.monotonic()
        count = warm_documents(start=first, end=last, regions=regions)
        documents, suppressions = forget_unusable()
        self.stdout.write(
            f"{count} documents of {first} to {last} stored or already current "
            f"in {time.monotonic() - began:.1f} s ({removed} change rows compacted; "
            f"{documents} stored documents and {suppressions} stored suppressions that no "
            "current data version or code can use removed)"
        )

    def national(self, start: date, end: date, format: str, out: Path | None) -> None:
        # As the national page asks it (so that both use the one stored overview).
        overview = national_overview(start=start, end=end, today=timezone.localdate())
        self._say_period(start, end, overview)
        for gap in overview["data_gaps"]:
            self.stderr.write(f"warning: {gap['message']} {gap['fix']}")
        if format == "xlsx":
            assert out is not None
            out.write_bytes(national_workbook(overview, made_by="bwmo monitor (opdrachtregel)"))
            return
        if format == "text":
            rows = [NATIONAL_HEADER, *national_rows(overview)]
            cells = [["" if v is None else str(v) for v in row] for row in rows]
            widths = [max(len(row[i]) for row in cells) for i in range(len(NATIONAL_HEADER))]
            text = "\n".join(
                "  ".join(
                    c.ljust(w) if i < 2 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
                for row in cells
            )
            text = f"Landelijk overzicht {start} tot en met {end} (extern, afgeschermd)\n{text}"
        else:
            text = json.dumps(overview, ensure_ascii=False, indent=1, default=str)
        if out:
            out.write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)
