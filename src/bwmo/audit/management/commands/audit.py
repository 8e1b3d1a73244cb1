from django.core.management.base import BaseCommand, CommandError

from bwmo.audit.services import access_log_verify


class Command(BaseCommand):
    help = "Access log tools. 'bwmo audit verify' checks the hash chain of the access log."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        report = access_log_verify()
        if report.ok:
            self.stdout.write(
                f"Access log intact: {report.entries_checked} entries, chain verified."
            )
            return
        raise CommandError(
            f"Access log chain broken at entry {report.first_broken_id} "
            f"({report.problem}); {report.entries_checked} entries before it are intact."
        )
