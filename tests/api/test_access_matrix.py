"""Every API endpoint × every API client (organisation and scopes) × own / other municipality.

An endpoint of the URL resolver without a row in ``MATRIX`` makes
``test_every_api_endpoint_is_in_the_matrix`` fail: a new endpoint cannot ship unchecked.

The clients are those of the screens' matrix: ``assen_bw`` (BW, Assen responsible, ZIN at
Stichting Testhuis), ``emmen_bw`` (BW, Emmen responsible, ZIN at another provider) and
``assen_mo`` (MO intake by the opvanginstelling under Assen's mandate), and ``assen_ended``
(as ``assen_bw``, but its allocation to Stichting Testhuis ended yesterday while the
indication runs on: the provider no longer sees it). For a list, the
expectation is the set of clients whose data it returns (or the status when it is refused);
for one client's resource, the status per client. No response carries the BSN of a client the
caller may not see.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from bwmo.care import services as care_services
from bwmo.care.models import Indication
from bwmo.messaging.models import Allocation, Declaration, Direction, Message, MessageStatus
from bwmo.toegang.models import Melding
from tests.factories import granted_client, mo_client

from .conftest import API_CLIENTS

XSD_DIR = Path(django_settings.BWMO_IWMO_XSD_DIR)

CALLERS = ["anon", "bad_token", *API_CLIENTS]
CLIENTS = ["assen_bw", "emmen_bw", "assen_mo", "assen_ended"]

SEES = {
    "assen": {"assen_bw", "assen_mo", "assen_ended"},
    "emmen": {"emmen_bw"},
    # Stichting Testhuis: its current allocation; not assen_ended, whose allocation to it
    # ended yesterday while the indication still runs.
    "aanbieder": {"assen_bw"},
    "opvang": {"assen_mo"},  # the MO mandate of Assen
}
ACCESS_PROCESS = {**SEES, "aanbieder": set()}  # a provider sees no meldingen


def refused(status: int, **overrides):
    """Status for callers without the scope; the others as given."""
    table: dict = dict.fromkeys(CALLERS, status)
    table["anon"] = table["bad_token"] = 401
    table.update(overrides)
    return table


def by_scope(scope_holders: dict, default=403):
    return refused(default, **scope_holders)


def per_client(sees: dict):
    """For one client's resource: 200 where the caller sees the client, else 404."""
    return by_scope(
        {
            caller: tuple(200 if c in sees.get(caller, set()) else 404 for c in CLIENTS)
            for caller in ("assen", "emmen", "aanbieder", "opvang")
        },
        default=403,
    )


IWMO = dict.fromkeys(("assen", "emmen", "aanbieder", "opvang", "regio"), 200)
AGGREGATES = dict.fromkeys(
    ("assen", "emmen", "aanbieder", "opvang", "regio", "assen_aggregates"), 200
)
PUBLIC = dict.fromkeys(CALLERS, 200)

MATRIX = {
    # url name: (kind, expectation)
    "api:openapi_json": ("plain", PUBLIC),
    "api:openapi_yaml": ("plain", PUBLIC),
    "api:docs": ("plain", PUBLIC),
    "api:not_found": ("plain", dict.fromkeys(CALLERS, 404)),
    # The OAuth2 token endpoint takes a POST with client credentials (tests/api/test_oauth.py):
    # a GET is refused for everyone, whatever the token.
    "api:oauth_token": ("plain", dict.fromkeys(CALLERS, 405)),
    "api:clients": ("clients", by_scope(SEES)),
    "api:client": ("client", per_client(SEES)),
    "api:client_search": ("search", by_scope(SEES)),
    "api:meldingen": ("clients", by_scope(ACCESS_PROCESS)),
    "api:melding": ("melding", per_client(ACCESS_PROCESS)),
    "api:indications": ("clients", by_scope(SEES)),
    "api:stays": ("clients", by_scope(SEES)),
    "api:allocations": ("clients", by_scope(SEES)),
    "api:messages": ("plain", by_scope(IWMO)),
    # Assen's WMO301 for assen_bw: Assen's traffic, seen by Assen and by the region
    # (messaging.selectors); not by the opvanginstelling, whose MO mandate covers Assen's MO
    # clients only.
    "api:message": (
        "message",
        by_scope(
            {**IWMO, "assen": 200, "emmen": 404, "aanbieder": 404, "opvang": 404, "regio": 200}
        ),
    ),
    "api:declarations": ("plain", by_scope(IWMO)),
    "api:monitor_figures": ("monitor", by_scope(AGGREGATES)),
    # No budget parameters exist in the test region: found nowhere, refused where out of scope.
    "api:budgets": ("budget", by_scope(dict.fromkeys(AGGREGATES, 404))),
}


