"""Outside the own municipality the monitor publishes whole, closed quarters: two periods an
outside reader asks for never differ by a day, on the page, in the API and on the command
line; the own municipality keeps its free period, with the other municipalities' matrix rows
as the region publishes them."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bwmo.api.scopes import AGGREGATES_READ
from bwmo.api.services import api_client_register
from bwmo.care.models import Stay
from bwmo.monitor.services import MonitorScope, monitor_document
from bwmo.rules.monitor.periods import quarter_start
from bwmo.rules.suppression import MARK
from tests.factories import closed_quarter_end
from tests.monitor.test_monitor import _in_care

pytestmark = pytest.mark.django_db


def _one_more_on(setup, day):
    """One more Tynaarlo client, who started in Assen on ``day``."""
    (client,) = _in_care(setup, 1, municipality="GM1730")
    Stay.objects.filter(client=client).update(start=day)


def test_a_day_more_or_less_is_the_same_outside_document(region_setup):
    """The drill: instroom up to day d and up to d + 1 (an outside reader subtracting them
    would find the instroom of one day). Both are the same whole quarters."""
    _in_care(region_setup, 6)
    _in_care(region_setup, 6, municipality="GM1730")
    today = timezone.localdate()
    closed = closed_quarter_end()
    day = closed - timedelta(days=20)
    _one_more_on(region_setup, day)
    scope = MonitorScope(region_setup.region, region_setup.tynaarlo)
    start = quarter_start(closed) - timedelta(days=100)
    documents = [
        monitor_document(scope=scope, start=start, end=end, audience="external")
        for end in (day - timedelta(days=1), day, closed, today)
    ]
    first, last = quarter_start(start), closed
    before, on = documents[0], documents[1]
    assert (before["from"], before["to"]) == (first.isoformat(), last.isoformat())
    assert before == on == documents[2] == documents[3]
    # The internal reader of Tynaarlo does see the day (the test can fail): its period is free.
    own = [
        monitor_document(scope=scope, start=start, end=end)["instroom"]["total"]
        for end in (day - timedelta(days=1), day)
    ]
    assert own[1] == own[0] + 1


def test_the_page_names_the_period_it_shows(client, region_setup):
    _in_care(region_setup, 6, municipality="GM1730")
    today = timezone.localdate()
    client.force_login(region_setup.users["beleid"])  # Assen: Tynaarlo is an outside scope
    query = {
        "regio": region_setup.region.pk,
        "gemeente": "GM1730",
        "van": str(today - timedelta(days=200)),
        "tot": str(today),
    }
    page = client.get(reverse("monitor:dashboard"), query)
    assert page.status_code == 200
    closed = closed_quarter_end()
    assert page.context["end"] == closed
    assert page.context["start"] == quarter_start(today - timedelta(days=200))
    text = page.content.decode()
    assert "hele, afgesloten kwartalen" in text
    # Assen's own figures: the period asked, without the note.
    own = client.get(reverse("monitor:dashboard"), {**query, "gemeente": "GM0106"})
    assert own.context["end"] == today
    assert "hele, afgesloten kwartalen" not in own.content.decode()


def test_the_council_report_compares_with_as_many_quarters_before(client, region_setup):
    _in_care(region_setup, 6)
    client.force_login(region_setup.users["beleid"])
    closed = closed_quarter_end()
    query = {"regio": region_setup.region.pk, "van": str(quarter_start(closed)), "tot": str(closed)}
    page = client.get(reverse("monitor:council_report"), query)
    assert page.status_code == 200
    assert (page.context["start"], page.context["end"]) == (quarter_start(closed), closed)
    assert "Instroom in deze periode" in page.content.decode()


def test_the_api_and_the_command_give_the_period_of_the_figures(region_setup):
    _in_care(region_setup, 6)
    from django.contrib.auth import get_user_model
    from django.test import Client as HttpClient

    root = get_user_model().objects.create_superuser("root", password="x" * 16)
    _api, token = api_client_register(
        name="Koppeling regio",
        organisation=region_setup.org["regio"],
        scopes=[AGGREGATES_READ],
        by=root,
    )
    today = timezone.localdate()
    closed = closed_quarter_end()
    response = HttpClient().get(
        "/api/v1/monitor-figures",
        {
            "region": "GM0106",
            "periodStart": str(today - timedelta(days=10)),
            "periodEnd": str(today),
        },
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["audience"] == "external"
    assert (body["periodStart"], body["periodEnd"]) == (
        quarter_start(closed).isoformat(),
        closed.isoformat(),
    )
    err = StringIO()
    call_command(
        "monitor",
        "--region",
        "GM0106",
        "--from",
        str(today - timedelta(days=10)),
        "--to",
        str(today),
        "--audience",
        "external",
        stdout=StringIO(),
        stderr=err,
    )
    assert f"the period shown is {quarter_start(closed)} to {closed}" in err.getvalue()


def test_the_own_document_shows_other_rows_as_the_region_publishes_them(region_setup):
    """Assen's own view over a free period: its own row exact on the last day, Tynaarlo's row
    (2 clients placed in Assen: hidden) as the region's outside document has it, on the last
    day of the last closed quarter."""
    _in_care(region_setup, 6)
    _in_care(region_setup, 2, municipality="GM1730")
    today = timezone.localdate()
    start = today - timedelta(days=30)
    own = monitor_document(
        scope=MonitorScope(region_setup.region, region_setup.assen), start=start, end=today
    )
    region = monitor_document(
        scope=MonitorScope(region_setup.region, None),
        start=start,
        end=today,
        audience="external",
    )
    matrix = own["flows"]["origin_location"]
    assert own["to"] == today.isoformat()
    assert own["flows"]["others_on"] == closed_quarter_end().isoformat() == region["to"]
    assert matrix["GM0106"]["GM0106"] == 6
    assert matrix["GM1730"] == region["flows"]["origin_location"]["GM1730"]
    assert matrix["GM1730"]["GM0106"] == MARK
    assert own["flows"]["origin_location_totals"]["columns"]["GM0106"] == MARK
