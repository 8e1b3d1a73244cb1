"""The beheer screens (Django admin) speak Dutch throughout, and every input has a name.

Found by municipal users: column headers PROVIDER/REGION (fields without a Dutch
``verbose_name``), "Choose all products" in the contract form (texts of Django 5.2's admin that
its Dutch catalog lacks), the search icon's text "Search", and a contract form whose tariff
inputs had no label (a tabular inline labels its columns, not its inputs).
"""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from bwmo.accounts.models import User
from bwmo.care.models import Contract
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ENGLISH = [
    "Add",
    "Save",
    "Delete",
    "Search",
    "Provider",
    "Region",
    "Choose all",
    "Change",
    "History",
    "Home",
    "Select",
    "Name",
    "Model name",
    "View site",
    "Log out",
    "Welcome",
    "True",
    "False",
    "created at",
    "version",
    "Django",
]
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b", re.IGNORECASE)
LABEL_TAGS = {"th", "label", "legend", "button", "caption", "h1", "h2", "h3", "option", "title"}
LABEL_ATTRS = ("alt", "aria-label", "placeholder", "title")


class AdminPage(HTMLParser):
    """The texts a user reads as labels, and every input with how it is named."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.inputs: list[dict] = []
        self.label_for: set[str] = set()
        self._open: list[str] = []
        self._label_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in LABEL_TAGS:
            self._open.append(tag)
        if tag == "label":
            self._label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        for name in LABEL_ATTRS:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.texts.append(attrs["value"])
        if tag in {"input", "select", "textarea"}:
            attrs["_inside_label"] = self._label_depth > 0
            self.inputs.append(attrs)

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if self._open and data.strip():
            self.texts.append(data.strip())


def parse(response) -> AdminPage:
    assert response.status_code == 200, response.status_code
    page = AdminPage()
    page.feed(response.content.decode())
    return page


def english_in(page: AdminPage) -> list[str]:
    return sorted({t for t in page.texts if ENGLISH_RE.search(t)})


def unnamed_inputs(page: AdminPage) -> list[str]:
    return [
        i.get("name") or i.get("id") or "?"
        for i in page.inputs
        if i.get("type") not in {"hidden", "submit", "button"}
        and not i.get("aria-label")
        and not i.get("aria-labelledby")
        and not i["_inside_label"]
        and i.get("id") not in page.label_for
    ]


@pytest.fixture
def superuser_client(client, region_setup):
    client.force_login(User.objects.create_superuser("super", password=PASSWORD))
    return client


def admin_pages():
    """Every registered model's list, add form and (for its first object) change form."""
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{name}_changelist")
        yield reverse(f"{name}_add")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield reverse(f"{name}_change", args=[first.pk])


def test_every_beheer_screen_is_dutch(superuser_client):
    translation.activate("nl")  # what the middleware does too; the pages set it themselves
    found = {}
    pages = [reverse("admin:index"), *admin_pages()]
    for path in pages:
        response = superuser_client.get(path)
        if response.status_code == 403:  # an add form that nobody may use (record of rights)
            continue
        english = english_in(parse(response))
        if english:
            found[path] = english
    assert len(pages) > 30
    assert found == {}


def test_the_contract_list_has_dutch_column_headers(superuser_client):
    response = superuser_client.get(reverse("admin:care_contract_changelist"))
    html = response.content.decode()
    headers = {
        column: re.search(rf'column-{column}.*?<div class="text"><a [^>]*>([^<]*)</a>', html, re.S)
        for column in ("reference", "provider", "region")
    }
    assert {c: m.group(1).strip() for c, m in headers.items() if m} == {
        "reference": "Kenmerk",
        "provider": "Aanbieder",
        "region": "Regio",
    }


def test_every_input_of_the_contract_form_has_a_name(client, users):
    client.force_login(users["beheer"])
    contract = Contract.objects.filter(tariffs__isnull=False).first()
    assert contract is not None
    for path in (
        reverse("admin:care_contract_change", args=[contract.pk]),
        reverse("admin:care_contract_add"),
    ):
        page = parse(client.get(path))
        tariff_inputs = [i for i in page.inputs if (i.get("name") or "").startswith("tariffs-")]
        assert len(tariff_inputs) > 5
        assert unnamed_inputs(page) == []
    labels = {i.get("aria-label") for i in page.inputs if i.get("aria-label")}
    assert "Bedrag (€), tarief 1" in labels
    assert "Product, tarief (nieuw)" in labels


def test_the_user_form_names_the_date_and_time_inputs(client, users):
    client.force_login(users["beheer"])
    user = users["toegang_assen"]
    page = parse(client.get(reverse("admin:accounts_user_change", args=[user.pk])))
    assert unnamed_inputs(page) == []
    assert english_in(page) == []


def test_a_tariff_error_is_dutch_and_on_its_field(client, users):
    client.force_login(users["beheer"])
    contract = Contract.objects.filter(tariffs__isnull=False).first()
    tariffs = list(contract.tariffs.all())
    data = {
        "provider": contract.provider_id,
        "region": contract.region_id,
        "reference": contract.reference,
        "valid_from": contract.valid_from.isoformat(),
        "valid_to": contract.valid_to.isoformat(),
        "extension_options": contract.extension_options,
        "extension_years": contract.extension_years,
        "extensions_used": contract.extensions_used,
        "products": [p.pk for p in contract.products.all()],
        "tariffs-TOTAL_FORMS": len(tariffs),
        "tariffs-INITIAL_FORMS": len(tariffs),
        "tariffs-MIN_NUM_FORMS": 0,
        "tariffs-MAX_NUM_FORMS": 1000,
    }
    for n, tariff in enumerate(tariffs):
        data |= {
            f"tariffs-{n}-id": tariff.pk,
            f"tariffs-{n}-contract": contract.pk,
            f"tariffs-{n}-product": tariff.product_id,
            f"tariffs-{n}-amount": "abc" if n == 0 else str(tariff.amount),
            f"tariffs-{n}-unit": tariff.unit,
            f"tariffs-{n}-valid_from": "2025-06-01" if n == 0 else tariff.valid_from.isoformat(),
            f"tariffs-{n}-valid_to": "2025-01-01" if n == 0 else "",
        }
    response = client.post(reverse("admin:care_contract_change", args=[contract.pk]), data)
    assert response.status_code == 200  # the form again, with its errors
    form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert form.errors["amount"] == ["Voer een getal in."]
    assert form.errors["valid_to"] == ["De einddatum van het tarief ligt vóór de ingangsdatum."]
    assert english_in(parse(response)) == []


