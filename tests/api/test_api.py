"""The API's behaviour: authentication, scopes, errors as problem details, pagination, the
version header, the access log, a provider's field list, rate limits and the registration of
API clients (service and beheer)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient

from bwmo.accounts.models import RightsChange
from bwmo.api.models import ApiClient
from bwmo.api.scopes import AGGREGATES_READ, CLIENTS_READ
from bwmo.api.services import api_client_new_secret, api_client_register, api_client_update
from bwmo.audit.models import AccessLogEntry
from tests.factories import granted_client

PROBLEM = "application/problem+json"


@pytest.fixture
def bw(region_setup):
    return granted_client(region_setup)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    assert response["API-Version"] == "1.0.0"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def test_without_a_token_is_401_with_the_scheme(db):
    response = HttpClient().get("/api/v1/clients")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer nope", "Bearer a.b", "Bearer a b", "Basic dXNlcjpwdw==", "Bearer ünïcode.x"],
)
def test_a_bad_token_is_401(callers, header):
    response = HttpClient().get("/api/v1/clients", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_a_wrong_secret_and_a_deactivated_client_are_401(callers, superuser):
    caller = callers["assen"]
    key = caller.api_client.key
    wrong = HttpClient().get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {key}.wrong")
    assert_problem(wrong, 401)
    assert caller.get("/api/v1/clients").status_code == 200
    api_client_update(
        api_client=caller.api_client,
        name="Koppeling assen",
        scopes=caller.api_client.scopes,
        is_active=False,
        rate_per_minute=120,
        by=superuser,
    )
    assert_problem(caller.get("/api/v1/clients"), 401)


def test_a_new_secret_replaces_the_old_one(callers):
    caller = callers["assen"]
    token = api_client_new_secret(api_client=caller.api_client)
    assert_problem(caller.get("/api/v1/clients"), 401)
    response = HttpClient().get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_only_the_hash_of_the_secret_is_stored(callers):
    caller = callers["assen"]
    secret = caller.token.split(".", 1)[1]
    stored = ApiClient.objects.get(pk=caller.api_client.pk)
    assert secret not in stored.secret_hash
    assert stored.secret_hash.startswith(("md5$", "argon2"))


def test_a_missing_scope_is_403(callers):
    assert_problem(callers["assen_aggregates"].get("/api/v1/clients"), 403)
    assert_problem(callers["assen_none"].get("/api/v1/monitor-figures", region="GM0106"), 403)


def test_a_client_out_of_scope_is_the_same_404_as_none(callers, bw):
    emmen = callers["emmen"].get(f"/api/v1/clients/{bw.pseudonym}")
    nobody = callers["emmen"].get("/api/v1/clients/00000000-0000-4000-8000-000000000000")
    assert assert_problem(emmen, 404)["detail"] == assert_problem(nobody, 404)["detail"]
    assert bw.bsn not in emmen.content.decode()


@pytest.mark.parametrize(
    "path", ["/api/v1/clients/", "/api/v1/", "/api/v1/unknown", "/api/v1/meldingen/x"]
)
def test_a_trailing_slash_or_an_unknown_path_is_a_404_problem(callers, path):
    assert_problem(callers["assen"].get(path), 404)


def test_every_invalid_parameter_is_named(callers):
    response = callers["assen"].get(
        "/api/v1/meldingen", receivedFrom="gisteren", productKind="XX", pageSize="0"
    )
    body = assert_problem(response, 400)
    names = {p["name"] for p in body["invalidParams"]}
    # The page size is checked when the page is made, after the filters.
    assert names == {"receivedFrom", "productKind"}
    assert all(p["reason"] for p in body["invalidParams"])


def test_the_bsn_search_is_posted_and_its_errors_do_not_echo_the_input(callers, bw):
    found = callers["assen"].post("/api/v1/clients/_zoek", {"bsn": bw.bsn})
    assert found.status_code == 200
    assert [c["id"] for c in found.json()["results"]] == [str(bw.pseudonym)]
    bad = callers["assen"].post("/api/v1/clients/_zoek", {"bsn": bw.bsn[:8]})
    body = assert_problem(bad, 400)
    assert body["invalidParams"][0]["name"] == "bsn"
    assert bw.bsn[:8] not in bad.content.decode()
    assert callers["assen"].get("/api/v1/clients/_zoek").status_code == 405


@pytest.mark.parametrize(
    ("params", "status", "name"),
    [
        ({"pageSize": "101"}, 400, "pageSize"),
        ({"pageSize": "-1"}, 400, "pageSize"),
        ({"page": "abc"}, 400, "page"),
        ({"page": "0"}, 400, "page"),
        ({"page": "99"}, 404, None),
    ],
)
def test_pagination_limits(callers, bw, params, status, name):
    body = assert_problem(callers["assen"].get("/api/v1/indications", **params), status)
    if name:
        assert [p["name"] for p in body["invalidParams"]] == [name]


def test_pages_link_to_each_other(callers, region_setup):
    for _ in range(3):
        granted_client(region_setup)
    first = callers["assen"].get("/api/v1/indications", pageSize="2")
    assert first.status_code == 200
    body = first.json()
    assert (body["totalItems"], body["totalPages"], body["page"]) == (3, 2, 1)
    assert len(body["results"]) == 2
    assert "prev" not in body["links"]
    assert "page=2" in body["links"]["next"]["href"]
    assert 'rel="next"' in first["Link"]
    second = callers["assen"].get("/api/v1/indications", pageSize="2", page="2")
    assert len(second.json()["results"]) == 1
    assert "next" not in second.json()["links"]


def test_every_answer_has_the_version_header_and_is_not_stored(callers, bw):
    for response in (
        callers["assen"].get("/api/v1/clients"),
        callers["assen"].get(f"/api/v1/clients/{bw.pseudonym}"),
        callers["assen_none"].get("/api/v1/clients"),
    ):
        assert response["API-Version"] == "1.0.0"
        assert response["Cache-Control"] == "no-store, private"


def test_a_read_of_a_client_is_in_the_access_log_with_the_api_client_as_actor(callers, bw):
    caller = callers["assen"]
    before = AccessLogEntry.objects.count()
    caller.get(f"/api/v1/clients/{bw.pseudonym}")
    caller.get("/api/v1/meldingen")
    caller.get("/api/v1/indications")
    entries = list(AccessLogEntry.objects.order_by("pk")[before:])
    assert [e.what for e in entries] == ["API: cliënt", "API: meldingen", "API: indicaties"]
    assert {e.username for e in entries} == {caller.api_client.account.username}
    assert {e.client_pseudonym for e in entries} == {str(bw.pseudonym)}
    assert entries[0].why == "verantwoordelijke gemeente"


def test_an_empty_list_writes_no_access_log(callers, bw):
    before = AccessLogEntry.objects.count()
    callers["emmen"].get("/api/v1/clients")
    assert AccessLogEntry.objects.count() == before


def test_a_provider_gets_only_its_fields(callers, bw):
    municipality = callers["assen"].get(f"/api/v1/clients/{bw.pseudonym}").json()
    provider = callers["aanbieder"].get(f"/api/v1/clients/{bw.pseudonym}").json()
    assert {"street", "phone", "postcode", "place"} <= set(municipality)
    assert not {"street", "phone", "postcode", "place", "houseNumber"} & set(provider)
    assert provider["bsn"] == bw.bsn
    assert provider["relation"] == "aanbieder met lopende toewijzing"
    # and no access process: its meldingen are not the provider's to see
    assert callers["aanbieder"].get("/api/v1/meldingen").json()["results"] == []


@pytest.fixture
def one_minute(monkeypatch):
    """The throttle's clock held in the middle of the current minute: its count is per
    calendar minute, and requests that straddle a minute's end would start a new count."""
    from types import SimpleNamespace

    from django.utils import timezone

    from bwmo.api import throttling

    held = timezone.now().replace(second=30, microsecond=0)
    monkeypatch.setattr(throttling, "timezone", SimpleNamespace(now=lambda: held))
    return held


