"""The monitor's data versions: which writes change which region's figures.

A trigger on every table the monitor's figures are computed from records, in the transaction
of the write, the municipalities the write touches in ``monitor_datachange``
(:class:`bwmo.monitor.models.DataChange`). So every writer — care's, toegang's and
woonplaats's services, the admin, the bulk loader of ``generate``, a restore — moves the
version of the regions it touches, and nothing has to remember to. The rows are only ever
inserted (never one counter row updated by every writer), so concurrent writers do not wait
for each other or deadlock on it.

On PostgreSQL the triggers are per statement with transition tables (a COPY of a million
stays adds a few hundred rows, one per municipality touched); on SQLite, whose writers take
turns anyway, per row.
"""

from __future__ import annotations

from dataclasses import dataclass

EVERYTHING = "*"
"""The scope of a change that can touch every region's figures."""


@dataclass(frozen=True)
class Touches:
    """The municipalities a changed row of ``table`` touches: each ``(expression, joins)``
    selects codes from the changed rows ``r`` (with the columns ``columns``)."""

    table: str
    columns: tuple[str, ...]
    codes: tuple[tuple[str, str], ...]


_STAY_BY_MELDING = (
    "JOIN care_indication i ON i.melding_id = r.melding_id "
    "JOIN care_stay s ON s.indication_id = i.id"
)
_MELDING = "JOIN toegang_melding m ON m.id = r.melding_id"

TOUCHED: tuple[Touches, ...] = (
    Touches(
        "care_stay",
        ("indication_id", "location_id"),
        (
            ("r.location_id", ""),
            ("i.responsible_municipality_id", "JOIN care_indication i ON i.id = r.indication_id"),
        ),
    ),
    Touches(
        "care_indication",
        ("id", "client_id", "responsible_municipality_id"),
        (
            ("r.responsible_municipality_id", ""),
            ("s.location_id", "JOIN care_stay s ON s.indication_id = r.id"),
            # The Wlz-pending count goes by the client's indications.
            (
                "o.responsible_municipality_id",
                "JOIN care_indication o ON o.client_id = r.client_id",
            ),
        ),
    ),
    Touches(
        "care_outflow",
        ("stay_id",),
        (
            ("s.location_id", "JOIN care_stay s ON s.id = r.stay_id"),
            (
                "i.responsible_municipality_id",
                "JOIN care_stay s ON s.id = r.stay_id "
                "JOIN care_indication i ON i.id = s.indication_id",
            ),
        ),
    ),
    Touches(
        "care_wlzapplication",
        ("client_id",),
        (("i.responsible_municipality_id", "JOIN care_indication i ON i.client_id = r.client_id"),),
    ),
    Touches(
        "toegang_melding",
        ("responsible_municipality_id",),
        (("r.responsible_municipality_id", ""),),
    ),
    Touches("toegang_advies", ("melding_id",), (("m.responsible_municipality_id", _MELDING),)),
    Touches("toegang_aanvraag", ("melding_id",), (("m.responsible_municipality_id", _MELDING),)),
    Touches(
        "toegang_beschikking",
        ("aanvraag_id",),
        (
            (
                "m.responsible_municipality_id",
                "JOIN toegang_aanvraag a ON a.id = r.aanvraag_id "
                "JOIN toegang_melding m ON m.id = a.melding_id",
            ),
        ),
    ),
    Touches(
        "woonplaats_responsibilitydecision",
        ("melding_id", "responsible_id"),
        (
            ("r.responsible_id", ""),
            ("m.responsible_municipality_id", _MELDING),
            ("s.location_id", _STAY_BY_MELDING),
        ),
    ),
    # Names, kinds, prices, memberships and budgets: any region may show them.
    *(
        Touches(table, (), ((f"'{EVERYTHING}'", ""),))
        for table in (
            "care_product",
            "care_contract",
            "care_tariff",
            "organisations_provider",
            "organisations_region",
            "organisations_regionmembership",
            "finance_budgetparameterset",
        )
    ),
)

LOG = "monitor_datachange"


def _select(touches: Touches, rows: str) -> str:
    """The distinct codes the rows ``rows`` (a table expression) touch, each of weight 1."""
    parts = [
        f"SELECT {expression} AS scope FROM {rows} r {joins}".rstrip()  # noqa: S608 (constants)
        for expression, joins in touches.codes
    ]
    return (
        f"SELECT DISTINCT scope, 1 FROM ({' UNION '.join(parts)}) touched "  # noqa: S608
        "WHERE scope IS NOT NULL"
    )


