"""Writes of the accounts app: login throttling and changes of users' rights."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import LoginThrottle


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
