"""Every URL × every role × own / other municipality.

A URL pattern that is not in ``MATRIX`` (or, for the admin, not covered by the staff-only
rule) makes ``test_every_url_is_in_the_matrix`` fail: a new screen cannot ship unchecked.

The three clients: ``assen_bw`` (BW, Assen responsible, indication at Stichting Testhuis),
``emmen_bw`` (BW, Emmen responsible, indication at another provider) and ``assen_mo``
(MO intake by the opvanginstelling under Assen's mandate).
"""

from datetime import date

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from bwmo.care import services as care_services
from bwmo.care.models import Contract, Indication, Stay
from bwmo.clients.models import Client
from bwmo.messaging.models import (
    Allocation,
    AllocationRequest,
    Declaration,
    DeclarationLine,
    Direction,
    Message,
    MessageStatus,
)
from bwmo.woonplaats import services as woonplaats_services
from bwmo.woonplaats.models import Dispute
from tests.factories import granted_client, mo_client

ROLES = [
    "anon",
    "toegang_assen",
    "toegang_emmen",
    "opvang",
    "aanbieder",
    "beleid",
    "controller",
    "contract",
    "beheer",
    "auditor",
]
CLIENTS = ["assen_bw", "emmen_bw", "assen_mo"]
NO_PERSONAL_DATA = ["beleid", "controller", "contract", "beheer", "auditor"]


def everyone(status, **overrides):
    return {role: overrides.get(role, status) for role in ROLES}


def per_client(default, **overrides):
    """Expected status per client (a tuple in CLIENTS order) for every role."""
    table = {role: (default,) * len(CLIENTS) for role in ROLES}
    table["anon"] = (302,) * len(CLIENTS)
    table.update(overrides)
    return table


FORBIDDEN = (403, 403, 403)
ASSEN_SIDE = (200, 404, 200)  # toegang Assen: its own BW and MO clients, not Emmen's
EMMEN_SIDE = (404, 200, 404)
OPVANG_SIDE = (404, 404, 200)

