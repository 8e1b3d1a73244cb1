from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bwmo.audit.models import VerificationTrigger
from bwmo.audit.services import access_log_verify_and_record
from bwmo.core.backup import BackupError, database_restore
from bwmo.core.database import ensure_schema


class Command(BaseCommand):
    help = (
        "Replace the database with the backup in FILE (made by 'bwmo backup'), then verify "
        "the access log against the last anchor. Refuses a non-empty database without --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="restore over a database that holds data"
        )

    def handle(self, *args, file, force, **options):
        try:
            counts = database_restore(source=file, force=force)
        except BackupError as error:
            raise CommandError(str(error), returncode=error.exit_code) from error
        if ensure_schema():  # a backup of an older version is brought up to date
            self.stdout.write("Migrations applied to the restored database.")
        for table, count in counts.items():
            self.stdout.write(f"  {table}: {count}")
        self.stdout.write(f"Restored {file}: {len(counts)} tables, {sum(counts.values())} rows.")
        report, _ = access_log_verify_and_record(
            by="bwmo restore", trigger=VerificationTrigger.RESTORE
        )
        if report.notice:
            self.stderr.write(report.notice)
        if not report.ok:
            raise CommandError(
                f"Restored, but the access log does not verify: entry {report.first_broken_id} "
                f"({report.problem}). If the backup is older than the last anchor, the entries "
                "made after the backup are lost: record that."
            )
        anchored = (
            f", consistent with the anchor of {report.last_anchor.at}" if report.last_anchor else ""
        )
        self.stdout.write(
            f"Access log intact: {report.entries_checked} entries, chain verified{anchored}."
        )
