"""Nobody raises their own rights in the beheer screens; every change of rights is recorded.

The drill that found it: the functioneel beheerder POSTed its own change page with
``is_superuser=on``, the role Toegangsmedewerker and the organisation Gemeente Assen, and
afterwards searched clients.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse

from bwmo.accounts import services
from bwmo.accounts.models import RightsChange, User
from bwmo.accounts.roles import Role
from bwmo.accounts.selectors import user_rights
from tests.factories import PASSWORD, UserFactory, register_client

pytestmark = pytest.mark.django_db


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def user_form(user, **changes):
    """The POST of the user change page as the browser sends it, with ``changes``."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [p.pk for p in user.user_permissions.all()],
        "organisations": [o.pk for o in user.organisations.all()],
        "_save": "Opslaan",
    }
    if user.is_active:
        data["is_active"] = "on"
    if user.is_staff:
        data["is_staff"] = "on"
    if user.is_superuser:
        data["is_superuser"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def group(name):
    return Group.objects.get(name=name)


def perm(name):
    app, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app, codename=codename)


@pytest.fixture
def beheer(client, users):
    client.force_login(users["beheer"])
    return client


@pytest.fixture
def superuser():
    return User.objects.create_superuser("super", password=PASSWORD)


def test_the_beheerder_cannot_make_itself_superuser_with_personal_data(beheer, region_setup):
    me = region_setup.users["beheer"]
    register_client(region_setup)
    response = beheer.post(
        change_url(me),
        user_form(
            me,
            is_superuser="on",
            groups=[group(Role.TOEGANGSMEDEWERKER).pk, group(Role.FUNCTIONEEL_BEHEERDER).pk],
            organisations=[region_setup.org["assen"].pk],
            user_permissions=[perm("clients.view_personal_data").pk],
        ),
    )
    assert response.status_code in (200, 302)
    me.refresh_from_db()
    assert not me.is_superuser
    assert list(me.groups.values_list("name", flat=True)) == [Role.FUNCTIONEEL_BEHEERDER]
    assert list(me.organisations.all()) == [region_setup.org["regio"]]
    assert not me.user_permissions.exists()
    # Logged in again: still no client search.
    beheer.logout()
    assert beheer.login(username="beheer", password=PASSWORD)
    assert beheer.get(reverse("clients:search")).status_code == 403
    assert not RightsChange.objects.exists()


def test_own_rights_are_shown_but_not_editable(beheer, users):
    page = beheer.get(change_url(users["beheer"]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    for name in ("is_superuser", "is_staff", "is_active", "groups", "organisations"):
        assert name not in form.fields, name


@pytest.mark.parametrize(
    ("role", "why"),
    [
        (Role.TOEGANGSMEDEWERKER, "persoonsgegevens"),
        (Role.AUDITOR, "persoonsgegevens"),
        (Role.CONTROLLER, "die u zelf niet heeft"),
        (Role.CONTRACTMANAGER, "die u zelf niet heeft"),
    ],
)
def test_the_beheerder_grants_no_role_beyond_its_own(beheer, users, role, why):
    target = users["beleid"]
    response = beheer.post(
        change_url(target),
        user_form(target, groups=[group(Role.BELEIDSADVISEUR).pk, group(role).pk]),
    )
    assert response.status_code == 200
    assert why in response.content.decode()
    assert list(target.groups.values_list("name", flat=True)) == [Role.BELEIDSADVISEUR]
    assert not RightsChange.objects.exists()


def test_no_permission_beyond_its_own_either(beheer, users):
    target = users["beleid"]
    for name in ("clients.view_personal_data", "finance.view_finance"):
        response = beheer.post(
            change_url(target), user_form(target, user_permissions=[perm(name).pk])
        )
        assert response.status_code == 200, name
        assert not target.user_permissions.exists()


def test_a_user_who_sees_personal_data_gets_no_more_from_the_beheerder(beheer, region_setup):
    target = region_setup.users["toegang_assen"]
    for changes in (
        {"groups": [group(Role.TOEGANGSMEDEWERKER).pk, group(Role.FUNCTIONEEL_BEHEERDER).pk]},
        {"organisations": [region_setup.org["assen"].pk, region_setup.org["emmen"].pk]},
        {"is_staff": "on"},
    ):
        response = beheer.post(change_url(target), user_form(target, **changes))
        assert response.status_code == 200, changes
        assert "alleen een superuser" in response.content.decode()
    target.refresh_from_db()
    assert not target.is_staff and target.organisations.count() == 1
    # Taking rights away is allowed (someone leaves): recorded as by a second person.
    response = beheer.post(change_url(target), user_form(target, groups=[], is_active=None))
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active and not target.groups.exists()
    fields = set(RightsChange.objects.values_list("field", flat=True))
    assert fields == {"groups", "is_active"}
    change = RightsChange.objects.get(field="groups")
    assert change.before == [Role.TOEGANGSMEDEWERKER] and change.after == []
    assert change.changed_by_name == "beheer" and change.user_name == "toegang.assen"
    assert change.authority == RightsChange.Authority.SECOND_PERSON


def test_a_second_beheerder_may_grant_what_it_holds(beheer, users):
    target = users["beleid"]
    response = beheer.post(
        change_url(target),
        user_form(
            target,
            groups=[group(Role.BELEIDSADVISEUR).pk, group(Role.FUNCTIONEEL_BEHEERDER).pk],
            is_staff="on",
        ),
    )
    assert response.status_code == 302
    assert target.groups.count() == 2
    assert set(RightsChange.objects.values_list("field", flat=True)) == {"groups", "is_staff"}


def test_a_superuser_may_grant_a_personal_data_role(client, users, superuser):
    client.force_login(superuser)
    target = users["beleid"]
    response = client.post(
        change_url(target), user_form(target, groups=[group(Role.TOEGANGSMEDEWERKER).pk])
    )
    assert response.status_code == 302
    change = RightsChange.objects.get()
    assert change.after == [Role.TOEGANGSMEDEWERKER]
    assert change.authority == RightsChange.Authority.SUPERUSER


def test_the_beheerder_does_not_touch_a_superuser(beheer, superuser):
    assert beheer.get(change_url(superuser)).status_code == 200  # to read
    response = beheer.post(change_url(superuser), user_form(superuser, is_active=None))
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.is_active
    password_url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert beheer.get(password_url).status_code == 403


def test_no_password_of_an_account_with_more_rights(beheer, users):
    for name in ("toegang_assen", "beleid"):
        url = reverse("admin:auth_user_password_change", args=[users[name].pk])
        response = beheer.post(
            url, {"password1": "Nieuw-wachtwoord-99", "password2": "Nieuw-wachtwoord-99"}
        )
        assert response.status_code == 403, name
        users[name].refresh_from_db()
        assert users[name].check_password(PASSWORD)
    newcomer = UserFactory(username="nieuw")
    url = reverse("admin:auth_user_password_change", args=[newcomer.pk])
    assert beheer.get(url).status_code == 200
    own = reverse("admin:auth_user_password_change", args=[users["beheer"].pk])
    assert beheer.get(own).status_code == 200


def test_the_add_form_grants_nothing(beheer, region_setup):
    response = beheer.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nieuwkomer",
            "password1": "Een-lang-wachtwoord-1",
            "password2": "Een-lang-wachtwoord-1",
            "usable_password": "true",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [group(Role.TOEGANGSMEDEWERKER).pk],
            "organisations": [region_setup.org["assen"].pk],
        },
    )
    assert response.status_code == 302
    newcomer = User.objects.get(username="nieuwkomer")
    assert not newcomer.is_superuser and not newcomer.is_staff
    assert not newcomer.groups.exists() and not newcomer.organisations.exists()