MATRIX = {
    # url name: (kwargs kind, expected)
    "login": (None, everyone(302, anon=200)),
    "logout": (None, everyone(405)),
    # Without an authenticator app the code step sends everyone on (tests/accounts/
    # test_two_factor.py covers the step and the enforcement for beheer and auditor).
    "login_code": (None, everyone(302)),
    "two_factor": (None, everyone(200, anon=302)),
    "password_reset": (None, everyone(200)),
    "password_reset_done": (None, everyone(200)),
    "password_reset_confirm": ("reset_link", per_client(200, anon=(200, 200, 200))),
    "password_reset_complete": (None, everyone(200)),
    # Single sign-on is off in the test settings: both are a 404 (tests/accounts/test_sso.py
    # runs them against a real identity provider).
    "sso_start": (None, everyone(404)),
    "sso_callback": (None, everyone(404)),
    "set_language": (None, everyone(302)),
    "admin_login_redirect": (None, everyone(403, anon=302, beheer=302)),
    "web:home": (None, everyone(200, anon=302, beleid=302)),  # policy users land on the monitor
    "monitor:dashboard": (None, everyone(403, anon=302, beleid=200, controller=200)),
    "monitor:council_report": (None, everyone(403, anon=302, beleid=200, controller=200)),
    "monitor:national": (None, everyone(403, anon=302, beleid=200, controller=200)),
    "web:worklist": (
        None,
        everyone(403, anon=302, toegang_assen=200, toegang_emmen=200, opvang=200),
    ),
    "clients:search": (
        None,
        everyone(403, anon=302, toegang_assen=200, toegang_emmen=200, opvang=200, aanbieder=200),
    ),
    "clients:register": (
        None,
        everyone(403, anon=302, toegang_assen=200, toegang_emmen=200, opvang=200),
    ),
    "clients:register_provisional": (
        None,
        everyone(403, anon=302, toegang_assen=200, toegang_emmen=200, opvang=200),
    ),
    # Only for a provisional identity: a client with BSN gets 403 where it is in sight (the
    # provisional client's own matrix is in tests/clients/test_provisional.py).
    "clients:merge": (
        "client",
        per_client(
            403,
            toegang_assen=(403, 404, 403),
            toegang_emmen=(404, 403, 404),
            opvang=(404, 404, 403),
        ),
    ),
    "audit:search": (None, everyone(403, anon=302, auditor=200)),
    "audit:verify": (None, everyone(403, anon=302, auditor=405)),  # POST only
    "audit:download": (None, everyone(403, anon=302, auditor=405)),  # POST only (BSN in body)
    "finance:overview": (None, everyone(403, anon=302, controller=200)),
    "forecast:index": (None, everyone(403, anon=302, beleid=200, controller=200)),
    "forecast:compare": (None, everyone(403, anon=302, beleid=200, controller=200)),
    "forecast:detail": ("forecast_run", per_client(403, beleid=(200,) * 3, controller=(200,) * 3)),
    "forecast:status": ("forecast_run", per_client(403, beleid=(200,) * 3, controller=(200,) * 3)),
    "forecast:excel": ("forecast_run", per_client(403, beleid=(200,) * 3, controller=(200,) * 3)),
    "finance:parameters": (None, everyone(403, anon=302, controller=200)),
    "clients:detail": (
        "client",
        per_client(
            403,
            toegang_assen=ASSEN_SIDE,
            toegang_emmen=EMMEN_SIDE,
            opvang=OPVANG_SIDE,
            aanbieder=(200, 404, 404),
        ),
    ),
    "clients:edit": ("client", per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE)),
    "clients:brp_add": (
        "client",
        per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE, opvang=OPVANG_SIDE),
    ),
    "toegang:register": (
        "client",
        per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE),
    ),
    "toegang:mo_intake": ("client", per_client(403, opvang=OPVANG_SIDE)),
    "toegang:detail": (
        "melding",
        per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE, opvang=OPVANG_SIDE),
    ),
    "toegang:step": (
        "melding_step",
        per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE),
    ),
    "care:stay_start": (
        "indication",
        per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE, opvang=OPVANG_SIDE),
    ),
    "care:stay_end": (
        "stay",
        per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE, opvang=OPVANG_SIDE),
    ),
    "woonplaats:dispute_add": (
        "melding",
        per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE),
    ),
    "woonplaats:dispute_update": (
        "dispute",
        per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE),
    ),
    "care:wlz_add": ("client", per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE)),
    "care:indication_change": (
        "indication",
        per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE),
    ),
    # iWmo traffic: the contract manager of region Assen sees Assen's messages, not Emmen's.
    "messaging:inbox": (None, everyone(403, anon=302, contract=200)),
    "messaging:declarations": (None, everyone(403, anon=302, contract=200)),
    "messaging:upload": (None, everyone(403, anon=302, contract=405)),
    "messaging:export": (None, everyone(403, anon=302, contract=405)),
    "messaging:detail": ("message", per_client(403, contract=ASSEN_SIDE)),
    # The XML holds BSNs and names: not for the contract manager, who sees no personal data.
    "messaging:download": ("message", per_client(403, contract=(403, 404, 403))),
    "messaging:declaration_month": ("declaration", per_client(403, contract=ASSEN_SIDE)),
    "messaging:request": (
        "request",
        per_client(403, toegang_assen=ASSEN_SIDE, toegang_emmen=EMMEN_SIDE),
    ),
    # The work list as a workbook: the same people as the work list (it holds only their
    # own scope; tests/web/test_worklist.py checks the contents).
    "web:worklist_excel": (
        None,
        everyone(403, anon=302, toegang_assen=200, toegang_emmen=200, opvang=200),
    ),
    # Assigning is a POST: a GET from someone who may act on the melding gets 405, everyone
    # else the same 404/403 as for the melding's steps (access is decided first).
    "toegang:assign": (
        "melding",
        per_client(403, toegang_assen=(405, 404, 405), toegang_emmen=(404, 405, 404)),
    ),
    # Capacity against demand and contract terms: aggregates for the contract manager (and
    # the functioneel beheerder, who keeps the contracts), of their own region only.
    "care:occupancy": (None, everyone(403, anon=302, contract=200, beheer=200)),
    "care:contracts": (None, everyone(403, anon=302, contract=200, beheer=200)),
    "care:contract_detail": (
        "contract",
        per_client(403, contract=(200, 404, 200), beheer=(200, 404, 200)),
    ),
    # The provider portal: only a provider's users (the opvanginstelling is the provider of
    # the MO client), and of their own clients and messages only.
    "portaal:allocations": (None, everyone(403, anon=302, aanbieder=200, opvang=200)),
    "portaal:allocation": (
        "allocation",
        per_client(403, aanbieder=(200, 404, 404), opvang=OPVANG_SIDE),
    ),
    "portaal:clients": (None, everyone(403, anon=302, aanbieder=200, opvang=200)),
    "portaal:request": ("client", per_client(403, aanbieder=(200, 404, 404), opvang=OPVANG_SIDE)),
    "portaal:new_client_request": (None, everyone(403, anon=302, aanbieder=200, opvang=200)),
    "portaal:declarations": (None, everyone(403, anon=302, aanbieder=200, opvang=200)),
    "portaal:answers": (None, everyone(403, anon=302, aanbieder=200, opvang=200)),
    "portaal:answer": ("inbound", per_client(403, aanbieder=(200, 404, 404), opvang=OPVANG_SIDE)),
}


