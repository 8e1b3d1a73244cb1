from datetime import date

from django.core.management.base import BaseCommand, CommandError

from bwmo.generate.demo import generate_demo


class Command(BaseCommand):
    help = "Create a deterministic synthetic population (never real people)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--profile",
            choices=["demo"],
            default="demo",
            help="demo: the two Drenthe regions, ~1,500 clients, 2017 to today",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--clients", type=int, default=1500)
        parser.add_argument(
            "--reference-date",
            type=date.fromisoformat,
            default=None,
            help="the 'today' of the data (YYYY-MM-DD); default: today",
        )

    def handle(self, *args, profile, seed, clients, reference_date, **options):
        from django.utils import timezone

        reference_date = reference_date or timezone.localdate()
        if clients < 1:
            raise CommandError("--clients must be at least 1")
        try:
            counts = generate_demo(seed=seed, reference_date=reference_date, clients=clients)
        except ValueError as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(
            f"Generated profile '{profile}' (seed {seed}, reference date "
            f"{reference_date}): {summary}"
        )
