import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bwmo.organisations.commands import region_argument
from bwmo.organisations.models import Municipality
from bwmo.rules.woonplaats_cases import EXIT_INVALID, run_case_file
from bwmo.woonplaats.models import RuleSetVersion
from bwmo.woonplaats.services import NoRegion, responsibility_recompute


class Command(BaseCommand):
    help = (
        "Woonplaatsbeginsel. 'bwmo woonplaats CASES.json' decides every case of a case file "
        "and prints JSON (exit 0: all expected answers match; 1: one does not; 2: invalid "
        "file). 'bwmo woonplaats recompute [--region R] [--rules VERSION] [--dry-run]' "
        "recomputes every stored decision and reports each client whose responsible "
        "municipality changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", help="a case file (JSON), or 'recompute'")
        parser.add_argument(
            "--region",
            help="recompute: region name or its centrumgemeente "
            "code (e.g. GM0106); default all regions",
        )
        parser.add_argument("--rules", help="recompute: rule set version (default: in force)")
        parser.add_argument(
            "--dry-run", action="store_true", help="recompute: report the changes, write nothing"
        )
        parser.add_argument(
            "--format", choices=["text", "json"], default="text", help="recompute: report format"
        )

    def handle(self, *args, target, region, rules, dry_run, format, **options):
        if target == "recompute":
            return self.recompute(region, rules, dry_run, format)
        if region or rules or dry_run:
            raise CommandError("--region, --rules and --dry-run belong to 'recompute'")
        self.run_cases(Path(target))

    def run_cases(self, cases_file: Path):
        try:
            data = cases_file.read_bytes()
        except OSError as error:
            self.stderr.write(f"{cases_file}: cannot be read: {error}")
            sys.exit(EXIT_INVALID)
        try:
            text = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as error:
            self.stderr.write(
                f"{cases_file}: byte {error.start + 1} is not UTF-8 text; "
                "expected a JSON case file in UTF-8"
            )
            sys.exit(EXIT_INVALID)
        names = dict(Municipality.objects.values_list("code", "name"))
        exit_code, document = run_case_file(text, municipality_names=names)
        if exit_code == EXIT_INVALID:
            self.stderr.write(f"{cases_file}: {document['error']}")
            sys.exit(exit_code)
        self.stdout.write(json.dumps(document, ensure_ascii=False, indent=1))
        sys.exit(exit_code)

    def recompute(self, region_arg, version, dry_run, output_format):
        region = region_argument(region_arg) if region_arg else None
        try:
            report = responsibility_recompute(region=region, version=version, dry_run=dry_run)
        except RuleSetVersion.DoesNotExist as error:
            available = ", ".join(
                sorted(set(RuleSetVersion.objects.values_list("version", flat=True)))
            )
            raise CommandError(f"{error}; available versions: {available}") from None
        except NoRegion as error:
            raise CommandError(str(error)) from None
        names = dict(Municipality.objects.values_list("code", "name"))
        changes = [
            {
                # annotated by the recompute, which reads no client rows
                "client": str(o.melding.client_pseudonym)[:8],
                "melding": o.melding.pk,
                "application_date": o.melding.received_on.isoformat(),
                "from": o.previous,
                "from_name": names.get(o.previous, o.previous),
                "to": o.decision.responsible,
                "to_name": names.get(o.decision.responsible, o.decision.responsible),
                "rule": o.decision.rule,
                "category": o.decision.category,
                "basis": o.decision.basis,
                "why": o.decision.trace[-1] if o.decision.trace else "",
                "rule_set": o.rule_set.version,
            }
            for o in report.changes
        ]
        if output_format == "json":
            self.stdout.write(
                json.dumps(
                    {"dry_run": dry_run, "cases": len(report.outcomes), "changes": changes},
                    ensure_ascii=False,
                    indent=1,
                )
            )
            return
        for change in changes:
            self.stdout.write(
                f"client {change['client']} melding {change['melding']} "
                f"({change['application_date']}): {change['from_name']} → {change['to_name']} "
                f"[{change['rule_set']}, regel {change['rule']}, {change['category']}] "
                f"{change['why']}"
            )
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            f"{len(report.outcomes)} cases recomputed; responsible municipality {verb} for "
            f"{len(changes)}{' (dry run: nothing written)' if dry_run else ''}."
        )
