from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bwmo.audit.chain import AuditKeyMissing
from bwmo.audit.models import VerificationTrigger
from bwmo.audit.services import AccessLogError, access_log_anchor, access_log_verify_and_record


class Command(BaseCommand):
    help = (
        "Access log tools. 'bwmo audit verify' checks the keyed hash chain against the "
        "anchors; 'bwmo audit anchor' writes a signed head of the chain outside the database "
        "(schedule it, e.g. hourly)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "anchor"])
        parser.add_argument(
            "--anchors",
            type=Path,
            help="anchor file to check against or append to (default BWMO_AUDIT_ANCHOR_FILE)",
        )
        parser.add_argument(
            "--syslog", action="store_true", help="anchor: also send the anchor to syslog"
        )

    def handle(self, *args, action, anchors, syslog, **options):
        if anchors is not None and action == "verify" and not anchors.is_file():
            raise CommandError(f"Anchor file {anchors} does not exist.", returncode=2)
        try:
            if action == "anchor":
                anchor = access_log_anchor(anchor_file=anchors, to_syslog=syslog or None)
                self.stdout.write(
                    f"Access log anchored: {anchor.entries} entries, last entry "
                    f"{anchor.last_entry_id}, hash {anchor.last_hash[:16]}…, at {anchor.at}."
                )
                return
            report, _ = access_log_verify_and_record(
                by="bwmo audit verify", trigger=VerificationTrigger.COMMAND, anchor_file=anchors
            )
        except (AuditKeyMissing, AccessLogError) as error:
            raise CommandError(str(error)) from error
        if report.notice:
            self.stderr.write(report.notice)
        if report.ok:
            anchored = (
                f", consistent with {report.anchors_checked} anchors (the last of "
                f"{report.last_anchor.at}: {report.last_anchor.entries} entries)"
                if report.last_anchor
                else ""
            )
            self.stdout.write(
                f"Access log intact: {report.entries_checked} entries, chain verified{anchored}."
            )
            return
        raise CommandError(
            f"Access log chain broken at entry {report.first_broken_id} "
            f"({report.problem}); {report.entries_checked} entries before it are intact."
        )
