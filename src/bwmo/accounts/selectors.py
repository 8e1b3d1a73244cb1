"""Reads of the accounts app, and the rule for who may change whose rights.

No one raises their own rights. A superuser may change anyone's. Anyone else (the
functioneel beheerder) is the second person for other users only, and then only within
what they hold themselves: never superuser status, never a permission they lack, never a
role that reaches personal data, and nothing upwards for a user who already reaches it.
Taking rights away from someone else is always allowed: that is how an account is closed.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User
from .roles import PERSONAL_DATA_PERMISSIONS, Role


@dataclass(frozen=True)
class Rights:
    """What a user may do and see: status, roles, own permissions and organisations."""

    is_superuser: bool
    is_staff: bool
    is_active: bool
    groups: frozenset[int]
    permissions: frozenset[int]  # the user's own permissions (not through a role)
    organisations: frozenset[int]


RIGHTS_FIELDS = ("is_superuser", "is_staff", "is_active", "groups", "permissions", "organisations")


def user_rights(*, user: User) -> Rights:
    if user.pk is None:
        return Rights(False, False, True, frozenset(), frozenset(), frozenset())
    return Rights(
        is_superuser=user.is_superuser,
        is_staff=user.is_staff,
        is_active=user.is_active,
        groups=frozenset(user.groups.values_list("pk", flat=True)),
        permissions=frozenset(user.user_permissions.values_list("pk", flat=True)),
        organisations=frozenset(user.organisations.values_list("pk", flat=True)),
    )


def permission_names(*, permission_ids) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(pk__in=permission_ids).values_list(
            "content_type__app_label", "codename"
        )
    }


def _group_permission_ids(group_ids) -> set[int]:
    return set(Permission.objects.filter(group__pk__in=group_ids).values_list("pk", flat=True))


def rights_permission_names(*, rights: Rights) -> set[str]:
    """Every permission the rights give, through roles and directly."""
    return permission_names(
        permission_ids=_group_permission_ids(rights.groups) | set(rights.permissions)
    )


def _editor_permissions(editor: User) -> set[str]:
    return set() if not editor.is_active else editor.get_all_permissions()


def _grant_refusals(editor: User, granted: set[str], what: str) -> list[str]:
    refusals = []
    personal = sorted(granted & PERSONAL_DATA_PERMISSIONS)
    if personal:
        refusals.append(
            _(
                "%(what)s geeft toegang tot persoonsgegevens van cliënten (%(perms)s). Alleen "
                "een superuser kent dat toe."
            )
            % {"what": what, "perms": ", ".join(personal)}
        )
    lacking = sorted(granted - _editor_permissions(editor) - PERSONAL_DATA_PERMISSIONS)
    if lacking:
        refusals.append(
            _(
                "%(what)s geeft rechten die u zelf niet heeft (%(perms)s). Vraag een superuser "
                "om dit te doen."
            )
            % {"what": what, "perms": ", ".join(lacking)}
        )
    return refusals


def rights_change_refusals(*, editor: User, user: User, before: Rights, after: Rights) -> list[str]:
    """Why ``editor`` may not change ``user``'s rights from ``before`` to ``after`` (in
    Dutch, for the form); empty when allowed."""
    if before == after or editor.is_superuser:
        return []
    if user.pk is not None and user.pk == editor.pk:
        return [
            _(
                "U kunt uw eigen rechten (rollen, organisaties, status) niet wijzigen. Vraag "
                "een andere beheerder of een superuser."
            )
        ]
    if before.is_superuser:
        return [_("Alleen een superuser wijzigt de rechten van een superuser.")]
    refusals = []
    if before.is_superuser != after.is_superuser:
        refusals.append(_("Alleen een superuser maakt iemand superuser."))
    for group in Group.objects.filter(pk__in=after.groups - before.groups).order_by("name"):
        granted = permission_names(permission_ids=_group_permission_ids([group.pk]))
        refusals += _grant_refusals(editor, granted, _("De rol “%s”") % group.name)
    added = permission_names(permission_ids=after.permissions - before.permissions)
    if added:
        refusals += _grant_refusals(editor, added, _("Deze losse rechten"))
    raised = (
        after.groups - before.groups
        or after.permissions - before.permissions
        or after.organisations - before.organisations
        or (after.is_staff and not before.is_staff)
        or (after.is_active and not before.is_active)
    )
    if (
        raised
        and not refusals
        and rights_permission_names(rights=after) & PERSONAL_DATA_PERMISSIONS
    ):
        refusals.append(
            _(
                "Deze gebruiker ziet persoonsgegevens van cliënten: alleen een superuser "
                "breidt diens rechten of organisaties uit. Rechten intrekken mag wel."
            )
        )
    return refusals


def group_change_refusals(
    *, editor: User, group: Group | None, before: set[int], after: set[int]
) -> list[str]:
    """Why ``editor`` may not change a role's permissions from ``before`` to ``after``."""
    if before == after or editor.is_superuser:
        return []
    if group is not None and group.pk and editor.groups.filter(pk=group.pk).exists():
        return [
            _(
                "U heeft deze rol zelf: de rechten ervan wijzigt een superuser, niet u. "
                "Rechten intrekken ook niet, want u wijzigt daarmee ook uw eigen rechten."
            )
        ]
    refusals = _grant_refusals(
        editor, permission_names(permission_ids=after - before), _("Deze wijziging")
    )
    if (
        not refusals
        and after - before
        and permission_names(permission_ids=after) & PERSONAL_DATA_PERMISSIONS
    ):
        refusals.append(
            _(
                "Deze rol geeft toegang tot persoonsgegevens van cliënten: alleen een superuser "
                "breidt de rechten ervan uit."
            )
        )
    return refusals


