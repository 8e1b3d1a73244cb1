"""Indications, stays, outflow and Wlz applications: the only writer of the first three.

Every grant or change of an indication's period is announced as
:data:`bwmo.care.events.indication_changed`, inside the same transaction; the iWmo traffic
(an allocation and a WMO301 for the provider) follows from that in ``bwmo.messaging``.
"""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bwmo.core.errors import StaleVersionError
from bwmo.core.validation import not_before, not_in_future, period_ordered
from bwmo.organisations.models import ProductKind, RegionMembership
from bwmo.rules import allocation_change as ac

from .events import indication_changed, indications_responsibility_changed
from .models import Financing, Indication, Outflow, OutflowReason, Stay, WlzApplication


@transaction.atomic
def indication_grant(
    *,
    client,
    melding,
    product,
    financing: str,
    provider,
    responsible_municipality,
    valid_from: date,
    valid_to: date | None = None,
    started_on: date | None = None,
) -> Indication:
    """A granted indication (a beschikking's toekenning, an MO intake's)."""
    indication = Indication.objects.create(
        client=client,
        melding=melding,
        product=product,
        financing=financing,
        provider=provider,
        responsible_municipality=responsible_municipality,
        valid_from=valid_from,
        valid_to=valid_to,
        started_on=started_on,
    )
    indication_changed.send(indication=indication, reason_change="", now=None)
    return indication


@transaction.atomic
def opvang_grant(
    *, client, melding, product, provider, centrumgemeente, location, start: date
) -> Indication:
    """Opvang granted at the intake: the indication (zorg in natura, open-ended, verzilverd
    at once) and the stay both begin on the intake day."""
    indication = indication_grant(
        client=client,
        melding=melding,
        product=product,
        financing=Financing.ZIN,
        provider=provider,
        responsible_municipality=centrumgemeente,
        valid_from=start,
        started_on=start,
    )
    Stay.objects.create(
        client=client,
        indication=indication,
        provider=provider,
        product=product,
        location=location,
        start=start,
    )
    return indication


@transaction.atomic
def indication_end_change(
    *, indication: Indication, valid_to: date | None, reason_change: str, now=None
) -> Indication:
    """Write an indication's new end date, with the WMO002 reason of the change.

    Whether the change is allowed (``bwmo.rules.allocation_change``) is decided by the
    caller, ``bwmo.messaging.services.indication_change_end``, which knows the allocation.
    """
    Indication.objects.filter(pk=indication.pk).update(valid_to=valid_to)
    indication.valid_to = valid_to
    indication_changed.send(indication=indication, reason_change=reason_change, now=now)
    return indication


# Ids per IN list: well below SQLite's limit on query parameters, few round trips.
_CHUNK = 5000


@transaction.atomic
def indications_responsible_set(*, responsible_by_melding: Mapping[int, str]) -> int:
    """The indications of these meldingen get the responsible municipality their case was
    decided for (melding id → CBS code; the woonplaats rules decide, this writes).

    Set-based: one read of the indications, one update per municipality, and only
    indications whose municipality changes are written. Those are announced together
    (``indications_responsibility_changed``). Returns how many indications changed.
    """
    melding_ids = list(responsible_by_melding)
    changes: dict[int, tuple[str, str]] = {}
    for first in range(0, len(melding_ids), _CHUNK):
        for pk, melding_id, current in Indication.objects.filter(
            melding_id__in=melding_ids[first : first + _CHUNK]
        ).values_list("pk", "melding_id", "responsible_municipality_id"):
            wanted = responsible_by_melding[melding_id]
            if current != wanted:
                changes[pk] = (current, wanted)
    by_municipality: dict[str, list[int]] = defaultdict(list)
    for pk, (_before, now) in changes.items():
        by_municipality[now].append(pk)
    for code, pks in by_municipality.items():
        for first in range(0, len(pks), _CHUNK):
            Indication.objects.filter(pk__in=pks[first : first + _CHUNK]).update(
                responsible_municipality_id=code
            )
    if changes:
        indications_responsibility_changed.send(changes=changes)
    return len(changes)


@transaction.atomic
def indication_start(*, indication: Indication, on: date) -> None:
    """Verzilverd: care was delivered on ``on``; the earliest such day counts."""
    Indication.objects.filter(pk=indication.pk).filter(
        Q(started_on__isnull=True) | Q(started_on__gt=on)
    ).update(started_on=on)


@transaction.atomic
def indication_start_correct(*, indication: Indication, first: date | None) -> None:
    """A reported start was withdrawn: the indication is verzilverd from ``first``, the
    earliest start that remains; with none left and no stay, it is not verzilverd."""
    if first is not None:
        Indication.objects.filter(pk=indication.pk).update(started_on=first)
    elif not indication.stays.exists():
        Indication.objects.filter(pk=indication.pk).update(started_on=None)


