"""Every main page of every role, checked by axe-core at 1280 and at 390 px.

A page passes with no critical and no serious WCAG 2.1 A/AA violation and no sideways
scrolling of the whole page on a phone. Each test visits all pages of one role and then fails
with the complete list, so one run shows everything that is wrong.
"""

import pytest
from playwright.sync_api import Page

from bwmo.care.models import Indication
from bwmo.messaging.models import Message
from tests import factories

from .conftest import axe_violations, login, url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def check_pages(page: Page, live_server, pages: list[tuple[str, str]]) -> None:
    problems = []
    for name, path in pages:
        response = page.goto(live_server.url + path)
        assert response is not None and response.ok, f"{name}: HTTP {response and response.status}"
        found = axe_violations(page, name)
        print(f"axe {name}: {len(found)} critical/serious")
        problems += found
    assert not problems, "accessibility problems:\n" + "\n".join(problems)


def test_login_page(a11y_page: Page, live_server, region_setup):
    check_pages(a11y_page, live_server, [("login", rel(live_server, "login"))])


def rel(live_server, name, *args, **kwargs) -> str:
    return url(live_server, name, *args, **kwargs)[len(live_server.url) :]


def test_access_worker_pages(a11y_page: Page, live_server, region_setup):
    client = factories.granted_client(region_setup)
    open_client = factories.client_with_melding(region_setup)
    melding = open_client.meldingen.get()
    indication = Indication.objects.get(client=client)
    login(a11y_page, live_server, "toegang.assen")
    r = lambda *a, **k: rel(live_server, *a, **k)  # noqa: E731
    check_pages(
        a11y_page,
        live_server,
        [
            ("start", r("web:home")),
            ("client search", r("clients:search") + "?q=Jansen"),
            ("client register", r("clients:register")),
            ("dossier", r("clients:detail", client.pseudonym)),
            ("melding", r("toegang:detail", melding.pk)),
            ("melding granted", r("toegang:detail", client.meldingen.get().pk)),
            ("melding step onderzoek", r("toegang:step", melding.pk, "onderzoek")),
            ("melding register", r("toegang:register", open_client.pseudonym)),
            ("indication change", r("care:indication_change", indication.pk)),
            ("work list", r("web:worklist")),
            ("woonplaats dispute", r("woonplaats:dispute_add", melding.pk)),
        ],
    )


def test_shelter_worker_pages(a11y_page: Page, live_server, region_setup):
    client = factories.mo_client(region_setup)
    other = factories.register_client(region_setup, organisation_key="opvang")
    login(a11y_page, live_server, "opvang")
    r = lambda *a, **k: rel(live_server, *a, **k)  # noqa: E731
    check_pages(
        a11y_page,
        live_server,
        [
            ("start opvang", r("web:home")),
            ("MO intake", r("toegang:mo_intake", other.pseudonym)),
            ("dossier MO", r("clients:detail", client.pseudonym)),
            ("melding MO", r("toegang:detail", client.meldingen.get().pk)),
            ("register provisional", r("clients:register_provisional")),
        ],
    )


def test_policy_and_finance_pages(a11y_page: Page, live_server, region_setup):
    factories.granted_client(region_setup)
    factories.mo_client(region_setup)
    login(a11y_page, live_server, "beleid")
    r = lambda *a, **k: rel(live_server, *a, **k)  # noqa: E731
    problems = []
    check = [("monitor", r("monitor:dashboard")), ("council report", r("monitor:council_report"))]
    try:
        check_pages(a11y_page, live_server, check)
    except AssertionError as error:
        problems.append(str(error))
    a11y_page.context.clear_cookies()
    login(a11y_page, live_server, "controller")
    try:
        check_pages(
            a11y_page,
            live_server,
            [("finance", r("finance:overview")), ("finance parameters", r("finance:parameters"))],
        )
    except AssertionError as error:
        problems.append(str(error))
    assert not problems, "\n".join(problems)


def test_contract_manager_and_auditor_pages(a11y_page: Page, live_server, region_setup):
    factories.granted_client(region_setup)
    login(a11y_page, live_server, "contract")
    r = lambda *a, **k: rel(live_server, *a, **k)  # noqa: E731
    pages = [
        ("messages inbox", r("messaging:inbox")),
        ("declarations", r("messaging:declarations")),
    ]
    message = Message.objects.order_by("pk").first()
    if message is not None:
        pages.append(("message detail", r("messaging:detail", message.pk)))
    problems = []
    try:
        check_pages(a11y_page, live_server, pages)
    except AssertionError as error:
        problems.append(str(error))
    a11y_page.context.clear_cookies()
    login(a11y_page, live_server, "auditor")
    try:
        check_pages(a11y_page, live_server, [("access log", r("audit:search"))])
    except AssertionError as error:
        problems.append(str(error))
    assert not problems, "\n".join(problems)
