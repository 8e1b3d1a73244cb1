"""A transactional test empties the append-only tables afterwards (the test flush may)."""

import pytest
from django.db import DatabaseError, connection, transaction

from bwmo.audit.models import AccessLogEntry
from bwmo.audit.services import access_log_record
from bwmo.core.append_only import installed_triggers
from tests.factories import RegionSetup, client_with_melding

TABLE = AccessLogEntry._meta.db_table


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("run", [1, 2])
def test_transactional_tests_start_empty_and_triggers_survive_the_flush(run):
    # The second run starts after the flush that ended the first one.
    assert not AccessLogEntry.objects.exists()
    assert installed_triggers(connection, TABLE) == {f"{TABLE}_no_update", f"{TABLE}_no_delete"}
    setup = RegionSetup.create()
    client = client_with_melding(setup)
    access_log_record(user=setup.users["toegang_assen"], clients=[client], what="d", why="t")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {TABLE}")
    assert AccessLogEntry.objects.count() == 1
