"""History tables refuse UPDATE and DELETE: through the ORM and in the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bwmo.audit.models import AccessLogEntry, ChainAnchor, ChainVerification
from bwmo.audit.services import access_log_anchor, access_log_record
from bwmo.core.append_only import AppendOnlyError, installed_triggers
from bwmo.toegang.models import CaseEvent
from tests.factories import client_with_melding

pytestmark = pytest.mark.django_db

MODELS = [AccessLogEntry, ChainAnchor, ChainVerification, CaseEvent]


@pytest.fixture
def rows(region_setup):
    """At least one row in every append-only table."""
    client = client_with_melding(region_setup)
    access_log_record(
        user=region_setup.users["toegang_assen"], clients=[client], what="dossier", why="test"
    )
    access_log_anchor()  # writes a ChainVerification and a ChainAnchor
    for model in MODELS:
        assert model.objects.exists(), model
    return region_setup


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_orm_refuses_every_change(rows, model):
    row = model.objects.order_by("pk").first()
    field = next(
        f.name for f in model._meta.concrete_fields if f.get_internal_type() == "CharField"
    )
    attempts = {
        "instance save": lambda: (setattr(row, field, "x"), row.save()),
        "instance delete": row.delete,
        "queryset update": lambda: model.objects.all().update(**{field: "x"}),
        "queryset delete": lambda: model.objects.all().delete(),
        "filtered delete": lambda: model.objects.filter(pk=row.pk).delete(),
        "bulk_update": lambda: model.objects.bulk_update([row], [field]),
        "update_or_create": lambda: model.objects.update_or_create(pk=row.pk, defaults={}),
    }
    for name, attempt in attempts.items():
        with pytest.raises(AppendOnlyError, match="append-only"):
            attempt()
            pytest.fail(f"{model.__name__}: {name} succeeded")
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_database_refuses_raw_update_and_delete(rows, model):
    table = model._meta.db_table
    assert installed_triggers(connection, table) == {f"{table}_no_update", f"{table}_no_delete"}
    count = model.objects.count()
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
            pytest.fail(f"{statement!r} succeeded")
    assert model.objects.count() == count


def test_appending_still_works(rows):
    before = CaseEvent.objects.count()
    event = CaseEvent.objects.first()
    CaseEvent.objects.create(
        melding=event.melding, at=timezone.now(), action="opmerking", to_status=event.to_status
    )
    assert CaseEvent.objects.count() == before + 1
