"""Append-only tables: refused UPDATE and DELETE in the ORM and in the database itself.

Two layers, because each covers what the other cannot:

* ``AppendOnlyQuerySet`` makes ``update()``, ``delete()`` and ``bulk_update()`` raise, so no
  code path in bwmo (a view, a service, a management command, the admin) can change history
  through the ORM. The models' ``save()``/``delete()`` refuse the single-instance case.
* Database triggers (created by migrations with :func:`create_triggers`) refuse UPDATE and
  DELETE statements from anyone: raw SQL, ``sqlite3`` or ``psql`` on the console, another
  program. On PostgreSQL a row trigger calls ``bwmo_append_only()``, which raises; on SQLite
  the trigger ends the statement with ``RAISE(ABORT, ...)``.

The triggers are unconditional: there is no setting, session variable or marker row that
switches them off, so there is nothing in production to switch. The test suite empties tables
between transactional tests; how it does that is described in ``tests/db/sqlite3/base.py``
(SQLite) — on PostgreSQL Django empties them with TRUNCATE, which row triggers do not see.

Neither layer stops the owner of the database from dropping a trigger or truncating a table.
That is what the keyed hash chain and its anchors outside the database are for (see
``bwmo.audit.chain``): they make such a change visible.
"""

from django.db import models

APPEND_ONLY_MESSAGE = "{table} is append-only: rows cannot be changed or deleted."


class AppendOnlyError(ValueError):
    """Raised when code tries to change or delete rows of an append-only table."""


class AppendOnlyQuerySet(models.QuerySet):
    def _refuse(self, what: str):
        raise AppendOnlyError(f"{self.model._meta.db_table} is append-only: {what} is not allowed.")

    def update(self, **kwargs):
        self._refuse("update()")

    def delete(self):
        self._refuse("delete()")

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse("bulk_update()")

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        self._refuse("update_or_create()")

    # Django's own deletion machinery (Collector) calls this one.
    def _raw_delete(self, using):
        self._refuse("delete()")


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)


def _trigger_names(table: str) -> tuple[str, str]:
    return f"{table}_no_update", f"{table}_no_delete"


def trigger_sql(vendor: str, table: str) -> list[str]:
    """The statements that make ``table`` refuse UPDATE and DELETE on ``vendor``."""
    no_update, no_delete = _trigger_names(table)
    message = APPEND_ONLY_MESSAGE.format(table=table).replace("'", "''")
    if vendor == "sqlite":
        return [
            f'CREATE TRIGGER IF NOT EXISTS "{no_update}" BEFORE UPDATE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f'CREATE TRIGGER IF NOT EXISTS "{no_delete}" BEFORE DELETE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ]
    if vendor == "postgresql":
        return [
            # One function for every append-only table; it names the table in its message.
            "CREATE OR REPLACE FUNCTION bwmo_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% is append-only: rows cannot be changed or deleted.', "
            "TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation'; "
            "END $$",
            f'DROP TRIGGER IF EXISTS "{no_update}" ON "{table}"',
            f'CREATE TRIGGER "{no_update}" BEFORE UPDATE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION bwmo_append_only()",
            f'DROP TRIGGER IF EXISTS "{no_delete}" ON "{table}"',
            f'CREATE TRIGGER "{no_delete}" BEFORE DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION bwmo_append_only()",
        ]
    raise NotImplementedError(f"No append-only triggers for database vendor {vendor!r}.")


def drop_trigger_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"' for name in _trigger_names(table)]
    return [f'DROP TRIGGER IF EXISTS "{name}"' for name in _trigger_names(table)]


def create_triggers(schema_editor, tables: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        for statement in trigger_sql(vendor, table):
            schema_editor.execute(statement, params=None)  # no placeholders: '%' is literal


def drop_triggers(schema_editor, tables: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        for statement in drop_trigger_sql(vendor, table):
            schema_editor.execute(statement, params=None)


def installed_triggers(connection, table: str) -> set[str]:
    """Names of the append-only triggers that exist on ``table`` (for checks and tests)."""
    wanted = set(_trigger_names(table))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
        return {row[0] for row in cursor.fetchall()} & wanted


class AppendOnlyModel(models.Model):
    """A model whose rows, once written, are never changed or deleted."""

    append_only_message = "{model} is append-only: rows cannot be changed or deleted."

    objects = AppendOnlyManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self._refuse_change()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_change()

    def _refuse_change(self):
        raise AppendOnlyError(self.append_only_message.format(model=self._meta.verbose_name))
