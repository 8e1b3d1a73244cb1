"""The loader's row maker gives the row that the model instance gives, value for value, on the
database under test (dates and times, JSON defaults, keys)."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from bwmo.generate import loader
from bwmo.messaging.models import Direction, Message, MessageStatus

pytestmark = pytest.mark.django_db


def _plain(row: tuple) -> tuple:
    """The row with PostgreSQL's JSON wrappers (which compare by identity) unwrapped."""
    return tuple(getattr(value, "obj", value) for value in row)


def test_a_made_row_is_the_row_of_the_instance_with_the_same_values():
    loader.reset()
    table = loader.table(Message)
    values = {
        "direction": Direction.OUT,
        "message_type": "WMO301",
        "status": MessageStatus.SENT,
        "sender": "0106",
        "receiver": "12345678",
        "identification": "T000000001",
        "dated": date(2026, 3, 2),
        "created_at": timezone.make_aware(datetime(2026, 3, 2, 16)),
    }
    make = table.maker(tuple(values))
    first = table.next_id
    made = make(*values.values())
    again = make(*{**values, "identification": "T000000002"}.values())
    instance = Message(pk=made[0], **values)
    expected = tuple(get(instance) for get in table.getters)
    assert _plain(made) == _plain(expected)
    assert (made[0], again[0]) == (first, first + 1)  # each row its own key

    table.insert_rows([made, again])
    stored = Message.objects.get(pk=made[0])
    assert (stored.dated, stored.created_at, stored.errors, stored.payload) == (
        date(2026, 3, 2),
        values["created_at"],
        [],
        {},
    )
    assert Message.objects.filter(pk=again[0]).exists()


def test_a_maker_refuses_a_field_the_model_does_not_have():
    with pytest.raises(ValueError, match="no field"):
        loader.table(Message).maker(("direction", "colour"))
