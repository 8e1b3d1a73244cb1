"""Every label, sheet, column and code a user sees is Dutch words: no ``naar_bw``, no bare
``GM0106``, no ``in_care_at_start``; every workbook says what it holds; numbers are rounded;
amounts are euros; a chosen filter is applied or refused with a reason."""

import datetime
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bwmo.care.models import Indication, Stay
from bwmo.care.services import stay_end
from bwmo.finance import services as finance_services
from bwmo.messaging.models import DeclarationLine, Message, MessageStatus
from bwmo.rules.budget_params import EXAMPLE_PARAMETERS
from tests.factories import closed_quarter_end, granted_client
from tests.finance.test_finance import _params_text

pytestmark = pytest.mark.django_db

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
BARE_GM = re.compile(r"(?<!\()\bGM\d{4}\b(?!\))")


def _demo(setup, *, n=6, ended=(("naar_bw", 3), ("wlz", 3))):
    """Clients in care at Assen; some left, with the reasons the municipalities record. All
    within the last closed quarter, which the region's outside view shows."""
    closed = closed_quarter_end()
    start = closed - datetime.timedelta(days=80)
    stays = []
    for _ in range(n + sum(k for _r, k in ended)):
        person = granted_client(setup)
        Indication.objects.filter(client=person).update(valid_from=start, started_on=start)
        indication = Indication.objects.get(client=person)
        stays.append(
            Stay.objects.create(
                client=person,
                indication=indication,
                provider=indication.provider,
                product=indication.product,
                location=setup.assen,
                start=start,
            )
        )
    leaving = iter(stays[n:])
    for reason, count in ended:
        for _ in range(count):
            stay = next(leaving)
            stay_end(
                stay=stay,
                expected_version=stay.version,
                end=closed - datetime.timedelta(days=10),
                reason=reason,
            )


def _workbooks(client, setup, tmp_path) -> dict[str, bytes]:
    """Every workbook bwmo writes, made the way users make them."""
    today = timezone.localdate()
    period = {
        "regio": setup.region.pk,
        "van": (today - datetime.timedelta(days=120)).isoformat(),
        "tot": today.isoformat(),
    }
    books = {}
    client.force_login(setup.users["beleid"])
    response = client.get(reverse("monitor:dashboard"), {**period, "formaat": "xlsx"})
    assert response.status_code == 200
    books["monitor (scherm)"] = response.content

    out = tmp_path / "monitor.xlsx"
    call_command(
        "monitor", region="GM0106", start=period["van"], end=period["tot"], format="xlsx", out=out
    )
    books["monitor (opdrachtregel)"] = out.read_bytes()

    parameter_set = finance_services.parameter_set_upload(
        name="Test circulaire", text=_params_text(), user=None
    )
    client.force_login(setup.users["controller"])
    response = client.get(
        reverse("finance:overview"),
        {"regio": setup.region.pk, "parameters": parameter_set.pk, "formaat": "xlsx"},
    )
    assert response.status_code == 200
    books["financiën"] = response.content

    out = tmp_path / "budget.xlsx"
    call_command("budget", str(EXAMPLE_PARAMETERS), format="xlsx", out=out)
    books["budget"] = out.read_bytes()

    client.force_login(setup.users["toegang_assen"])
    response = client.get(reverse("web:worklist_excel"))
    assert response.status_code == 200
    books["werkvoorraad"] = response.content
    return books


def test_every_workbook_says_what_it_holds_in_words_with_rounded_numbers(
    client, region_setup, tmp_path
):
    _demo(region_setup)
    books = _workbooks(client, region_setup, tmp_path)
    for name, data in books.items():
        book = load_workbook(BytesIO(data))
        assert book.sheetnames[0] == "Over dit bestand", name
        about = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
        assert about.get("Periode"), name
        assert any(str(k).startswith("Filter") for k in about), (name, about)
        for key in ("Titel", "Bedoeld voor", "Gemaakt op", "Gemaakt door", "Organisatie"):
            assert about.get(key), (name, key)
        for sheet in book.worksheets:
            assert not SNAKE.search(sheet.title), (name, sheet.title)
            labels = [c.value for c in sheet[1]] + [c.value for c in sheet["A"]]
            for label in labels:
                if isinstance(label, str):
                    assert not SNAKE.search(label), (name, sheet.title, label)
                    assert not BARE_GM.search(label), (name, sheet.title, label)
                    assert not re.fullmatch(r"totaal \d{4}", label), (name, label)
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        assert not BARE_GM.search(cell.value), (name, cell.coordinate, cell.value)
                    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                        value = Decimal(str(cell.value))
                        assert value == value.quantize(Decimal("0.01")), (
                            name,
                            sheet.title,
                            cell.coordinate,
                            cell.value,
                        )
                        assert cell.number_format != "General", (name, cell.coordinate)
    monitor = load_workbook(BytesIO(books["monitor (scherm)"]))
    reasons = [r[0] for r in monitor["Uitstroom naar reden"].iter_rows(min_row=2, values_only=True)]
    assert set(reasons) == {"Naar beschermd wonen", "Naar de Wlz"}
    stock = [r[1] for r in monitor["Cliënten en stromen"].iter_rows(values_only=True)]
    assert "Assen (GM0106)" in stock
    costs = monitor["Kosten"]
    assert costs["B2"].number_format.count("#,##0.00") >= 1


