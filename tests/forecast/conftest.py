from datetime import date

import pytest
from django.db import transaction

from bwmo.generate.demo import generate_demo

REFERENCE = date(2026, 12, 1)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """A small generated demo (never real people), shared by a module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate_demo(seed=2026, reference_date=REFERENCE, clients=250)
        yield REFERENCE
        transaction.set_rollback(True)
