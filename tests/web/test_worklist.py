"""The work list as people use it: its next step agrees with the melding page, filters say
when they do not apply, sorting, assignment and the Excel download (access-logged)."""

from datetime import timedelta
from io import BytesIO

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bwmo.accounts.roles import Role
from bwmo.audit.models import AccessLogEntry
from bwmo.clients.models import Client
from bwmo.toegang import services as toegang_services
from bwmo.toegang.models import Assignment, Melding
from bwmo.toegang.workflow import TRANSITIONS, Status
from tests.factories import (
    advance_to_aanvraag,
    client_with_melding,
    granted_client,
    make_user,
    register_client,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(client, region_setup):
    client.force_login(region_setup.users["toegang_assen"])
    return client


def _step(setup, melding, action, **data):
    service = {
        "onderzoek": toegang_services.onderzoek_start,
        "advies": toegang_services.advies_record,
        "intrekken": toegang_services.melding_withdraw,
        "afsluiten": toegang_services.melding_close,
        "beschikking": toegang_services.beschikking_record,
    }[action]
    melding.refresh_from_db()
    service(
        melding=melding, user=setup.users["toegang_assen"], expected_version=melding.version, **data
    )


def _melding_in(setup, kind: str, status: str) -> Melding:
    """A melding of Assen in ``status``, reached through the services (never a raw update)."""
    today = timezone.localdate()
    day = today - timedelta(days=5)
    if kind == "MO":
        if status in (Status.TOEGEKEND, Status.AFGEWEZEN):
            return _mo_decided(setup, status)
        person = register_client(setup)
        melding = toegang_services.melding_register(
            client=person,
            product_kind="MO",
            applied_to=setup.assen,
            received_on=day,
            summary="",
            organisation=setup.org["assen"],
            user=setup.users["toegang_assen"],
        )
        if status == Status.INGETROKKEN:
            _step(setup, melding, "intrekken", reason="Elders opgevangen")
        melding.refresh_from_db()
        assert melding.status == status
        return melding
    if status == Status.TOEGEKEND:
        return granted_client(setup).meldingen.get()
    melding = client_with_melding(setup, received_on=today - timedelta(days=10)).meldingen.get()
    onderzoek = {"started_on": day, "conversation_on": day, "findings": ""}
    advies = {
        "issued_on": day,
        "advised_product": None,
        "text": "Advies",
        "signed_by_client": False,
        "signed_on": None,
    }
    if status == Status.GEMELD:
        pass
    elif status == Status.IN_ONDERZOEK:
        _step(setup, melding, "onderzoek", **onderzoek)
    elif status == Status.ADVIES_UITGEBRACHT:
        _step(setup, melding, "onderzoek", **onderzoek)
        _step(setup, melding, "advies", **advies)
    elif status == Status.AFGESLOTEN:
        _step(setup, melding, "onderzoek", **onderzoek)
        _step(setup, melding, "advies", **advies)
        _step(setup, melding, "afsluiten", reason="Geen aanvraag")
    elif status == Status.INGETROKKEN:
        _step(setup, melding, "intrekken", reason="Cliënt ziet ervan af")
    elif status in (Status.AANVRAAG_ONTVANGEN, Status.AFGEWEZEN):
        advance_to_aanvraag(setup, melding, day=day)
        if status == Status.AFGEWEZEN:
            _step(
                setup,
                melding,
                "beschikking",
                decision="afwijzing",
                decided_on=day,
                motivation="Nee",
            )
    melding.refresh_from_db()
    assert melding.status == status
    return melding


def _mo_decided(setup, status) -> Melding:
    person = register_client(setup, organisation_key="opvang")
    intake = toegang_services.mo_intake_record(
        client=person,
        user=setup.users["opvang"],
        organisation=setup.org["opvang"],
        centrumgemeente=setup.assen,
        provider=setup.opvang,
        intake_on=timezone.localdate() - timedelta(days=2),
        mo_type="nachtopvang",
        dakloos="ja",
        zelfredzaam="nee",
        regiobinding="ja",
        problem_areas="",
        decision="toekenning" if status == Status.TOEGEKEND else "afwijzing",
        motivation="" if status == Status.TOEGEKEND else "Geen binding met de regio",
        location=setup.assen,
    )
    return intake.melding


def _reachable(kind: str) -> set[str]:
    reached, changed = {Status.GEMELD.value}, True
    while changed:
        changed = False
        for t in TRANSITIONS:
            if kind in t.product_kinds and t.source in reached and t.target not in reached:
                reached.add(t.target)
                changed = True
    return reached


def _row(page: str, melding: Melding):
    rows = lxml.html.fromstring(page).xpath(f'//tr[@data-melding="{melding.pk}"]')
    return rows[0] if rows else None


def _offered(page: str) -> set[tuple[str, str]]:
    """(href, label) of the step buttons on a melding page."""
    tree = lxml.html.fromstring(page)
    return {(a.get("href"), a.text_content().strip()) for a in tree.cssselect(".actions a")}


def test_the_work_lists_next_step_is_a_step_the_melding_page_offers(worker, region_setup):
    assert _reachable("BW") == set(Status)  # walking BW visits every status of the table
    cases = {(kind, status) for kind in ("BW", "MO") for status in _reachable(kind)}
    meldingen = {case: _melding_in(region_setup, *case) for case in sorted(cases)}
    worklist = worker.get(reverse("web:worklist")).content.decode()
    checked = 0
    for (kind, status), melding in meldingen.items():
        row = _row(worklist, melding)
        detail = worker.get(reverse("toegang:detail", args=[melding.pk])).content.decode()
        offered = _offered(detail)
        is_open = any(t.source == status and kind in t.product_kinds for t in TRANSITIONS)
        if not is_open:
            assert row is None, (kind, status)
            assert offered == set(), (kind, status)
            continue
        assert row is not None, (kind, status)
        (link,) = row.cssselect("td.next-step a")
        named = (link.get("href"), link.text_content().strip())
        assert named in offered, (kind, status, named, offered)
        checked += 1
    assert len(meldingen) == 12 and checked == 5  # 4 open BW statuses, MO before its intake


def test_in_onderzoek_the_next_step_is_recording_the_advies(worker, region_setup):
    melding = _melding_in(region_setup, "BW", Status.IN_ONDERZOEK)
    page = worker.get(reverse("web:worklist")).content.decode()
    cell = _row(page, melding).cssselect("td.next-step")[0].text_content()
    assert "Advies vastleggen" in cell and "Onderzoek afronden" not in page
    assert "art. 2.3.2" in cell  # the deadline names its article


# --- filters and sorting -----------------------------------------------------------------------


@pytest.fixture
def three(region_setup):
    """Assen's work: one overdue (60 days), one due this week or soon, one far off; and one
    of Tynaarlo handled under mandate (not in Assen's list)."""
    today = timezone.localdate()
    overdue = client_with_melding(region_setup, received_on=today - timedelta(days=60))
    soon = client_with_melding(region_setup, received_on=today - timedelta(days=42))  # due today
    later = client_with_melding(region_setup, received_on=today - timedelta(days=1))
    return {
        "overdue": overdue.meldingen.get(),
        "soon": soon.meldingen.get(),
        "later": later.meldingen.get(),
    }


def _listed(page: str) -> list[int]:
    return [
        int(tr.get("data-melding"))
        for tr in lxml.html.fromstring(page).xpath("//tr[@data-melding]")
    ]


def test_filter_on_deadline(worker, three):
    url = reverse("web:worklist")
    assert _listed(worker.get(url, {"termijn": "te_laat"}).content.decode()) == [
        three["overdue"].pk
    ]
    assert _listed(worker.get(url, {"termijn": "deze_week"}).content.decode()) == [three["soon"].pk]
    assert _listed(worker.get(url, {"termijn": "later"}).content.decode()) == [three["later"].pk]
    page = worker.get(url, {"termijn": "te_laat"}).content.decode()
    assert "1 van de 3 openstaande meldingen voldoet aan de filters" in page


def test_filter_on_status_and_municipality(worker, region_setup, three):
    _step(
        region_setup,
        three["later"],
        "onderzoek",
        started_on=timezone.localdate(),
        conversation_on=None,
        findings="",
    )
    url = reverse("web:worklist")
    assert _listed(worker.get(url, {"status": "in_onderzoek"}).content.decode()) == [
        three["later"].pk
    ]
    assert len(_listed(worker.get(url, {"gemeente": "GM0106"}).content.decode())) == 3


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"status": "toegekend"},
            "Filter status: 'toegekend' is geen status van een openstaande melding",
        ),
        ({"termijn": "gisteren"}, "Filter termijn: 'gisteren' bestaat niet"),
        ({"gemeente": "GM0114"}, "Filter gemeente: 'GM0114' is niet de verantwoordelijke gemeente"),
        ({"medewerker": "99999"}, "Filter medewerker: aan '99999' is geen openstaande melding"),
        ({"sorteer": "naam"}, "Sorteren op 'naam' kan niet"),
    ],
)
def test_a_filter_that_cannot_apply_says_why(worker, three, query, message):
    response = worker.get(reverse("web:worklist"), query)
    page = response.content.decode()
    assert response.status_code == 200
    alerts = [a.text_content() for a in lxml.html.fromstring(page).cssselect(".alert--warning")]
    assert len(alerts) == 1 and alerts[0].startswith(message)
    assert "niet toegepast" in alerts[0] or "De lijst staat op termijn" in alerts[0]
    assert len(_listed(page)) == 3  # the rest of the list is still there, unfiltered