def api_url_names() -> dict[str, URLPattern]:
    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}", pattern

    return {k: v for k, v in walk(get_resolver().url_patterns) if k.startswith("api:")}


def test_every_api_endpoint_is_in_the_matrix():
    missing = sorted(set(api_url_names()) - set(MATRIX))
    assert not missing, f"API endpoints without access expectations: {missing}"
    assert not set(MATRIX) - set(api_url_names()), "rows for endpoints that are gone"


@pytest.fixture
def world(region_setup, callers):
    clients = {
        "assen_bw": granted_client(region_setup),
        "emmen_bw": granted_client(
            region_setup, municipality="GM0114", provider=region_setup.other_provider
        ),
        "assen_mo": mo_client(region_setup),
        "assen_ended": granted_client(region_setup),
    }
    yesterday = timezone.localdate() - timedelta(days=1)
    Allocation.objects.filter(client=clients["assen_ended"]).update(end=yesterday)
    # Emmen's case is registered by Emmen's organisation; each BW client stays in its own
    # municipality (so the Assen side does not see the Emmen client as a stay municipality).
    clients["emmen_bw"].meldingen.update(organisation=region_setup.org["emmen"])
    for name, location in (
        ("assen_bw", region_setup.assen),
        ("emmen_bw", region_setup.emmen),
        ("assen_ended", region_setup.assen),
    ):
        indication = Indication.objects.get(client=clients[name])
        care_services.stay_start(
            indication=indication, location=location, start=indication.valid_from
        )
    today = timezone.localdate()
    for client in clients.values():
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
        Declaration.objects.create(
            message=inbound,
            municipality=indication.responsible_municipality,
            provider=indication.provider,
            number=f"D{client.pk}",
            period_start=today.replace(day=1),
            period_end=today,
            submitted_cents=1000,
            approved_cents=1000,
        )
    return clients


def request(caller: str, callers, method: str, path: str, data=None):
    headers = {}
    if caller == "bad_token":
        headers["HTTP_AUTHORIZATION"] = "Bearer nope.nope"
    elif caller != "anon":
        headers["HTTP_AUTHORIZATION"] = f"Bearer {callers[caller].token}"
    http = HttpClient()
    if method == "post":
        return http.post(path, data, content_type="application/json", **headers)
    return http.get(path, data or {}, **headers)


def clients_in(body: dict, world) -> set[str]:
    ids = {str(c.pseudonym): name for name, c in world.items()}
    found = set()
    for item in body["results"]:
        pseudonym = item.get("client") or item.get("id")
        found.add(ids[str(pseudonym)])
    return found


def assert_no_foreign_bsn(response, caller: str, world) -> None:
    sees = SEES.get(caller, set())
    for name, client in world.items():
        if name not in sees:
            assert client.bsn not in response.content.decode(), (caller, name)


