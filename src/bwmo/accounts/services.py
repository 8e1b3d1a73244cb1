"""Writes of the accounts app: login throttling and changes of users' rights."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bwmo.organisations.models import Organisation

from .models import LoginThrottle, RightsChange, User
from .selectors import (
    RIGHTS_FIELDS,
    Rights,
    group_change_refusals,
    permission_names,
    rights_change_refusals,
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
        LoginThrottle.objects.filter(window_start__lte=now - window).delete()
    return LoginReservation(allowed=True, keys=tuple(key for key, _ in keys))


def login_attempt_succeeded(*, reservation: LoginReservation) -> None:
    """A correct password: the reserved attempt was no failure, give it back."""
    with transaction.atomic():
        LoginThrottle.objects.filter(key__in=reservation.keys, attempts__gt=0).update(
            attempts=F("attempts") - 1
        )


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
