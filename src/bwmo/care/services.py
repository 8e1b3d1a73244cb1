"""Stays, outflow and Wlz applications."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from bwmo.core.errors import StaleVersionError
from bwmo.core.validation import not_before, not_in_future, period_ordered
from bwmo.messaging.services import REDEN_VERKORTING, allocation_queue
from bwmo.organisations.models import RegionMembership

from .models import Indication, Outflow, OutflowReason, Stay, WlzApplication


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


@transaction.atomic
def stay_end(*, stay: Stay, expected_version: int, end: date, reason: str) -> Outflow:
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
    # Opvang is granted for as long as the stay lasts: leaving ends the MO indication, and
    # the provider gets the allocation with its end date.
    ends_mo = (
        stay.indication_id
        and stay.product.kind == "MO"
        and Indication.objects.filter(pk=stay.indication_id, valid_to__isnull=True).update(
            valid_to=end
        )
    )
    if ends_mo:
        allocation_queue(
            indication=Indication.objects.get(pk=stay.indication_id),
            reason_change=REDEN_VERKORTING,
        )
    return Outflow.objects.create(stay=stay, date=end, reason=reason)


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
