"""Stays, outflow and Wlz applications through the care services, on a real database."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bwmo.care import services
from bwmo.care.models import Contract, Indication, Outflow, Stay, Tariff, Unit, WlzApplication
from bwmo.core.errors import StaleVersionError
from bwmo.messaging.models import Allocation
from bwmo.organisations.models import Municipality
from tests.factories import granted_client, mo_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def indication(region_setup):
    return Indication.objects.get(client=granted_client(region_setup))


def _start(indication, **overrides):
    arguments = {"indication": indication, "location": indication.responsible_municipality}
    arguments["start"] = indication.valid_from
    arguments.update(overrides)
    return services.stay_start(**arguments)


def test_starting_a_stay_marks_the_indication_verzilverd(indication):
    stay = _start(indication)
    indication.refresh_from_db()
    assert indication.started_on == stay.start == indication.valid_from
    assert (stay.client, stay.provider, stay.product) == (
        indication.client,
        indication.provider,
        indication.product,
    )
    assert stay.end is None and stay.placement_reason == ""


@pytest.mark.parametrize(
    ("offset", "field"),
    [(timedelta(days=-1), "start"), (timedelta(days=400), "start")],
)
def test_a_stay_outside_the_indication_is_refused(indication, offset, field):
    start = indication.valid_from + offset
    if start > timezone.localdate():
        start = timezone.localdate() + timedelta(days=1)  # the future is refused as well
    with pytest.raises(ValidationError) as caught:
        _start(indication, start=start)
    assert field in caught.value.message_dict
    assert not Stay.objects.exists()


def test_a_stay_after_the_end_of_the_indication_is_refused(indication):
    Indication.objects.filter(pk=indication.pk).update(valid_to=indication.valid_from)
    indication.refresh_from_db()
    with pytest.raises(ValidationError, match="na de einddatum"):
        _start(indication, start=indication.valid_from + timedelta(days=1))


def test_one_running_stay_per_indication_and_no_overlap(indication):
    stay = _start(indication)
    with pytest.raises(ValidationError, match="loopt al een verblijf"):
        _start(indication)
    services.stay_end(
        stay=stay, expected_version=stay.version, end=stay.start + timedelta(days=2), reason="wlz"
    )
    with pytest.raises(ValidationError, match="overlapt"):
        _start(indication, start=stay.start + timedelta(days=1))
    assert Stay.objects.count() == 1


def test_a_pgb_has_no_stays(indication):
    Indication.objects.filter(pk=indication.pk).update(provider=None, financing="PGB")
    indication.refresh_from_db()
    with pytest.raises(ValidationError, match="PGB"):
        _start(indication)


def test_a_place_outside_the_region_needs_a_motivation_inside_it_none_is_kept(indication):
    groningen = Municipality.objects.get(code="GM0014")
    with pytest.raises(ValidationError) as caught:
        _start(indication, location=groningen, placement_reason="  ")
    assert "placement_reason" in caught.value.message_dict
    inside = _start(indication, placement_reason="niet nodig")
    assert inside.placement_reason == ""  # only a placement outside the region is motivated


def test_ending_a_stay_records_the_outflow_with_its_reason(indication):
    stay = _start(indication)
    end = stay.start + timedelta(days=3)
    outflow = services.stay_end(stay=stay, expected_version=stay.version, end=end, reason="wlz")
    assert (outflow.stay, outflow.date, outflow.reason) == (stay, end, "wlz")
    stay.refresh_from_db()
    assert stay.end == end and stay.version == 2


def test_ending_a_stay_is_refused_for_a_bad_reason_date_or_a_stale_version(indication):
    stay = _start(indication)
    opened = stay.version
    with pytest.raises(ValidationError) as caught:
        services.stay_end(stay=stay, expected_version=opened, end=stay.start, reason="weg")
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.stay_end(
            stay=stay, expected_version=opened, end=stay.start - timedelta(days=1), reason="wlz"
        )
    with pytest.raises(StaleVersionError):
        services.stay_end(stay=stay, expected_version=opened + 1, end=stay.start, reason="wlz")
    services.stay_end(stay=stay, expected_version=opened, end=stay.start, reason="wlz")
    with pytest.raises(StaleVersionError):  # an ended stay is not ended twice
        services.stay_end(
            stay=stay, expected_version=opened + 1, end=stay.start, reason="zelfstandig"
        )
    assert Outflow.objects.count() == 1
    assert Stay.objects.get(pk=stay.pk).end == stay.start


def test_leaving_the_opvang_ends_the_mo_indication(region_setup):
    client = mo_client(region_setup, days_ago=5)
    stay = Stay.objects.get(client=client)
    Allocation.objects.filter(indication=stay.indication).update(needs_sending=False)
    today = timezone.localdate()
    services.stay_end(stay=stay, expected_version=stay.version, end=today, reason="zelfstandig")
    assert Indication.objects.get(pk=stay.indication_id).valid_to == today
    allocation = Allocation.objects.get(indication=stay.indication)
    assert allocation.needs_sending  # the provider gets the allocation with its end date


def test_ending_a_bw_stay_leaves_the_indication_running(indication):
    stay = _start(indication)
    services.stay_end(stay=stay, expected_version=stay.version, end=stay.start, reason="wlz")
    assert Indication.objects.get(pk=indication.pk).valid_to == indication.valid_to


def test_a_wlz_application_and_its_decision(indication):
    client = indication.client
    today = timezone.localdate()
    pending = services.wlz_application_record(
        client=client, applied_on=today - timedelta(days=30), status="aangevraagd"
    )
    assert pending.decided_on is None
    with pytest.raises(ValidationError) as caught:
        services.wlz_application_record(
            client=client, applied_on=today - timedelta(days=30), status="toegekend"
        )
    assert "decided_on" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.wlz_application_record(
            client=client,
            applied_on=today - timedelta(days=3),
            status="toegekend",
            decided_on=today - timedelta(days=4),
        )
    with pytest.raises(ValidationError):
        services.wlz_application_record(
            client=client, applied_on=today + timedelta(days=1), status="aangevraagd"
        )
    with pytest.raises(ValidationError) as caught:
        services.wlz_application_record(client=client, applied_on=today, status="onbekend")
    assert "status" in caught.value.message_dict
    assert WlzApplication.objects.filter(client=client).count() == 1


def test_contract_and_tariff_periods(region_setup):
    contract = Contract.objects.get(reference="T-1")
    assert contract.latest_possible_end == date(2032, 12, 31)  # two options of two years
    contract.extensions_used = 3
    with pytest.raises(ValidationError) as caught:
        contract.full_clean()
    assert "extensions_used" in caught.value.message_dict
    tariffs = Tariff.objects.filter(contract=contract, product=region_setup.products["BW001"])
    tariffs.update(valid_to=date(2025, 12, 31))
    Tariff.objects.create(
        contract=contract,
        product=region_setup.products["BW001"],
        amount="950",
        unit=Unit.WEEK,
        valid_from=date(2026, 1, 1),
    )
    assert tariffs.valid_on(date(2025, 12, 31)).get().amount == 900
    assert tariffs.valid_on(date(2026, 1, 1)).get().amount == 950
    with pytest.raises(IntegrityError), transaction.atomic():
        Tariff.objects.create(
            contract=contract,
            product=region_setup.products["BW001"],
            amount="1",
            unit=Unit.WEEK,
            valid_from=date(2027, 1, 1),
            valid_to=date(2026, 6, 30),  # ends before it begins
        )


def test_responsible_municipalities_are_set_in_bulk_and_only_where_they_change(region_setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bwmo.care import events

    first = Indication.objects.get(client=granted_client(region_setup))
    second = Indication.objects.get(client=granted_client(region_setup))
    assert first.responsible_municipality_id == second.responsible_municipality_id == "GM0106"
    seen = []

    def receiver(*, changes):
        seen.append(changes)

    events.indications_responsibility_changed.connect(receiver)
    try:
        with CaptureQueriesContext(connection) as queries:
            changed = services.indications_responsible_set(
                responsible_by_melding={first.melding_id: "GM1730", second.melding_id: "GM0106"}
            )
        assert changed == 1
        assert seen == [{first.pk: ("GM0106", "GM1730")}]
        updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
        assert len(updates) == 1
        listed = updates[0].rsplit("IN (", 1)[1].split(")")[0]
        assert [int(pk) for pk in listed.split(",")] == [first.pk]
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.responsible_municipality_id, second.responsible_municipality_id) == (
            "GM1730",
            "GM0106",
        )
        # Nothing to change: nothing written, nothing announced.
        assert (
            services.indications_responsible_set(
                responsible_by_melding={first.melding_id: "GM1730"}
            )
            == 0
        )
        assert len(seen) == 1
    finally:
        events.indications_responsibility_changed.disconnect(receiver)


def test_a_failing_receiver_rolls_the_new_responsible_municipalities_back(region_setup):
    from bwmo.care import events

    indication = Indication.objects.get(client=granted_client(region_setup))

    def broken(*, changes):
        raise RuntimeError("receiver fails")

    events.indications_responsibility_changed.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            services.indications_responsible_set(
                responsible_by_melding={indication.melding_id: "GM1730"}
            )
    finally:
        events.indications_responsibility_changed.disconnect(broken)
    indication.refresh_from_db()
    assert indication.responsible_municipality_id == "GM0106"
