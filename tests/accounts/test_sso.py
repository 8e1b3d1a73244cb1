"""Single sign-on end to end: bwmo's live server against a real OpenID Connect provider.

The provider (django-oidc-provider, ``tests/oidc_idp``) runs as a second process on a loopback
port; an HTTP client goes through the real authorisation-code flow with PKCE: bwmo → the
provider's login form → the provider's authorize endpoint → bwmo's callback, which exchanges
the code at the provider's token endpoint and reads its userinfo endpoint.
"""

import re
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import pytest
import requests
from django.contrib.auth.models import Group
from django.test import override_settings

from bwmo.accounts.models import RightsChange, SsoIdentity, User
from bwmo.audit.models import AccessLogEntry
from tests.oidc_idp.harness import PASSWORD, running_provider

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]
TIMEOUT_S = 15


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    with running_provider(
        bwmo_url=live_server.url, directory=tmp_path_factory.mktemp("idp")
    ) as running:
        yield running


@pytest.fixture
def sso(provider, region_setup):
    with override_settings(**provider.settings()):
        yield provider


def start(live_server) -> tuple[requests.Session, requests.Response]:
    """Click the button: bwmo sends the browser to the provider, which asks for a login."""
    browser = requests.Session()
    answer = browser.get(f"{live_server.url}/inloggen/sso/", timeout=TIMEOUT_S)
    return browser, answer


def provider_login(browser: requests.Session, login_page: requests.Response, username: str):
    """Fill in the provider's login form; the redirects lead back to bwmo."""
    next_url = parse_qs(urlparse(login_page.url).query)["next"][0]
    return browser.post(
        login_page.url,
        data={
            "username": username,
            "password": PASSWORD,
            "next": next_url,
            "csrfmiddlewaretoken": browser.cookies.get("idp_csrftoken"),
        },
        timeout=TIMEOUT_S,
    )


def sso_login(live_server, username: str) -> tuple[requests.Session, requests.Response]:
    browser, login_page = start(live_server)
    return browser, provider_login(browser, login_page, username)


def page_text(answer: requests.Response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text))


def test_login_creates_the_account_with_the_mapped_organisation_and_role(live_server, sso):
    browser, login_page = start(live_server)
    to_provider = login_page.history[0]
    assert to_provider.status_code == 302
    authorize = urlparse(to_provider.headers["Location"])
    query = parse_qs(authorize.query)
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{sso.issuer}/authorize"
    assert query["code_challenge_method"] == ["S256"]  # PKCE
    assert query["code_challenge"][0] and query["state"][0] and query["nonce"][0]
    assert login_page.url.startswith(f"{sso.base_url}/login/")

    home = provider_login(browser, login_page, "t.jansen")

    assert home.status_code == 200
    assert home.url == f"{live_server.url}/"
    assert "Uitloggen" in home.text
    user = User.objects.get(username="t.jansen")
    assert (user.first_name, user.last_name) == ("Tessa", "Jansen")
    assert [o.name for o in user.organisations.all()] == ["Gemeente Assen"]
    assert [g.name for g in user.groups.all()] == ["Toegangsmedewerker"]
    assert not user.is_staff and not user.is_superuser
    assert not user.has_usable_password()  # no local login, no password-reset mail
    identity = SsoIdentity.objects.get(user=user)
    assert identity.issuer == sso.issuer
    changes = {
        change.field: change.after
        for change in RightsChange.objects.filter(user=user, authority="identiteitsprovider")
    }
    assert changes == {"groups": ["Toegangsmedewerker"], "organisations": ["Gemeente Assen"]}
    login_entries = AccessLogEntry.objects.filter(
        username="t.jansen", what="inloggen via single sign-on"
    )
    assert login_entries.count() == 1
    entry = login_entries.get()
    assert entry.client_id is None and entry.client_pseudonym == ""
    assert entry.organisation == "Gemeente Assen"
    assert entry.why == f"identiteitsprovider {sso.issuer}"


