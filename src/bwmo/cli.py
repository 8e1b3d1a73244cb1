"""The ``bwmo`` command: one entry point for operators and batch jobs.

Every subcommand honours ``DATABASE_URL`` and brings an empty database up to date first.
Subcommands not listed here are passed to Django's management commands.
"""

import os
import sys


def _setup_django(settings_module: str = "bwmo.settings.base") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for index, arg in enumerate(argv):
        # Django reads --settings itself, but only after setup: honour it before.
        if arg.startswith("--settings="):
            os.environ["DJANGO_SETTINGS_MODULE"] = arg.split("=", 1)[1]
        elif arg == "--settings" and index + 1 < len(argv):
            os.environ["DJANGO_SETTINGS_MODULE"] = argv[index + 1]
    _setup_django()
    from django.core.management import execute_from_command_line

    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(
            "bwmo — informatiesysteem Beschermd Wonen en Maatschappelijke Opvang\n\n"
            "Gebruik: bwmo <opdracht> [opties]\n\n"
            "  demo                     database klaarzetten, demoregio laden en starten\n"
            "  serve [--port N]         de webapplicatie starten\n"
            "  generate --profile demo --seed N   synthetische gegevens aanmaken\n"
            "  forecast --region R      prognose van cliënten en kosten (JSON of Excel)\n"
            "  audit verify             de hashketen van het toegangslog controleren\n"
            "  audit anchor             de kop van de keten buiten de database vastleggen\n"
            "  backup FILE, restore FILE   back-up maken (ook terwijl bwmo draait), terugzetten\n"
            "  migrate, createsuperuser, check, ...   Django-beheeropdrachten\n"
        )
        return 0
    # A backup copies the database as it is; a restore replaces it (and migrates afterwards).
    if argv[0] not in {
        "migrate",
        "makemigrations",
        "check",
        "help",
        "showmigrations",
        "backup",
        "restore",
    }:
        from bwmo.core.database import ensure_schema

        ensure_schema()
    execute_from_command_line(["bwmo", *argv])
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
