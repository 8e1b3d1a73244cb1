"""Reads of the access log for the auditor's screen and its Excel download."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from .models import AccessLogEntry

# Repeated identical entries within this span (first to last) show as one row on screen.
COLLAPSE_WINDOW = timedelta(hours=1)

_LIST_FIELDS = ("pk", "at", "username", "organisation", "client_pseudonym", "what", "why")


@dataclass(frozen=True)
class Period:
    """A period of whole days; ``end`` is inclusive. ``None`` on a side: unbounded."""

    start: date | None = None
    end: date | None = None

    @property
    def is_whole_log(self) -> bool:
        return self.start is None and self.end is None


def _filtered(entries: QuerySet[AccessLogEntry], period: Period | None, until_pk: int | None):
    if period is not None and period.start is not None:
        start = timezone.make_aware(datetime.combine(period.start, time.min))
        entries = entries.filter(at__gte=start)
    if period is not None and period.end is not None:
        end = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min))
        entries = entries.filter(at__lt=end)
    if until_pk is not None:
        entries = entries.filter(pk__lte=until_pk)
    return entries.only(*_LIST_FIELDS).order_by("-pk")


def access_log_for_client(
    *, client, period: Period | None = None, until_pk: int | None = None
) -> QuerySet[AccessLogEntry]:
    """Who looked at ``client``, newest first; within ``period`` and up to entry ``until_pk``."""
    entries = AccessLogEntry.objects.filter(client_pseudonym=str(client.pseudonym))
    return _filtered(entries, period, until_pk)


def access_log_for_user(
    *, username: str, period: Period | None = None, until_pk: int | None = None
) -> QuerySet[AccessLogEntry]:
    """What the user called ``username`` (as logged at the time) looked at, newest first."""
    return _filtered(AccessLogEntry.objects.filter(username=username), period, until_pk)


def username_known(username: str) -> bool:
    """A current user of that name, or a name in the log (a user renamed since)."""
    return (
        get_user_model().objects.filter(username=username).exists()
        or AccessLogEntry.objects.filter(username=username).exists()
    )


def access_log_last_pk() -> int | None:
    """The newest entry now: the screen's answer and its download end there."""
    return AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()


@dataclass
class CollapsedRow:
    """One row on screen: a run of consecutive identical entries (often just one)."""

    entries: list
    first_at: datetime
    last_at: datetime

    @classmethod
    def of(cls, entry) -> "CollapsedRow":
        return cls([entry], entry.at, entry.at)

    def add(self, entry) -> None:
        self.entries.append(entry)
        self.first_at = min(self.first_at, entry.at)
        self.last_at = max(self.last_at, entry.at)

    @property
    def entry(self):
        return self.entries[0]

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def same_day(self) -> bool:
        return timezone.localdate(self.first_at) == timezone.localdate(self.last_at)


def _same(a, b) -> bool:
    return (a.username, a.organisation, a.client_pseudonym, a.what, a.why) == (
        b.username,
        b.organisation,
        b.client_pseudonym,
        b.what,
        b.why,
    )


def access_log_collapsed(entries: Iterable, window: timedelta) -> list[CollapsedRow]:
    """Runs of consecutive entries with the same user, organisation, client, what and why,
    whose first and last time lie at most ``window`` apart, as one row each.

    Only the display is collapsed: every entry is kept in its row, in the given order, so
    the counts add up to the number of entries. A run that would span more than ``window``
    starts a new row.
    """
    rows: list[CollapsedRow] = []
    for entry in entries:
        if rows:
            row = rows[-1]
            if _same(row.entry, entry):
                span = max(row.last_at, entry.at) - min(row.first_at, entry.at)
                if span <= window:
                    row.add(entry)
                    continue
        rows.append(CollapsedRow.of(entry))
    return rows


def last_verification():
    from .models import ChainVerification

    return ChainVerification.objects.order_by("-pk").first()


def last_anchor():
    from .models import ChainAnchor

    return ChainAnchor.objects.order_by("-pk").first()