def _names(table: str) -> dict[str, str]:
    return {
        "function": f"bwmo_monitor_changed_{table}",
        "insert": f"{table}_monitor_insert",
        "update": f"{table}_monitor_update",
        "delete": f"{table}_monitor_delete",
        "truncate": f"{table}_monitor_truncate",
    }


def _sqlite_rows(touches: Touches, row: str) -> str:
    columns = ", ".join(f"{row}.{c} AS {c}" for c in touches.columns) or "1 AS one"
    return f"(SELECT {columns})"


def trigger_sql(vendor: str, touches: Touches) -> list[str]:
    """The statements that make writes to ``touches.table`` record their change."""
    table, names = touches.table, _names(touches.table)
    if vendor == "sqlite":
        statements = []
        for event, rows in (("insert", ["NEW"]), ("update", ["OLD", "NEW"]), ("delete", ["OLD"])):
            inserts = " ".join(
                f"INSERT INTO {LOG} (scope, weight) {_select(touches, _sqlite_rows(touches, row))};"
                for row in rows
            )
            statements.append(
                f'CREATE TRIGGER IF NOT EXISTS "{names[event]}" AFTER {event.upper()} '
                f'ON "{table}" FOR EACH ROW BEGIN {inserts} END'
            )
        return statements
    if vendor == "postgresql":
        insert_new = f"INSERT INTO {LOG} (scope, weight) {_select(touches, 'new_rows')}"
        insert_old = f"INSERT INTO {LOG} (scope, weight) {_select(touches, 'old_rows')}"
        everything = f"INSERT INTO {LOG} (scope, weight) VALUES ('{EVERYTHING}', 1)"  # noqa: S608
        function = (
            f"CREATE OR REPLACE FUNCTION {names['function']}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {insert_new}; "
            f"ELSIF TG_OP = 'UPDATE' THEN {insert_old}; {insert_new}; "
            f"ELSIF TG_OP = 'DELETE' THEN {insert_old}; "
            f"ELSE {everything}; "
            "END IF; RETURN NULL; END $$"
        )
        statements = [function]
        for event, referencing in (
            ("insert", "REFERENCING NEW TABLE AS new_rows"),
            ("update", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("delete", "REFERENCING OLD TABLE AS old_rows"),
            ("truncate", ""),
        ):
            statements += [
                f'DROP TRIGGER IF EXISTS "{names[event]}" ON "{table}"',
                f'CREATE TRIGGER "{names[event]}" AFTER {event.upper()} ON "{table}" '
                f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION {names['function']}()",
            ]
        return statements
    raise NotImplementedError(f"No monitor change triggers for database vendor {vendor!r}.")


def drop_trigger_sql(vendor: str, touches: Touches) -> list[str]:
    names = _names(touches.table)
    events = ("insert", "update", "delete", "truncate")
    if vendor == "postgresql":
        return [
            *(f'DROP TRIGGER IF EXISTS "{names[e]}" ON "{touches.table}"' for e in events),
            f"DROP FUNCTION IF EXISTS {names['function']}()",
        ]
    return [f'DROP TRIGGER IF EXISTS "{names[e]}"' for e in events[:3]]


def create_triggers(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for touches in TOUCHED:
        for statement in trigger_sql(vendor, touches):
            schema_editor.execute(statement, params=None)


def drop_triggers(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for touches in TOUCHED:
        for statement in drop_trigger_sql(vendor, touches):
            schema_editor.execute(statement, params=None)


TRIGGERS_MIGRATION = ("monitor", "0004_change_triggers")


def ensure_triggers(*, using: str = "default", **_: object) -> None:
    """Lay the triggers anew after every ``migrate`` (a ``post_migrate`` receiver).

    SQLite cannot alter most columns in place: a later migration that changes a table listed
    in ``TOUCHED`` rebuilds it (new table, copy, drop, rename), and the rebuild drops the
    table's triggers without a word. So the triggers are not only made by their migration but
    dropped and made again whenever migrations have run, as long as that migration is applied
    (a database migrated back before it has no change log to write to)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    if TRIGGERS_MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    # A plain cursor, not the schema editor: SQLite's refuses to run inside a transaction,
    # and these statements change no table.
    with connection.cursor() as cursor:
        for touches in TOUCHED:
            for statement in [
                *drop_trigger_sql(connection.vendor, touches),
                *trigger_sql(connection.vendor, touches),
            ]:
                cursor.execute(statement)