def test_a_second_login_finds_the_same_account_and_changes_nothing(live_server, sso):
    sso_login(live_server, "b.bakker")
    _, home = sso_login(live_server, "b.bakker")

    # Policy users land on the monitor.
    assert home.status_code == 200 and "/monitor/" in home.url
    assert User.objects.filter(username__startswith="b.bakker").count() == 1
    user = User.objects.get(username="b.bakker")
    assert [o.name for o in user.organisations.all()] == ["Gemeente Emmen"]  # mapped by OIN
    assert RightsChange.objects.filter(user=user).count() == 2  # groups, organisations: once
    assert AccessLogEntry.objects.filter(username="b.bakker").count() == 2  # two logins


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("x.onbekend", "De rol “directeur” is in bwmo niet bekend."),
        ("o.elders", "De organisatie “GM9999” is niet aangesloten op bwmo."),
        ("m.mix", "combineren functioneel beheer met toegang tot persoonsgegevens"),
    ],
)
def test_an_unknown_role_or_organisation_is_refused_and_nothing_is_created(
    live_server, sso, username, message
):
    users_before = User.objects.count()
    changes_before = RightsChange.objects.count()
    log_before = AccessLogEntry.objects.count()

    browser, answer = sso_login(live_server, username)

    assert answer.status_code == 200
    assert answer.url == f"{live_server.url}/inloggen/"
    text = page_text(answer)
    assert message in text
    assert "U bent niet ingelogd" in text
    assert User.objects.count() == users_before
    assert not SsoIdentity.objects.exists()
    assert RightsChange.objects.count() == changes_before
    assert AccessLogEntry.objects.count() == log_before
    # Not logged in: the start page sends the browser to the login page.
    assert browser.get(f"{live_server.url}/", timeout=TIMEOUT_S).url.startswith(
        f"{live_server.url}/inloggen/"
    )


def test_a_role_the_mapping_gives_must_exist_in_bwmo(live_server, sso):
    Group.objects.filter(name="Beleidsadviseur").delete()

    _, answer = sso_login(live_server, "b.bakker")

    assert "De rol “Beleidsadviseur” uit de instellingen voor single sign-on bestaat niet" in (
        page_text(answer)
    )
    assert not User.objects.filter(username="b.bakker").exists()


def test_a_tampered_state_is_refused(live_server, sso):
    browser, login_page = start(live_server)
    next_url = parse_qs(urlparse(login_page.url).query)["next"][0]
    to_authorize = browser.post(
        login_page.url,
        data={
            "username": "t.jansen",
            "password": PASSWORD,
            "next": next_url,
            "csrfmiddlewaretoken": browser.cookies.get("idp_csrftoken"),
        },
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )
    to_bwmo = browser.get(
        urljoin(login_page.url, to_authorize.headers["Location"]),
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )
    callback = urlparse(to_bwmo.headers["Location"])
    query = {key: values[0] for key, values in parse_qs(callback.query).items()}
    assert callback.path == "/inloggen/sso/terug/" and query["code"]

    forged = {**query, "state": "x" * len(query["state"])}
    answer = browser.get(f"{live_server.url}{callback.path}?{urlencode(forged)}", timeout=TIMEOUT_S)

    assert answer.url == f"{live_server.url}/inloggen/"
    assert "De inlogpoging kon niet worden gecontroleerd" in page_text(answer)
    assert not User.objects.filter(username="t.jansen").exists()


def test_beheer_through_sso_still_sets_up_the_authenticator_app(live_server, sso):
    with override_settings(BWMO_TWO_FACTOR_ENFORCED=True):
        browser, answer = sso_login(live_server, "f.beheer")
        assert answer.url.startswith(f"{live_server.url}/tweestapsverificatie/")
        user = User.objects.get(username="f.beheer")
        assert user.is_staff and [g.name for g in user.groups.all()] == ["Functioneel beheerder"]
        # The second factor is bwmo's own: beheer stays closed until it is set up.
        beheer = browser.get(f"{live_server.url}/beheer/", timeout=TIMEOUT_S)
        assert beheer.url.startswith(f"{live_server.url}/tweestapsverificatie/")


def test_logout_ends_the_session_here_and_at_the_provider(live_server, sso):
    browser, home = sso_login(live_server, "t.jansen")
    assert home.url == f"{live_server.url}/"
    token = browser.cookies.get("csrftoken")

    answer = browser.post(
        f"{live_server.url}/uitloggen/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{live_server.url}/"},
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(f"{sso.issuer}/end-session?")
    assert "id_token_hint=" in answer.headers["Location"]
    back = browser.get(answer.headers["Location"], timeout=TIMEOUT_S)
    assert back.url == f"{live_server.url}/inloggen/"
    assert browser.get(f"{live_server.url}/", timeout=TIMEOUT_S).url.startswith(
        f"{live_server.url}/inloggen/"
    )
    # The provider's session ended too: the button asks for the login again.
    _, login_page = start(live_server)
    assert login_page.url.startswith(f"{sso.base_url}/login/")


def test_the_login_page_shows_the_button_only_when_configured(live_server, sso, client):
    page = client.get("/inloggen/?next=/werkvoorraad/")
    assert "Inloggen met uw gemeente-account" in page.content.decode()
    assert 'href="/inloggen/sso/?next=%2Fwerkvoorraad%2F"' in page.content.decode()
    with override_settings(BWMO_OIDC_ENABLED=False):
        page = client.get("/inloggen/")
        assert "/inloggen/sso/" not in page.content.decode()
        assert client.get("/inloggen/sso/").status_code == 404
        assert client.get("/inloggen/sso/terug/?code=x&state=y").status_code == 404
