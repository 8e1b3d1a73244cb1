"""``core.validation.Refusals`` keeps every refusal it is given and raises them together."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from bwmo.core.validation import Refusals, not_in_future


def _refuse_without_a_field() -> None:
    raise ValidationError("Zonder veld.")


def test_nothing_collected_raises_nothing():
    refusals = Refusals()
    assert refusals.check("day", lambda: not_in_future("day", date(2020, 1, 1), "De dag"))
    assert not refusals
    refusals.raise_any()


def test_every_refusal_arrives_on_its_field_with_its_code():
    refusals = Refusals()
    later = timezone.localdate() + timedelta(days=1)
    assert not refusals.check("day", lambda: not_in_future("day", later, "De dag"))
    refusals.add("reason", "Kies een reden.")
    refusals.add(None, "Er loopt al een verblijf.")
    refusals.check("other", _refuse_without_a_field)
    with pytest.raises(ValidationError) as raised:
        refusals.raise_any()
    messages = raised.value.message_dict
    assert "ligt in de toekomst" in messages["day"][0]
    assert messages["reason"] == ["Kies een reden."]
    assert messages[NON_FIELD_ERRORS] == ["Er loopt al een verblijf."]
    assert messages["other"] == ["Zonder veld."]
