"""Names and address keep the BRP's lengths: longer or malformed input is refused with the
field's name and limit, input at the limit is stored intact, and nothing is ever cut off."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bwmo.care.models import Indication
from bwmo.clients import services
from bwmo.clients.address import street_short_derive
from bwmo.clients.models import Client
from bwmo.iwmo import parse_message, validate_message
from bwmo.messaging import exchange
from tests.factories import granted_client, test_bsn
from tests.messaging.conftest import XSD_DIR

pytestmark = pytest.mark.django_db

LONG_STREET = "Burgemeester van Roijensingel"  # 29 characters; the NEN form has 24 at most

ADDRESS = {
    "street": "Kerkstraat",
    "house_number": "12",
    "postcode": "9401 AB",
    "place": "Assen",
}


@pytest.fixture
def worker(client, region_setup):
    client.force_login(region_setup.users["toegang_assen"])
    return client


def _register_data(**overrides):
    data = {
        "bsn": test_bsn(),
        "given_names": "Anouk",
        "surname": "Dijk",
        "birth_date": "1990-04-12",
        "brp_municipality": "GM0106",
        "brp_kind": "woonadres",
        "brp_valid_from": "2015-01-01",
        **ADDRESS,
    }
    data.update(overrides)
    return data


# field, value at its limit, value one past it, words the error must contain
LIMITS = [
    ("given_names", "J" * 200, "J" * 201, ["Voornamen", "200"]),
    ("surname_prefix", "v" * 10, "v" * 11, ["Tussenvoegsel", "10"]),
    ("surname", "D" * 200, "D" * 201, ["Achternaam", "200"]),
    ("street", "S" * 24 + "straat" + "s" * 50, "S" * 81, ["Straatnaam", "80"]),
    ("street_short", "K" * 24, "K" * 25, ["Straatnaam (NEN", "24"]),
    ("house_number", "99999", "100000", ["Huisnummer", "99999"]),
    ("house_letter", "b", "bb", ["Huisletter", "1"]),
    ("house_number_addition", "bis2", "bis23", ["Huisnummertoevoeging", "4"]),
    ("place", "P" * 80, "P" * 81, ["Woonplaats", "80"]),
]


@pytest.mark.parametrize(("field", "at_limit", "past_limit", "words"), LIMITS)
def test_one_past_the_limit_is_a_form_error_and_nothing_is_saved(
    worker, field, at_limit, past_limit, words
):
    overrides = {field: past_limit}
    if field == "street":
        overrides["street_short"] = "Korte straat"
    response = worker.post(reverse("clients:register"), _register_data(**overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Het formulier is niet opgeslagen" in page
    for word in words:
        assert word in page
    assert not Client.objects.exists()


@pytest.mark.parametrize(("field", "at_limit", "past_limit", "words"), LIMITS)
def test_at_the_limit_is_saved_intact(worker, field, at_limit, past_limit, words):
    overrides = {field: at_limit}
    if field == "street":
        overrides["street_short"] = "Korte straat"
    if field == "street_short":
        overrides["street"] = "K" * 30
    response = worker.post(reverse("clients:register"), _register_data(**overrides))
    assert response.status_code == 302, response.content.decode()
    stored = getattr(Client.objects.get(), field)
    expected = int(at_limit) if field == "house_number" else at_limit
    if field == "house_letter":
        expected = at_limit.upper()
    assert stored == expected


def test_the_form_sends_no_maxlength_so_the_browser_cuts_nothing(worker):
    page = worker.get(reverse("clients:register")).content.decode()
    assert "maxlength" not in page
    assert 'name="house_number" inputmode="numeric"' in page or 'inputmode="numeric"' in page
    assert 'type="number"' not in page  # a number input drops the "a" of "12a" silently


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12a", "Zet een letter in Huisletter"),
        ("0", "tussen 1 en 99999"),
        ("12-2", "alleen uit cijfers"),
    ],
)
def test_malformed_house_number_is_refused_never_read_as_a_number(worker, value, message):
    response = worker.post(reverse("clients:register"), _register_data(house_number=value))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("house_letter", "1", "één letter"),
        ("house_number_addition", "b-2", "letters of cijfers"),
        ("postcode", "94011", "4 cijfers en 2 letters"),
    ],
)
def test_malformed_address_parts_are_refused(worker, field, value, message):
    response = worker.post(reverse("clients:register"), _register_data(**{field: value}))
    assert message in response.content.decode()
    assert not Client.objects.exists()


def test_12a_with_letter_and_addition_is_stored_as_given(worker):
    response = worker.post(
        reverse("clients:register"),
        _register_data(house_number="12", house_letter="a", house_number_addition="2"),
    )
    assert response.status_code == 302
    client = Client.objects.get()
    assert (client.house_number, client.house_letter, client.house_number_addition) == (
        12,
        "A",
        "2",
    )


def test_long_street_keeps_its_full_name_and_gets_a_derived_short_form(worker):
    response = worker.post(reverse("clients:register"), _register_data(street=LONG_STREET))
    assert response.status_code == 302
    client = Client.objects.get()
    assert client.street == LONG_STREET
    assert client.street_short == "Burg. van Roijensingel"
    assert len(client.street_short) <= 24


def test_street_without_a_fitting_abbreviation_asks_for_the_short_form(worker):
    long_street = "Zuiderzeewerkenherdenkingsplein"  # 31 characters, no abbreviation
    response = worker.post(reverse("clients:register"), _register_data(street=long_street))
    page = response.content.decode()
    assert "Vul de korte straatnaam (NEN) in" in page
    assert not Client.objects.exists()
    response = worker.post(
        reverse("clients:register"),
        _register_data(street=long_street, street_short="Zuiderzeew.herd.plein"),
    )
    assert response.status_code == 302
    assert Client.objects.get().street == long_street


def test_derivation_never_cuts():
    assert street_short_derive("Kerkstraat") == "Kerkstraat"
    assert street_short_derive(LONG_STREET) == "Burg. van Roijensingel"
    assert street_short_derive("Prof. Dr. " + "X" * 30) is None


def test_service_refuses_too_long_values_too(region_setup):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        services.client_register(
            bsn=test_bsn(),
            given_names="Jan",
            surname="T" * 201,
            birth_date=timezone.localdate() - timedelta(days=9000),
            organisation=region_setup.org["assen"],
        )
    assert "200" in " ".join(excinfo.value.message_dict["surname"])
    assert not Client.objects.exists()


def test_changing_the_street_derives_a_new_short_form(region_setup):
    client = granted_client(region_setup)
    services.client_update(
        client=client,
        expected_version=client.version,
        given_names=client.given_names,
        surname_prefix=client.surname_prefix,
        surname=client.surname,
        birth_date=client.birth_date,
        **{**client.contact_fields, "street": LONG_STREET},
    )
    client.refresh_from_db()
    assert (client.street, client.street_short) == (LONG_STREET, "Burg. van Roijensingel")


@pytest.mark.iwmo_standard
def test_wmo301_for_a_long_street_is_xsd_valid_with_the_short_form(region_setup, tmp_path):
    client = granted_client(region_setup)
    services.client_update(
        client=client,
        expected_version=client.version,
        given_names="Anna Maria Theodora",
        surname_prefix="van der",
        surname="Berg",
        birth_date=client.birth_date,
        street=LONG_STREET,
        street_short="",
        house_number=12,
        house_letter="a",
        house_number_addition="2",
        postcode="9401AB",
        place="P" * 60,  # longer than the old 24-character limit, within iWmo's 80
        phone="",
        gender="2",
    )
    assert Indication.objects.filter(client=client).exists()
    result = exchange.export_pending(
        municipality_codes=["GM0106"], out_dir=tmp_path, today=timezone.localdate()
    )
    assert len(result.written) == 1, result.failed
    content = result.written[0].read_bytes()
    check = validate_message(content, XSD_DIR, today=timezone.localdate())
    assert check.valid, check.errors
    (contact,) = parse_message(content).client.contactgegevens
    assert contact.adres.straatnaam == "Burg. van Roijensingel"
    assert contact.adres.plaatsnaam == "P" * 60
    assert (contact.adres.huis.huisnummer, contact.adres.huis.huisletter) == (12, "A")
    assert contact.adres.huis.huisnummer_toevoeging == "2"