def test_sort_headers_say_how_the_list_is_sorted(worker, three):
    url = reverse("web:worklist")
    tree = lxml.html.fromstring(worker.get(url).content.decode())
    sorted_th = tree.xpath("//th[@aria-sort]")
    assert [(th.text_content().split()[0], th.get("aria-sort")) for th in sorted_th] == [
        ("Termijn", "ascending")
    ]
    link = sorted_th[0].cssselect("a")[0]
    assert "sorteer=-termijn" in link.get("href") and "sorteer aflopend" in link.text_content()
    assert _listed(worker.get(url).content.decode()) == [
        three["overdue"].pk,
        three["soon"].pk,
        three["later"].pk,
    ]
    newest_first = worker.get(url, {"sorteer": "-termijn"}).content.decode()
    assert _listed(newest_first) == [three["later"].pk, three["soon"].pk, three["overdue"].pk]
    assert (
        lxml.html.fromstring(newest_first).xpath("//th[@aria-sort]")[0].get("aria-sort")
        == "descending"
    )
    by_date = _listed(worker.get(url, {"sorteer": "gemeld", "termijn": "te_laat"}).content.decode())
    assert by_date == [three["overdue"].pk]  # sorting and filters combine


def test_filters_survive_sorting_and_paging_links(worker, three):
    page = worker.get(reverse("web:worklist"), {"termijn": "te_laat"}).content.decode()
    tree = lxml.html.fromstring(page)
    for link in tree.cssselect("th a.sort-link"):
        assert "termijn=te_laat" in link.get("href")
    (excel,) = [a for a in tree.cssselect("a") if a.text_content().strip() == "Download als Excel"]
    assert excel.get("href") == reverse("web:worklist_excel") + "?termijn=te_laat"


