"""Benchmark: validate and ingest WMO323 declarations (target: 10,000 × 5 lines < 30 s).

Runs on a database of its own: a new SQLite file in a temporary folder, or the (empty!)
database of ``BWMO_BENCH_DATABASE_URL`` (for PostgreSQL). Called by ``make bench`` through
:mod:`bwmo.benchmarks`; the preparation (allocations, files) is not timed, the import is.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TARGET_FILES = 10_000
LINES_PER_FILE = 5


def _setup_django(folder: Path) -> None:
    os.environ["DATABASE_URL"] = os.environ.get(
        "BWMO_BENCH_DATABASE_URL", f"sqlite:///{folder / 'bench.sqlite3'}"
    )
    os.environ["BWMO_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bwmo.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _months(first: date, count: int) -> list[tuple[date, date]]:
    months, day = [], first
    for _ in range(count):
        nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        months.append((day, nxt - timedelta(days=1)))
        day = nxt
    return months


def prepare(folder: Path, files: int) -> Path:
    """Allocations for 2,000 clients and ``files`` declarations of 5 lines, written to disk."""
    from decimal import Decimal

    from django.conf import settings
    from django.utils import timezone

    from bwmo.care.models import Contract, Indication, Product, Tariff, Unit
    from bwmo.clients.models import Client
    from bwmo.iwmo import aanbieder
    from bwmo.iwmo import model as m
    from bwmo.messaging.models import Allocation
    from bwmo.organisations.models import Municipality, Organisation, Provider, Region
    from bwmo.toegang.models import Melding

    if Client.objects.exists():
        raise SystemExit("the benchmark database must be empty")
    from stdnum.nl import bsn as bsn_check

    assen = Municipality.objects.get(code="GM0106")
    region = Region.objects.get(centrumgemeente=assen)
    organisation = Organisation.objects.create(
        name="Gemeente Assen", kind="gemeente", municipality=assen
    )
    provider = Provider.objects.create(name="Bench Zorg", agb_code="73009999")
    product = Product.objects.create(
        code="BW001",
        name="BW",
        kind="BW",
        iwmo_category="15",
        unit=Unit.WEEK,
        valid_from=date(2015, 1, 1),
    )
    contract = Contract.objects.create(
        provider=provider,
        region=region,
        reference="B-1",
        valid_from=date(2020, 1, 1),
        valid_to=date(2030, 12, 31),
    )
    Tariff.objects.create(
        contract=contract,
        product=product,
        amount=Decimal("900.00"),
        unit=Unit.WEEK,
        valid_from=date(2020, 1, 1),
    )
    n_clients = 2_000
    bsns = [n for n in range(999900006, 999999990) if bsn_check.is_valid(str(n))][:n_clients]
    Client.objects.bulk_create(
        Client(
            bsn=str(n),
            given_names="Bench",
            surname=f"Cliënt {i}",
            birth_date=date(1980, 1, 1),
            registered_by=organisation,
        )
        for i, n in enumerate(bsns)
    )
    clients = list(Client.objects.order_by("pk"))
    Melding.objects.bulk_create(
        Melding(
            client=c,
            product_kind="BW",
            applied_to=assen,
            responsible_municipality=assen,
            received_on=date(2023, 12, 1),
            organisation=organisation,
        )
        for c in clients
    )
    meldingen = dict(Melding.objects.values_list("client_id", "pk"))
    start, end = date(2024, 1, 1), date(2026, 12, 31)
    Indication.objects.bulk_create(
        Indication(
            client=c,
            melding_id=meldingen[c.pk],
            product=product,
            financing="ZIN",
            provider=provider,
            responsible_municipality=assen,
            valid_from=start,
            valid_to=end,
            started_on=start,
        )
        for c in clients
    )
    now = timezone.now()
    Allocation.objects.bulk_create(
        Allocation(
            indication=i,
            number=i.pk,
            client_id=i.client_id,
            municipality=assen,
            provider=provider,
            category="15",
            product_code="BW001",
            start=start,
            end=end,
            volume=7,
            unit="14",
            frequency="2",
            allocated_at=now,
            changed_at=now,
            needs_sending=False,
        )
        for i in Indication.objects.all()
    )
    allocations = list(Allocation.objects.select_related("client").order_by("number"))
    cents = (90000 * 2 + 7) // 14
    per_month = n_clients // LINES_PER_FILE
    months = _months(start, files // per_month + 1)
    inbox = Path(folder) / "in"
    inbox.mkdir()
    xsd_dir = settings.BWMO_IWMO_XSD_DIR
    for k in range(files):
        first, last = months[k // per_month]
        block = allocations[(k % per_month) * LINES_PER_FILE :][:LINES_PER_FILE]
        volume = (last - first).days + 1
        clienten = tuple(
            m.DeclaratieClient(
                a.client.bsn or "",  # the benchmark's clients all have a BSN
                (
                    m.Prestatie(
                        referentie_nummer=f"R{k}-{j}",
                        toewijzing_nummer=a.number,
                        product_categorie="15",
                        product_code="BW001",
                        product_periode=m.GeslotenPeriode(first, last),
                        geleverd_volume=volume,
                        eenheid="14",
                        ingediend_bedrag=m.Bedrag(volume * cents),
                        product_tarief=cents,
                    ),
                ),
            )
            for j, a in enumerate(block)
        )
        dag = last + timedelta(days=5)
        content = aanbieder.build_wmo323(
            afzender=provider.agb_code,
            ontvanger="0106",
            identificatie=f"D{k:08d}",
            dagtekening=dag,
            declaratie=m.Declaratie(
                declaratie_nummer=f"D{k:08d}",
                declaratie_periode=m.GeslotenPeriode(first, last),
                declaratie_dagtekening=dag,
                totaal_ingediend_bedrag=m.Bedrag(volume * cents * len(block)),
                clienten=clienten,
            ),
            xsd_dir=xsd_dir,
        )
        (inbox / f"{k:06d}.xml").write_bytes(content)
    return inbox


def run(files: int = TARGET_FILES) -> tuple[float, dict[str, int]]:
    """(seconds for the import, outcome counts)."""
    with tempfile.TemporaryDirectory(prefix="bwmo-bench-") as folder:
        _setup_django(Path(folder))
        from django.conf import settings

        if not Path(settings.BWMO_IWMO_XSD_DIR).is_dir():
            raise SystemExit(f"iWmo XSDs not found at {settings.BWMO_IWMO_XSD_DIR}")
        inbox = prepare(Path(folder), files)
        from bwmo.messaging import exchange

        started = time.perf_counter()
        results = exchange.import_directory(inbox, today=date(2026, 11, 1))
        seconds = time.perf_counter() - started
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status or r.outcome] = counts.get(r.status or r.outcome, 0) + 1
        return seconds, counts


if __name__ == "__main__":
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else TARGET_FILES
    seconds, counts = run(n)
    print(f"{seconds:8.2f} s  validate + ingest {n} WMO323 × {LINES_PER_FILE} lines: {counts}")