def test_the_admin_javascript_catalog_is_dutch(client, users):
    client.force_login(users["beheer"])
    response = client.get(reverse("admin:jsi18n"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '"Choose all %s": "Kies alle %s"' in body
    assert '"Remove all %s": "Verwijder alle %s"' in body


def test_the_beheer_screens_carry_bwmo_s_look_and_a_way_back(client, users):
    client.force_login(users["beheer"])
    response = client.get(reverse("admin:index"))
    body = response.content.decode()
    assert "bwmo/admin.css" in body
    assert "admin/css/dark_mode.css" not in body
    assert f'href="{reverse("web:home")}"' in body
    assert "Terug naar bwmo" in body
    assert "<title>Site-beheer | bwmo beheer</title>" in body or "bwmo beheer</title>" in body


# -- every text of every beheer page, as the beheerder and as a superuser ------------------

# English that Django or a third-party app puts on a page when bwmo gives no Dutch name.
ENGLISH_ANYWHERE = [
    *ENGLISH,
    "TOTP",
    "device",
    "devices",
    "Created at",
    "Last used",
    "Confirmed",
    "relationship",
    "object (",
    "Group_",
    "User_",
    "Is this",
    "The user",
    "Action",
    "Go",
    "selected",
    "Show counts",
    "Clear all filters",
    "Recent actions",
    "My actions",
    "None available",
    "Yes",
    "No",
    "Unknown",
    "Today",
    "Now",
    "Enabled",
    "Disabled",
    "Password",
    "Username",
    "Permissions",
    "Groups",
    "Are you sure",
    "Summary",
]
ENGLISH_ANYWHERE_RE = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH_ANYWHERE) + r")(?![\w-])"
)


class PageText(HTMLParser):
    """Every text a user can read on a page: its text and the names of its controls."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self._skip += 1
        attrs = dict(attrs)
        for name in LABEL_ATTRS:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"}:
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def every_admin_page():
    """The index and, for every registered model, its list, add form and, for its first
    object, its change form, history and delete confirmation."""
    yield reverse("admin:index")
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{name}_changelist")
        yield reverse(f"{name}_add")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            for view in ("change", "history", "delete"):
                yield reverse(f"{name}_{view}", args=[first.pk])


def english_anywhere(client) -> dict[str, list[str]]:
    translation.activate("nl")
    found: dict[str, list[str]] = {}
    pages = list(every_admin_page())
    shown = 0
    for path in pages:
        response = client.get(path)
        if response.status_code in (403, 302):  # not this account's screen
            continue
        assert response.status_code == 200, (path, response.status_code)
        shown += 1
        page = PageText()
        page.feed(response.content.decode())
        english = sorted({t for t in page.texts if ENGLISH_ANYWHERE_RE.search(t)})
        if english:
            found[path] = english
    # The bulk delete's confirmation of the users list (Django's "delete_selected" action).
    users = list(User.objects.exclude(is_superuser=True).values_list("pk", flat=True)[:2])
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": users},
    )
    if response.status_code == 200:
        page = PageText()
        page.feed(response.content.decode())
        english = sorted({t for t in page.texts if ENGLISH_ANYWHERE_RE.search(t)})
        if english:
            found["delete_selected users"] = english
    assert shown > 20
    return found


@pytest.fixture
def devices(users):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # Of another account than the one looking, which would otherwise be asked for its code.
    return TOTPDevice.objects.create(user=users["controller"], name="Telefoon", confirmed=True)


def test_every_text_of_every_beheer_page_is_dutch_for_the_beheerder(client, users, devices):
    """Found by municipal users: the two-factor devices were "TOTP devices" with English
    columns and help texts, and deleting a user listed "User-group-relatie: User_groups
    object (1)"."""
    client.force_login(users["beheer"])
    assert english_anywhere(client) == {}


def test_every_text_of_every_beheer_page_is_dutch_for_a_superuser(superuser_client, devices):
    assert english_anywhere(superuser_client) == {}


def test_the_authenticator_devices_have_dutch_names(superuser_client, devices):
    translation.activate("nl")
    index = superuser_client.get(reverse("admin:index")).content.decode()
    assert "Tweestapsverificatie" in index and "Authenticator-apps" in index
    listing = superuser_client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    html = listing.content.decode()
    for header in ("Gebruiker", "Naam", "In gebruik genomen", "Aangemaakt op"):
        assert header in html, header
    page = superuser_client.get(reverse("admin:otp_totp_totpdevice_change", args=[devices.pk]))
    assert "Laatst gebruikt op" in page.content.decode()


def test_a_tariff_is_named_with_a_dutch_amount(users):
    from bwmo.care.models import Tariff

    tariff = Tariff.objects.filter(amount=900).first() or Tariff.objects.first()
    with translation.override("nl"):
        name = str(tariff)
    # Found on the beheer screens: "BW Intramuraal € 900.00 per week".
    amount = name.split("€ ")[1].split(" ")[0]
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*,\d{2}", amount), name
