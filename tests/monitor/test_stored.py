"""The stored monitor documents: shared by every request, used only while the region's data
version is the one they were computed at, and that version moves with every write that
touches the region — through a service, a plain UPDATE, the bulk loader of ``generate``."""

import json
from datetime import date, timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from bwmo.care.models import Stay, Tariff, WlzApplication
from bwmo.care.services import stay_end, wlz_application_record
from bwmo.monitor.changes import TOUCHED
from bwmo.monitor.models import DataChange, StoredDocument
from bwmo.monitor.selectors import data_version, region_codes
from bwmo.monitor.services import MonitorScope, computed_document, monitor_document
from bwmo.organisations.models import Region
from tests.factories import closed_quarter_end
from tests.monitor.test_monitor import _in_care

pytestmark = pytest.mark.django_db


def _as_stored(document: dict) -> dict:
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


def _document(setup, audience: str = "external", **kwargs) -> dict:
    today = timezone.localdate()
    return monitor_document(
        scope=MonitorScope(setup.region, None),
        start=today - timedelta(days=60),
        end=today,
        audience=audience,
        **kwargs,
    )


def test_the_stored_document_is_the_computed_one_and_is_used_again(region_setup):
    _in_care(region_setup, 6)
    _in_care(region_setup, 2, municipality="GM1730")
    today = timezone.localdate()
    arguments = {
        "scope": MonitorScope(region_setup.region, None),
        "start": today - timedelta(days=60),
        "end": today,
        "audience": "external",
    }
    first = monitor_document(**arguments)
    assert StoredDocument.objects.count() == 1
    # An outside reader's period is whole, closed quarters: computed for that period.
    shown = {"start": date.fromisoformat(first["from"]), "end": date.fromisoformat(first["to"])}
    assert first == _as_stored(computed_document(**{**arguments, **shown}))
    # The second request reads the stored one (it is not computed again).
    StoredDocument.objects.update(document={"marker": True})
    assert monitor_document(**arguments) == {"marker": True}


def test_a_change_through_a_service_shows_at_the_next_request(region_setup):
    clients = _in_care(region_setup, 7)
    before = _document(region_setup, audience="internal")
    assert before["in_care_at_end"]["total"] == 7
    version = data_version(region_codes(region_setup.region))
    stay = Stay.objects.get(client=clients[0])
    stay_end(
        stay=stay,
        expected_version=stay.version,
        end=timezone.localdate() - timedelta(days=2),
        reason="zelfstandig",
    )
    assert data_version(region_codes(region_setup.region)) > version
    after = _document(region_setup, audience="internal")
    assert after["in_care_at_end"]["total"] == 6
    assert after["uitstroom"]["reason"] == {"zelfstandig": 1}
    # The documents of the old version are gone; the new ones are stored: the internal one
    # and the region's outside document that its matrix rows of others come from.
    assert StoredDocument.objects.count() == 2


def test_the_dashboard_page_shows_a_new_figure_after_a_change(client, region_setup):
    _in_care(region_setup, 6)
    today = timezone.localdate()
    client.force_login(region_setup.users["beleid"])
    query = {
        "van": str(today - timedelta(days=60)),
        "tot": str(today),
        "regio": region_setup.region.pk,
        "gemeente": region_setup.assen.pk,
    }
    url = reverse("monitor:dashboard")
    assert client.get(url, query).context["headline"]["in_care"] == 6
    assert client.get(url, query).context["headline"]["in_care"] == 6  # stored
    _in_care(region_setup, 1)
    assert client.get(url, query).context["headline"]["in_care"] == 7


def test_a_wlz_application_shows_at_the_next_request(region_setup):
    clients = _in_care(region_setup, 6)
    assert _document(region_setup, audience="internal")["indications"]["wlz_pending"] == 0
    wlz_application_record(
        client=clients[0],
        applied_on=timezone.localdate() - timedelta(days=1),
        status=WlzApplication.Status.AANGEVRAAGD,
    )
    assert _document(region_setup, audience="internal")["indications"]["wlz_pending"] == 1


