import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from bwmo.generate.demo import generate_demo
from bwmo.generate.national import DEFAULT_CLIENTS, generate_national

DEFAULT_CLIENTS_OF = {"demo": 1500, "national": DEFAULT_CLIENTS}


class Command(BaseCommand):
    help = "Create a deterministic synthetic population (never real people)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--profile",
            choices=["demo", "national"],
            default="demo",
            help=(
                "demo: the two Drenthe regions, ~1,500 clients, 2017 to today; national: all "
                "342 municipalities in 44 regions, ~150,000 clients"
            ),
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--clients",
            type=int,
            default=None,
            help="number of clients (default: 1,500 for demo, 150,000 for national)",
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=None,
            help="a fraction of the profile's default number of clients (e.g. 0.1)",
        )
        parser.add_argument(
            "--reference-date",
            type=date.fromisoformat,
            default=None,
            help="the 'today' of the data (YYYY-MM-DD); default: today",
        )

    def handle(self, *args, profile, seed, clients, scale, reference_date, **options):
        from django.utils import timezone

        reference_date = reference_date or timezone.localdate()
        if clients is not None and scale is not None:
            raise CommandError("give --clients or --scale, not both", returncode=2)
        if scale is not None:
            if not 0 < scale <= 1:
                raise CommandError(
                    f"--scale must be more than 0 and at most 1, not {scale}", returncode=2
                )
            clients = max(1, round(DEFAULT_CLIENTS_OF[profile] * scale))
        clients = DEFAULT_CLIENTS_OF[profile] if clients is None else clients
        if clients < 1:
            raise CommandError(f"--clients must be at least 1, not {clients}", returncode=2)
        try:
            if profile == "national":
                counts = generate_national(
                    seed=seed,
                    reference_date=reference_date,
                    clients=clients,
                    progress=lambda text: print(text, file=sys.stderr, flush=True),
                )
            else:
                counts = generate_demo(seed=seed, reference_date=reference_date, clients=clients)
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from error
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(
            f"Generated profile '{profile}' (seed {seed}, reference date "
            f"{reference_date}): {summary}"
        )
