"""The monitor through its service, command line and screens, on a real database."""

import itertools
import json
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bwmo.care.models import Indication, Stay
from bwmo.care.services import stay_end
from bwmo.monitor.services import MonitorScope, monitor_document
from bwmo.rules.suppression import can_recompute
from tests.commands import run_command
from tests.factories import closed_quarter_end, granted_client

pytestmark = pytest.mark.django_db
TOP_KEYS = [
    "in_care_at_start",
    "in_care_at_end",
    "instroom",
    "uitstroom",
    "doorstroom",
    "lead_times",
    "waiting_list",
    "flows",
    "costs",
]


def _in_care(setup, n, *, started_days_ago=None, municipality="GM0106"):
    """``n`` clients in care since ``started_days_ago`` days, by default since 40 days before
    the last closed quarter ended: in every period an outside reader is shown too."""
    if started_days_ago is None:
        started_days_ago = (timezone.localdate() - closed_quarter_end()).days + 40
    clients = []
    for _ in range(n):
        client = granted_client(setup, municipality=municipality)
        start = timezone.localdate() - timedelta(days=started_days_ago)
        Indication.objects.filter(client=client).update(valid_from=start, started_on=start)
        indication = Indication.objects.get(client=client)
        Stay.objects.create(
            client=client,
            indication=indication,
            provider=indication.provider,
            product=indication.product,
            location=setup.assen,
            start=start,
        )
        clients.append(client)
    return clients


def test_document_has_the_contract_keys_and_the_identity_holds(region_setup):
    clients = _in_care(region_setup, 7)
    stay = Stay.objects.get(client=clients[0])
    stay_end(
        stay=stay,
        expected_version=stay.version,
        end=timezone.localdate() - timedelta(5),
        reason="zelfstandig",
    )
    today = timezone.localdate()
    doc = monitor_document(
        scope=MonitorScope(region_setup.region, None), start=today - timedelta(days=30), end=today
    )
    for key in TOP_KEYS:
        assert "total" in doc[key], key
    assert doc["in_care_at_start"]["total"] == 7
    assert doc["uitstroom"]["total"] == 1 and doc["uitstroom"]["reason"] == {"zelfstandig": 1}
    assert doc["in_care_at_end"]["total"] == (
        doc["in_care_at_start"]["total"] + doc["instroom"]["total"] - doc["uitstroom"]["total"]
    )
    assert doc["flows"]["origin_location"]["GM0106"]["GM0106"] == 6
    assert doc["costs"]["total"] > 0


