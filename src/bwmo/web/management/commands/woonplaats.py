import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from bwmo.organisations.models import Municipality
from bwmo.rules.woonplaats_cases import EXIT_INVALID, run_case_file


class Command(BaseCommand):
    help = (
        "Decide the responsible municipality for every case in a woonplaats case file (JSON) "
        "and print the decisions as JSON. Exit 0: all expected answers match; 1: one does "
        "not; 2: the file is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("cases_file", type=Path, help="case file, format of woonplaats.md")

    def handle(self, *args, cases_file: Path, **options):
        try:
            text = cases_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.stderr.write(f"{cases_file}: cannot be read: {error}")
            sys.exit(EXIT_INVALID)
        names = dict(Municipality.objects.values_list("code", "name"))
        exit_code, document = run_case_file(text, municipality_names=names)
        if exit_code == EXIT_INVALID:
            self.stderr.write(f"{cases_file}: {document['error']}")
            sys.exit(exit_code)
        self.stdout.write(json.dumps(document, ensure_ascii=False, indent=1))
        sys.exit(exit_code)
