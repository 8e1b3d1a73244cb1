"""What an attacker with write access to the database (but not the key) does to the log.

The append-only triggers are dropped first: the owner of the database can do that, and the
chain must still tell.
"""

import hashlib
import json

from django.db import connection

from bwmo.audit.models import AccessLogEntry, ChainHead
from bwmo.core.append_only import drop_trigger_sql

ENTRY = AccessLogEntry._meta.db_table
HEAD = ChainHead._meta.db_table
GENESIS = "0" * 64


def sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def drop_triggers():
    for statement in drop_trigger_sql(connection.vendor, ENTRY):
        sql(statement)


def rows():
    return sql(
        f"SELECT id, at, username, organisation, client_pseudonym, what, why, version "
        f"FROM {ENTRY} ORDER BY id"
    )


def set_head(*, last_hash, entries, last_entry_id, mac=None):
    if mac is None:
        sql(
            f"UPDATE {HEAD} SET last_hash = %s, entries = %s, last_entry_id = %s WHERE id = 1",
            [last_hash, entries, last_entry_id],
        )
    else:
        sql(
            f"UPDATE {HEAD} SET last_hash = %s, entries = %s, last_entry_id = %s, mac = %s "
            "WHERE id = 1",
            [last_hash, entries, last_entry_id, mac],
        )


def recompute_plain(*, version=None):
    """Re-chain every remaining row with plain SHA-256 (all the attacker can compute)."""
    previous = GENESIS
    entries = AccessLogEntry.objects.order_by("pk")
    last = None
    for entry in entries:
        payload = json.dumps(
            [
                previous,
                entry.at.isoformat(),
                entry.username,
                entry.organisation,
                entry.client_pseudonym,
                entry.what,
                entry.why,
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        digest = hashlib.sha256(payload.encode()).hexdigest()
        sql(
            f"UPDATE {ENTRY} SET previous_hash = %s, entry_hash = %s, version = %s WHERE id = %s",
            [previous, digest, entry.version if version is None else version, entry.pk],
        )
        previous, last = digest, entry.pk
    set_head(last_hash=previous, entries=entries.count(), last_entry_id=last)