def test_a_write_past_the_services_moves_the_version_too(region_setup):
    """A plain SQL UPDATE (a repair, a restore): the database records the change itself."""
    clients = _in_care(region_setup, 6)
    assert _document(region_setup, audience="internal")["in_care_at_end"]["total"] == 6
    stay = Stay.objects.get(client=clients[0])
    with connection.cursor() as cursor:
        cursor.execute(
            'UPDATE care_stay SET "end" = %s WHERE id = %s',
            [timezone.localdate() - timedelta(days=1), stay.pk],
        )
    assert _document(region_setup, audience="internal")["in_care_at_end"]["total"] == 5


def test_a_price_change_moves_every_region(region_setup):
    _in_care(region_setup, 6)
    codes = region_codes(region_setup.region)
    others = [c for r in Region.objects.exclude(pk=region_setup.region.pk) for c in region_codes(r)]
    mine, theirs = data_version(codes), data_version(others)
    cost = _document(region_setup, audience="internal")["costs"]["total"]
    Tariff.objects.update(amount=Tariff.objects.first().amount * 2)
    assert data_version(codes) > mine and data_version(others) > theirs
    assert _document(region_setup, audience="internal")["costs"]["total"] == pytest.approx(2 * cost)


def test_a_change_in_another_region_leaves_this_regions_documents_in_use(region_setup):
    _in_care(region_setup, 6)
    emmen = _in_care(region_setup, 3, municipality="GM0114")  # Emmen, in the other region
    Stay.objects.filter(client__in=emmen).update(location=region_setup.emmen)
    codes = region_codes(region_setup.region)
    theirs = region_codes(Region.objects.get(centrumgemeente="GM0114"))
    _document(region_setup)
    mine, other = data_version(codes), data_version(theirs)
    stay = Stay.objects.get(client=emmen[0])
    stay_end(
        stay=stay,
        expected_version=stay.version,
        end=timezone.localdate() - timedelta(days=2),
        reason="zelfstandig",
    )
    assert data_version(codes) == mine
    assert data_version(theirs) > other
    _document(region_setup)
    assert StoredDocument.objects.count() == 1


def test_the_reader_groups_are_part_of_the_key(region_setup):
    """A new mandate changes what a reader sees in full, so what must be suppressed."""
    from bwmo.organisations.models import Mandate, Organisation

    _in_care(region_setup, 6)
    _in_care(region_setup, 2, municipality="GM1730")
    _document(region_setup)
    holder = Organisation.objects.filter(kind=Organisation.Kind.GEMEENTE).first()
    Mandate.objects.create(
        grantor_id="GM1730",
        holder=holder,
        product_kind="BW",
        valid_from=date(2020, 1, 1),
    )
    _document(region_setup)
    assert StoredDocument.objects.count() == 2


def test_compacting_the_changes_keeps_every_version(region_setup):
    from bwmo.monitor.services import compact_changes

    _in_care(region_setup, 6)
    _in_care(region_setup, 2, municipality="GM0114")
    versions = {r.pk: data_version(region_codes(r)) for r in Region.objects.all()}
    rows = DataChange.objects.count()
    compact_changes()
    assert DataChange.objects.count() < rows
    assert {r.pk: data_version(region_codes(r)) for r in Region.objects.all()} == versions


def test_every_table_the_figures_come_from_has_its_triggers():
    tables = {t.table for t in TOUCHED}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT event_object_table, event_manipulation FROM "
                "information_schema.triggers WHERE trigger_name LIKE %s",
                ["%_monitor_%"],
            )
        else:
            cursor.execute(
                "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                ["%_monitor_%"],
            )
        found = cursor.fetchall()
    for table in tables:
        kinds = {str(kind).upper() for name, kind in found if name == table}
        for event in ("INSERT", "UPDATE", "DELETE"):
            assert any(event in kind for kind in kinds), (table, event)


def _monitor_triggers_on(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM information_schema.triggers "
                "WHERE trigger_name LIKE %s AND event_object_table = %s",
                ["%_monitor_%", table],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? "
                "AND tbl_name = ?",
                ["%_monitor_%", table],
            )
        return int(cursor.fetchone()[0])


