"""The one bulk loader of synthetic history: every row the generator writes goes through here.

The services (``toegang``, ``care``, ``messaging``, …) write one case at a time, each step in
its own transaction, with its checks. Replaying nine years of a whole country through them
would take hours, so the generator builds the rows of a chunk of clients in memory and this
module writes them in bulk, in dependency order, inside the one transaction of the run (a
failed run leaves nothing). What it writes must be what the services would have allowed:
``tests/generate/test_invariants.py`` checks that for several sizes and seeds (a tariff in
force on every stay day, every dossier event a row of the workflow table, an allocation for
every zorg-in-natura indication, the monitor's stock–flow identity, BSNs 11-proof and in
range, every client marked synthetic). See ``docs/architecture.md``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, models

from bwmo.care.models import Contract, Product, Stay, Tariff
from bwmo.clients.models import Client
from bwmo.organisations.models import RegionMembership

# Large batches: fewer round trips. Django lowers the size where the database needs it
# (SQLite's limit on query parameters).
BATCH_SIZE = 5000

# The order in which a chunk's rows are written: every row after the rows it refers to.
ORDER = (
    "clients",
    "brp",
    "meldingen",
    "onderzoeken",
    "adviezen",
    "aanvragen",
    "beschikkingen",
    "mo_intakes",
    "indications",
    "stays",
    "outflows",
    "events",
    "wlz",
    "messages",
    "allocations",
    "delivery_events",
)


class GeneratedDatabaseRefused(ValueError):
    """The database is not one the generator may write into."""


def refuse_unless_empty() -> None:
    """Generate only into a database without clients.

    A database with clients that the generator did not make may hold real people: it is
    never touched. One that holds a generated population already is refused as well (a
    second population would mix with the first).
    """
    foreign = Client.objects.filter(synthetic=False).count()
    if foreign:
        raise GeneratedDatabaseRefused(
            f"The database holds {foreign} client(s) that bwmo generate did not make "
            "(possibly real people); synthetic data is only generated into an empty "
            "database. Set DATABASE_URL to a new one."
        )
    if Client.objects.exists():
        raise GeneratedDatabaseRefused(
            "The database already holds clients (a generated population); generate into an "
            "empty database (set DATABASE_URL to a new one)."
        )


class _Table:
    """How the rows of one model go into its table: columns, and each value as the database
    takes it (what ``bulk_create`` would send, without its per-row query compilation)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.table = model._meta.db_table
        self.columns = [f.column for f in self.fields]
        top = model._default_manager.aggregate(top=models.Max("pk"))["top"]
        self.next_id = (top or 0) + 1
        vendor = connection.vendor
        self.getters: list[Callable[[models.Model], Any]] = []
        for f in self.fields:
            self.getters.append(self._getter(f, vendor))

    @staticmethod
    def _getter(f: Any, vendor: str) -> Callable[[models.Model], Any]:
        if f.primary_key:
            return lambda obj: obj.pk
        if f.is_relation:
            name, attname = f.name, f.attname

            def related(obj: models.Model) -> Any:
                cached = obj._state.fields_cache.get(name)
                if cached is None:
                    return getattr(obj, attname)
                # As a save does: the key of the (now saved) related row, on the row too, so
                # code that reads ``melding.client_id`` after the write sees it.
                obj.__dict__[attname] = cached.pk
                return cached.pk

            return related
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return lambda obj: f.get_db_prep_save(f.pre_save(obj, True), connection)
        attname = f.attname
        convert = _Table._converter(f, vendor)
        if convert is None:
            return lambda obj: getattr(obj, attname)
        return lambda obj: convert(getattr(obj, attname))

    @staticmethod
    def _converter(f: Any, vendor: str) -> Callable[[Any], Any] | None:
        """How a value of ``f`` goes to the database; ``None``: as it is."""
        if f.primary_key or f.is_relation or isinstance(f, PLAIN_FIELDS):
            return None
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField):
            if vendor == "postgresql":
                return None
            return lambda v: None if v is None else v.isoformat()
        return lambda v: f.get_db_prep_save(v, connection)

    def maker(self, names: tuple[str, ...]) -> Callable[..., tuple]:
        """A function from the values of the fields ``names`` (attnames, in that order) to a
        row of this table for :meth:`insert_rows`: its key first (``row[0]``, the next of the
        table's counter), each value as the database takes it, every other field its
        default. Built without a model instance: at the country's size the instances were
        much of the load's time."""
        attnames = [f.attname for f in self.fields]
        unknown = set(names) - set(attnames)
        if unknown:
            raise ValueError(f"{self.model.__name__} has no field {sorted(unknown)}")
        blank = self.model()
        base = [get(blank) for get in self.getters]
        key = attnames.index(self.model._meta.pk.attname)
        if key != 0:
            raise ValueError(f"{self.model.__name__}: the key is not the first column")
        vendor = connection.vendor
        steps = [
            (attnames.index(name), self._converter(self.fields[attnames.index(name)], vendor))
            for name in names
        ]

        def make(*values: Any) -> tuple:
            row = base.copy()
            for (position, convert), value in zip(steps, values, strict=True):
                row[position] = value if convert is None else convert(value)
            row[key] = self.next_id
            self.next_id += 1
            return tuple(row)

        return make

    def insert(self, batch: list[models.Model]) -> None:
        for obj in batch:
            if obj.pk is None:
                obj.pk = self.next_id
                self.next_id += 1
            else:
                self.next_id = max(self.next_id, obj.pk + 1)
            obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS
        getters = self.getters
        self.insert_rows([tuple(get(obj) for get in getters) for obj in batch])

    def insert_rows(self, values: list[tuple]) -> None:
        """Write full rows (every column, keys given), as :meth:`maker` builds them."""
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: the fastest way into PostgreSQL. Explicit keys, so the identity
                # sequence is moved past them afterwards.
                raw = cursor.cursor
                with raw.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                    [quote(self.table), self.model._meta.pk.column, self.next_id - 1],
                )
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                for start in range(0, len(values), BATCH_SIZE):
                    cursor.executemany(
                        f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})",  # noqa: S608
                        values[start : start + BATCH_SIZE],
                    )


PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
)
_tables: dict[type[models.Model], _Table] = {}


def reset() -> None:
    """Forget the key counters (at the start of a run: the database may have changed)."""
    _tables.clear()


def table(model: type[models.Model]) -> _Table:
    """The loader's table of ``model``, with its key counter (see :meth:`_Table.maker`)."""
    if model not in _tables:
        _tables[model] = _Table(model)
    return _tables[model]


def write_rows(rows: Any, *, order: Iterable[str] = ORDER) -> dict[str, int]:
    """Insert the unsaved rows of one chunk (``rows.<name>`` lists), parents first.

    Keys are given here (one past the table's highest), so later lists refer to earlier rows
    without a round trip; PostgreSQL gets the rows by COPY, SQLite by one prepared insert.
    Every client written here is marked synthetic. Call inside the run's transaction.
    """
    counts: dict[str, int] = {}
    for name in order:
        if not hasattr(rows, name):
            continue
        batch: list[models.Model] = getattr(rows, name) or []
        if name == "clients":
            for client in batch:
                assert isinstance(client, Client)
                client.synthetic = True
        if batch:
            table(type(batch[0])).insert(batch)
        counts[name] = len(batch)
    return counts


def refresh_statistics() -> None:
    """Give PostgreSQL's planner the statistics of what was just written (``ANALYZE``).

    Autovacuum analyses a table only after changes have committed, and a run writes all of its
    history in one transaction: until then the planner goes by what the tables held before,
    often nothing. Planned for empty tables, the monitor's correlated lookups (a stay's current
    woonplaats decision and outflow) became a scan per row, seconds instead of milliseconds.
    ``ANALYZE`` may run in the transaction and sees its rows; it is undone with it. SQLite plans
    without gathered statistics, as it does everywhere else in bwmo.

    Only bwmo's own tables: a plain ``ANALYZE`` takes the system catalogues too, and those
    shared by every database of the server stay locked until the run commits, so a run in
    another database of the same server (or its autovacuum) would wait for this one."""
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        tables = sorted(connection.introspection.django_table_names(only_existing=True))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(quote(t) for t in tables))


def mark_synthetic(client_ids: Iterable[int]) -> int:
    """Mark clients the generator made through the services (provisional identities)."""
    return Client.objects.filter(pk__in=list(client_ids)).update(synthetic=True)


def cover_stays_with_tariffs(
    *, reference_date: date, amount: Callable[[str, int], Decimal], first_year: int = 2017
) -> int:
    """Give every stay a tariff in force on each of its days, in the region that pays.

    Costs are priced with the contracts of the region of the municipality responsible for
    the indication (``finance.selectors.tariffs``). The woonplaats rules may make a
    municipality of another region responsible than the one whose provider delivers; then
    that region contracts the provider too (a follow-the-client contract), with yearly
    tariffs from ``first_year`` to the end of the reference year. Returns the number of
    contracts added.
    """
    region_of = dict(
        RegionMembership.objects.valid_on(reference_date).values_list(
            "municipality_id", "region_id"
        )
    )
    needed: dict[tuple[int, int], set[str]] = defaultdict(set)
    for provider, product, responsible in (
        Stay.objects.filter(indication__isnull=False)
        .values_list("provider_id", "product__code", "indication__responsible_municipality_id")
        .distinct()
    ):
        region = region_of.get(responsible)
        if region is not None:
            needed[(region, provider)].add(product)
    priced: dict[tuple[int, int], set[str]] = defaultdict(set)
    for region, provider, product in Tariff.objects.values_list(
        "contract__region_id", "contract__provider_id", "product__code"
    ).distinct():
        priced[(region, provider)].add(product)
    contracts = {
        (c.region_id, c.provider_id): c
        for c in Contract.objects.order_by("pk").select_related("region")
    }
    products = {p.code: p for p in Product.objects.all()}
    added, tariffs = 0, []
    for (region, provider), codes in sorted(needed.items()):
        missing = sorted(codes - priced[(region, provider)])
        if not missing:
            continue
        contract = contracts.get((region, provider))
        if contract is None:
            contract = Contract.objects.create(
                provider_id=provider,
                region_id=region,
                reference=f"VOLG-{region:03d}-{provider:05d}",
                valid_from=date(first_year, 1, 1),
                valid_to=date(reference_date.year, 12, 31),
                extension_options=0,
                extension_years=0,
            )
            contracts[(region, provider)] = contract
            added += 1
        contract.products.add(*(products[code] for code in missing))
        for code in missing:
            for year in range(first_year, reference_date.year + 1):
                tariffs.append(
                    Tariff(
                        contract=contract,
                        product=products[code],
                        unit=products[code].unit,
                        amount=amount(code, year),
                        valid_from=date(year, 1, 1),
                        valid_to=date(year, 12, 31),
                    )
                )
    Tariff.objects.bulk_create(tariffs, batch_size=BATCH_SIZE)
    return added
