import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bwmo.iwmo.validate import validate_message
from bwmo.messaging.exchange import (
    export_pending,
    import_directory,
    municipality_codes_of_region,
)
from bwmo.messaging.models import MessageStatus
from bwmo.organisations.commands import region_argument

_UNWRITTEN = (
    "a file could not be written: {error}. What was processed is recorded, with its answers; "
    "the next run writes the answers that are not in the folder yet"
)


class Command(BaseCommand):
    help = (
        "iWmo 3.2 messages. 'validate FILE...' checks each message by itself (XSD, then every "
        "rule of the standard that needs no other message or system state) and prints one "
        "JSON document; exit 0: all valid, 2: a file is not (not readable, not UTF-8, a "
        "DOCTYPE, too big, not XML, or breaking the XSD or a rule). "
        "'export --region R --out DIR' writes the pending WMO301/319 files; exit 1 when a "
        "message could not be built (it stays pending). 'import DIR' processes every inbound "
        "file (all-or-nothing per file; a file seen before is not processed again) and writes "
        "the retour/WMO325 answers next to it after each file's commit; exit 1 when a file "
        "was rejected or invalid. Both first write any file an interrupted run recorded but "
        "did not write."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="check messages by themselves")
        validate.add_argument("files", nargs="+", type=Path)
        export = sub.add_parser("export", help="write the pending WMO301/319 files of a region")
        export.add_argument(
            "--region", required=True, help="region: its name or its centrumgemeente (GM0106)"
        )
        export.add_argument("--out", required=True, type=Path, help="folder to write into")
        imp = sub.add_parser(
            "import", help="process every inbound file in a folder; answers are written next to it"
        )
        imp.add_argument("directory", type=Path)

    def handle(self, *args, action, **options):
        xsd_dir = Path(settings.BWMO_IWMO_XSD_DIR)
        if not xsd_dir.is_dir():
            raise CommandError(
                f"iWmo XSD directory not found: {xsd_dir} (set BWMO_IWMO_XSD_DIR to the folder "
                "with basisschema.xsd and the WMOnnn.xsd files)"
            )
        today = timezone.localdate()
        if action == "export":
            return self.export(options["region"], options["out"], today)
        if action == "import":
            return self.import_(options["directory"], today)
        return self.validate(options["files"], xsd_dir, today)

    def export(self, region_name: str, out: Path, today) -> None:
        region = region_argument(region_name)
        if out.exists() and not out.is_dir():
            raise CommandError(f"--out {out} exists and is not a folder")
        try:
            result = export_pending(
                municipality_codes=municipality_codes_of_region(region, today),
                out_dir=out,
                today=today,
            )
        except OSError as error:
            raise CommandError(_UNWRITTEN.format(error=error)) from None
        document = {
            "written": [str(p) for p in result.written],
            "not_built": [
                {"message": msg.message_type, "id": msg.pk, "errors": errors}
                for msg, errors in result.failed
            ],
        }
        self.stdout.write(json.dumps(document, ensure_ascii=False, indent=1))
        if result.failed:
            sys.exit(1)

    def import_(self, directory: Path, today) -> None:
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder")
        try:
            results = import_directory(directory, today=today)
        except OSError as error:
            raise CommandError(_UNWRITTEN.format(error=error)) from None
        self.stdout.write(
            json.dumps({"files": [r.as_dict() for r in results]}, ensure_ascii=False, indent=1)
        )
        if any(r.status in (MessageStatus.REJECTED, MessageStatus.INVALID) for r in results):
            sys.exit(1)

    def validate(self, files, xsd_dir, today) -> None:
        results, unreadable = [], False
        for path in files:
            try:
                with path.open("rb") as f:  # no more than one byte over the limit
                    content = f.read(settings.BWMO_IWMO_MAX_FILE_BYTES + 1)
            except OSError as error:
                unreadable = True
                results.append(
                    {
                        "file": str(path),
                        "message": None,
                        "valid": False,
                        "errors": [
                            {"code": "FILE", "path": "/", "message": f"cannot be read: {error}"}
                        ],
                    }
                )
                continue
            result = validate_message(
                content, xsd_dir, today=today, max_bytes=settings.BWMO_IWMO_MAX_FILE_BYTES
            )
            results.append(
                {
                    "file": str(path),
                    "message": result.message_type,
                    "valid": result.valid,
                    "errors": [
                        # The user has the file: what was found is shown with the rule.
                        {"code": e.code, "path": e.path, "message": e.full}
                        for e in result.errors
                    ],
                }
            )
        self.stdout.write(json.dumps({"files": results}, ensure_ascii=False, indent=1))
        if unreadable or not all(r["valid"] for r in results):
            sys.exit(2)  # bad input
