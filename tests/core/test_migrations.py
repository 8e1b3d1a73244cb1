"""Every model change has its migration: a model edited without one would be missing from
the database of every installation that upgrades."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"makemigrations found model changes without a migration:\n{out.getvalue()}")
        raise AssertionError from exit_
