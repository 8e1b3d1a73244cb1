"""Access to one melding is decided in the selectors: 404 out of sight, 403 read-only."""

import pytest
from django.core.exceptions import PermissionDenied

from bwmo.toegang.models import Melding
from bwmo.toegang.selectors import (
    melding_assignable_users,
    melding_get_for_action,
    melding_get_visible,
)
from tests.factories import client_with_melding, granted_client

pytestmark = pytest.mark.django_db


def test_out_of_sight_is_does_not_exist(region_setup):
    melding = client_with_melding(region_setup).meldingen.get()
    for role in ("toegang_emmen", "aanbieder"):
        with pytest.raises(Melding.DoesNotExist):
            melding_get_for_action(user=region_setup.users[role], pk=melding.pk)
    with pytest.raises(Melding.DoesNotExist):
        melding_get_visible(user=region_setup.users["toegang_emmen"], pk=melding.pk)


def test_a_provider_with_an_indication_still_does_not_see_the_access_process(region_setup):
    melding = granted_client(region_setup).meldingen.get()
    with pytest.raises(Melding.DoesNotExist):
        melding_get_visible(user=region_setup.users["aanbieder"], pk=melding.pk)


def test_the_stay_municipality_reads_but_may_not_act(region_setup):
    from bwmo.care import services as care_services
    from bwmo.care.models import Indication

    person = granted_client(region_setup)
    indication = Indication.objects.get(client=person)
    care_services.stay_start(
        indication=indication,
        location=region_setup.emmen,
        start=indication.valid_from,
        placement_reason="Dichter bij familie",
    )
    melding = person.meldingen.get()
    emmen = region_setup.users["toegang_emmen"]
    visible = melding_get_visible(user=emmen, pk=melding.pk)
    assert not visible.may_act and visible.actions == []
    with pytest.raises(PermissionDenied):
        melding_get_for_action(user=emmen, pk=melding.pk)


def test_the_handler_may_act_and_sees_the_steps(region_setup):
    melding = client_with_melding(region_setup).meldingen.get()
    visible = melding_get_for_action(user=region_setup.users["toegang_assen"], pk=melding.pk)
    assert visible.may_act
    assert [a for a, _ in visible.actions] == ["onderzoek", "intrekken"]


def test_assignable_users_are_colleagues_who_may_act(region_setup):
    melding = client_with_melding(region_setup).meldingen.get()
    users = melding_assignable_users(melding=melding, by=region_setup.users["toegang_assen"])
    # beleid and controller share the organisation but may not process meldingen
    assert users == [region_setup.users["toegang_assen"]]
