"""A closed period republished after a late registration never shows a cell that an earlier
publication of it hid: the hidden cells are stored per region, period and figure set."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bwmo.care.models import Indication, Stay
from bwmo.monitor.models import MonitorPublication, StoredDocument
from bwmo.monitor.services import ALL_FIGURES, MonitorScope, computed_document, monitor_document
from bwmo.rules.monitor.periods import quarter_start
from bwmo.rules.suppression import MARK
from tests.factories import closed_quarter_end, granted_client

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
    start, end = _closed_period()
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


def test_the_regions_next_document_of_a_closed_period_is_not_suppressed_again(
    region_setup, monkeypatch
):
    """Every outside document of a region and period reads one suppression: once the first has
    recorded what it hid, the next (another municipality's view) finds those cells hidden in
    the same suppression and uses it, instead of suppressing everything once more."""
    from bwmo.monitor import services
    from bwmo.rules import suppression

    services._REMEMBERED.clear()
    start, end = _closed_period()
    _started(region_setup, 4, on=start + timedelta(days=10))
    runs: list[bool] = []

    def counted(parts, **kwargs):
        runs.append(bool(kwargs.get("hidden_before")))
        return suppression.suppress_parts(parts, **kwargs)

    monkeypatch.setattr(services, "suppress_parts", counted)
    for municipality in (region_setup.assen, None):
        scope = MonitorScope(region=region_setup.region, municipality=municipality)
        document = monitor_document(scope=scope, start=start, end=end, audience="external")
        assert document["instroom"]["total"] == MARK
    assert runs == [False]
    # A late registration (other figures): the earlier cells are protected too, in a run of
    # its own, and stay hidden.
    _started(region_setup, 1, on=start + timedelta(days=20))
    services._REMEMBERED.clear()
    assert _instroom(region_setup, start, end) == MARK
    assert runs == [False, False, True]


def test_an_outside_reader_never_sees_an_open_period(region_setup):
    """Asked up to today, an outside reader gets the period up to the last closed quarter:
    it is recorded, and a registration in the running quarter does not change it."""
    today = timezone.localdate()
    start, end = _closed_period()
    _started(region_setup, 4, on=start + timedelta(days=10))
    scope = MonitorScope(region=region_setup.region, municipality=region_setup.assen)
    document = monitor_document(scope=scope, start=start, end=today, audience="external")
    assert (document["from"], document["to"]) == (start.isoformat(), end.isoformat())
    assert document["instroom"]["total"] == MARK
    assert MonitorPublication.objects.filter(period_start=start, period_end=end).exists()
    _started(region_setup, 1, on=today)
    assert _instroom(region_setup, start, today) == MARK


def test_an_open_period_of_the_own_municipality_stores_nothing_and_shows_the_current_figures(
    region_setup,
):
    today = timezone.localdate()
    start = today - timedelta(days=60)
    scope = MonitorScope(region=region_setup.region, municipality=region_setup.assen)

    def own() -> object:
        document = monitor_document(scope=scope, start=start, end=today, audience="internal")
        assert (document["from"], document["to"]) == (start.isoformat(), today.isoformat())
        return document["instroom"]["total"]

    _started(region_setup, 4, on=start + timedelta(days=10))
    assert own() == 4
    # The own period is not a publication (its matrix rows of others are the region's
    # closed quarters, which are).
    assert not MonitorPublication.objects.filter(period_end=today).exists()
    _started(region_setup, 1, on=start + timedelta(days=20))
    assert own() == 5


def test_a_filtered_publication_has_its_own_hidden_set(region_setup):
    """Filtered sets are not served to an outside audience (``monitor_document`` refuses
    them, tests/monitor/test_outside_filters.py); should they ever be, each keeps its own
    hidden cells, computed here below that refusal."""
    start, end = _closed_period()
    _started(region_setup, 4, on=start + timedelta(days=10))
    scope = MonitorScope(region=region_setup.region, municipality=region_setup.assen)
    filtered = computed_document(
        scope=scope, start=start, end=end, audience="external", product="BW Intramuraal"
    )
    assert filtered["instroom"]["total"] == MARK
    _started(region_setup, 1, on=start + timedelta(days=20))
    again = computed_document(
        scope=scope, start=start, end=end, audience="external", product="BW Intramuraal"
    )
    assert again["instroom"]["total"] == MARK
    sets = set(MonitorPublication.objects.values_list("figure_set", flat=True))
    assert ALL_FIGURES in sets and len(sets) == 2


def _closed_period():
    """The last closed quarter: a period an outside reader is shown as it is."""
    end = closed_quarter_end()
    return quarter_start(end), end


def _page(client, setup, start, end):
    from django.urls import reverse

    query = {"regio": setup.region.pk, "gemeente": "GM1730", "van": start, "tot": end}
    return client.get(reverse("monitor:dashboard"), {k: str(v) for k, v in query.items()})


def test_a_closed_period_seen_again_writes_nothing(region_setup, client):
    """Every display of a closed period is a publication; the second one of the same figures
    adds nothing, so it neither writes nor locks (a GET that a read-only replica can answer)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start, end = _closed_period()
    _started(region_setup, 4, on=start + timedelta(days=10))
    client.force_login(region_setup.users["beleid"])
    assert _page(client, region_setup, start, end).status_code == 200
    assert MonitorPublication.objects.filter(figure_set=ALL_FIGURES).exists()
    StoredDocument.objects.all().delete()  # computed again, as by another process
    with CaptureQueriesContext(connection) as queries:
        assert _page(client, region_setup, start, end).status_code == 200
    about = [q["sql"] for q in queries.captured_queries if "monitor_monitorpublication" in q["sql"]]
    assert about and all(sql.lstrip().upper().startswith("SELECT") for sql in about), about
    assert not [sql for sql in about if "FOR UPDATE" in sql.upper()], about


def _read_only(connection) -> str:
    """Make the connection refuse every write, as a read-only replica does; returns the
    statement that allows writes again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET default_transaction_read_only = on")
            return "SET default_transaction_read_only = off"
        cursor.execute("PRAGMA query_only = ON")
        return "PRAGMA query_only = OFF"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_read_only_database_still_shows_a_closed_period(region_setup, client, caplog, settings):
    """On a read-only replica the first view of a closed period cannot store its document nor
    its publication: the page is shown all the same, with a warning in the log. (A replica
    keeps its sessions outside the database: every request renews the session.)"""
    from django.db import connection

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    start, end = _closed_period()
    _started(region_setup, 4, on=start + timedelta(days=10))
    client.force_login(region_setup.users["beleid"])
    again = _read_only(connection)
    try:
        page = _page(client, region_setup, start, end)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(again)
    assert page.status_code == 200
    assert ">×<" in page.content.decode()
    assert "not recorded" in caplog.text and "not stored" in caplog.text
    # Nothing was written; a writable database records it at the next view.
    assert not MonitorPublication.objects.exists() and not StoredDocument.objects.exists()
    assert _page(client, region_setup, start, end).status_code == 200
    assert MonitorPublication.objects.filter(figure_set=ALL_FIGURES).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_first_views_of_a_closed_period_at_once(region_setup):
    """Two requests publish the same closed period at the same moment: both pages are shown,
    no IntegrityError, one publication per figure set holding what both hid."""
    import threading

    from django.db import connections
    from django.test import Client

    from bwmo.monitor import services

    start, end = _closed_period()
    _started(region_setup, 4, on=start + timedelta(days=10))
    clients = [Client(), Client()]
    for c in clients:
        c.force_login(region_setup.users["beleid"])
    together = threading.Barrier(2, timeout=60)
    real = services.publication_record

    def at_once(**kwargs):
        together.wait()  # both computed the figures; now both record them
        return real(**kwargs)

    services.publication_record = at_once
    answers: list = []
    errors: list = []

    def view(c) -> None:
        try:
            answers.append(_page(c, region_setup, start, end).status_code)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=view, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        services.publication_record = real
    assert not errors, errors
    assert answers == [200, 200]
    rows = MonitorPublication.objects.filter(
        region=region_setup.region, period_start=start, period_end=end
    )
    assert list(rows.values_list("figure_set", flat=True)) == [ALL_FIGURES]
    assert [["GM0106", "main"], "instroom", "total"] in rows.get().hidden
