"""The auditor's screen: period, collapsed rows, pages, errors and the Excel download."""

import re
from datetime import datetime, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bwmo.audit.models import AccessLogEntry
from bwmo.audit.services import access_log_verify
from tests.factories import register_client

from . import tampering
from .test_selectors import log_at

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


@pytest.fixture
def logged(region_setup):
    """toegang.assen opens one client's file 12× on 2 March, once on 10 March, and once opens
    another client; all in 2026."""
    user = region_setup.users["toegang_assen"]
    patient, other = register_client(region_setup), register_client(region_setup)
    for minute in range(12):
        log_at(datetime(2026, 3, 2, 9, 1 + minute, tzinfo=TZ), user=user, client=patient)
    log_at(datetime(2026, 3, 10, 14, 0, tzinfo=TZ), user=user, client=patient)
    log_at(datetime(2026, 3, 10, 15, 0, tzinfo=TZ), user=user, client=other)
    return patient, other


def ask_client(http, patient, **extra):
    return http.post(reverse("audit:search"), {"c-bsn": patient.bsn, **extra})


def as_auditor(http, region_setup):
    http.force_login(region_setup.users["auditor"])
    return http


def test_repeated_entries_show_as_one_row_with_count_and_times(client, region_setup, logged):
    patient, _ = logged
    page = ask_client(as_auditor(client, region_setup), patient).content.decode()
    assert "12×</strong> tussen 09:01 en 09:12" in page
    # 12 + 1 by the user, + the auditor's own question = 14 stored, shown as 3 rows
    assert "14 regels, getoond als 3 rijen" in page
    assert "binnen 60 minuten" in page


def test_period_narrows_a_client_question(client, region_setup, logged):
    patient, _ = logged
    page = ask_client(
        as_auditor(client, region_setup), patient, **{"c-van": "2026-03-10", "c-tot": "10-03-2026"}
    ).content.decode()
    assert "12×" not in page
    assert "1 regel" in page
    assert "van 10 maart 2026 tot en met 10 maart 2026" in page


def test_period_narrows_a_user_question(client, region_setup, logged):
    page = as_auditor(client, region_setup).get(
        reverse("audit:search"), {"u-gebruiker": "toegang.assen", "u-van": "2026-03-03"}
    )
    assert "2 regels" in page.content.decode()


@pytest.mark.parametrize(
    ("van", "tot", "field", "message"),
    [
        ("2026-03-10", "2026-03-02", "tot", "&#x27;Tot en met&#x27; (2 maart 2026) ligt vóór"),
        ("31-02-2026", "", "van", "31-02-2026 bestaat niet"),
        ("", "gisteren", "tot", "&#x27;Tot en met&#x27; is geen geldige datum"),
        ("2999-01-01", "", "van", "ligt in de toekomst"),
    ],
)
def test_a_period_that_cannot_apply_says_why_and_answers_nothing(
    client, region_setup, logged, van, tot, field, message
):
    patient, _ = logged
    as_auditor(client, region_setup)
    before = AccessLogEntry.objects.count()
    response = ask_client(client, patient, **{"c-van": van, "c-tot": tot})
    page = response.content.decode()
    assert message in page
    assert response.context["client_form"].errors[field]
    assert response.context["page"] is None  # no answer without the filter asked for
    assert AccessLogEntry.objects.count() == before  # and so no read logged
    response = client.get(
        reverse("audit:search"), {"u-gebruiker": "toegang.assen", "u-van": van, "u-tot": tot}
    )
    assert message in response.content.decode() and response.context["page"] is None


@pytest.mark.parametrize(
    ("bsn", "message"),
    [
        ("12345678", "precies 9 cijfers; u vulde er 8 in"),
        ("9999000061", "precies 9 cijfers; u vulde er 10 in"),
        ("99990000x", "alleen uit cijfers"),
        ("999900007", "voldoet niet aan de elfproef"),
        ("999990019", "Er staat geen cliënt met dit BSN"),
    ],
)
def test_a_wrong_bsn_says_what_is_wrong(client, region_setup, bsn, message):
    response = as_auditor(client, region_setup).post(reverse("audit:search"), {"c-bsn": bsn})
    assert message in response.content.decode()


