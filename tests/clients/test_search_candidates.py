"""Client search starts from the scope's candidates (for speed); who is found is still decided
by ``clients_visible_to``, and the records of one dossier by the care-record selectors."""

import pytest

from bwmo.accounts.scoping import user_scope
from bwmo.clients.models import Client
from bwmo.clients.selectors import (
    _search_candidates,
    client_search,
    clients_visible_to,
    indications_visible_to,
    meldingen_visible_to,
    stays_visible_to,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(region_setup):
    """A client in every relation a user can have to one."""
    return [
        factories.client_with_melding(region_setup, municipality="GM0106"),
        factories.granted_client(region_setup, municipality="GM0106"),  # allocated to provider
        factories.client_with_melding(region_setup, municipality="GM1730"),  # the BW mandate
        factories.client_with_melding(
            region_setup, municipality="GM0114", organisation_key="emmen"
        ),
        factories.mo_client(region_setup),  # the opvang's MO mandate
        factories.register_client(region_setup, surname="Nogzonder"),  # no melding yet
    ]


def test_every_client_a_user_sees_is_a_search_candidate(region_setup, population):
    seen_by_someone = set()
    for name, user in region_setup.users.items():
        visible = set(clients_visible_to(user=user).values_list("pk", flat=True))
        candidates = set(
            Client.objects.filter(pk__in=_search_candidates(user_scope(user))).values_list(
                "pk", flat=True
            )
        )
        assert visible <= candidates, name
        seen_by_someone |= visible
        # The search finds exactly the visible clients that match, none beyond.
        found = {c.pk for c in client_search(user=user, query="Jan")}
        assert found == set(clients_visible_to(user=user).values_list("pk", flat=True)), name
    assert seen_by_someone == {c.pk for c in population}


def test_the_search_orders_by_name_regardless_of_capitals(region_setup):
    for surname in ("Zwart", "bakker", "Aalders"):
        factories.client_with_melding(region_setup, municipality="GM0106")
        Client.objects.filter(surname="Testpersoon").update(surname=surname)
    found = client_search(user=region_setup.users["toegang_assen"], query="Jan")
    assert [c.surname for c in found] == ["Aalders", "bakker", "Zwart"]


def test_the_records_of_one_dossier_are_those_of_the_visible_clients(region_setup, population):
    """The records each user sees, asked per client (a dossier), are the records of the
    clients they see: nothing of a client out of sight, every record of one in full sight."""
    for name, user in region_setup.users.items():
        visible = set(clients_visible_to(user=user).values_list("pk", flat=True))
        for client in population:
            for records in (indications_visible_to, stays_visible_to, meldingen_visible_to):
                mine = records(user=user).filter(client=client)
                if client.pk not in visible:
                    assert not mine.exists(), (name, records.__name__)
        assert meldingen_visible_to(user=user).filter(client__pk__in=visible).count() == (
            meldingen_visible_to(user=user).count()
        ), name
    toegang = region_setup.users["toegang_assen"]
    assen_client = population[1]
    assert set(indications_visible_to(user=toegang).filter(client=assen_client)) == set(
        assen_client.indications.all()
    )
    assert set(stays_visible_to(user=toegang).filter(client=assen_client)) == set(
        assen_client.stays.all()
    )
