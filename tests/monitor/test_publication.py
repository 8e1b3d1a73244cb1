"""A closed period republished after a late registration never shows a cell that an earlier
publication of it hid: the hidden cells are stored per region, period and figure set."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bwmo.care.models import Indication, Stay
from bwmo.monitor.models import MonitorPublication, StoredDocument
from bwmo.monitor.services import ALL_FIGURES, MonitorScope, monitor_document
from bwmo.rules.suppression import MARK
from tests.factories import granted_client

pytestmark = pytest.mark.django_db


def _started(setup, n: int, *, on) -> None:
    """``n`` clients of Assen who started BW in Assen on ``on`` (registered now)."""
    for _ in range(n):
        client = granted_client(setup)
        Indication.objects.filter(client=client).update(valid_from=on, started_on=on)
        indication = Indication.objects.get(client=client)
        Stay.objects.create(
            client=client,
            indication=indication,
            provider=indication.provider,
            product=indication.product,
            location=setup.assen,
            start=on,
        )


def _instroom(setup, start, end):
    scope = MonitorScope(region=setup.region, municipality=setup.assen)
    document = monitor_document(scope=scope, start=start, end=end, audience="external")
    return document["instroom"]["total"]


def test_a_late_registration_in_a_closed_period_keeps_the_cell_hidden(region_setup):
    today = timezone.localdate()
    start, end = today - timedelta(days=120), today - timedelta(days=30)
    _started(region_setup, 4, on=start + timedelta(days=10))
    assert _instroom(region_setup, start, end) == MARK
    stored = MonitorPublication.objects.get(
        region=region_setup.region, period_start=start, period_end=end, figure_set=ALL_FIGURES
    )
    assert [["GM0106", "main"], "instroom", "total"] in stored.hidden
    # One late registration: the 4 becomes 5, and the period is published again.
    _started(region_setup, 1, on=start + timedelta(days=20))
    assert _instroom(region_setup, start, end) == MARK
    # Without the earlier publication the 5 would be shown (the test can fail). The documents
    # stored for this data version are dropped too, or the page would not be computed again.
    MonitorPublication.objects.all().delete()
    StoredDocument.objects.all().delete()
    assert _instroom(region_setup, start, end) == 5


def test_an_open_period_stores_nothing_and_shows_the_current_figures(region_setup):
    today = timezone.localdate()
    start = today - timedelta(days=60)
    _started(region_setup, 4, on=start + timedelta(days=10))
    assert _instroom(region_setup, start, today) == MARK
    assert not MonitorPublication.objects.exists()
    _started(region_setup, 1, on=start + timedelta(days=20))
    assert _instroom(region_setup, start, today) == 5


def test_a_filtered_publication_has_its_own_hidden_set(region_setup):
    today = timezone.localdate()
    start, end = today - timedelta(days=120), today - timedelta(days=30)
    _started(region_setup, 4, on=start + timedelta(days=10))
    scope = MonitorScope(region=region_setup.region, municipality=region_setup.assen)
    filtered = monitor_document(
        scope=scope, start=start, end=end, audience="external", product="BW Intramuraal"
    )
    assert filtered["instroom"]["total"] == MARK
    _started(region_setup, 1, on=start + timedelta(days=20))
    again = monitor_document(
        scope=scope, start=start, end=end, audience="external", product="BW Intramuraal"
    )
    assert again["instroom"]["total"] == MARK
    sets = set(MonitorPublication.objects.values_list("figure_set", flat=True))
    assert ALL_FIGURES in sets and len(sets) == 2
