"""Writes of the accounts app: login throttling and changes of users' rights."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from bwmo.organisations.models import Organisation

from .models import LoginThrottle, RecoveryCode, RightsChange, SsoIdentity, User
from .roles import PERSONAL_DATA_PERMISSIONS
from .selectors import (
    RIGHTS_FIELDS,
    Rights,
    SsoGrant,
    group_change_refusals,
    permission_names,
    rights_change_refusals,
    rights_permission_names,
    totp_device_for,
    user_rights,
)


@dataclass(frozen=True)
class LoginReservation:
    """The outcome of reserving a login attempt: allowed, or locked until ``retry_at``."""

    allowed: bool
    keys: tuple[str, ...] = ()
    retry_at: datetime | None = None


def _throttle_keys(*, username: str, address: str) -> list[tuple[str, int]]:
    def digest(*parts: str) -> str:
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()

    # Per username *and* address: whoever tries a name from their own address cannot lock
    # out its owner working elsewhere. Per address: one address cannot try every name.
    return sorted(
        [
            (f"ua:{digest(username, address)}", settings.BWMO_LOGIN_MAX_FAILURES),
            (f"a:{digest(address)}", settings.BWMO_LOGIN_MAX_FAILURES_PER_ADDRESS),
        ]
    )


def login_attempt_reserve(
    *, username: str, address: str, now: datetime | None = None
) -> LoginReservation:
    """Count a login attempt *before* its password is checked, or refuse it.

    The rows of the keys are locked (``select_for_update``; SQLite takes its write lock at
    the start of the transaction) while they are read and raised, so parallel attempts
    cannot all slip through. A successful login gives its attempt back
    (``login_attempt_succeeded``); a failed one keeps it.
    """
    now = now or timezone.now()
    window = timedelta(seconds=settings.BWMO_LOGIN_WINDOW_SECONDS)
    keys = _throttle_keys(username=username.strip().lower(), address=address)
    with transaction.atomic():
        LoginThrottle.objects.bulk_create(
            [LoginThrottle(key=key, attempts=0, window_start=now) for key, _ in keys],
            ignore_conflicts=True,
        )
        rows = {
            row.key: row
            for row in LoginThrottle.objects.select_for_update()
            .filter(key__in=[key for key, _ in keys])
            .order_by("key")
        }
        for row in rows.values():
            if row.window_start <= now - window:
                row.attempts, row.window_start = 0, now
        locked = [rows[key] for key, limit in keys if rows[key].attempts >= limit]
        if locked:
            return LoginReservation(
                allowed=False, retry_at=max(row.window_start for row in locked) + window
            )
        for row in rows.values():
            row.attempts += 1
            row.save(update_fields=["attempts", "window_start"])
        # The rows of windows that ended, but none that another attempt holds: waiting for
        # those, two attempts could each wait for the other.
        ended = LoginThrottle.objects.select_for_update(skip_locked=True).filter(
            window_start__lte=now - window
        )
        LoginThrottle.objects.filter(pk__in=list(ended.values_list("pk", flat=True))).delete()
    return LoginReservation(allowed=True, keys=tuple(key for key, _ in keys))


def login_attempt_succeeded(*, reservation: LoginReservation) -> None:
    """A correct password: the reserved attempt was no failure, give it back.

    The rows are locked in the order of their keys first, as ``login_attempt_reserve`` locks
    them: an update alone locks them in the table's order, and against a reservation of the
    same account and address in the other order the two deadlocked (PostgreSQL)."""
    with transaction.atomic():
        held = list(
            LoginThrottle.objects.select_for_update()
            .filter(key__in=reservation.keys)
            .order_by("key")
            .values_list("pk", flat=True)
        )
        LoginThrottle.objects.filter(pk__in=held, attempts__gt=0).update(attempts=F("attempts") - 1)


def _readable(field: str, value) -> object:
    """A value as the record keeps it: names, not only keys (they outlive deletions)."""
    if field == "groups":
        return sorted(Group.objects.filter(pk__in=value).values_list("name", flat=True))
    if field == "permissions":
        return sorted(permission_names(permission_ids=value))
    if field == "organisations":
        return sorted(Organisation.objects.filter(pk__in=value).values_list("name", flat=True))
    return value


def _authority(editor: User) -> str:
    return (
        RightsChange.Authority.SUPERUSER
        if editor.is_superuser
        else RightsChange.Authority.SECOND_PERSON
    )


def user_rights_record(*, editor: User, user: User, before: Rights) -> list[RightsChange]:
    """Check a change of ``user``'s rights that was just saved, and append it to the record.

    Called inside the transaction that saved the change: a change the editor may not make
    raises ``PermissionDenied`` and so is rolled back whole, whatever screen made it.
    """
    after = user_rights(user=user)
    with transaction.atomic():
        refusals = rights_change_refusals(editor=editor, user=user, before=before, after=after)
        if refusals:
            raise PermissionDenied(" ".join(refusals))
        return [
            RightsChange.objects.create(
                changed_by=editor,
                changed_by_name=editor.get_username(),
                user=user,
                user_name=user.get_username(),
                field=field,
                before=_readable(field, getattr(before, field)),
                after=_readable(field, getattr(after, field)),
                authority=_authority(editor),
            )
            for field in RIGHTS_FIELDS
            if getattr(before, field) != getattr(after, field)
        ]


def group_permissions_record(
    *, editor: User, group: Group, before: set[int]
) -> RightsChange | None:
    """Check a change of a role's permissions that was just saved, and append it."""
    after = set(group.permissions.values_list("pk", flat=True))
    with transaction.atomic():
        refusals = group_change_refusals(editor=editor, group=group, before=before, after=after)
        if refusals:
            raise PermissionDenied(" ".join(refusals))
        if before == after:
            return None
        return RightsChange.objects.create(
            changed_by=editor,
            changed_by_name=editor.get_username(),
            group=group,
            group_name=group.name,
            field="permissions",
            before=_readable("permissions", before),
            after=_readable("permissions", after),
            authority=_authority(editor),
        )


