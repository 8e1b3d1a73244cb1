from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from bwmo.clients.models import Client
from bwmo.generate.demo import generate_demo
from bwmo.generate.demo_accounts import (
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    demo_totp_code,
    ensure_demo_accounts,
)


class Command(BaseCommand):
    help = "Prepare the demo region (once) and serve bwmo at http://127.0.0.1:8000/."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare only")
        parser.add_argument(
            "--totp-code",
            action="store_true",
            help="print the current two-factor code of the demo's beheer and auditor accounts",
        )

    def handle(self, *args, seed, port, no_serve, totp_code=False, **options):
        if totp_code:
            self.stdout.write(demo_totp_code())
            return
        if not Client.objects.exists():
            self.stdout.write("Demoregio Drenthe wordt aangemaakt (eenmalig)...")
            counts = generate_demo(seed=seed, reference_date=timezone.localdate())
            self.stdout.write(
                f"  {counts['clients']} cliënten, {counts['meldingen']} meldingen, "
                f"{counts['stays']} verblijven"
            )
        accounts = ensure_demo_accounts()
        width = max(len(a.username) for a in accounts)
        self.stdout.write("")
        self.stdout.write(
            f"bwmo demo — open http://127.0.0.1:{port}/ en log in met een van "
            f"deze accounts (wachtwoord voor allemaal: {DEMO_PASSWORD}):"
        )
        for account in accounts:
            self.stdout.write(f"  {account.username.ljust(width)}  {account.description}")
        self.stdout.write("")
        self.stdout.write(
            "beheer en auditor loggen in met tweestapsverificatie: voeg de demosleutel "
            f"{DEMO_TOTP_SECRET} toe aan een authenticator-app (tijdgebaseerd, 6 cijfers), of "
            "vraag de code van dit moment met: bwmo demo --totp-code"
        )
        self.stdout.write("")
        if not no_serve:
            call_command("serve", port=port)