def group_form(g, permissions):
    return {"name": g.name, "permissions": [p.pk for p in permissions], "_save": "Opslaan"}


def test_the_beheerder_does_not_widen_a_personal_data_role(beheer):
    target = group(Role.TOEGANGSMEDEWERKER)
    before = set(target.permissions.all())
    url = reverse("admin:auth_group_change", args=[target.pk])
    response = beheer.post(url, group_form(target, [*before, perm("accounts.change_user")]))
    assert response.status_code == 200
    assert "alleen een superuser" in response.content.decode()
    assert set(target.permissions.all()) == before


def test_the_beheerder_does_not_change_its_own_role(beheer):
    own = group(Role.FUNCTIONEEL_BEHEERDER)
    before = set(own.permissions.all())
    url = reverse("admin:auth_group_change", args=[own.pk])
    assert "permissions" not in beheer.get(url).context["adminform"].form.fields
    beheer.post(url, group_form(own, [*before, perm("clients.view_personal_data")]))
    assert set(own.permissions.all()) == before


def test_the_beheerder_gives_no_role_what_it_lacks(beheer):
    target = group(Role.CONTROLLER)
    before = set(target.permissions.all())
    url = reverse("admin:auth_group_change", args=[target.pk])
    for extra in ("clients.view_personal_data", "messaging.exchange_iwmo"):
        response = beheer.post(url, group_form(target, [*before, perm(extra)]))
        assert response.status_code == 200, extra
    assert set(target.permissions.all()) == before
    # What it holds itself it may give (and it is recorded).
    response = beheer.post(url, group_form(target, [*before, perm("care.view_product")]))
    assert response.status_code == 302
    change = RightsChange.objects.get()
    assert change.group_name == Role.CONTROLLER and "care.view_product" in change.after


def test_the_service_refuses_a_self_raise_made_elsewhere(users, region_setup):
    me = users["beheer"]
    before = user_rights(user=me)
    me.groups.add(group(Role.TOEGANGSMEDEWERKER))
    with pytest.raises(PermissionDenied):
        services.user_rights_record(editor=me, user=me, before=before)


def test_the_record_is_append_only(users):
    change = RightsChange.objects.create(
        changed_by=users["beheer"],
        changed_by_name="beheer",
        user=users["beleid"],
        user_name="beleid",
        field="groups",
        before=[],
        after=["x"],
        authority="tweede persoon",
    )
    with pytest.raises(ValueError):
        change.save()
    with pytest.raises(ValueError):
        change.delete()
    with pytest.raises(ValueError):
        RightsChange.objects.update(after=[])
    with pytest.raises(ValueError):
        RightsChange.objects.all().delete()


@pytest.mark.django_db
def test_the_beheer_screen_of_authenticator_devices_never_shows_a_secret(client, region_setup):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(
        user=region_setup.users["beheer"], name="bwmo", confirmed=True
    )
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    with pytest.raises(NoReverseMatch):  # django-otp's QR-code screen is not there
        reverse("admin:otp_totp_totpdevice_config", args=[device.pk])
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    deleted = client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302 and not TOTPDevice.objects.filter(pk=device.pk).exists()
