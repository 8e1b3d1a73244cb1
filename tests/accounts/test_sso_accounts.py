"""The account side of single sign-on: what a mapped login may grant, and the record of it."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

from bwmo.accounts.models import RightsChange, SsoIdentity, User
from bwmo.accounts.roles import Role
from bwmo.accounts.selectors import sso_account_for, sso_grant_refusals
from bwmo.accounts.services import sso_account_sync

pytestmark = pytest.mark.django_db
ISSUER = "https://login.gemeente.example/oidc"
CLAIMS = {"preferred_username": "t.jansen", "given_name": "Tessa", "family_name": "Jansen"}


def grant_for(organisation: str, *roles: str, user=None):
    grant, refusals = sso_grant_refusals(organisation=organisation, roles=roles, user=user)
    assert refusals == []
    assert grant is not None
    return grant


def login(organisation: str, *roles: str, subject: str = "sub-1", claims=CLAIMS):
    user = sso_account_for(issuer=ISSUER, subject=subject)
    grant = grant_for(organisation, *roles, user=user)
    return sso_account_sync(issuer=ISSUER, subject=subject, claims=claims, grant=grant)


def test_a_role_change_at_the_provider_is_applied_and_recorded(region_setup):
    user = login("Gemeente Assen", Role.BELEIDSADVISEUR)
    assert [g.name for g in user.groups.all()] == [Role.BELEIDSADVISEUR]

    again = login("Gemeente Assen", Role.TOEGANGSMEDEWERKER)

    assert again.pk == user.pk
    assert [g.name for g in again.groups.all()] == [Role.TOEGANGSMEDEWERKER]
    last = RightsChange.objects.filter(user=user, field="groups").order_by("pk").last()
    assert last.before == [Role.BELEIDSADVISEUR]
    assert last.after == [Role.TOEGANGSMEDEWERKER]
    assert last.authority == RightsChange.Authority.IDENTITY_PROVIDER
    assert last.changed_by is None
    assert last.changed_by_name == f"single sign-on ({ISSUER})"


def test_the_account_is_found_by_subject_not_by_name_or_address(region_setup):
    local = region_setup.users["toegang_assen"]
    user = login(
        "Gemeente Assen",
        Role.BELEIDSADVISEUR,
        claims={
            **CLAIMS,
            "preferred_username": local.username,
            "email": local.email,
        },
    )
    assert user.pk != local.pk  # a local account of the same name is never taken over
    assert user.username == f"{local.username}-2"
    assert SsoIdentity.objects.get(user=user).subject == "sub-1"


def test_functioneel_beheer_gets_staff_but_never_superuser(region_setup):
    user = login("Gemeente Assen", Role.FUNCTIONEEL_BEHEERDER)
    assert user.is_staff and not user.is_superuser
    # Withdrawn at the provider: staff goes with the role.
    user = login("Gemeente Assen", Role.BELEIDSADVISEUR)
    assert not user.is_staff


@pytest.mark.parametrize(
    "other",
    [Role.TOEGANGSMEDEWERKER, Role.OPVANGMEDEWERKER, Role.AANBIEDER, Role.AUDITOR],
)
def test_beheer_together_with_personal_data_is_refused(region_setup, other):
    grant, refusals = sso_grant_refusals(
        organisation="Gemeente Assen", roles=(Role.FUNCTIONEEL_BEHEERDER, other), user=None
    )
    assert grant is None
    assert "combineren functioneel beheer met toegang tot persoonsgegevens" in refusals[0]


def test_the_check_uses_the_roles_permissions_as_they_are_now(region_setup):
    # Someone gave the policy role a personal-data permission in beheer: beheer + policy is
    # now refused too.
    group = Group.objects.get(name=Role.BELEIDSADVISEUR)
    group.permissions.add(Permission.objects.get(codename="view_personal_data"))
    grant, refusals = sso_grant_refusals(
        organisation="Gemeente Assen",
        roles=(Role.FUNCTIONEEL_BEHEERDER, Role.BELEIDSADVISEUR),
        user=None,
    )
    assert grant is None and refusals


def test_a_superuser_never_logs_in_through_single_sign_on(region_setup):
    user = login("Gemeente Assen", Role.BELEIDSADVISEUR)
    user.is_superuser = True
    user.save()
    grant, refusals = sso_grant_refusals(
        organisation="Gemeente Assen", roles=(Role.BELEIDSADVISEUR,), user=user
    )
    assert grant is None
    assert "superuser" in refusals[0]
    # And the service refuses too, whatever called it.
    with pytest.raises(PermissionDenied):
        sso_account_sync(
            issuer=ISSUER,
            subject="sub-1",
            claims=CLAIMS,
            grant=grant_for("Gemeente Assen", Role.BELEIDSADVISEUR),
        )


def test_an_organisation_that_does_not_exist_is_refused(region_setup):
    grant, refusals = sso_grant_refusals(
        organisation="Gemeente Nergens", roles=(Role.BELEIDSADVISEUR,), user=None
    )
    assert grant is None
    assert "De organisatie “Gemeente Nergens”" in refusals[0]


def test_an_account_switched_off_in_bwmo_stays_off(region_setup):
    user = login("Gemeente Assen", Role.BELEIDSADVISEUR)
    user.is_active = False
    user.save()
    changes = RightsChange.objects.count()
    grant, refusals = sso_grant_refusals(
        organisation="Gemeente Assen", roles=(Role.TOEGANGSMEDEWERKER,), user=user
    )
    assert grant is None
    assert "Uw account in bwmo is uitgeschakeld" in refusals[0]
    assert RightsChange.objects.count() == changes


def test_the_service_refuses_beheer_with_personal_data_whatever_called_it(region_setup):
    beheer = grant_for("Gemeente Assen", Role.FUNCTIONEEL_BEHEERDER)
    toegang = grant_for("Gemeente Assen", Role.TOEGANGSMEDEWERKER)
    forged = type(beheer)(
        organisation_id=beheer.organisation_id,
        group_ids=beheer.group_ids | toegang.group_ids,
        is_staff=True,
    )
    users = User.objects.count()
    with pytest.raises(PermissionDenied):
        sso_account_sync(issuer=ISSUER, subject="sub-9", claims=CLAIMS, grant=forged)
    assert User.objects.count() == users  # rolled back: no account, no identity
    assert not SsoIdentity.objects.filter(subject="sub-9").exists()