def all_url_names():
    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}", pattern

    return dict(walk(get_resolver().url_patterns))


def test_every_url_is_in_the_matrix():
    missing = [
        name
        for name in all_url_names()
        if name not in MATRIX
        and not name.startswith("admin:")
        # The API's endpoints have their own matrix (scopes, not roles): tests/api/.
        and not name.startswith("api:")
    ]
    assert not missing, f"URL patterns without access expectations: {missing}"


def test_no_unnamed_url_patterns():
    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    yield from walk(pattern.url_patterns)
            elif not pattern.name:
                yield str(pattern.pattern)

    assert list(walk(get_resolver().url_patterns)) == []


def test_personal_data_is_not_in_the_admin():
    registered = {model._meta.label for model in admin.site._registry}
    for label in [
        "clients.Client",
        "clients.BrpRegistration",
        "toegang.Melding",
        "care.Indication",
        "care.Stay",
        "audit.AccessLogEntry",
    ]:
        assert label not in registered


@pytest.fixture
def world(region_setup):
    today = timezone.localdate()
    assen_bw = granted_client(region_setup, municipality="GM0106")
    emmen_bw = granted_client(
        region_setup, municipality="GM0114", provider=region_setup.other_provider
    )
    # Emmen's case is registered by Emmen's organisation.
    emmen_bw.meldingen.update(organisation=region_setup.org["emmen"])
    assen_mo = mo_client(region_setup, days_ago=3)
    # Each stays in its own municipality: the Assen side must not see the Emmen client as a
    # stay municipality.
    for client, location in ((assen_bw, region_setup.assen), (emmen_bw, region_setup.emmen)):
        indication = Indication.objects.get(client=client)
        care_services.stay_start(
            indication=indication, location=location, start=indication.valid_from
        )
    for client, other in (
        (assen_bw, region_setup.tynaarlo),
        (emmen_bw, region_setup.assen),
        (assen_mo, region_setup.tynaarlo),
    ):
        melding = client.meldingen.get()
        woonplaats_services.dispute_record(
            melding=melding,
            claimant=melding.responsible_municipality,
            respondent=other,
            opened_on=today,
        )
    # Their WMO301s went out (their content stands in for the file: the matrix needs no XSD);
    # each provider declared a month and sent a request.
    Message.objects.filter(status=MessageStatus.PENDING).update(
        status=MessageStatus.SENT, content="<Bericht/>"
    )
    Allocation.objects.update(needs_sending=False)
    for client in (assen_bw, emmen_bw, assen_mo):
        indication = Indication.objects.get(client=client)
        inbound = Message.objects.create(
            direction=Direction.IN,
            message_type="WMO323",
            status=MessageStatus.ACCEPTED,
            municipality=indication.responsible_municipality,
            provider=indication.provider,
            client=client,
            sender=indication.provider.agb_code,
        )
        declaration = Declaration.objects.create(
            message=inbound,
            municipality=indication.responsible_municipality,
            provider=indication.provider,
            number=f"D{client.pk}",
            period_start=today.replace(day=1),
            period_end=today,
            submitted_cents=1000,
            approved_cents=1000,
        )
        DeclarationLine.objects.create(
            declaration=declaration,
            client=client,
            allocation_number=indication.pk,
            reference=f"R{client.pk}",
            category="15",
            product_code="BW001",
            period_start=today.replace(day=1),
            period_end=today,
            volume=1,
            unit="14",
            amount_cents=1000,
            approved=True,
        )
        AllocationRequest.objects.create(
            message=inbound,
            kind="315",
            bsn=client.bsn,
            client=client,
            municipality=indication.responsible_municipality,
            provider=indication.provider,
            reference=f"V{client.pk}",
            received_on=today,
        )
    return {"assen_bw": assen_bw, "emmen_bw": emmen_bw, "assen_mo": assen_mo}


