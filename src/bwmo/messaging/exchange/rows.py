"""Writing a batch's new rows (messages, declarations, lines, answers) with few statements.

``insert`` writes the same rows as ``bulk_create`` would, with the same values: on
PostgreSQL by COPY, after the keys are taken from the table's own sequence in one
statement (so another process writing at the same moment gets other keys); on other
databases by ``bulk_create``. Django builds and quotes an ``INSERT`` of some 25 values per
message client-side; COPY sends the values as they are, which costs the importer and
PostgreSQL a fraction of it. Call inside the import's transaction: the rows are written with
it, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, models

M = TypeVar("M", bound=models.Model)

_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.BigIntegerField,
)


class _Columns:
    """The columns of a model and, per column, how a row's value is read for the database
    (what ``bulk_create`` sends: ``pre_save`` for fields that set themselves, and
    ``get_db_prep_save``)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.pk_column = model._meta.pk.column
        self.getters = [self._getter(f) for f in self.fields]
        quote = connection.ops.quote_name
        self.sql = (
            f"COPY {quote(self.table)} ({', '.join(quote(f.column) for f in self.fields)}) "
            "FROM STDIN"
        )

    @staticmethod
    def _getter(f: Any) -> Callable[[models.Model], Any]:
        attname = f.attname
        if f.primary_key or f.is_relation:
            return lambda obj: getattr(obj, attname)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return lambda obj: f.get_db_prep_save(f.pre_save(obj, True), connection)
        if not f.null and type(f) in _PLAIN:
            # Taken as they are (exactly these classes: a subclass may convert its value).
            return lambda obj: getattr(obj, attname)
        return lambda obj: f.get_db_prep_save(getattr(obj, attname), connection)


_columns: dict[type[models.Model], _Columns] = {}


def insert(objs: Sequence[M]) -> None:
    """Write the unsaved ``objs`` (all of one model); each gets its key, as after
    ``bulk_create``."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=1000)
        return
    columns = _columns.get(model)
    if columns is None:
        columns = _columns[model] = _Columns(model)
    for obj in objs:
        # The foreign keys as a save takes them: the key of the related row, now saved.
        for f in columns.fields:
            if f.is_relation:
                related = obj._state.fields_cache.get(f.name)
                if related is not None:
                    obj.__dict__[f.attname] = related.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(columns.table), columns.pk_column, len(objs)],
        )
        keys = [key for (key,) in cursor.fetchall()]
        for obj, key in zip(objs, keys, strict=True):
            obj.pk = key
            obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS
        getters = columns.getters
        with cursor.cursor.copy(columns.sql) as copy:
            for obj in objs:
                copy.write_row([get(obj) for get in getters])