def test_external_audience_hides_small_counts_and_cannot_be_recomputed(region_setup):
    _in_care(region_setup, 6)
    _in_care(region_setup, 2, municipality="GM1730")
    today = timezone.localdate()
    scope = MonitorScope(region_setup.region, None)
    internal = monitor_document(scope=scope, start=today - timedelta(days=30), end=today)
    external = monitor_document(
        scope=scope, start=today - timedelta(days=30), end=today, audience="external"
    )
    assert internal["in_care_at_end"]["responsible"]["GM1730"] == 2
    assert external["in_care_at_end"]["responsible"]["GM1730"] == "×"

    def values(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from values(value)
        elif isinstance(node, int) and not isinstance(node, bool):
            yield node

    counts = {
        k: external[k]
        for k in ("in_care_at_start", "in_care_at_end", "instroom", "uitstroom", "doorstroom")
    }
    assert not [v for v in values(counts) if 1 <= v <= 4]
    assert not can_recompute({k: internal[k] for k in counts}, counts)


def _run(tmp_path, *args):
    return run_command("monitor", *args)


def test_cli_contract_and_errors(tmp_path):
    ok = _run(tmp_path, "--region", "GM0106", "--from", "2025-01-01", "--to", "2025-12-31")
    assert ok.returncode == 0, ok.stderr
    assert all(key in json.loads(ok.stdout) for key in TOP_KEYS)
    for args, message in [
        (("--region", "GM9999", "--from", "2025-01-01", "--to", "2025-12-31"), "unknown region"),
        (("--region", "GM0106", "--from", "2025-12-31", "--to", "2025-01-01"), "lies after"),
        (
            (
                "--region",
                "GM0106",
                "--from",
                "2025-01-01",
                "--to",
                "2025-12-31",
                "--municipality",
                "GM0114",
            ),
            "not a member",
        ),
        (("--region", "GM0106", "--from", "2025-02-30", "--to", "2025-12-31"), "not a date"),
    ]:
        result = _run(tmp_path, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr
    quarters = _run(
        tmp_path,
        "--region",
        "GM0106",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--series",
        "quarter",
    )
    periods = json.loads(quarters.stdout)["series"]["periods"]
    assert len(periods) == 4
    for before, after in itertools.pairwise(periods):
        assert after["in_care_at_start"]["total"] == before["in_care_at_end"]["total"]
    xlsx = tmp_path / "monitor.xlsx"
    result = _run(
        tmp_path,
        "--region",
        "GM0106",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--format",
        "xlsx",
        "--out",
        str(xlsx),
        "--audience",
        "external",
    )
    assert result.returncode == 0, result.stderr
    assert "Herkomst en locatie" in load_workbook(xlsx).sheetnames


def test_policy_user_sees_other_municipalities_aggregated(client, region_setup):
    _in_care(region_setup, 2, municipality="GM1730")
    client.force_login(region_setup.users["beleid"])  # Gemeente Assen
    page = client.get(reverse("monitor:dashboard")).content.decode()
    assert ">×<" in page and "geaggregeerde cijfers" in page
    own = client.get(
        reverse("monitor:dashboard"),
        {
            "regio": region_setup.region.pk,
            "gemeente": "GM0106",
            "van": (date.today() - timedelta(days=60)).isoformat(),
            "tot": date.today().isoformat(),
        },
    ).content.decode()
    assert "geaggregeerde cijfers" not in own


def test_dashboard_excel_and_council_report(client, region_setup):
    _in_care(region_setup, 6)
    client.force_login(region_setup.users["beleid"])
    response = client.get(reverse("monitor:dashboard"), {"formaat": "xlsx"})
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames[0] == "Over dit bestand"
    assert {"Cliënten en stromen", "Uitstroom naar reden", "Herkomst en locatie"} <= set(
        book.sheetnames
    )
    report = client.get(reverse("monitor:council_report")).content.decode()
    assert "Wat veranderde er?" in report and "raadsinformatiebrief" in report
    assert "Het aantal cliënten in zorg" in report


def test_data_gaps_are_warnings_not_server_errors(client, region_setup, tmp_path):
    """A region without member municipalities and a product without a domain: the monitor says
    what is missing and who fixes it, on the page, in the Excel and on the command line."""
    from io import StringIO

    from django.core.management import call_command

    from bwmo.care.models import Product
    from bwmo.organisations.models import Municipality, Region

    del tmp_path
    today = timezone.localdate()
    _in_care(region_setup, 6)
    Product.objects.filter(kind="MO").update(kind="")
    Product.objects.filter(kind="BW").update(kind="")
    empty = Region.objects.create(
        name="Lege regio", centrumgemeente=Municipality.objects.get(code="GM1730")
    )
    client.force_login(region_setup.users["beleid"])
    page = client.get(
        reverse("monitor:dashboard"),
        {"regio": region_setup.region.pk, "van": today - timedelta(days=30), "tot": today},
    )
    assert page.status_code == 200
    assert "geen domein" in page.content.decode()
    err = StringIO()
    call_command(
        "monitor",
        "--region",
        region_setup.region.centrumgemeente_id,
        "--from",
        str(today - timedelta(days=30)),
        "--to",
        str(today),
        stdout=StringIO(),
        stderr=err,
    )
    assert "geen domein" in err.getvalue()
    doc = monitor_document(scope=MonitorScope(empty, None), start=today, end=today)
    assert doc["data_gaps"][0]["kind"] == "no_members"
    page = client.get(reverse("monitor:dashboard"), {"regio": empty.pk, "van": today, "tot": today})
    assert page.status_code == 200


def test_a_small_data_gap_count_is_suppressed_for_readers_who_may_not_see_the_clients(
    client, region_setup
):
    """Three stays without a tariff, of residents of another municipality: the region-wide
    reader sees the count; a reader from Assen, the council report, the Excel and
    ``--audience external`` see "<5 verblijven zonder tarief"."""
    from io import StringIO

    from django.core.management import call_command

    from bwmo.care.models import Tariff

    _in_care(region_setup, 3, municipality="GM1730")
    Tariff.objects.all().delete()
    today = timezone.localdate()
    query = {"regio": region_setup.region.pk, "van": today - timedelta(days=60), "tot": today}
    scope = MonitorScope(region_setup.region, None)
    start, end = query["van"], query["tot"]
    internal = monitor_document(scope=scope, start=start, end=end, audience="internal")
    assert [g["count"] for g in internal["data_gaps"]] == [3]
    assert internal["data_gaps"][0]["message"].startswith("3 verblijven zonder tarief: ")
    external = monitor_document(scope=scope, start=start, end=end, audience="external")
    assert [g["count"] for g in external["data_gaps"]] == ["<5"]
    assert external["data_gaps"][0]["message"].startswith("<5 verblijven zonder tarief: ")
    # An Assen reader of its own figures may not see these Tynaarlo clients either.
    own = monitor_document(
        scope=MonitorScope(region_setup.region, region_setup.assen),
        start=start,
        end=end,
        audience="internal",
    )
    assert [g["count"] for g in own["data_gaps"]] == ["<5"]

    client.force_login(region_setup.users["beleid"])  # Gemeente Assen
    for name in ("monitor:dashboard", "monitor:council_report"):
        page = client.get(reverse(name), query).content.decode()
        assert "&lt;5 verblijven zonder tarief: " in page, name
        assert "3 verblijven" not in page, name
    book = load_workbook(
        BytesIO(client.get(reverse("monitor:dashboard"), {**query, "formaat": "xlsx"}).content)
    )
    rows = [[c.value for c in row] for row in book["Ontbrekende gegevens"].iter_rows()]
    assert any(row[1] == "<5" and row[0].startswith("<5 verblijven") for row in rows), rows
    assert not any(3 in row for row in rows)
    for audience, shown in (("external", "<5 verblijven"), ("internal", "3 verblijven")):
        err = StringIO()
        call_command(
            "monitor",
            "--region",
            region_setup.region.centrumgemeente_id,
            "--from",
            str(start),
            "--to",
            str(end),
            "--audience",
            audience,
            stdout=StringIO(),
            stderr=err,
        )
        assert f"warning: {shown} zonder tarief" in err.getvalue(), audience