def test_the_rate_limit_is_per_client_with_retry_after(callers, superuser, one_minute):
    caller = callers["assen"]
    api_client_update(
        api_client=caller.api_client,
        name="Koppeling assen",
        scopes=caller.api_client.scopes,
        is_active=True,
        rate_per_minute=2,
        by=superuser,
    )
    assert caller.get("/api/v1/clients").status_code == 200
    assert caller.get("/api/v1/clients").status_code == 200
    throttled = caller.get("/api/v1/clients")
    assert_problem(throttled, 429)
    assert int(throttled["Retry-After"]) >= 1
    # another client is not affected
    assert callers["emmen"].get("/api/v1/clients").status_code == 200


def test_the_rate_limit_is_counted_in_the_database_for_every_process(
    callers, superuser, one_minute
):
    """Two server processes share nothing but the database: the count lives there, so a
    process that never saw the client's requests (no cache, a new throttle) refuses the
    next one too, and a request counted elsewhere counts here."""
    from datetime import timedelta

    from django.core.cache import caches

    from bwmo.api.models import ApiRequestWindow
    from bwmo.api.services import api_request_count

    caller = callers["assen"]
    api_client_update(
        api_client=caller.api_client,
        name="Koppeling assen",
        scopes=caller.api_client.scopes,
        is_active=True,
        rate_per_minute=3,
        by=superuser,
    )
    assert caller.get("/api/v1/clients").status_code == 200
    # "The other process": counts one request of the same client through the database.
    api_request_count(api_client=caller.api_client, now=one_minute)
    for cache in caches.all():
        cache.clear()
    assert caller.get("/api/v1/clients").status_code == 200
    assert_problem(caller.get("/api/v1/clients"), 429)
    window = ApiRequestWindow.objects.get(api_client=caller.api_client)
    assert window.count == 4
    # A new minute starts from zero and removes the earlier one.
    later = window.starts_at + timedelta(minutes=1)
    assert api_request_count(api_client=caller.api_client, now=later) == 1
    assert ApiRequestWindow.objects.filter(api_client=caller.api_client).count() == 1


