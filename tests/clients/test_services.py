"""Registering clients and their BRP history: every bad input refused, nothing half-written."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bwmo.clients import services
from bwmo.clients.models import BrpKind, BrpRegistration, Client
from bwmo.core.errors import StaleVersionError
from bwmo.organisations.models import Municipality
from tests.factories import register_client, test_bsn

pytestmark = pytest.mark.django_db


def _register(setup, **overrides):
    data = {
        "bsn": test_bsn(),
        "given_names": "Jan",
        "surname": "Testpersoon",
        "birth_date": date(1980, 5, 17),
        "organisation": setup.org["assen"],
        "brp": [
            {"municipality": setup.assen, "kind": BrpKind.WOONADRES, "valid_from": date(2010, 1, 1)}
        ],
    }
    data.update(overrides)
    return services.client_register(**data)


def _field_messages(excinfo, field):
    return " ".join(excinfo.value.message_dict[field])


def test_register_creates_client_and_brp(region_setup):
    client = _register(region_setup)
    assert client.brp_registrations.count() == 1
    assert client.registered_by == region_setup.org["assen"]


def test_invalid_bsn_is_refused_with_the_11_proof_message(region_setup):
    with pytest.raises(ValidationError) as excinfo:
        _register(region_setup, bsn="999999991")
    assert "elfproef" in _field_messages(excinfo, "bsn")
    assert not Client.objects.exists()


def test_bsn_with_letters_is_refused(region_setup):
    with pytest.raises(ValidationError) as excinfo:
        _register(region_setup, bsn="99990000A")
    assert "9 cijfers" in _field_messages(excinfo, "bsn")


def test_birth_date_in_the_future_is_refused(region_setup):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        _register(region_setup, birth_date=tomorrow)
    assert "toekomst" in _field_messages(excinfo, "birth_date")
    assert not Client.objects.exists()


def test_duplicate_client_is_refused(region_setup):
    first = _register(region_setup)
    with pytest.raises(ValidationError) as excinfo:
        _register(region_setup, bsn=first.bsn, surname="Anders")
    assert "al een cliënt met dit BSN" in _field_messages(excinfo, "bsn")
    assert Client.objects.count() == 1


def test_bad_brp_period_rolls_back_the_whole_registration(region_setup):
    with pytest.raises(ValidationError) as excinfo:
        _register(
            region_setup,
            brp=[
                {
                    "municipality": region_setup.assen,
                    "kind": BrpKind.WOONADRES,
                    "valid_from": date(2010, 1, 1),
                    "valid_to": date(2009, 1, 1),
                }
            ],
        )
    assert "vóór de begindatum" in _field_messages(excinfo, "valid_to")
    assert not Client.objects.exists()
    assert not BrpRegistration.objects.exists()


def test_a_move_closes_the_open_registration(region_setup):
    client = register_client(region_setup)
    tynaarlo = Municipality.objects.get(code="GM1730")
    services.brp_registration_add(
        client=client,
        expected_version=client.version,
        municipality=tynaarlo,
        kind=BrpKind.WOONADRES,
        valid_from=date(2024, 3, 1),
    )
    periods = list(client.brp_registrations.order_by("valid_from"))
    assert [(p.municipality_id, p.valid_to) for p in periods] == [
        ("GM0106", date(2024, 2, 29)),
        ("GM1730", None),
    ]


def test_overlapping_registration_is_refused_and_nothing_changes(region_setup):
    client = register_client(region_setup)
    services.brp_registration_add(
        client=client,
        expected_version=client.version,
        municipality=region_setup.tynaarlo,
        kind=BrpKind.WOONADRES,
        valid_from=date(2024, 3, 1),
    )
    client.refresh_from_db()
    before = list(client.brp_registrations.values_list("valid_from", "valid_to"))
    with pytest.raises(ValidationError) as excinfo:
        services.brp_registration_add(
            client=client,
            expected_version=client.version,
            municipality=region_setup.emmen,
            kind=BrpKind.WOONADRES,
            valid_from=date(2015, 1, 1),
            valid_to=date(2016, 1, 1),
        )
    assert "overlapt" in _field_messages(excinfo, "valid_from")
    assert list(client.brp_registrations.values_list("valid_from", "valid_to")) == before


def test_buitenland_has_no_municipality(region_setup):
    client = register_client(region_setup)
    with pytest.raises(ValidationError) as excinfo:
        services.brp_registration_add(
            client=client,
            expected_version=client.version,
            municipality=region_setup.assen,
            kind=BrpKind.BUITENLAND,
            valid_from=date(2024, 1, 1),
        )
    assert "buitenland" in _field_messages(excinfo, "municipality")


def test_stale_edit_is_refused_and_nothing_overwritten(region_setup):
    client = register_client(region_setup)
    opened_version = client.version
    services.client_update(
        client=client,
        expected_version=opened_version,
        given_names="Piet",
        surname_prefix="",
        surname="Eerste",
        birth_date=client.birth_date,
    )
    with pytest.raises(StaleVersionError) as excinfo:
        services.client_update(
            client=client,
            expected_version=opened_version,
            given_names="Klaas",
            surname_prefix="",
            surname="Tweede",
            birth_date=client.birth_date,
        )
    assert "Iemand anders heeft dit dossier gewijzigd" in excinfo.value.messages[0]
    client.refresh_from_db()
    assert (client.given_names, client.surname) == ("Piet", "Eerste")


def test_client_str_never_shows_name_or_bsn(region_setup):
    client = register_client(region_setup, surname="Geheim")
    assert "Geheim" not in str(client)
    assert client.bsn not in str(client)
