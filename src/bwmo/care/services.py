"""Indications, stays, outflow and Wlz applications: the only writer of the first three;
and of a contract's places (capacity) and its extension decisions.

Every grant or change of an indication's period is announced as
:data:`bwmo.care.events.indication_changed`, inside the same transaction; the iWmo traffic
(an allocation and a WMO301 for the provider) follows from that in ``bwmo.messaging``.
"""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bwmo.core.errors import StaleVersionError
from bwmo.core.validation import (
    Refusals,
    not_before,
    not_in_future,
    period_ordered,
    required,
)
from bwmo.organisations.models import ProductKind, RegionMembership
from bwmo.rules import allocation_change as ac
from bwmo.rules import contract_terms

from .events import indication_changed, indications_responsibility_changed
from .models import (
    Contract,
    ContractCapacity,
    ContractExtension,
    Financing,
    Indication,
    Outflow,
    OutflowReason,
    Product,
    ProviderLocation,
    Stay,
    WlzApplication,
)


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
    """The client starts with the provider: the indication is verzilverd from ``start``.

    Every rule is checked and all refusals are raised together. A missing ``start`` or
    ``location`` (a field the form refused, in its dry run) skips the rules that need it.
    """
    refusals = Refusals()
    refuse = refusals.add

    if indication.provider_id is None:
        refuse(
            None,
            _(
                "Deze indicatie is een PGB zonder gecontracteerde aanbieder; "
                "verblijven worden alleen bij zorg in natura geregistreerd."
            ),
        )
    if Stay.objects.filter(indication=indication, end__isnull=True).exists():
        refuse(None, _("Er loopt al een verblijf op deze indicatie; beëindig dat eerst."))
    if start is not None:
        try:
            not_in_future("start", start, _("De begindatum van het verblijf"))
            not_before(
                "start",
                start,
                indication.valid_from,
                _("De begindatum"),
                _("de ingangsdatum van de indicatie"),
            )
        except ValidationError as error:
            refuse("start", error)
        else:
            if indication.valid_to and start > indication.valid_to:
                refuse("start", _("De begindatum ligt na de einddatum van de indicatie."))
            if Stay.objects.filter(indication=indication, end__gte=start).exists():
                refuse("start", _("Het verblijf overlapt met een eerder verblijf."))
    if location is None:
        # Before the region check: without a location, "outside the region" would be wrong.
        refuse("location", _("Kies de locatie (gemeente) van het verblijf."))
    in_region = True
    if location is not None and start is not None:
        in_region = (
            RegionMembership.objects.valid_on(start)
            .filter(
                municipality=location,
                region__memberships__municipality_id=indication.responsible_municipality_id,
            )
            .exists()
        )
        if not in_region and not placement_reason.strip():
            refuse(
                "placement_reason",
                _(
                    "Deze plek ligt buiten de regio van de verantwoordelijke gemeente. "
                    "Motiveer waarom dit de beste plek voor herstel is."
                ),
            )
    refusals.raise_any()
    required(start=start)
    assert indication.provider_id is not None  # refused above
    stay = Stay.objects.create(
        client=indication.client,
        indication=indication,
        provider_id=indication.provider_id,
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
    # The dates first: a form that refused the reason shows the date's refusal with it.
    not_in_future("end", end, _("De einddatum van het verblijf"))
    period_ordered("start", stay.start, "end", end)
    if reason not in OutflowReason.values:
        raise ValidationError({"reason": _("Kies de reden van uitstroom.")})
    required(end=end)
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
    # The application's date and the decision's are checked independently: refused together.
    refusals = Refusals()
    refusals.check(
        "applied_on", lambda: not_in_future("applied_on", applied_on, _("De aanvraagdatum"))
    )
    if status not in WlzApplication.Status.values:
        refusals.add("status", _("Kies een status."))
    elif status != WlzApplication.Status.AANGEVRAAGD and not decided_on:
        refusals.add("decided_on", _("Vul de datum van het CIZ-besluit in."))
    if refusals.check(
        "decided_on", lambda: not_in_future("decided_on", decided_on, _("De besluitdatum"))
    ):
        refusals.check(
            "decided_on",
            lambda: period_ordered("applied_on", applied_on, "decided_on", decided_on),
        )
    refusals.raise_any()
    required(applied_on=applied_on)
    return WlzApplication.objects.create(
        client=client, applied_on=applied_on, status=status, decided_on=decided_on
    )


def _day(value: date) -> str:
    return date_format(value, "j F Y")


def contract_capacity_refusals(
    *,
    contract: Contract,
    product: Product,
    location: ProviderLocation,
    places: int,
    valid_from: date,
    valid_to: date | None = None,
) -> ContractCapacity | None:
    """Why these places cannot be recorded (a ValidationError), else the row in force that
    the new row takes over from (closed the day before ``valid_from``), or None.

    Also the admin's form asks this, so its errors show at the fields."""
    errors: dict[str, str] = {}
    if places is None or places < 0:
        errors["places"] = _(
            "Het aantal plaatsen is %(places)s; vul 0 of meer in (0: geen plaatsen meer)."
        ) % {"places": places}
    if location.provider_id != contract.provider_id:
        errors["location"] = _(
            "De locatie %(location)s hoort bij %(other)s, niet bij %(provider)s, de aanbieder "
            "van dit contract. Kies een locatie van %(provider)s."
        ) % {
            "location": location.municipality.name,
            "other": location.provider.name,
            "provider": contract.provider.name,
        }
    if not contract.products.filter(pk=product.pk).exists():
        errors["product"] = _(
            "Het product %(product)s staat niet in contract %(contract)s; voeg het eerst aan "
            "het contract toe of kies een product van het contract."
        ) % {"product": product.name, "contract": contract.reference}
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = _("De einddatum (%(end)s) ligt vóór de ingangsdatum (%(start)s).") % {
            "end": _day(valid_to),
            "start": _day(valid_from),
        }
    if valid_from < contract.valid_from:
        errors["valid_from"] = _(
            "De ingangsdatum (%(start)s) ligt vóór de ingangsdatum van het contract (%(contract)s)."
        ) % {"start": _day(valid_from), "contract": _day(contract.valid_from)}
    if errors:
        raise ValidationError(errors)
    overlapping = list(
        ContractCapacity.objects.filter(contract=contract, product=product, location=location)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
        .filter(valid_from__lte=valid_to if valid_to is not None else date.max)
        .order_by("valid_from")
    )
    takes_over = None
    if len(overlapping) == 1:
        row = overlapping[0]
        if row.valid_to is None and row.valid_from < valid_from:
            takes_over = row  # a change of places from a date: history is kept
    if overlapping and takes_over is None:
        row = overlapping[0]
        raise ValidationError(
            {
                "valid_from": _(
                    "Deze periode overlapt met de vastgelegde %(places)s plaatsen van "
                    "%(start)s tot %(end)s. Een wijziging gaat in na de ingangsdatum van "
                    "de laatste vastlegging, of kies een periode die daar niet mee overlapt."
                )
                % {
                    "places": row.places,
                    "start": _day(row.valid_from),
                    "end": _day(row.valid_to) if row.valid_to else _("nader te bepalen"),
                }
            },
            code="overlap",
        )
    return takes_over


@transaction.atomic
def contract_capacity_record(
    *,
    contract: Contract,
    product: Product,
    location: ProviderLocation,
    places: int,
    valid_from: date,
    valid_to: date | None = None,
    recorded_by: str = "",
) -> ContractCapacity:
    """Record the places of ``product`` at ``location`` under ``contract`` from
    ``valid_from``. A change of places from a date closes the open-ended row in force the
    day before and adds a new row: history is kept. Refused (nothing written) when the
    period overlaps another row, places is below 0, the location is not the contract's
    provider's, or the product is not in the contract."""
    Contract.objects.select_for_update().filter(pk=contract.pk).first()  # one change at a time
    takes_over = contract_capacity_refusals(
        contract=contract,
        product=product,
        location=location,
        places=places,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    if takes_over is not None:
        ContractCapacity.objects.filter(pk=takes_over.pk).update(
            valid_to=valid_from - timedelta(days=1)
        )
    return ContractCapacity.objects.create(
        contract=contract,
        product=product,
        location=location,
        places=places,
        valid_from=valid_from,
        valid_to=valid_to,
        recorded_by=recorded_by[:150],
    )


@transaction.atomic
def provider_location_add(*, provider, municipality, name: str = "") -> ProviderLocation:
    """A location (municipality) where ``provider`` delivers care; an existing one is kept."""
    location, _created = ProviderLocation.objects.get_or_create(
        provider=provider, municipality=municipality, defaults={"name": name.strip()[:150]}
    )
    return location


_DECISION_REFUSALS = {
    "no_such_option": lambda c, o: (
        _(
            "Contract %(contract)s heeft %(options)s verlengingsopties; "
            "optie %(option)s bestaat niet."
        )
        % {"contract": c.reference, "options": c.extension_options, "option": o}
    ),
    "earlier_open": lambda c, o: (
        _("Over verlengingsoptie %(earlier)s is nog niet besloten; besluit eerst daarover.")
        % {"earlier": o - 1}
    ),
    "earlier_not_taken": lambda c, o: (
        _(
            "Een eerdere verlengingsoptie is niet gebruikt: het contract eindigt daarmee en "
            "optie %(option)s kan niet meer worden gebruikt."
        )
        % {"option": o}
    ),
    "later_decided": lambda c, o: (
        _(
            "Over een latere verlengingsoptie is al besloten; optie %(option)s kan alleen "
            "'verlengd' blijven."
        )
        % {"option": o}
    ),
}


@transaction.atomic
def contract_extension_decide(
    *,
    contract: Contract,
    option: int,
    decision: str,
    decided_on: date | None = None,
    note: str = "",
    recorded_by: str = "",
) -> ContractExtension:
    """Record the decision (verlengd / niet verlengd / open) about extension ``option`` of
    ``contract``; ``extensions_used`` follows. Options are decided in order."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if decision not in ContractExtension.Decision.values:
        raise ValidationError({"decision": _("Kies verlengd, niet verlengd of open.")})
    if decision != ContractExtension.Decision.OPEN and decided_on is None:
        raise ValidationError({"decided_on": _("Vul de datum van het besluit in.")})
    not_in_future("decided_on", decided_on, _("De besluitdatum"))
    refusal = contract_terms.decision_refusal(
        contract.terms(), option, contract_terms.Decision(decision)
    )
    if refusal is not None:
        raise ValidationError({"option": _DECISION_REFUSALS[refusal](contract, option)})
    extension, _created = ContractExtension.objects.update_or_create(
        contract=contract,
        option=option,
        defaults={
            "decision": decision,
            "decided_on": decided_on if decision != ContractExtension.Decision.OPEN else None,
            "note": note.strip()[:300],
            "recorded_at": timezone.now(),
            "recorded_by": recorded_by[:150],
        },
    )
    used = contract.terms_state().extensions_used
    Contract.objects.filter(pk=contract.pk).update(extensions_used=used)
    contract.extensions_used = used
    return extension