def kwargs_for(kind, client: Client):
    if kind == "reset_link":  # a link that does not work: the page says so, to everyone
        return {"uidb64": "MQ", "token": "ongeldig-ongeldig"}
    if kind == "client":
        return {"pseudonym": client.pseudonym}
    if kind == "melding":
        return {"pk": client.meldingen.get().pk}
    if kind == "melding_step":
        return {"pk": client.meldingen.get().pk, "step": "intrekken"}
    if kind == "indication":
        return {"pk": Indication.objects.filter(client=client).first().pk}
    if kind == "dispute":
        return {"pk": Dispute.objects.filter(melding__client=client).first().pk}
    if kind == "message":
        return {"pk": Message.objects.filter(client=client, message_type="WMO301").first().pk}
    if kind == "declaration":
        line = DeclarationLine.objects.filter(client=client).select_related("declaration").first()
        month = line.declaration.period_start.strftime("%Y-%m")
        return {"provider_id": line.declaration.provider_id, "month": month}
    if kind == "request":
        return {"pk": AllocationRequest.objects.filter(client=client).first().pk}
    if kind == "allocation":
        return {"number": Allocation.objects.get(client=client).number}
    if kind == "inbound":
        return {"pk": Message.objects.get(client=client, direction=Direction.IN).pk}
    if kind == "stay":
        return {"pk": Stay.objects.filter(client=client).first().pk}
    if kind == "contract":
        # The contract of the client's provider in the responsible municipality's region.
        indication = Indication.objects.select_related("provider").filter(client=client).first()
        region = indication.responsible_municipality.regions.get()
        contract, _ = Contract.objects.get_or_create(
            provider=indication.provider,
            region=region,
            defaults={
                "reference": f"M-{indication.provider.agb_code}-{region.pk}",
                "valid_from": date(2021, 1, 1),
                "valid_to": date(2026, 12, 31),
            },
        )
        return {"pk": contract.pk}
    if kind == "forecast_run":
        return {"pk": _forecast_run().pk}
    raise AssertionError(kind)


def _forecast_run():
    """A finished forecast of Centrumregio Assen (the same one for every client)."""
    from bwmo.forecast.models import ForecastRun
    from bwmo.organisations.models import Region

    region = Region.objects.get(centrumgemeente_id="GM0106")
    return ForecastRun.objects.filter(region=region).first() or ForecastRun.objects.create(
        region=region,
        cutoff=timezone.localdate().replace(day=1),
        years=1,
        runs=10,
        seed=0,
        code_version="test",
        inputs=b"",
        inputs_digest="",
        status=ForecastRun.Status.DONE,
        results={"forecast": [], "history": [], "budget": [], "products": []},
    )


@pytest.mark.django_db
def test_access_matrix(client, world, region_setup):
    failures = []
    for role in ROLES:
        client.logout()
        if role != "anon":
            client.force_login(
                region_setup.users[{"toegang_assen": "toegang_assen"}.get(role, role)]
            )
        for name, (kind, expected) in MATRIX.items():
            if kind is None:
                response = client.get(reverse(name))
                if response.status_code != expected[role]:
                    failures.append(
                        f"{role} GET {name}: {response.status_code}, expected {expected[role]}"
                    )
                continue
            for which, want in zip(CLIENTS, expected[role], strict=True):
                target = world[which]
                response = client.get(reverse(name, kwargs=kwargs_for(kind, target)))
                if response.status_code != want:
                    failures.append(
                        f"{role} GET {name} [{which}]: {response.status_code}, expected {want}"
                    )
                if response.status_code in (403, 404):
                    # Refusals never hint at who the client is.
                    page = response.content.decode()
                    assert target.surname not in page and target.bsn not in page
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_admin_is_staff_only(client, region_setup):
    names = all_url_names()
    admin_names = [n for n in names if n.startswith("admin:")]
    assert "admin:index" in admin_names
    for role in ROLES:
        client.logout()
        if role != "anon":
            client.force_login(region_setup.users[role])
        response = client.get(reverse("admin:index"))
        if role == "beheer":
            assert response.status_code == 200
        else:
            assert response.status_code == 302, role
            assert "/beheer/login/" in response["Location"]
    # Every admin page refuses non-staff the same way (pages with an object id included).
    client.force_login(region_setup.users["toegang_assen"])
    for name in admin_names:
        pattern = names[name]
        kwargs = dict.fromkeys(pattern.pattern.converters, "1")
        if "app_label" in kwargs:
            kwargs["app_label"] = "organisations"
        if name in ("admin:login", "admin:logout"):
            continue  # login is our own login page (a redirect); logout is POST-only
        try:
            url = reverse(name, kwargs=kwargs)
        except Exception:  # noqa: S112 — patterns with regex groups (e.g. object_id)
            continue
        response = client.get(url)
        assert response.status_code in (302, 404), (name, response.status_code)