# --- assignment --------------------------------------------------------------------------------


@pytest.fixture
def colleague(region_setup):
    return make_user("toegang.assen2", Role.TOEGANGSMEDEWERKER, region_setup.org["assen"])


def test_assign_to_a_colleague_and_filter_on_it(worker, region_setup, three, colleague):
    melding = three["overdue"]
    detail = worker.get(reverse("toegang:detail", args=[melding.pk])).content.decode()
    assert "Nog aan niemand toegewezen" in detail and "Mij toewijzen" in detail
    response = worker.post(
        reverse("toegang:assign", args=[melding.pk]), {"assigned_to": colleague.pk, "expected": ""}
    )
    assert response.status_code == 302
    melding.refresh_from_db()
    assert melding.assigned_to == colleague
    assert Assignment.objects.filter(melding=melding, assigned_to=colleague).count() == 1
    listed = _listed(
        worker.get(reverse("web:worklist"), {"medewerker": str(colleague.pk)}).content.decode()
    )
    assert listed == [melding.pk]
    assert _listed(
        worker.get(reverse("web:worklist"), {"medewerker": "niemand"}).content.decode()
    ) == [three["soon"].pk, three["later"].pk]
    # "Mij toewijzen", with the page showing the colleague as assigned.
    worker.post(
        reverse("toegang:assign", args=[melding.pk]),
        {"assigned_to": region_setup.users["toegang_assen"].pk, "expected": colleague.pk},
    )
    melding.refresh_from_db()
    assert melding.assigned_to == region_setup.users["toegang_assen"]
    assert _listed(worker.get(reverse("web:worklist"), {"medewerker": "ik"}).content.decode()) == [
        melding.pk
    ]
    assert Assignment.objects.filter(melding=melding).count() == 2  # appended, never edited


def test_a_stale_assignment_form_changes_nothing(worker, region_setup, three, colleague):
    melding = three["overdue"]
    url = reverse("toegang:assign", args=[melding.pk])
    worker.post(url, {"assigned_to": colleague.pk, "expected": ""})
    response = worker.post(url, {"assigned_to": "", "expected": ""}, follow=True)  # page was old
    assert "Iemand anders heeft de toewijzing" in response.content.decode()
    melding.refresh_from_db()
    assert melding.assigned_to == colleague and melding.assignments.count() == 1


