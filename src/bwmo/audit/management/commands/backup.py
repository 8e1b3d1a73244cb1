from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bwmo.core.backup import BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database to FILE, safe while bwmo runs "
        "(SQLite: online backup API; PostgreSQL: pg_dump -Fc in one snapshot)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--force", action="store_true", help="overwrite an existing FILE")

    def handle(self, *args, file, force, **options):
        try:
            result = database_backup(target=file, force=force)
        except BackupError as error:
            raise CommandError(str(error), returncode=error.exit_code) from error
        for table, count in result.counts.items():
            self.stdout.write(f"  {table}: {count}")
        self.stdout.write(
            f"Backup written to {result.path} ({result.vendor}): {len(result.counts)} tables, "
            f"{sum(result.counts.values())} rows, "
            f"{result.counts.get('audit_accesslogentry', 0)} access-log entries."
        )
