"""Shared fixtures: a small region with organisations, mandates, products and one user per role."""

import os
from datetime import date

import pytest
from hypothesis import settings

from bwmo.accounts.roles import Role
from tests import factories

# CI runs the same examples every time (a red build must be reproducible); developers'
# runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def region_setup(db):
    """Two municipalities of Centrumregio Assen plus Emmen's region, with the usual parties."""
    return factories.RegionSetup.create()


@pytest.fixture
def users(region_setup):
    return region_setup.users


@pytest.fixture
def today():
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture
def bw_client(region_setup):
    """A client of Assen with an open BW melding registered by Assen."""
    return factories.client_with_melding(region_setup, municipality="GM0106")


@pytest.fixture
def long_ago():
    return date(2020, 1, 1)


ROLE_NAMES = [
    Role.TOEGANGSMEDEWERKER,
    Role.OPVANGMEDEWERKER,
    Role.AANBIEDER,
    Role.BELEIDSADVISEUR,
    Role.CONTROLLER,
    Role.CONTRACTMANAGER,
    Role.FUNCTIONEEL_BEHEERDER,
    Role.AUDITOR,
]


@pytest.fixture(autouse=True)
def _audit_anchor_file(tmp_path):
    """Each test anchors the access log into its own file (never the worktree's var/)."""
    from django.test import override_settings

    with override_settings(
        BWMO_AUDIT_ANCHOR_FILE=tmp_path / "audit-anchors.jsonl", BWMO_AUDIT_ANCHOR_SYSLOG=False
    ):
        yield


@pytest.fixture
def worker(client, region_setup):
    """Django's test client, logged in as the toegangsmedewerker of Assen."""
    client.force_login(region_setup.users["toegang_assen"])
    return client


def pytest_collection_modifyitems(config, items):
    """Tests marked ``iwmo_standard`` build or read iWmo files, which needs the standard's
    XSDs beside the project (``BWMO_IWMO_XSD_DIR``). A checkout without them skips those
    tests with the reason; in CI a missing standard must fail loudly."""
    from pathlib import Path

    from django.conf import settings as django_settings

    xsd_dir = Path(django_settings.BWMO_IWMO_XSD_DIR)
    if xsd_dir.is_dir() or os.environ.get("CI"):
        return
    marker = pytest.mark.skip(reason=f"iWmo XSDs not found at {xsd_dir} (BWMO_IWMO_XSD_DIR)")
    for item in items:
        if item.get_closest_marker("iwmo_standard"):
            item.add_marker(marker)