def test_only_a_colleague_who_may_act_can_be_assigned(worker, region_setup, three):
    melding = three["overdue"]
    url = reverse("toegang:assign", args=[melding.pk])
    outsiders = [
        region_setup.users["toegang_emmen"],  # another municipality
        region_setup.users["beleid"],  # same organisation, no right to process meldingen
        region_setup.users["toegang_mandaat"],  # another organisation
    ]
    for outsider in outsiders:
        response = worker.post(url, {"assigned_to": outsider.pk, "expected": ""}, follow=True)
        assert "staat niet in de lijst" in response.content.decode(), outsider
    melding.refresh_from_db()
    assert melding.assigned_to is None and not melding.assignments.exists()
    detail = worker.get(reverse("toegang:detail", args=[melding.pk])).content.decode()
    options = lxml.html.fromstring(detail).cssselect("#id_assigned_to option")
    assert {o.text_content() for o in options} == {
        "niemand (toewijzing opheffen)",
        region_setup.users["toegang_assen"].get_full_name(),
    }


def test_assigning_a_melding_out_of_sight_is_a_404(client, region_setup, three):
    client.force_login(region_setup.users["toegang_emmen"])
    melding = three["overdue"]
    url = reverse("toegang:assign", args=[melding.pk])
    me = region_setup.users["toegang_emmen"].pk
    assert client.post(url, {"assigned_to": me, "expected": ""}).status_code == 404
    client.force_login(region_setup.users["opvang"])
    assert client.post(url, {"assigned_to": me, "expected": ""}).status_code == 403
    melding.refresh_from_db()
    assert melding.assigned_to is None


# --- the Excel download ------------------------------------------------------------------------


def test_excel_download_states_what_it_holds_and_logs_every_client(worker, region_setup, three):
    worker.get(reverse("web:worklist"))  # (the page logs only what it shows)
    before = AccessLogEntry.objects.count()
    response = worker.get(
        reverse("web:worklist_excel"), {"termijn": "te_laat", "sorteer": "-gemeld"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="bwmo-werkvoorraad-')
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["Over dit bestand", "Werkvoorraad"]
    about = dict(book["Over dit bestand"].iter_rows(min_row=2, values_only=True))
    assert about["Titel"] == "Werkvoorraad: openstaande meldingen"
    assert about["Filter: Selectie"] == "termijn: te laat"
    assert about["Sortering"] == "datum melding, aflopend"
    assert about["Organisatie"] == "Gemeente Assen"
    assert about["Gemaakt op"].startswith(timezone.localdate().strftime("%d-%m-%Y"))
    assert about["Aantal meldingen"] == 1
    rows = list(book["Werkvoorraad"].iter_rows(values_only=True))
    assert rows[0][:5] == ("Dossiernummer", "Cliënt", "Domein", "Status", "Volgende stap")
    (row,) = rows[1:]
    person = three["overdue"].client
    assert row[0] == person.short_pseudonym and row[1] == person.full_name
    assert row[4] == "Onderzoek starten" and row[6] == 18
    logged = AccessLogEntry.objects.order_by("pk")[before:]
    assert [(e.client_id, e.what) for e in logged] == [(person.pk, "werkvoorraad: Excel-download")]


def test_excel_download_writes_text_as_text(worker, region_setup):
    person = client_with_melding(region_setup)
    Client.objects.filter(pk=person.pk).update(given_names='=HYPERLINK("x")')
    person.refresh_from_db()
    response = worker.get(reverse("web:worklist_excel"))
    sheet = load_workbook(BytesIO(response.content))["Werkvoorraad"]
    cell = sheet.cell(row=2, column=2)
    assert cell.value == person.full_name and cell.value.startswith("=")
    assert cell.data_type == "s" and cell.quotePrefix


def test_excel_download_names_the_filters_it_could_not_apply(worker, three):
    response = worker.get(reverse("web:worklist_excel"), {"gemeente": "GM9999"})
    about = list(
        load_workbook(BytesIO(response.content))["Over dit bestand"].iter_rows(values_only=True)
    )
    refused = [value for key, value in about if key == "Filter niet toegepast"]
    assert len(refused) == 1 and "GM9999" in refused[0]


def test_excel_names_the_colleague_filtered_on(worker, region_setup, three, colleague):
    me = region_setup.users["toegang_assen"]
    for person, melding in ((colleague, three["overdue"]), (me, three["soon"])):
        toegang_services.melding_assign(
            melding=melding, assignee=person, user=me, expected_assignee_id=None
        )
    for value, name in (
        (str(colleague.pk), colleague.get_full_name()),
        (str(me.pk), me.get_full_name()),
        ("ik", me.get_full_name()),
        ("niemand", "aan niemand toegewezen"),
    ):
        response = worker.get(reverse("web:worklist_excel"), {"medewerker": value})
        about = dict(
            load_workbook(BytesIO(response.content))["Over dit bestand"].iter_rows(
                min_row=2, values_only=True
            )
        )
        assert about["Filter: Selectie"] == f"medewerker: {name}", value
        assert about["Aantal meldingen"] == 1, value