# Editing a user in beheer, per role: its own account, a colleague without roles and a
# superuser (GET of the change page), and the escalation drill on its own account (POST
# ``is_superuser``, the role Toegangsmedewerker and Gemeente Assen), which must change nothing.
USER_EDIT = {
    role: {"self": 302, "colleague": 302, "superuser": 302}
    for role in ROLES
    if role not in ("anon", "beheer")
}
USER_EDIT["beheer"] = {"self": 200, "colleague": 200, "superuser": 200}  # superuser: read-only


@pytest.mark.django_db
def test_edit_a_user_matrix(client, region_setup):
    from django.contrib.auth.models import Group

    from bwmo.accounts.models import User
    from bwmo.accounts.roles import Role
    from bwmo.accounts.selectors import user_rights
    from tests.factories import UserFactory

    targets = {
        "colleague": UserFactory(username="collega"),
        "superuser": User.objects.create_superuser("super", password="super-wachtwoord-1"),
    }
    failures = []
    for role, expected in USER_EDIT.items():
        me = region_setup.users[role]
        client.logout()
        client.force_login(me)
        for which, want in expected.items():
            target = me if which == "self" else targets[which]
            url = reverse("admin:accounts_user_change", args=[target.pk])
            status = client.get(url).status_code
            if status != want:
                failures.append(f"{role} GET edit {which}: {status}, expected {want}")
        before = user_rights(user=me)
        client.post(
            reverse("admin:accounts_user_change", args=[me.pk]),
            {
                "username": me.username,
                "is_active": "on",
                "is_staff": "on",
                "is_superuser": "on",
                "groups": [Group.objects.get(name=Role.TOEGANGSMEDEWERKER).pk],
                "organisations": [region_setup.org["assen"].pk],
                "date_joined_0": me.date_joined.strftime("%Y-%m-%d"),
                "date_joined_1": me.date_joined.strftime("%H:%M:%S"),
                "_save": "Opslaan",
            },
        )
        me.refresh_from_db()
        if user_rights(user=me) != before:
            failures.append(f"{role} raised its own rights")
        if client.get(reverse("clients:search")).status_code == 200 and role in NO_PERSONAL_DATA:
            failures.append(f"{role} reached the client search after editing itself")
    assert not failures, "\n".join(failures)


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# What a GET may write: the access log (and its chain head), and the session, whose expiry
# moves on with every request (SESSION_SAVE_EVERY_REQUEST: the 30-minute timeout).
GET_MAY_WRITE = ('"audit_', "audit_", '"django_session"', "django_session")


@pytest.mark.django_db
def test_no_get_writes_anything_but_the_access_log(client, world, region_setup):
    """Every GET in the matrix, for the roles that reach client screens, writes nothing but
    the access log. The Assen client's provider request came in before the client was
    registered: opening it must not link it (that happens when the client is registered)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = []
    for name, (kind, _expected) in MATRIX.items():
        if kind is None:
            urls.append(reverse(name))
        else:
            urls += [reverse(name, kwargs=kwargs_for(kind, world[w])) for w in CLIENTS]
    unlinked = AllocationRequest.objects.filter(client=world["assen_bw"])
    unlinked_pks = list(unlinked.values_list("pk", flat=True))
    unlinked.update(client=None)
    found = []
    for role in ["toegang_assen", "toegang_emmen", "opvang", "aanbieder", "contract", "auditor"]:
        client.force_login(region_setup.users[role])
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            for query in queries.captured_queries:
                sql = query["sql"].lstrip()
                if sql.upper().startswith(WRITES) and not any(t in sql for t in GET_MAY_WRITE):
                    found.append(f"{role} GET {url}: {sql[:120]}")
    assert not found, "\n".join(found)
    assert not AllocationRequest.objects.filter(pk__in=unlinked_pks, client__isnull=False).exists()
