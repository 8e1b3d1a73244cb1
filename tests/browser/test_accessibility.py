"""Every main page of every role, the beheer screens included, checked by axe-core at 1280
and at 390 px.

A page passes with no critical and no serious WCAG 2.1 A/AA or best-practice violation, no
moderate one that ``docs/accessibility.md`` does not list with its reason, and no sideways
scrolling of the whole page on a phone. Each test visits all pages of one role and then fails
with the complete list, so one run shows everything that is wrong.
"""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page

from bwmo.accounts.models import User
from bwmo.care import services as care_services
from bwmo.care.models import Contract, Indication
from bwmo.clients import services as client_services
from bwmo.clients.models import BrpKind
from bwmo.iwmo import aanbieder
from bwmo.iwmo import model as m
from bwmo.messaging import exchange
from bwmo.messaging.models import AllocationRequest, Message
from tests import factories
from tests.messaging.conftest import client_basis

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
        print(f"axe {name}: {len(found)} failing")
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


def _request_from_provider(client, tmp_path) -> AllocationRequest:
    """A provider's WMO315 for ``client``, read in: the access worker's request page."""
    day = timezone.localdate()
    path = tmp_path / "verzoek.xml"
    path.write_bytes(
        aanbieder.build_wmo315(
            afzender="73000002",
            ontvanger="0106",
            identificatie="V200",
            dagtekening=day,
            client=client_basis(client),
            aangevraagde_producten=[
                m.AangevraagdProduct(
                    referentie_aanbieder="VOT200",
                    toewijzing_ingangsdatum=day + timedelta(days=14),
                    toewijzing_einddatum=day + timedelta(days=200),
                    verwijzer=m.Verwijzer("01", naam="Huisarts"),
                    product=m.Product("15", "BW001"),
                    omvang=m.Omvang(7, "14", "2"),
                )
            ],
            xsd_dir=settings.BWMO_IWMO_XSD_DIR,
        )
    )
    exchange.import_file(path, today=day)
    return AllocationRequest.objects.get()


@pytest.mark.iwmo_standard
def test_access_worker_client_care_and_request_pages(
    a11y_page: Page, live_server, region_setup, tmp_path
):
    client = factories.granted_client(region_setup)
    indication = Indication.objects.get(client=client)
    staying = factories.granted_client(region_setup)
    stay = care_services.stay_start(
        indication=Indication.objects.get(client=staying),
        location=region_setup.assen,
        start=timezone.localdate() - timedelta(days=3),
    )
    request = _request_from_provider(client, tmp_path)
    login(a11y_page, live_server, "toegang.assen")
    r = lambda *a, **k: rel(live_server, *a, **k)  # noqa: E731
    check_pages(
        a11y_page,
        live_server,
        [
            ("client edit", r("clients:edit", client.pseudonym)),
            ("BRP registration", r("clients:brp_add", client.pseudonym)),
            ("stay start", r("care:stay_start", indication.pk)),
            ("stay end", r("care:stay_end", stay.pk)),
            ("iWmo request", r("messaging:request", request.pk)),
        ],
    )


def test_shelter_worker_merge_page(a11y_page: Page, live_server, region_setup):
    provisional = client_services.client_register_provisional(
        given_names="Pim",
        birth_year=1980,
        identifying_notes="Noemt zich Pim, draagt een rode jas.",
        organisation=region_setup.org["opvang"],
        by=region_setup.users["opvang"],
        brp=[{"municipality": None, "kind": BrpKind.GEEN, "valid_from": date(2026, 1, 1)}],
    )
    login(a11y_page, live_server, "opvang")
    r = lambda *a, **k: rel(live_server, *a, **k)  # noqa: E731
    check_pages(
        a11y_page,
        live_server,
        [
            ("provisional dossier", r("clients:detail", provisional.pseudonym)),
            ("client merge", r("clients:merge", provisional.pseudonym)),
        ],
    )


def test_beheer_pages(a11y_page: Page, live_server, region_setup):
    contract = Contract.objects.filter(tariffs__isnull=False).first()
    user = User.objects.get(username="toegang.assen")
    group = Group.objects.order_by("pk").first()
    login(a11y_page, live_server, "beheer")
    r = lambda *a, **k: rel(live_server, *a, **k)  # noqa: E731
    check_pages(
        a11y_page,
        live_server,
        [
            ("beheer index", r("admin:index")),
            ("beheer users", r("admin:accounts_user_changelist")),
            ("beheer user", r("admin:accounts_user_change", user.pk)),
            ("beheer group", r("admin:auth_group_change", group.pk)),
            ("beheer providers", r("admin:organisations_provider_changelist")),
            ("beheer provider", r("admin:organisations_provider_change", region_setup.provider.pk)),
            ("beheer contracts", r("admin:care_contract_changelist")),
            ("beheer contract", r("admin:care_contract_change", contract.pk)),
            ("beheer contract new", r("admin:care_contract_add")),
        ],
    )
