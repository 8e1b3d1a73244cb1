"""Care announces its changes of indications; messaging reacts without care knowing it."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

import bwmo.care
from bwmo.care import events
from bwmo.care import services as care_services
from bwmo.care.models import Indication, Outflow
from bwmo.messaging import services as messaging_services
from bwmo.messaging.models import Allocation, Message, MessageStatus
from tests.factories import RegionSetup, granted_client, mo_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return RegionSetup.create()


def test_care_imports_no_messaging():
    for path in Path(bwmo.care.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.startswith("bwmo.messaging") for n in names), path


def test_messaging_listens_to_indication_changes():
    assert messaging_services.indication_changed_received in events.indication_changed._receivers


def test_an_event_reaches_every_receiver_once_and_a_failing_one_rolls_back(setup):
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    seen = []

    def receiver(**kwargs):
        seen.append(kwargs["reason_change"])

    def broken(**kwargs):
        raise RuntimeError("receiver fails")

    events.indication_changed.connect(receiver)
    events.indication_changed.connect(receiver)  # connecting twice changes nothing
    try:
        new_end = indication.valid_to - timedelta(days=1)
        care_services.indication_end_change(
            indication=indication, valid_to=new_end, reason_change="05"
        )
        assert seen == ["05"]
        # messaging's receiver brought the allocation along, with a pending WMO301
        assert Allocation.objects.get(indication=indication).end == new_end
        events.indication_changed.connect(broken)
        with pytest.raises(RuntimeError):
            care_services.indication_end_change(
                indication=indication, valid_to=new_end - timedelta(days=1), reason_change="05"
            )
        indication.refresh_from_db()
        assert indication.valid_to == new_end  # the change was rolled back with it
    finally:
        events.indication_changed.disconnect(receiver)
        events.indication_changed.disconnect(broken)


def test_ending_a_stay_by_the_user_and_by_the_provider_share_one_outflow_rule(setup):
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    begin = indication.valid_from
    stay = care_services.stay_start(indication=indication, location=setup.assen, start=begin)
    end = min(begin + timedelta(days=3), timezone.localdate())
    outflow = care_services.stay_end_reported(indication=indication, end=end, reason="zelfstandig")
    assert outflow is not None and outflow.stay_id == stay.pk
    assert care_services.stay_end_reported(indication=indication, end=end, reason="wlz") is None
    reopened = care_services.stay_end_undo(indication=indication, end=end, by="test")
    assert reopened is not None and reopened.end is None
    assert Outflow.objects.filter(stay=stay).count() == 1
    assert Outflow.objects.current().count() == 0
    indication.refresh_from_db()
    assert indication.valid_to is not None  # beschermd wonen: the beschikking's end stays


def test_opvang_ends_with_its_stay_and_goes_on_when_the_end_is_taken_back(setup):
    client = mo_client(setup, days_ago=5)
    indication = Indication.objects.get(client=client)
    assert indication.valid_to is None
    end = timezone.localdate() - timedelta(days=1)
    care_services.stay_end_reported(indication=indication, end=end, reason="zelfstandig")
    indication.refresh_from_db()
    allocation = Allocation.objects.get(indication=indication)
    assert (indication.valid_to, allocation.end, allocation.reason_change) == (end, end, "05")
    care_services.stay_end_undo(indication=indication, end=end, by="test")
    indication.refresh_from_db()
    allocation.refresh_from_db()
    assert (indication.valid_to, allocation.end, allocation.reason_change) == (None, None, "14")
    assert Message.objects.filter(message_type="WMO301", status=MessageStatus.PENDING).count() == 1
