"""A holder of a mandate for one kind changes a client only through that kind.

The opvanginstelling holds Assen's MO mandate and is a provider too. A client with BW of
Assen at the opvanginstelling, whose BW melding the opvanginstelling handles, is seen by it
as that client's BW provider only: its MO mandate gives it nothing of this client to change.
Every page that changes the client (personal data, BRP) is a 404 for it, GET and POST, and
nothing is written; the MO client of the same mandate can still be changed.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client as HttpClient

from bwmo.accounts.models import User
from bwmo.accounts.roles import Role
from bwmo.clients import selectors
from bwmo.clients.models import BrpRegistration, Client
from tests.factories import grant_bw, make_user, mo_client, register_client

pytestmark = pytest.mark.django_db


def _bw_at_the_opvanginstelling(setup) -> Client:
    """BW of Assen, delivered by the opvanginstelling, its melding handled by it."""
    client = register_client(setup, organisation_key="opvang", surname="Bewoner")
    grant_bw(setup, client, provider=setup.opvang, organisation_key="opvang")
    return client


@pytest.fixture
def world(region_setup):
    worker = make_user("opvang.toegang", Role.TOEGANGSMEDEWERKER, region_setup.org["opvang"])
    return {
        "bw": _bw_at_the_opvanginstelling(region_setup),
        "mo": mo_client(region_setup),
        "opvang": User.objects.get(pk=region_setup.users["opvang"].pk),
        "worker": User.objects.get(pk=worker.pk),
        "assen": User.objects.get(pk=region_setup.users["toegang_assen"].pk),
    }


def _http(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def _edit_data(client: Client) -> dict:
    return {
        "version": client.version,
        "given_names": "Gewijzigd",
        "surname_prefix": "",
        "surname": "Anders",
        "birth_date": "1980-05-17",
        "gender": "1",
        "street": "Brink",
        "house_number": "12",
        "postcode": "9401AB",
        "place": "Assen",
    }


def _brp_data(client: Client) -> dict:
    return {
        "version": client.version,
        "municipality": "GM0106",
        "kind": "briefadres",
        "valid_from": date(2030, 1, 1).isoformat(),
    }


def test_the_relation_of_a_one_kind_holder_follows_its_kind(world):
    bw, mo = world["bw"], world["mo"]
    for user in (world["opvang"], world["worker"]):
        relation = selectors.client_relation(user=user, client=bw)
        assert relation is selectors.Relation.PROVIDER and not relation.may_edit
        assert not selectors.client_sight(user=user, client=bw).through_relation
        assert selectors.client_relation(user=user, client=mo) is selectors.Relation.MANDATE
    assert selectors.client_relation(user=world["assen"], client=bw).may_edit


def test_the_personal_data_of_a_client_of_the_other_kind_are_not_found(world):
    bw = world["bw"]
    http = _http(world["worker"])
    url = f"/clienten/{bw.pseudonym}/wijzigen/"
    version = bw.version
    assert http.get(url).status_code == 404
    assert http.post(url, _edit_data(bw)).status_code == 404
    bw.refresh_from_db()
    assert (bw.given_names, bw.surname, bw.version) == ("Jan", "Bewoner", version)
    # The dossier is still seen, as the client's provider, without a way to change it.
    dossier = http.get(f"/clienten/{bw.pseudonym}/")
    assert dossier.status_code == 200
    assert url not in dossier.content.decode()
    # The responsible municipality may.
    assert _http(world["assen"]).get(url).status_code == 200


def test_no_brp_registration_for_a_client_of_the_other_kind(world):
    bw = world["bw"]
    url = f"/clienten/{bw.pseudonym}/brp/nieuw/"
    before = BrpRegistration.objects.filter(client=bw).count()
    version = bw.version
    for user in (world["opvang"], world["worker"]):
        http = _http(user)
        assert http.get(url).status_code == 404
        assert http.post(url, _brp_data(bw)).status_code == 404
    assert BrpRegistration.objects.filter(client=bw).count() == before
    bw.refresh_from_db()
    assert bw.version == version


def test_the_client_of_the_mandates_own_kind_can_be_changed(world):
    mo = world["mo"]
    http = _http(world["worker"])
    url = f"/clienten/{mo.pseudonym}/wijzigen/"
    assert http.get(url).status_code == 200
    answer = http.post(url, _edit_data(mo))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    mo.refresh_from_db()
    assert (mo.given_names, mo.surname) == ("Gewijzigd", "Anders")