# --- Two-factor login (TOTP from an authenticator app, recovery codes) -------------------

RECOVERY_CODE_COUNT = 10


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(_normalise_code(code).encode()).hexdigest()


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_code() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper, typed in
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def totp_new_secret() -> str:
    """A fresh TOTP secret (hex, 20 bytes), for a device that is being set up.

    Nothing is stored until the user confirms it with a code: the page that shows it keeps it
    in the session, so opening that page writes nothing and re-opening it shows the same QR.
    """
    return random_hex(20)


def recovery_codes_replace(*, user: User) -> list[str]:
    """New recovery codes for ``user`` (the old ones stop working); returned once, kept hashed."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(user=user, code_hash=_recovery_hash(code)) for code in codes]
        )
    return codes


@dataclass(frozen=True)
class SecondFactor:
    """The outcome of a code: accepted (with the device to mark the session), wrong, or
    refused because too many attempts failed (``retry_at``)."""

    device: TOTPDevice | None = None
    retry_at: datetime | None = None
    recovery_code_used: bool = False

    @property
    def accepted(self) -> bool:
        return self.device is not None


def _code_matches(*, user: User, device: TOTPDevice, code: str) -> SecondFactor:
    token = _normalise_code(code)
    if token.isdigit() and device.verify_token(token):
        return SecondFactor(device=device)
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_recovery_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if used and device.confirmed:
        return SecondFactor(device=device, recovery_code_used=True)
    return SecondFactor()


def second_factor_check(*, user: User, code: str, address: str) -> SecondFactor:
    """Check a code from the app, or a recovery code, after the password was right.

    Counted by the same throttle as passwords (username + address, and address): a wrong
    code is a failed login attempt, a right one gives its attempt back.
    """
    device = totp_device_for(user=user)
    if device is None:
        return SecondFactor()
    reservation = login_attempt_reserve(username=user.get_username(), address=address)
    if not reservation.allowed:
        return SecondFactor(retry_at=reservation.retry_at)
    with transaction.atomic():
        outcome = _code_matches(user=user, device=device, code=code)
    if outcome.accepted:
        login_attempt_succeeded(reservation=reservation)
    return outcome


def totp_enrolment_confirm(
    *, user: User, key: str, code: str, address: str
) -> tuple[SecondFactor, list[str]]:
    """Confirm the secret being set up with a code from the app: store the device, and return
    the recovery codes (to be shown once). Throttled like a login: a wrong code counts."""
    reservation = login_attempt_reserve(username=user.get_username(), address=address)
    if not reservation.allowed:
        return SecondFactor(retry_at=reservation.retry_at), []
    token = _normalise_code(code)
    check = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6, drift=0)
    if not (token.isdigit() and len(token) == 6 and check.verify(int(token), tolerance=1)):
        return SecondFactor(), []
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        # last_t: the code just used cannot be used again for the next login.
        device = TOTPDevice.objects.create(
            user=user, name="bwmo", key=key, confirmed=True, last_t=check.t()
        )
        codes = recovery_codes_replace(user=user)
    login_attempt_succeeded(reservation=reservation)
    return SecondFactor(device=device), codes


def password_reset_reserve(*, email: str, address: str) -> LoginReservation:
    """Count a request for a password-reset e-mail, or refuse it (same limits as logins).

    Counted whether or not the address belongs to an account, and never given back: the
    answer must not tell which addresses exist, and nobody should be able to flood a mailbox.
    """
    return login_attempt_reserve(username=f"wachtwoord-vergeten:{email}", address=address)


# --- Single sign-on (OpenID Connect) -------------------------------------------------------


def _sso_username(claims: dict[str, object], subject: str) -> str:
    """A free username for a first login: the provider's ``preferred_username`` (or the
    subject), with a number added when a local account already has that name."""
    wanted = claims.get("preferred_username")
    base = (wanted if isinstance(wanted, str) and wanted.strip() else subject).strip()[:140]
    name, number = base, 1
    while User.objects.filter(username__iexact=name).exists():
        number += 1
        name = f"{base}-{number}"
    return name


def _claim_text(claims: dict[str, object], name: str, max_length: int) -> str:
    value = claims.get(name)
    return value.strip()[:max_length] if isinstance(value, str) else ""


def sso_account_sync(
    *, issuer: str, subject: str, claims: dict[str, object], grant: SsoGrant
) -> User:
    """Create or update the account of a single sign-on login, with the checked grant.

    The identity provider is the source of the account's organisation and roles: they become
    exactly what the mapping gave (a role no longer claimed is withdrawn), and staff status
    follows the role Functioneel beheerder. Every change of rights is appended to the record
    of rights changes with the identity provider as the authority. All or nothing: a refusal
    raised here leaves no account behind.
    """
    with transaction.atomic():
        identity = (
            SsoIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is None:
            user = User(username=_sso_username(claims, subject))
            user.set_unusable_password()  # no local login, no password-reset mail
            before = user_rights(user=user)
        else:
            user = identity.user
            before = user_rights(user=user)
        if user.is_superuser:
            raise PermissionDenied("A superuser does not log in through single sign-on.")
        user.first_name = _claim_text(claims, "given_name", 150) or user.first_name
        user.last_name = _claim_text(claims, "family_name", 150) or user.last_name
        user.email = _claim_text(claims, "email", 254) or user.email
        user.is_staff = grant.is_staff
        user.save()
        if identity is None:
            identity = SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        user.groups.set(grant.group_ids)
        user.organisations.set([grant.organisation_id])
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        after = user_rights(user=user)
        if after.is_staff and rights_permission_names(rights=after) & PERSONAL_DATA_PERMISSIONS:
            # Checked again where it is written: beheer never comes with personal data.
            raise PermissionDenied("Single sign-on never gives beheer with personal data.")
        authority_name = f"single sign-on ({issuer})"[:150]
        RightsChange.objects.bulk_create(
            [
                RightsChange(
                    changed_by=None,
                    changed_by_name=authority_name,
                    user=user,
                    user_name=user.get_username(),
                    field=field,
                    before=_readable(field, getattr(before, field)),
                    after=_readable(field, getattr(after, field)),
                    authority=RightsChange.Authority.IDENTITY_PROVIDER,
                )
                for field in RIGHTS_FIELDS
                if getattr(before, field) != getattr(after, field)
            ]
        )
    return user