@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_api_access_matrix(url_name, world, callers):
    kind, expected = MATRIX[url_name]
    base = "/api/v1/"
    for caller in CALLERS:
        want = expected[caller]
        if kind in ("plain", "clients", "monitor", "budget", "search"):
            path = {
                "api:openapi_json": "openapi.json",
                "api:openapi_yaml": "openapi.yaml",
                "api:docs": "docs",
                "api:not_found": "clients/",
                "api:oauth_token": "oauth/token",
                "api:clients": "clients",
                "api:meldingen": "meldingen",
                "api:indications": "indications",
                "api:stays": "stays",
                "api:allocations": "allocations",
                "api:messages": "iwmo-messages",
                "api:declarations": "declarations",
                "api:monitor_figures": "monitor-figures",
                "api:budgets": "budgets",
                "api:client_search": "clients/_zoek",
            }[url_name]
            params = None
            if kind == "monitor":  # Assen's own figures
                params = {"region": "GM0106", "municipality": "GM0106"}
            elif kind == "budget":
                params = {"region": "GM0106"}
            if kind == "search":
                for name, client in world.items():
                    response = request(caller, callers, "post", base + path, {"bsn": client.bsn})
                    assert_no_foreign_bsn(response, caller, world)
                    if isinstance(want, int):
                        assert response.status_code == want, (caller, name)
                        continue
                    assert response.status_code == 200, (caller, name)
                    assert clients_in(response.json(), world) == ({name} & want), (caller, name)
                continue
            response = request(caller, callers, "get", base + path, params)
            assert_no_foreign_bsn(response, caller, world)
            if isinstance(want, int):
                assert response.status_code == want, (caller, response.content[:200])
            else:
                assert response.status_code == 200, (caller, response.content[:200])
                assert clients_in(response.json(), world) == want, caller
            if kind == "monitor" and response.status_code == 200:
                # Assen's own staff get its figures in full; the opvanginstelling, whose
                # mandate covers MO only, gets them aggregated (no BW money in full).
                internal = caller in ("assen", "assen_aggregates")
                audience = "internal" if internal else "external"
                assert response.json()["audience"] == audience, caller
            continue
        for index, name in enumerate(CLIENTS):
            client = world[name]
            if kind == "client":
                path = f"{base}clients/{client.pseudonym}"
            elif kind == "melding":
                path = f"{base}meldingen/{Melding.objects.filter(client=client).first().pk}"
            else:  # message: the WMO301 of Assen's BW client
                message = Message.objects.filter(
                    client=world["assen_bw"], message_type="WMO301"
                ).first()
                path = f"{base}iwmo-messages/{message.pk}"
            response = request(caller, callers, "get", path)
            assert_no_foreign_bsn(response, caller, world)
            status = want if isinstance(want, int) else want[index]
            assert response.status_code == status, (caller, name, response.content[:200])
            if status != 200 or kind == "message":
                body = json.loads(response.content)
                if status != 200:
                    assert response["Content-Type"] == "application/problem+json"
                    assert body["status"] == status
                    assert "detail" in body


# Writes: every endpoint that takes a POST (other than a search, which reads) × every caller.
# ``iwmo-messages``: a WMO305 of Stichting Testhuis for assen_bw (its own file) and one of
# Zorg Elders for emmen_bw (another provider's file). Only the provider's client with
# ``iwmo:write`` sends, and only its own file; the file is read in once.
WRITES = {
    "api:messages": refused(403, aanbieder_write=(201, 403)),
}
SEARCHES = {name for name, (kind, _expected) in MATRIX.items() if kind == "search"}


def test_every_api_endpoint_that_takes_a_post_is_in_the_write_matrix():
    posting = {
        name
        for name, pattern in api_url_names().items()
        if "post" in getattr(getattr(pattern.callback, "cls", None), "http_method_names", [])
        and hasattr(getattr(pattern.callback, "cls", None), "post")
        and name not in ("api:not_found", "api:oauth_token", *SEARCHES)
    }
    assert posting == set(WRITES), f"POST endpoints without write expectations: {posting}"


@pytest.mark.skipif(
    not XSD_DIR.is_dir() and not os.environ.get("CI"), reason=f"no iWmo XSDs at {XSD_DIR}"
)
@pytest.mark.parametrize("url_name", sorted(WRITES))
def test_api_write_matrix(url_name, world, callers, settings, tmp_path):
    from .test_iwmo_write import wmo305

    settings.DATA_DIR = tmp_path
    allocations = [Allocation.objects.get(client=world[n]) for n in ("assen_bw", "emmen_bw")]
    files = [wmo305(a, begin=a.start) for a in allocations]
    path = {"api:messages": "/api/v1/iwmo-messages"}[url_name]
    for caller in CALLERS:
        want = WRITES[url_name][caller]
        for index, content in enumerate(files):
            response = request(caller, callers, "post", path, {"content": content})
            assert_no_foreign_bsn(response, caller, world)
            status = want if isinstance(want, int) else want[index]
            assert response.status_code == status, (caller, index, response.content[:300])
    sent = Message.objects.filter(direction=Direction.IN, message_type="WMO305")
    assert list(sent.values_list("sender", flat=True)) == ["73000001"]
