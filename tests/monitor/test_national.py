"""The national overview: every region side by side, suppressed as for an external audience,
on the page, in Excel and on the command line; a data gap is a warning, never a 500."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bwmo.monitor.services import national_overview
from bwmo.rules.suppression import MARK
from tests.factories import closed_quarter_end
from tests.monitor.test_monitor import _in_care


@pytest.fixture
def in_care(region_setup):
    """Six clients of Assen in care since a month, and one of Emmen (a small count)."""
    _in_care(region_setup, 6)
    _in_care(region_setup, 1, municipality="GM0114")
    return region_setup


@pytest.mark.django_db
def test_every_region_side_by_side(region_setup):
    _in_care(region_setup, 6)
    _in_care(region_setup, 7, municipality="GM0114")
    today = timezone.localdate()
    overview = national_overview(start=today - timedelta(days=60), end=today)
    rows = {r["region"]: r for r in overview["regions"]}
    assert overview["audience"] == "external"
    assert rows["GM0106"]["in_care_at_end"] == {"total": 6, "BW": 6, "MO": 0}
    assert rows["GM0114"]["in_care_at_end"] == {"total": 7, "BW": 7, "MO": 0}
    assert rows["GM0106"]["instroom"]["total"] == 6
    assert overview["totals"]["in_care_at_end"]["total"] == 13


@pytest.mark.django_db
def test_a_small_count_and_what_would_give_it_back_are_suppressed(in_care):
    today = timezone.localdate()
    overview = national_overview(start=today - timedelta(days=60), end=today)
    rows = {r["region"]: r for r in overview["regions"]}
    assert rows["GM0114"]["in_care_at_end"]["BW"] == MARK
    # With two regions the national total would give Emmen's 1 back from Assen's count: one
    # of the two is hidden as well.
    column = [r["in_care_at_end"]["BW"] for r in rows.values()]
    assert column.count(MARK) >= 2 or overview["totals"]["in_care_at_end"]["BW"] == MARK
    for row in [*rows.values(), overview["totals"]]:
        for table in ("in_care_at_end", "instroom", "uitstroom"):
            for value in row[table].values() if table in row else ():
                assert value == MARK or value == 0 or value >= 5


@pytest.mark.django_db
def test_page_excel_and_command(client, in_care, tmp_path):
    from bwmo.care.models import Tariff

    Tariff.objects.all().delete()  # every stay without a tariff: a gap, not a server error
    today = timezone.localdate()
    query = {"van": str(today - timedelta(days=60)), "tot": str(today)}
    client.force_login(in_care.users["beleid"])
    page = client.get(reverse("monitor:national"), query)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Landelijk overzicht" in text and ">×<" in text
    assert "zonder tarief" in text
    book = load_workbook(
        io.BytesIO(client.get(reverse("monitor:national"), {**query, "formaat": "xlsx"}).content)
    )
    assert "Regio's" in book.sheetnames
    refused = client.get(reverse("monitor:national"), {"van": "gisteren", "tot": str(today)})
    assert refused.status_code == 200 and "niet toegepast" in refused.content.decode()
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "monitor",
        "--national",
        "--from",
        query["van"],
        "--to",
        query["tot"],
        stdout=out,
        stderr=err,
    )
    assert {r["region"] for r in json.loads(out.getvalue())["regions"]} >= {"GM0106", "GM0114"}
    assert "zonder tarief" in err.getvalue()
    out = io.StringIO()
    call_command(
        "monitor",
        "--national",
        "--from",
        query["van"],
        "--to",
        query["tot"],
        "--format",
        "text",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "Landelijk overzicht" in out.getvalue() and MARK in out.getvalue()
    with pytest.raises(CommandError) as error:
        call_command(
            "monitor",
            "--national",
            "--region",
            "GM0106",
            "--from",
            query["van"],
            "--to",
            query["tot"],
        )
    assert error.value.returncode == 2


@pytest.mark.django_db
def test_a_missing_tariff_links_to_beheer_for_who_may_fix_it(client, in_care):
    """The gap's count and, for a user who may change contracts, the link to the screen."""
    from django.contrib.auth.models import Permission

    from bwmo.care.models import Tariff

    Tariff.objects.all().delete()
    today = timezone.localdate()
    user = in_care.users["beleid"]
    query = {"regio": in_care.region.pk, "van": str(today - timedelta(days=60)), "tot": str(today)}
    client.force_login(user)
    for url in (reverse("monitor:dashboard"), reverse("monitor:council_report")):
        page = client.get(url, query)
        assert page.status_code == 200
        assert "zonder tarief" in page.content.decode()
        assert reverse("admin:care_contract_changelist") not in page.content.decode()
    user.user_permissions.add(Permission.objects.get(codename="change_contract"))
    user = type(user).objects.get(pk=user.pk)
    client.force_login(user)
    page = client.get(reverse("monitor:dashboard"), query).content.decode()
    assert reverse("admin:care_contract_changelist") in page


@pytest.mark.django_db
def test_no_remembered_figure_outlives_the_data(client, region_setup):
    """The suppression is remembered by its inputs: a change of the data (a client more in
    care, a stay ended) shows at the next request of the same page and period."""
    from bwmo.care.models import Stay
    from bwmo.care.services import stay_end

    today = timezone.localdate()
    clients = _in_care(region_setup, 6)
    _in_care(region_setup, 6, municipality="GM0114")
    query = {"van": str(today - timedelta(days=60)), "tot": str(today)}

    def national() -> int:
        overview = national_overview(start=today - timedelta(days=60), end=today)
        return next(r for r in overview["regions"] if r["region"] == "GM0106")["in_care_at_end"][
            "total"
        ]

    client.force_login(region_setup.users["beleid"])
    # Assen's own figures, which its adviser sees in full.
    dashboard = {**query, "regio": region_setup.region.pk, "gemeente": region_setup.assen.pk}
    assert national() == 6
    assert client.get(reverse("monitor:dashboard"), dashboard).context["headline"]["in_care"] == 6
    _in_care(region_setup, 1)
    assert national() == 7
    assert client.get(reverse("monitor:dashboard"), dashboard).context["headline"]["in_care"] == 7
    stay = Stay.objects.get(client=clients[0])
    # Ended inside the last closed quarter: the outside period shows it.
    ended = closed_quarter_end() - timedelta(days=3)
    stay_end(stay=stay, expected_version=stay.version, end=ended, reason="wlz")
    assert national() == 6
    assert client.get(reverse("monitor:dashboard"), dashboard).context["headline"]["in_care"] == 6
