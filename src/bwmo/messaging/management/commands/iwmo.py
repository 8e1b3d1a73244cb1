import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bwmo.iwmo.validate import validate_message


class Command(BaseCommand):
    help = (
        "iWmo 3.2 messages. 'bwmo iwmo validate FILE...' checks each message by itself (XSD, "
        "then every rule of the standard that needs no other message or system state) and "
        "prints one JSON document. Exit 0: all valid; 1: one is not; 2: a file cannot be "
        "read as XML at all."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["validate"])
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, action, files, **options):
        xsd_dir = Path(settings.BWMO_IWMO_XSD_DIR)
        if not xsd_dir.is_dir():
            raise CommandError(
                f"iWmo XSD directory not found: {xsd_dir} (set BWMO_IWMO_XSD_DIR to the folder "
                "with basisschema.xsd and the WMOnnn.xsd files)"
            )
        today = timezone.localdate()
        results, unreadable = [], False
        for path in files:
            try:
                content = path.read_bytes()
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
            result = validate_message(content, xsd_dir, today=today)
            unreadable |= any(e.code == "XML" for e in result.errors)
            results.append(
                {
                    "file": str(path),
                    "message": result.message_type,
                    "valid": result.valid,
                    "errors": [
                        {"code": e.code, "path": e.path, "message": e.message}
                        for e in result.errors
                    ],
                }
            )
        self.stdout.write(json.dumps({"files": results}, ensure_ascii=False, indent=1))
        if unreadable:
            sys.exit(2)
        if not all(r["valid"] for r in results):
            sys.exit(1)