def test_the_bsn_field_says_what_a_bsn_is_and_is_never_in_a_url(client, region_setup, logged):
    patient, _ = logged
    page = as_auditor(client, region_setup).get(reverse("audit:search")).content.decode()
    assert "Burgerservicenummer: 9 cijfers, voldoet aan de elfproef" in page
    answer = ask_client(client, patient, **{"c-bsn": f"{patient.bsn[:4]} {patient.bsn[4:]}"})
    assert answer.status_code == 200 and "12×" in answer.content.decode()  # spaces are fine
    html = answer.content.decode()
    for href in [part.split('"')[0] for part in html.split('href="')[1:]]:
        assert patient.bsn not in href
    assert (
        'method="get"' not in html.split("Wie heeft deze cliënt ingezien?")[1].split("</form>")[0]
    )


def test_an_unknown_user_name_says_so(client, region_setup):
    page = as_auditor(client, region_setup).get(
        reverse("audit:search"), {"u-gebruiker": "toegang.asen"}
    )
    assert "Er is geen gebruiker met de naam “toegang.asen”" in page.content.decode()
    assert page.context["page"] is None


def test_a_known_user_without_reads_gets_an_empty_answer(client, region_setup):
    page = as_auditor(client, region_setup).get(reverse("audit:search"), {"u-gebruiker": "beleid"})
    assert "Geen inzage gevonden." in page.content.decode()


def test_long_answers_are_paged_and_a_client_question_pages_by_post(client, region_setup):
    user = region_setup.users["toegang_assen"]
    patient = register_client(region_setup)
    for day in range(60):  # 60 distinct days: nothing collapses
        log_at(datetime(2026, 1, 1, 10, tzinfo=TZ) + timedelta(days=day), user=user, client=patient)
    as_auditor(client, region_setup)
    first = ask_client(client, patient)
    assert "Pagina 1 van 2" in first.content.decode()
    until = first.context["answer"].until_pk
    second = ask_client(client, patient, pagina="2", tot_regel=str(until))
    page = second.content.decode()
    assert "Pagina 2 van 2" in page
    assert len(second.context["page"].object_list) == 11  # 60 + the auditor's first question
    by_user = client.get(reverse("audit:search"), {"u-gebruiker": "toegang.assen", "pagina": 2})
    assert "Pagina 2 van 2" in by_user.content.decode()
    assert "pagina=1" in by_user.content.decode()


def read_workbook(response):
    book = load_workbook(BytesIO(response.content))
    about = {
        str(row[0]).removeprefix("Filter: "): row[1]
        for row in book["Over dit bestand"].iter_rows(values_only=True)
    }
    rows = list(book["Toegangslog"].iter_rows(values_only=True))
    return about, rows