def test_only_a_superuser_grants_a_personal_data_scope(region_setup, users, superuser):
    assen = region_setup.org["assen"]
    with pytest.raises(ValidationError, match="superuser"):
        api_client_register(name="X", organisation=assen, scopes=[CLIENTS_READ], by=users["beheer"])
    # Nobody grants what they lack: the functioneel beheerder holds no monitor permission.
    with pytest.raises(ValidationError, match="zelf niet heeft"):
        api_client_register(
            name="X", organisation=assen, scopes=[AGGREGATES_READ], by=users["beheer"]
        )
    assert not ApiClient.objects.exists()
    client, _token = api_client_register(
        name="Cijfers", organisation=assen, scopes=[AGGREGATES_READ], by=superuser
    )
    assert client.account.has_perm("monitor.view_monitor")
    assert not client.account.has_perm("clients.view_personal_data")
    assert not client.account.has_usable_password()
    assert RightsChange.objects.filter(user=client.account, field="permissions").exists()


def test_an_unknown_scope_is_refused(region_setup, superuser):
    with pytest.raises(ValidationError, match="Onbekende scope"):
        api_client_register(
            name="X", organisation=region_setup.org["assen"], scopes=["alles"], by=superuser
        )


def test_beheer_shows_the_token_once(region_setup, superuser):
    http = HttpClient()
    http.force_login(superuser)
    response = http.post(
        "/beheer/api/apiclient/add/",
        {
            "name": "Zorgsysteem Testhuis",
            "organisation": region_setup.org["aanbieder"].pk,
            "scopes": [CLIENTS_READ],
            "rate_per_minute": 60,
            "is_active": "on",
        },
    )
    assert response.status_code == 200, response.content[:500]
    client = ApiClient.objects.get(name="Zorgsysteem Testhuis")
    page = response.content.decode()
    assert f'value="{client.key}.' in page
    token = page.split(f'value="{client.key}.', 1)[1].split('"', 1)[0]
    assert client.scopes == [CLIENTS_READ]
    assert client.account.organisations.get() == region_setup.org["aanbieder"]
    again = http.get(f"/beheer/api/apiclient/{client.pk}/change/").content.decode()
    assert token not in again
    api = HttpClient().get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {client.key}.{token}")
    assert api.status_code == 200
    # The list names the scopes in words, not as the stored list of codes.
    listing = http.get("/beheer/api/apiclient/").content.decode()
    assert "cliënten, meldingen, indicaties" in listing
    assert "[&#x27;clients:read&#x27;]" not in listing and '["clients:read"]' not in listing


def test_the_documentation_page_uses_only_installed_assets(db):
    page = HttpClient().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html


def test_budgets_per_municipality_and_year_with_small_counts_suppressed(callers, region_setup):
    from datetime import timedelta

    from django.utils import timezone

    from bwmo.care.models import Indication, Stay
    from bwmo.finance import services as finance_services
    from tests.finance.test_finance import _params_text

    finance_services.parameter_set_upload(name="Test circulaire", text=_params_text(), user=None)
    client = granted_client(region_setup)
    indication = Indication.objects.get(client=client)
    Stay.objects.create(
        client=client,
        indication=indication,
        provider=indication.provider,
        product=indication.product,
        location=region_setup.assen,
        start=timezone.localdate() - timedelta(days=13),
    )
    year = timezone.localdate().year
    response = callers["assen_aggregates"].get("/api/v1/budgets", region="GM0106", year=str(year))
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["parameterSet"] == "Test circulaire"
    rows = {row["municipality"]: row for row in body["results"]}
    assert {"GM0106", "GM1730"} <= set(rows)
    assert rows["GM0106"]["year"] == year
    assert rows["GM0106"]["realised"] == "1800.00"  # 14 days at € 900 a week
    assert rows["GM0106"]["clients"] == "×"  # one client: suppressed
    assert client.bsn not in response.content.decode()
    unknown = callers["assen_aggregates"].get("/api/v1/budgets", region="GM9999")
    assert_problem(unknown, 404)
    bad = callers["assen_aggregates"].get("/api/v1/budgets", region="Assen", year="twee")
    assert {p["name"] for p in assert_problem(bad, 400)["invalidParams"]} == {"region", "year"}