def test_outflow_reasons_are_words_on_the_monitor_and_in_the_council_report(client, region_setup):
    _demo(region_setup)
    client.force_login(region_setup.users["beleid"])
    for url in (reverse("monitor:dashboard"), reverse("monitor:council_report")):
        page = client.get(url).content.decode()
        assert "Naar de Wlz" in page and "Naar beschermd wonen" in page, url
        assert "naar_bw" not in page and ">wlz<" not in page, url
        assert "Naar een lichtere vorm (afschalen)" in page, url


@pytest.mark.parametrize("year", [2015, 2027, 2040])
def test_a_finance_year_without_figures_is_refused_with_the_years_that_can_be_chosen(
    client, region_setup, year
):
    parameter_set = finance_services.parameter_set_upload(
        name="Test circulaire", text=_params_text(), user=None
    )
    client.force_login(region_setup.users["controller"])
    response = client.get(
        reverse("finance:overview"),
        {"regio": region_setup.region.pk, "parameters": parameter_set.pk, "jaar": year},
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    covered = response.context["overview"].years
    if year in covered:
        assert response.context["year"] == year and not texts
    else:
        assert any(
            str(year) in t and str(covered[0]) in t and str(covered[-1]) in t for t in texts
        ), texts
        assert str(year) in response.content.decode()


def test_an_invalid_finance_or_monitor_filter_is_named_not_ignored(client, region_setup):
    client.force_login(region_setup.users["controller"])
    response = client.get(reverse("finance:overview"), {"jaar": "2099"})
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Jaar" in t and "niet toegepast" in t for t in texts), texts
    page = response.content.decode()
    assert "niet opgeslagen" not in page and "Niet elk filter is toegepast" in page
    client.force_login(region_setup.users["beleid"])
    response = client.get(reverse("monitor:dashboard"), {"van": "2026-13-45"})
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Van" in t and "niet toegepast" in t for t in texts), texts


def test_a_monitor_filter_that_is_right_is_applied_when_the_period_is_not(client, region_setup):
    """The municipality chosen is shown when the period in the address is wrong (the select
    said Assen while the figures were the region's); the period falls back as a whole."""
    client.force_login(region_setup.users["beleid"])
    asked = {"regio": region_setup.region.pk, "gemeente": "GM0106", "van": "2026-13-45"}
    response = client.get(reverse("monitor:dashboard"), asked)
    assert response.status_code == 200
    assert response.context["scope"].municipality.code == "GM0106"
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Van" in t and "standaardperiode" in t for t in texts), texts
    assert not any("Gemeente" in t for t in texts), texts
    # A wrong municipality is named, and the period asked is kept.
    asked = {"regio": region_setup.region.pk, "gemeente": "GM9999", "van": "2026-01-01"}
    asked["tot"] = "2026-06-30"
    response = client.get(reverse("monitor:dashboard"), asked)
    assert response.context["scope"].municipality is None
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Gemeente" in t and "andere filters zijn wel toegepast" in t for t in texts)
    assert response.context["start"].isoformat() == "2026-01-01"


def test_a_monitor_address_with_a_region_and_no_period_shows_the_standard_period(
    client, region_setup
):
    """A link that names only the region (or a municipality) is not a form with two empty
    fields: it shows the standard period, without an error."""
    client.force_login(region_setup.users["beleid"])
    asked = {"regio": region_setup.region.pk, "gemeente": "GM0106"}
    response = client.get(reverse("monitor:dashboard"), asked)
    assert response.status_code == 200
    assert not [str(m) for m in get_messages(response.wsgi_request)]
    assert "verplicht" not in response.content.decode()
    assert response.context["scope"].municipality.code == "GM0106"
    today = timezone.localdate()
    assert response.context["start"] == datetime.date(today.year - 1, 1, 1)
    # A period field sent empty is still named.
    response = client.get(reverse("monitor:dashboard"), {**asked, "van": ""})
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Van" in t and "standaardperiode" in t for t in texts), texts


def test_an_invalid_inbox_filter_is_named_and_the_valid_ones_still_apply(client, region_setup):
    granted_client(region_setup)  # one WMO301 waiting
    client.force_login(region_setup.users["contract"])
    response = client.get(
        reverse("messaging:inbox"), {"richting": "uit", "status": "weg", "bericht": "WMO301"}
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Status" in t and "niet toegepast" in t for t in texts), texts
    assert response.context["page"].paginator.count == 1


def test_declarations_year_that_is_not_a_year_is_named(client, region_setup):
    client.force_login(region_setup.users["contract"])
    response = client.get(reverse("messaging:declarations"), {"jaar": "twintig"})
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("twintig" in t for t in texts), texts


@pytest.mark.iwmo_standard
def test_a_pending_message_is_outgoing_and_ready_to_send_and_no_folder_path_is_shown(
    client, region_setup, settings, tmp_path
):
    settings.DATA_DIR = tmp_path / "data"
    granted_client(region_setup)
    client.force_login(region_setup.users["contract"])
    message = Message.objects.get(message_type="WMO301")
    assert message.status == MessageStatus.PENDING
    detail = client.get(reverse("messaging:detail", args=[message.pk])).content.decode()
    assert "Klaar om te verzenden" in detail
    assert "Verzonden" not in detail and "Uitgaand" in detail
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    body = inbox.split("<tbody>")[1]
    row = next(r for r in body.split("<tr>") if "WMO301" in r)
    assert "Klaar om te verzenden" in row and "Verzonden" not in row

    response = client.post(reverse("messaging:export"), follow=True)
    page = response.content.decode()
    assert "uitwisselmap" in page
    assert str(tmp_path) not in page and "/iwmo/uit" not in page

    granted_client(region_setup)
    client.force_login(region_setup.users["beheer"])
    page = client.post(reverse("messaging:export"), follow=True).content.decode()
    if "bericht aangemaakt" in page:
        assert "DATA_DIR" in page


@pytest.mark.iwmo_standard
def test_declaration_amounts_are_euros_with_dutch_formatting(
    client, region_setup, tmp_path, settings
):
    from tests.browser.test_messaging import _305, _323_wrong_tariff

    settings.DATA_DIR = tmp_path / "data"
    person = granted_client(region_setup)
    indication = Indication.objects.get(client=person)
    client.force_login(region_setup.users["contract"])
    client.post(reverse("messaging:export"))

    def upload(path):
        return client.post(
            reverse("messaging:upload"),
            {"bestand": SimpleUploadedFile(path.name, path.read_bytes(), "text/xml")},
        )

    upload(_305(person, indication, tmp_path))
    path, first, _last = _323_wrong_tariff(person, indication, tmp_path)
    upload(path)
    overview = client.get(reverse("messaging:declarations")).content.decode()
    assert re.search(r"€ \d{1,3}(\.\d{3})*,\d{2}", overview), overview
    month = client.get(
        reverse(
            "messaging:declaration_month",
            args=[indication.provider_id, first.strftime("%Y-%m")],
        )
    ).content.decode()
    assert re.search(r"€ \d{1,3}(\.\d{3})*,\d{2}", month)
    line = DeclarationLine.objects.get()
    euros = f"{line.amount_cents / 100:,.2f}".replace(",", " ").replace(".", ",")
    assert f"€ {euros.replace(' ', '.')}" in month and str(line.amount_cents) not in month
    assert f"€ {euros.replace(' ', '.')}" in overview
    assert "Beschermd wonen (15)" in month and "(BW001)" in month
    assert "15/BW001" not in month


def test_amounts_in_iwmo_findings_are_euros():
    from bwmo.iwmo.crosscheck import _euro

    assert _euro(260140) == "€ 2.601,40"
    assert _euro(123456789) == "€ 1.234.567,89"
    assert _euro(-5) == "−€ 0,05"
    assert _euro(None) == "—"
