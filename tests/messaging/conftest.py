"""Helpers for the message traffic tests: provider-side files built with the library."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from bwmo.iwmo import model as m

XSD_DIR = Path(settings.BWMO_IWMO_XSD_DIR)


def pytest_collection_modifyitems(config, items):
    """Without the standard's XSDs (../shared/iwmo) no message can be built or read; skip
    with the reason, except in CI, where a missing standard must fail loudly."""
    import os

    if XSD_DIR.is_dir() or os.environ.get("CI"):
        return
    marker = pytest.mark.skip(reason=f"iWmo XSDs not found at {XSD_DIR} (BWMO_IWMO_XSD_DIR)")
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(marker)


def client_basis(client) -> m.ClientBasis:
    return m.ClientBasis(
        bsn=client.bsn,
        geboortedatum=m.Geboortedatum(client.birth_date),
        geslacht=client.gender,
        naam=m.Naam(m.Achternaam(client.surname), voornamen=client.given_names),
    )


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, nxt - timedelta(days=1)