def password_settable_by(*, editor: User, user: User) -> bool:
    """Whether ``editor`` may set ``user``'s password: their own, or (for someone else's)
    only when that account holds nothing the editor lacks — setting a password is taking
    the account over."""
    if editor.is_superuser or editor.pk == user.pk:
        return True
    if user.is_superuser:
        return False
    held = rights_permission_names(rights=user_rights(user=user))
    return not (held & PERSONAL_DATA_PERMISSIONS) and held <= _editor_permissions(editor)


def monitor_reader_groups(codes: list[str]) -> list[tuple[str, ...]]:
    """The sets of ``codes`` that one user may see in full in the monitor (their own
    residents): the municipalities of the user's municipal organisations and those that gave
    one of the user's organisations a mandate, at any time (what was once seen stays known).
    Every single municipality is a group too: its own staff see it in full."""
    from bwmo.organisations.models import Mandate, Organisation

    wanted = set(codes)
    known_by_org: dict[int, set[str]] = {}
    for pk, code in Organisation.objects.filter(
        kind=Organisation.Kind.GEMEENTE, municipality__isnull=False
    ).values_list("pk", "municipality_id"):
        known_by_org.setdefault(pk, set()).add(code)
    for holder, grantor in Mandate.objects.values_list("holder_id", "grantor_id"):
        known_by_org.setdefault(holder, set()).add(grantor)
    known_by_user: dict[int, set[str]] = {}
    for user, org in User.organisations.through.objects.values_list("user_id", "organisation_id"):
        known_by_user.setdefault(user, set()).update(known_by_org.get(org, set()))
    groups: set[tuple[str, ...]] = {(code,) for code in wanted}
    for known in known_by_user.values():
        mine = tuple(sorted(known & wanted))
        if mine:
            groups.add(mine)
    return sorted(groups, key=lambda group: (len(group), group))


# The roles whose accounts must log in with a second factor (security.md: the functioneel
# beheerder manages accounts and rights, the auditor reads the access log).
TWO_FACTOR_ROLES = frozenset({Role.FUNCTIONEEL_BEHEERDER, Role.AUDITOR})


def two_factor_required(*, user: User) -> bool:
    """Must this user log in with a code from an authenticator app (beheer and auditor)?"""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=TWO_FACTOR_ROLES).exists()


def totp_device_for(*, user: User, confirmed: bool = True) -> TOTPDevice | None:
    """The user's authenticator-app device (confirmed, or the one being set up), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def recovery_codes_left(*, user: User) -> int:
    return user.recovery_codes.filter(used_at__isnull=True).count()


# --- Single sign-on (OpenID Connect) -------------------------------------------------------


@dataclass(frozen=True)
class SsoGrant:
    """What a single sign-on login gives the account: checked, ready to be written."""

    organisation_id: int
    group_ids: frozenset[int]
    is_staff: bool


def sso_account_for(*, issuer: str, subject: str) -> User | None:
    """The account linked to this person at this identity provider, or None (a first login)."""
    from .models import SsoIdentity

    identity = (
        SsoIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    return identity.user if identity is not None else None


def sso_grant_refusals(
    *, organisation: str, roles: tuple[str, ...], user: User | None
) -> tuple[SsoGrant | None, list[str]]:
    """The grant for a mapped organisation and roles, or why the login is refused (Dutch).

    The mapping names organisations and roles that must exist in bwmo. It never makes a
    superuser, and never a functioneel beheerder (beheer, staff) who reaches personal data:
    the same rule as for a second person in the beheer screens, applied to the permissions
    the roles have *now* (a role's permissions are data and may have been changed).
    """
    from bwmo.organisations.models import Organisation

    refusals: list[str] = []
    org = Organisation.objects.filter(name=organisation).first()
    if org is None:
        refusals.append(
            _(
                "De organisatie “%s” uit de instellingen voor single sign-on bestaat niet in "
                "bwmo. Vraag de functioneel beheerder de instellingen na te kijken."
            )
            % organisation
        )
    groups = {group.name: group for group in Group.objects.filter(name__in=roles)}
    for role in roles:
        if role not in groups:
            refusals.append(
                _(
                    "De rol “%s” uit de instellingen voor single sign-on bestaat niet in bwmo. "
                    "Vraag de functioneel beheerder de instellingen na te kijken."
                )
                % role
            )
    if user is not None and user.is_superuser:
        refusals.append(
            _(
                "Dit account is superuser. Een superuser logt in met gebruikersnaam, "
                "wachtwoord en code, niet via single sign-on."
            )
        )
    if user is not None and not user.is_active:
        refusals.append(
            _(
                "Uw account in bwmo is uitgeschakeld. Vraag de functioneel beheerder van uw "
                "organisatie of het weer aan kan."
            )
        )
    if refusals or org is None:
        return None, refusals
    is_staff = Role.FUNCTIONEEL_BEHEERDER in groups
    granted = permission_names(
        permission_ids=_group_permission_ids([g.pk for g in groups.values()])
    )
    if user is not None:
        granted |= permission_names(
            permission_ids=set(user.user_permissions.values_list("pk", flat=True))
        )
    personal = granted & PERSONAL_DATA_PERMISSIONS
    if is_staff and personal:
        return None, [
            _(
                "De rollen %(roles)s combineren functioneel beheer met toegang tot "
                "persoonsgegevens van cliënten (%(perms)s). Dat kan niet via single sign-on: "
                "een functioneel beheerder ziet nooit persoonsgegevens."
            )
            % {
                "roles": ", ".join(f"“{name}”" for name in sorted(groups)),
                "perms": ", ".join(sorted(personal)),
            }
        ]
    grant = SsoGrant(
        organisation_id=org.pk,
        group_ids=frozenset(g.pk for g in groups.values()),
        is_staff=is_staff,
    )
    return grant, []
