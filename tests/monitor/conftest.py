from datetime import date

import pytest

from bwmo.generate.demo import generate_demo

DEMO_REFERENCE = date(2026, 11, 1)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo region (400 clients on 1 November 2026) with its accounts, for one module;
    rolled back after it."""
    with django_db_blocker.unblock():
        from django.db import transaction

        from bwmo.generate.demo_accounts import ensure_demo_accounts

        with transaction.atomic():
            generate_demo(seed=2026, reference_date=DEMO_REFERENCE, clients=400)
            ensure_demo_accounts()
            yield
            transaction.set_rollback(True)
