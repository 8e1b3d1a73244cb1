"""SQLite for the test suite: Django's backend, except that a flush may empty append-only tables.

Transactional tests (``transaction=True``, the browser tests) end with a flush, which on
SQLite is ``DELETE FROM`` every table. The append-only triggers (``bwmo.core.append_only``)
refuse exactly that. Here, and only here, the flush drops those DELETE triggers, empties the
tables and creates the same triggers again, all in the flush's one transaction: if anything
fails, the triggers are back as they were.

Why this way: the production triggers stay unconditional — no setting, session variable,
marker row or SQL function can switch them off, so there is no switch an attacker (or a bug)
could reach. The exemption lives in test code that is not part of the installed package and
is only used when ``bwmo.settings.test`` names this engine.
"""

from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def execute_sql_flush(self, sql_list):
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%\\_no\\_delete' ESCAPE '\\'"
            )
            triggers = cursor.fetchall()
        if not triggers:
            return super().execute_sql_flush(sql_list)
        drop = [f'DROP TRIGGER "{name}"' for name, _ in triggers]
        create = [sql for _, sql in triggers]
        return super().execute_sql_flush([*drop, *sql_list, *create])


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
