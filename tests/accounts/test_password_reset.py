"""Password reset by e-mail: no user enumeration, one-off links, throttled."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Nieuw-wachtwoord-2026!"


@pytest.fixture
def user(region_setup):
    user = region_setup.users["toegang_assen"]
    user.email = "s.degroot@assen.example"
    user.save(update_fields=["email"])
    return user


def ask(browser: Client, email: str):
    return browser.post(reverse("password_reset"), {"email": email})


def test_the_same_answer_whether_the_address_exists(user):
    browser = Client(REMOTE_ADDR="192.0.2.20")
    known = ask(browser, user.email)
    unknown = ask(browser, "niemand@assen.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    page = browser.get(reverse("password_reset_done")).content.decode()
    assert "Als het adres bij een account in bwmo hoort" in page


def test_the_link_sets_a_new_password_once(user):
    browser = Client(REMOTE_ADDR="192.0.2.21")
    ask(browser, user.email.upper())  # any case
    message = mail.outbox[0]
    assert message.subject == "bwmo: nieuw wachtwoord instellen"
    assert "Uw gebruikersnaam is: toegang.assen" in message.body
    link = re.search(r"https?://[^/]+(/wachtwoord-herstellen/[^\s]+/)", message.body).group(1)
    form = browser.get(link, follow=True)
    assert "Nieuw wachtwoord instellen" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = browser.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    again = Client().get(link, follow=True).content.decode()
    assert "Deze link werkt niet (meer)" in again


def test_a_weak_new_password_is_refused_in_dutch(user):
    browser = Client(REMOTE_ADDR="192.0.2.22")
    ask(browser, user.email)
    link = re.search(r"(/wachtwoord-herstellen/[^\s]+/)", mail.outbox[0].body).group(1)
    set_url = browser.get(link, follow=True).redirect_chain[-1][0]
    page = browser.post(set_url, {"new_password1": "kort", "new_password2": "kort"})
    assert page.status_code == 200
    assert "Dit wachtwoord is te kort" in page.content.decode()


def test_requests_are_throttled_without_telling_which_address_exists(user):
    browser = Client(REMOTE_ADDR="192.0.2.23")
    for _ in range(5):  # settings.test.BWMO_LOGIN_MAX_FAILURES
        assert ask(browser, user.email).status_code == 302
    assert len(mail.outbox) == 5
    known = ask(browser, user.email)
    for _ in range(5):
        ask(browser, "niemand@assen.example")
    unknown = ask(browser, "niemand@assen.example")
    for response in (known, unknown):
        assert response.status_code == 200
        assert "Te veel mislukte inlogpogingen" in response.content.decode()
    assert len(mail.outbox) == 5