@transaction.atomic
def stay_start(
    *, indication: Indication, location, start: date, placement_reason: str = ""
) -> Stay:
    """The client starts with the provider: the indication is verzilverd from ``start``."""
    not_in_future("start", start, _("De begindatum van het verblijf"))
    not_before(
        "start",
        start,
        indication.valid_from,
        _("De begindatum"),
        _("de ingangsdatum van de indicatie"),
    )
    if indication.valid_to and start > indication.valid_to:
        raise ValidationError({"start": _("De begindatum ligt na de einddatum van de indicatie.")})
    if indication.provider_id is None:
        raise ValidationError(
            _(
                "Deze indicatie is een PGB zonder gecontracteerde aanbieder; "
                "verblijven worden alleen bij zorg in natura geregistreerd."
            )
        )
    if Stay.objects.filter(indication=indication, end__isnull=True).exists():
        raise ValidationError(_("Er loopt al een verblijf op deze indicatie; beëindig dat eerst."))
    if Stay.objects.filter(indication=indication).filter(Q(end__gte=start)).exists():
        raise ValidationError({"start": _("Het verblijf overlapt met een eerder verblijf.")})
    in_region = (
        RegionMembership.objects.valid_on(start)
        .filter(
            municipality=location,
            region__memberships__municipality_id=indication.responsible_municipality_id,
        )
        .exists()
    )
    if not in_region and not placement_reason.strip():
        raise ValidationError(
            {
                "placement_reason": _(
                    "Deze plek ligt buiten de regio van de verantwoordelijke gemeente. "
                    "Motiveer waarom dit de beste plek voor herstel is."
                )
            }
        )
    stay = Stay.objects.create(
        client=indication.client,
        indication=indication,
        provider=indication.provider,
        product=indication.product,
        location=location,
        start=start,
        placement_reason=placement_reason.strip() if not in_region else "",
    )
    if indication.started_on is None:
        Indication.objects.filter(pk=indication.pk).update(started_on=start)
        indication.started_on = start
    return stay


def _opvang_follows_stay(*, stay: Stay, ended: date | None, was: date, now) -> None:
    """Opvang is granted for as long as the stay lasts: when the stay ends (``ended``), an
    MO indication without an end date ends with it; when that end is taken back
    (``ended`` None, the stay had ended on ``was``), the indication goes on again. Either
    way the change is announced, so the provider gets the allocation as it now stands."""
    if not stay.indication_id or stay.product.kind != ProductKind.MO:
        return
    if ended is not None:
        changed = Indication.objects.filter(pk=stay.indication_id, valid_to__isnull=True).update(
            valid_to=ended
        )
        reason = ac.VERKORTING
    else:
        changed = Indication.objects.filter(pk=stay.indication_id, valid_to=was).update(
            valid_to=None
        )
        reason = ac.CORRECTIE
    if changed:
        indication = Indication.objects.select_related("product").get(pk=stay.indication_id)
        indication_changed.send(indication=indication, reason_change=reason, now=now)


def _close(*, stay: Stay, end: date, reason: str, now) -> Outflow:
    _opvang_follows_stay(stay=stay, ended=end, was=end, now=now)
    return Outflow.objects.create(stay=stay, date=end, reason=reason)


@transaction.atomic
def stay_end(*, stay: Stay, expected_version: int, end: date, reason: str) -> Outflow:
    """The user ends a stay with the reason of the outflow."""
    if reason not in OutflowReason.values:
        raise ValidationError({"reason": _("Kies de reden van uitstroom.")})
    not_in_future("end", end, _("De einddatum van het verblijf"))
    period_ordered("start", stay.start, "end", end)
    updated = Stay.objects.filter(pk=stay.pk, version=expected_version, end__isnull=True).update(
        end=end, version=F("version") + 1
    )
    if not updated:
        raise StaleVersionError()
    stay.end, stay.version = end, expected_version + 1
    return _close(stay=stay, end=end, reason=reason, now=None)


@transaction.atomic
def stay_end_reported(
    *, indication: Indication, end: date, reason: str, now: datetime | None = None
) -> Outflow | None:
    """The provider reports that care ended on ``end`` (a WMO307): the open stay on this
    indication that began by then ends. Without such a stay nothing changes."""
    stay = (
        Stay.objects.select_related("product")
        .filter(indication=indication, end__isnull=True, start__lte=end)
        .order_by("-start")
        .first()
    )
    if stay is None:
        return None
    Stay.objects.filter(pk=stay.pk).update(end=end, version=F("version") + 1)
    stay.end, stay.version = end, stay.version + 1
    return _close(stay=stay, end=end, reason=reason, now=now)


@transaction.atomic
def stay_end_undo(
    *, indication: Indication, end: date, by: str, now: datetime | None = None
) -> Stay | None:
    """A reported end is taken back (the provider withdraws its stop): the stay that ended
    on ``end`` goes on. Its outflow stays as history, marked withdrawn (when, by whom)."""
    stay = (
        Stay.objects.select_related("product")
        .filter(indication=indication, end=end)
        .order_by("-start")
        .first()
    )
    if stay is None:
        return None
    Outflow.objects.current().filter(stay=stay, date=end).update(
        withdrawn_at=now or timezone.now(), withdrawn_by=by[:100]
    )
    Stay.objects.filter(pk=stay.pk).update(end=None, version=F("version") + 1)
    stay.end, stay.version = None, stay.version + 1
    _opvang_follows_stay(stay=stay, ended=None, was=end, now=now)
    return stay


@transaction.atomic
def wlz_application_record(
    *, client, applied_on: date, status: str, decided_on: date | None = None
) -> WlzApplication:
    not_in_future("applied_on", applied_on, _("De aanvraagdatum"))
    if status not in WlzApplication.Status.values:
        raise ValidationError({"status": _("Kies een status.")})
    if status != WlzApplication.Status.AANGEVRAAGD and not decided_on:
        raise ValidationError({"decided_on": _("Vul de datum van het CIZ-besluit in.")})
    not_in_future("decided_on", decided_on, _("De besluitdatum"))
    period_ordered("applied_on", applied_on, "decided_on", decided_on)
    return WlzApplication.objects.create(
        client=client, applied_on=applied_on, status=status, decided_on=decided_on
    )