def test_a_migrate_lays_triggers_lost_to_a_table_rebuild_again():
    """SQLite rebuilds a table for most column changes, and the rebuild drops its triggers:
    every ``migrate`` lays them again, so a later migration can never switch them off."""
    from django.core.management import call_command

    from bwmo.monitor.changes import drop_trigger_sql

    touches = next(t for t in TOUCHED if t.table == "woonplaats_responsibilitydecision")
    before = _monitor_triggers_on(touches.table)
    assert before >= 3
    with connection.cursor() as cursor:
        for statement in drop_trigger_sql(connection.vendor, touches):
            cursor.execute(statement)
    assert _monitor_triggers_on(touches.table) == 0
    call_command("migrate", verbosity=0)
    assert _monitor_triggers_on(touches.table) == before


@pytest.fixture
def empty_database(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def test_the_bulk_loader_of_generate_moves_the_version(empty_database):
    """``generate`` writes past the services (COPY on PostgreSQL): its rows move the versions
    of the regions they touch as well, so a document stored before is not used after."""
    from bwmo.generate.demo import generate_demo

    region = Region.objects.order_by("pk").first()
    if region is None:
        pytest.skip("no region before generate")
    end = date(2026, 11, 1)
    scope = MonitorScope(region, None)
    before = monitor_document(scope=scope, start=date(2025, 1, 1), end=end)
    version = data_version(region_codes(region))
    generate_demo(seed=5, reference_date=end, clients=40)
    assert data_version(region_codes(region)) > version
    after = monitor_document(scope=scope, start=date(2025, 1, 1), end=end)
    assert after == _as_stored(computed_document(scope=scope, start=date(2025, 1, 1), end=end))
    assert after["in_care_at_end"]["total"] > before["in_care_at_end"]["total"]


def test_warming_stores_what_the_dashboard_asks_first(client, region_setup, monkeypatch):
    from bwmo.monitor import services
    from tests.commands import run_command

    _in_care(region_setup, 6)
    result = run_command("monitor", "--warm", "--region", "GM0106")
    assert result.returncode == 0, result.stderr
    assert "documents" in result.stdout
    members = len(region_codes(region_setup.region))
    assert StoredDocument.objects.count() == 2 * (1 + members) + 1  # + the council's before

    def not_again(**kwargs):
        raise AssertionError("computed again")

    monkeypatch.setattr(services, "computed_document", not_again)
    today = timezone.localdate()
    client.force_login(region_setup.users["beleid"])
    query = {"regio": region_setup.region.pk, "van": str(date(today.year - 1, 1, 1))}
    page = client.get(reverse("monitor:dashboard"), {**query, "tot": str(today)})
    assert page.status_code == 200


def test_warming_refuses_a_bad_period(region_setup):
    from tests.commands import run_command

    result = run_command("monitor", "--warm", "--from", "2026-05-01", "--to", "2026-01-01")
    assert result.returncode == 2
    assert "lies after" in result.stderr


def test_the_suppression_is_shared_through_the_database(region_setup, monkeypatch):
    """Another process (here: an emptied memory) gets the suppression from the database."""
    from bwmo.monitor import services
    from bwmo.monitor.models import StoredSuppression

    services._REMEMBERED.clear()  # an earlier test may have suppressed the same figures
    _in_care(region_setup, 6)
    _in_care(region_setup, 2, municipality="GM1730")
    _document(region_setup)
    assert StoredSuppression.objects.exists()
    # An outside period is closed: from its second computation on, what its first
    # publication hid is an input of the suppression too (and stored with it).
    StoredDocument.objects.all().delete()
    first = _document(region_setup)
    StoredDocument.objects.all().delete()
    services._REMEMBERED.clear()

    def not_again(*args, **kwargs):
        raise AssertionError("suppressed again")

    # The same name as the suppression's (the key holds the function's name and module).
    not_again.__module__ = services.suppress_parts.__module__
    not_again.__qualname__ = services.suppress_parts.__qualname__
    monkeypatch.setattr(services, "suppress_parts", not_again)
    assert _document(region_setup) == first


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_requests_asking_the_same_suppression_at_once_compute_it_once():
    import threading
    import time

    from django.db import connections

    from bwmo.monitor import services

    calls: list[int] = []

    def slow(n: int) -> dict:
        calls.append(n)
        time.sleep(0.3)
        return {("regio", "main"): {"total": n}}

    def ask(results: list) -> None:
        try:
            results.append(services._remembered(slow, 41))
        finally:
            connections.close_all()

    results: list = []
    threads = [threading.Thread(target=ask, args=(results,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert calls == [41]
    assert results == [{("regio", "main"): {"total": 41}}] * 4


def test_warming_removes_what_no_current_version_or_code_can_use(region_setup):
    """Stored documents and suppressions of an earlier data version, of earlier code or of a
    region that is gone are removed (in one transaction, counted); the current ones stay and
    are used again."""
    from bwmo.monitor import services
    from bwmo.monitor.models import StoredSuppression
    from tests.commands import run_command

    services._REMEMBERED.clear()
    clients = _in_care(region_setup, 6)
    _in_care(region_setup, 2, municipality="GM1730")
    _document(region_setup)
    old_suppressions = set(StoredSuppression.objects.values_list("key", flat=True))
    assert old_suppressions and StoredDocument.objects.count() == 1
    # A change in the closed quarter that the region's outside figures cover: the region's
    # version moves, and the next request stores a document of it with other figures. (A
    # change after that quarter moves the version too, but the outside figures stay the same,
    # and so does their suppression, which the next version then uses.)
    stay = Stay.objects.get(client=clients[0])
    stay_end(
        stay=stay,
        expected_version=stay.version,
        end=closed_quarter_end() - timedelta(days=10),
        reason="zelfstandig",
    )
    services._REMEMBERED.clear()
    _document(region_setup, audience="internal")
    # Another period of the old version stays behind next to the current one (stored by a
    # request of the same version for another key: ``stored`` removes only older versions
    # of a region when it stores one).
    version = data_version(region_codes(region_setup.region))
    current = set(StoredDocument.objects.values_list("key", flat=True))
    StoredDocument.objects.create(key="a" * 64, region="GM0106", version=version - 1, document={})
    StoredDocument.objects.create(
        key="b" * 64, region="GM0106", version=version, code="0" * 64, document={}
    )
    StoredDocument.objects.create(
        key="c" * 64, region="GM9999", version=0, code=services.document_code(), document={}
    )
    StoredSuppression.objects.create(key="d" * 64, result={}, code="0" * 64, region="GM0106")
    kept = set(StoredSuppression.objects.filter(version=version).values_list("key", flat=True))
    assert kept and not kept & old_suppressions  # the change gave other figures

    removed = len(old_suppressions) + 1
    assert services.forget_unusable() == (3, removed)
    assert set(StoredDocument.objects.values_list("key", flat=True)) == current
    left = set(StoredSuppression.objects.values_list("key", flat=True))
    assert left == kept
    assert services.forget_unusable() == (0, 0)  # nothing more to remove
    # The current document is used again (not computed again).
    StoredDocument.objects.update(document={"marker": True})
    assert _document(region_setup, audience="internal") == {"marker": True}

    # The nightly run does it after warming, and says how many.
    StoredDocument.objects.create(key="e" * 64, region="GM9999", version=0, document={})
    result = run_command("monitor", "--warm", "--region", "GM0106")
    assert result.returncode == 0, result.stderr
    assert "; 1 stored documents and 0 stored suppressions that no current" in result.stdout
    assert not StoredDocument.objects.filter(region="GM9999").exists()


def test_a_suppression_asked_again_at_a_new_version_is_kept(region_setup):
    """Figures that a change elsewhere left as they were ask the same suppression again: it
    is marked with the new version, so the clean-up keeps it."""
    from bwmo.monitor import services
    from bwmo.monitor.models import StoredSuppression

    services._REMEMBERED.clear()
    _in_care(region_setup, 6)
    _document(region_setup)
    keys = set(StoredSuppression.objects.values_list("key", flat=True))
    # A change of the region that no figure of the period shows: a stay long ago elsewhere.
    DataChange.objects.create(scope="GM0106")
    services._REMEMBERED.clear()
    StoredDocument.objects.all().delete()
    _document(region_setup)
    version = data_version(region_codes(region_setup.region))
    assert set(StoredSuppression.objects.values_list("key", flat=True)) == keys
    assert set(StoredSuppression.objects.values_list("version", flat=True)) == {version}
    assert services.forget_unusable() == (0, 0)