def test_excel_of_a_client_question_holds_every_stored_entry_and_says_what_it_is(
    client, region_setup, logged
):
    patient, _ = logged
    as_auditor(client, region_setup)
    screen = ask_client(client, patient, **{"c-van": "2026-03-01", "c-tot": "2026-03-31"})
    answer = screen.context["answer"]
    response = client.post(
        reverse("audit:download"),
        {
            "c-bsn": patient.bsn,
            "c-van": "2026-03-01",
            "c-tot": "2026-03-31",
            "tot_regel": answer.until_pk,
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert patient.bsn not in response["Content-Disposition"]
    about, rows = read_workbook(response)
    assert about["Titel"] == "Toegangslog van bwmo"
    assert about["Vraag"] == f"Wie keek naar cliënt {patient.short_pseudonym}?"
    assert about["Periode"] == "van 1 maart 2026 tot en met 31 maart 2026"
    assert about["Gemaakt door"] == "auditor"
    assert re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d", about["Gemaakt op"])
    assert about["Tot en met regel"] == answer.until_pk
    assert rows[0] == (
        "Regel",
        "Tijdstip",
        "Gebruiker",
        "Organisatie",
        "Cliënt",
        "Wat",
        "Grondslag",
    )
    data = rows[1:]
    # One row per stored entry of the screen's answer (not collapsed), newest first.
    assert [r[0] for r in data] == [e.pk for e in answer.entries]
    assert about["Aantal regels"] == len(data) == 13  # 12 + 1 in March; the auditor's is today
    assert data[-1][1] == datetime(2026, 3, 2, 9, 1)
    assert {r[4] for r in data} == {patient.short_pseudonym}
    workbook_text = " ".join(str(v) for r in rows for v in r) + " ".join(map(str, about.values()))
    assert patient.bsn not in workbook_text


def test_the_download_is_logged_like_the_screen(client, region_setup, logged):
    patient, other = logged
    as_auditor(client, region_setup)
    client.post(reverse("audit:download"), {"c-bsn": patient.bsn})
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert (entry.username, entry.client_id, entry.what, entry.why) == (
        "auditor",
        patient.pk,
        "toegangslog cliënt (Excel)",
        "auditor",
    )
    # A user question's workbook carries the pseudonyms of the clients that user read.
    before = AccessLogEntry.objects.count()
    response = client.post(reverse("audit:download"), {"u-gebruiker": "toegang.assen"})
    about, rows = read_workbook(response)
    assert about["Vraag"] == "Wat bekeek gebruiker toegang.assen?"
    assert about["Periode"] == "het hele log"
    assert len(rows) - 1 == 14
    new = AccessLogEntry.objects.filter(pk__gt=AccessLogEntry.objects.order_by("pk")[before - 1].pk)
    assert {(e.client_id, e.what) for e in new} == {
        (patient.pk, "toegangslog gebruiker (Excel)"),
        (other.pk, "toegangslog gebruiker (Excel)"),
    }
    assert access_log_verify().ok


def test_excel_text_is_never_a_formula(client, region_setup):
    user = region_setup.users["toegang_assen"]
    patient = register_client(region_setup)
    log_at(timezone.now(), user=user, client=patient, what='=HYPERLINK("x")', why="@SUM(1)")
    response = as_auditor(client, region_setup).post(
        reverse("audit:download"), {"u-gebruiker": "toegang.assen"}
    )
    sheet = load_workbook(BytesIO(response.content))["Toegangslog"]
    assert sheet.cell(2, 6).value == '=HYPERLINK("x")' and sheet.cell(2, 6).data_type == "s"


def test_a_download_with_a_bad_question_answers_nothing(client, region_setup, logged):
    as_auditor(client, region_setup)
    before = AccessLogEntry.objects.count()
    response = client.post(reverse("audit:download"), {"c-bsn": "999900007"})
    assert response.status_code == 400 and "elfproef" in response.content.decode()
    response = client.post(reverse("audit:download"), {})
    assert response.status_code == 302
    assert AccessLogEntry.objects.count() == before


def test_only_the_auditor_downloads(client, region_setup, logged):
    patient, _ = logged
    for role in ["toegang_assen", "beheer", "controller"]:
        client.force_login(region_setup.users[role])
        assert client.post(reverse("audit:download"), {"c-bsn": patient.bsn}).status_code == 403


def test_a_broken_chain_says_what_it_means_and_what_to_do(client, region_setup, logged):
    tampering.drop_triggers()
    first = AccessLogEntry.objects.order_by("pk").first()
    tampering.sql(f"UPDATE {tampering.ENTRY} SET what = 'x' WHERE id = %s", [first.pk])
    as_auditor(client, region_setup)
    page = client.post(reverse("audit:verify"), follow=True).content.decode()
    verdict = page.split('class="alert alert--error chain-verdict"')[1].split("</div>")[0]
    assert "NIET in orde" in verdict and f"gebroken bij regel {first.pk}" in verdict
    assert "Wat betekent dit?" in verdict and "beveiligingsincident" in verdict
    assert "Laat niets in de database herstellen" in verdict
    assert "door auditor (auditor op het scherm)" in page


def test_the_screen_speaks_english_too(client, region_setup, logged):
    patient, _ = logged
    as_auditor(client, region_setup)
    client.cookies["django_language"] = "en"
    page = ask_client(client, patient).content.decode()
    assert f"Who looked at client {patient.short_pseudonym}?" in page
    assert "12×</strong> between 09:01 and 09:12" in page and "Download as Excel" in page
    assert "passes the eleven test" in page and "Chain check" in page
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert entry.why == "auditor" and entry.what == "toegangslog cliënt"  # the log stays Dutch
