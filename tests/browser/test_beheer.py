"""The functioneel beheerder's contract form in a browser: the product chooser speaks Dutch."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from bwmo.care.models import Contract

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_the_contract_form_chooses_products_in_dutch(page: Page, live_server, region_setup):
    contract = Contract.objects.filter(tariffs__isnull=False).first()
    login(page, live_server, "beheer")
    page.goto(live_server.url + reverse("admin:care_contract_change", args=[contract.pk]))
    # The chooser is built by Django's JavaScript, with texts from the JavaScript catalog.
    expect(page.get_by_role("button", name="Kies alle producten")).to_be_visible()
    expect(page.get_by_role("button", name="Verwijder alle producten")).to_be_visible()
    expect(page.get_by_text("Choose all")).to_have_count(0)
    expect(page.get_by_label("Bedrag (€), tarief 1")).to_be_visible()
    expect(page.get_by_role("link", name="Terug naar bwmo")).to_be_visible()
    screenshot(page, "beheer-contract")


@pytest.mark.browser
def test_the_authenticator_apps_are_listed_in_dutch(page: Page, live_server, region_setup):
    from django.contrib.auth.models import Permission
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=region_setup.users["controller"], name="Telefoon")
    region_setup.users["beheer"].user_permissions.add(
        *Permission.objects.filter(codename__in=["view_totpdevice", "delete_totpdevice"])
    )
    login(page, live_server, "beheer")
    page.goto(live_server.url + reverse("admin:otp_totp_totpdevice_changelist"))
    expect(
        page.get_by_role("heading", name="Selecteer authenticator-app om te bekijken")
    ).to_be_visible()
    expect(page.get_by_text("TOTP")).to_have_count(0)
    screenshot(page, "beheer-authenticator-apps")


@pytest.mark.browser
def test_stay_start_shows_every_rule_with_an_impossible_date(page: Page, live_server, region_setup):
    from datetime import timedelta

    from django.utils import timezone

    from bwmo.care import services as care_services
    from bwmo.care.models import Indication
    from tests.factories import granted_client

    indication = Indication.objects.get(client=granted_client(region_setup))
    care_services.stay_start(
        indication=indication,
        location=region_setup.assen,
        start=timezone.localdate() - timedelta(days=3),
    )
    login(page, live_server, "toegang.assen")
    page.goto(live_server.url + reverse("care:stay_start", args=[indication.pk]))
    page.get_by_label("Begindatum verblijf").fill("31-02-2026")
    page.get_by_role("button", name="Opslaan").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("bestaat niet")
    expect(summary).to_contain_text("Er loopt al een verblijf op deze indicatie")
    screenshot(page, "stay-start-errors")
