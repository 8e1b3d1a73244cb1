"""Allocations and requests: what the municipality decides becomes iWmo traffic.

* Granting, changing or ending an indication (zorg in natura, with a provider) updates its
  :class:`Allocation` and queues a WMO301 for that client at that provider.
* A provider's request (315/317) is answered by the access worker: "in onderzoek" or
  "afgewezen" queues a WMO319; a granted 315 is answered by the 301 itself, which carries the
  provider's reference; a granted 317 changes the indication and so queues a 301.

Nothing here writes files: ``exchange.export`` builds the queued messages on export.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bwmo.care import services as care_services
from bwmo.care.models import Financing, Indication, Outflow, Tariff, Unit
from bwmo.core.errors import StaleVersionError
from bwmo.iwmo.model import FREQUENTIE_PER_MAAND, FREQUENTIE_PER_WEEK
from bwmo.rules import allocation_change as ac

from .codelists import REASON_LABELS
from .models import Allocation, AllocationRequest, Direction, Message, MessageStatus

# Beschermd wonen and opvang are allocated in etmalen (iwmo.md): 7 per week when the
# allocation has an end date; the standard requires an end date for "per week" (CD076), so an
# open-ended allocation is 31 etmalen per month, the most a calendar month can hold.
EENHEID_ETMAAL = "14"  # WJ756
VOLUME_PER_WEEK = 7
VOLUME_PER_MAAND = 31

REDEN_AANBIEDER = ac.AANBIEDER  # WMO002: geïnitieerd door de aanbieder (after a 317)
REDEN_VERKORTING = ac.VERKORTING  # herbeoordeling: verkorting toewijzing
REDEN_VERLENGING = ac.VERLENGING  # only with a new allocation, never for a change
REDEN_CORRECTIE = ac.CORRECTIE  # administratieve correctie


def omvang_for(valid_to: date | None) -> tuple[int, str, str]:
    """(volume, eenheid, frequentie) of an allocation with this end date."""
    if valid_to is None:
        return VOLUME_PER_MAAND, EENHEID_ETMAAL, FREQUENTIE_PER_MAAND
    return VOLUME_PER_WEEK, EENHEID_ETMAAL, FREQUENTIE_PER_WEEK


def tariff_cents_per_etmaal(tariff: Tariff) -> int:
    """A contract tariff as iWmo declares it: eurocents per etmaal (a week's tariff / 7,
    rounded half up to whole cents)."""
    cents = int(tariff.amount * 100)
    if tariff.unit == Unit.WEEK:
        return (cents * 2 + 7) // 14
    return cents


def _queue(
    message_type: str,
    *,
    municipality_id: str,
    provider,
    client_id: int | None,
    now=None,
    **fields,
) -> Message:
    """A pending outbound message (WMO301 or WMO319) from this municipality to this provider;
    ``exchange.export`` builds and writes it."""
    return Message.objects.create(
        direction=Direction.OUT,
        message_type=message_type,
        status=MessageStatus.PENDING,
        municipality_id=municipality_id,
        provider_id=provider.pk,
        client_id=client_id,
        sender=municipality_id[2:],
        receiver=provider.agb_code,
        created_at=now or timezone.now(),
        **fields,
    )


def _queue_301(allocation: Allocation, now) -> Message:
    """The one pending WMO301 for this client at this provider, created when needed."""
    message = Message.objects.filter(
        direction=Direction.OUT,
        message_type="WMO301",
        status=MessageStatus.PENDING,
        municipality_id=allocation.municipality_id,
        provider_id=allocation.provider_id,
        client_id=allocation.client_id,
    ).first()
    if message is None:
        message = _queue(
            "WMO301",
            municipality_id=allocation.municipality_id,
            provider=allocation.provider,
            client_id=allocation.client_id,
            now=now,
        )
    return message


def allocation_fields(indication: Indication) -> dict:
    """What an allocation says, as it follows from its indication."""
    return allocation_values(
        client=indication.client_id,
        municipality=indication.responsible_municipality_id,
        provider=indication.provider_id,
        category=indication.product.iwmo_category,
        product_code=indication.product.code,
        start=indication.valid_from,
        end=indication.valid_to,
    )


def allocation_values(
    *,
    client: int,
    municipality: str | None,
    provider: int | None,
    category: str,
    product_code: str,
    start: date,
    end: date | None,
) -> dict:
    """``allocation_fields`` from an indication's values (a bulk load reads no model)."""
    volume, eenheid, frequentie = omvang_for(end)
    return {
        "client_id": client,
        "municipality_id": municipality,
        "provider_id": provider,
        "category": category,
        "product_code": product_code,
        "start": start,
        "end": end,
        "volume": volume,
        "unit": eenheid,
        "frequency": frequentie,
    }


@transaction.atomic
def allocation_queue(
    *, indication: Indication, reason_change: str = "", now=None
) -> Allocation | None:
    """Bring the indication's allocation up to date and queue a WMO301 for it.

    Only zorg in natura with a provider is allocated through iWmo; a PGB returns ``None``.
    A granted 315 of the same provider for this client is answered by this allocation: its
    reference goes into the 301 and the request is closed as toegewezen.
    """
    if indication.financing != Financing.ZIN or indication.provider_id is None:
        return None
    now = now or timezone.now()
    fields = {**allocation_fields(indication), "changed_at": now, "needs_sending": True}
    allocation = Allocation.objects.filter(indication=indication).first()
    if allocation is None:
        request = (
            AllocationRequest.objects.filter(
                kind=AllocationRequest.Kind.TOEWIJZING,
                client_id=indication.client_id,
                provider_id=indication.provider_id,
                municipality_id=indication.responsible_municipality_id,
                status__in=[AllocationRequest.Status.OPEN, AllocationRequest.Status.IN_ONDERZOEK],
            )
            .order_by("received_on", "pk")
            .first()
        )
        allocation = Allocation.objects.create(
            indication=indication,
            number=indication.pk,
            allocated_at=now,
            reason_change="",
            reference_provider=request.reference if request else "",
            **fields,
        )
        if request is not None:
            AllocationRequest.objects.filter(pk=request.pk).update(
                status=AllocationRequest.Status.TOEGEWEZEN,
                answered_at=now,
                version=F("version") + 1,
            )
    else:
        Allocation.objects.filter(pk=allocation.pk).update(reason_change=reason_change, **fields)
        allocation.refresh_from_db()
    if not indication.client.bsn:
        # A provisional identity: iWmo identifies the client by BSN, so the allocation waits
        # (Allocation.waiting_reason) and is queued when the BSN is recorded or merged.
        return allocation
    _queue_301(allocation, now)
    return allocation


def indication_changed_received(*, indication: Indication, reason_change: str, now) -> None:
    """Care granted or changed an indication (``bwmo.care.events.indication_changed``,
    connected in ``MessagingConfig.ready``): its allocation follows, with a WMO301."""
    allocation_queue(indication=indication, reason_change=reason_change, now=now)


def _day(value: date) -> str:
    return date_format(value, "j F Y")


def indication_ended_message(*, indication: Indication) -> str:
    """Why an ended indication cannot be changed, and what to do instead."""
    outflow = (
        Outflow.objects.current()
        .filter(stay__indication_id=indication.pk)
        .order_by("-date", "-pk")
        .first()
    )
    assert indication.valid_to is not None
    if outflow is not None:
        label = str(outflow.get_reason_display())
        what = _("Deze indicatie is op %(day)s beëindigd (uitstroom: %(outflow)s).") % {
            "day": _day(indication.valid_to),
            "outflow": label[:1].lower() + label[1:],  # "Naar de Wlz" → "naar de Wlz"
        }
    else:
        what = _("Deze indicatie is op %(day)s beëindigd.") % {"day": _day(indication.valid_to)}
    return " ".join(
        [
            what,
            _(
                "Een beëindigde indicatie kan niet worden gewijzigd; leg een nieuwe beschikking "
                "vast. Is er opnieuw zorg nodig, registreer dan een melding: de nieuwe "
                "beschikking geeft de aanbieder een nieuwe toewijzing."
            ),
        ]
    )


def _decided_end(indication: Indication, current_end: date | None) -> date | None:
    """The end of the period the beschikking granted: a correction stays within it.

    Opvang is granted without a beschikking, for as long as the stay lasts (open-ended).
    An indication that is not the beschikking's own (another product or start, such as a
    step down recorded on the same melding) may be corrected to an earlier date only.
    """
    beschikking = (
        Indication.objects.filter(pk=indication.pk)
        .values(
            "melding__aanvraag__beschikking__pk",
            "melding__aanvraag__beschikking__product_id",
            "melding__aanvraag__beschikking__valid_from",
            "melding__aanvraag__beschikking__valid_to",
        )
        .first()
    ) or {}
    if beschikking.get("melding__aanvraag__beschikking__pk") is None:
        return None
    if (
        beschikking["melding__aanvraag__beschikking__product_id"] != indication.product_id
        or beschikking["melding__aanvraag__beschikking__valid_from"] != indication.valid_from
    ):
        return current_end
    return beschikking["melding__aanvraag__beschikking__valid_to"]


def _refuse(change: ac.EndDateChange, refusal: ac.Refusal, indication: Indication):
    """The ValidationError for a refused change: what, why, and what to do instead."""
    new = _day(change.new_end) if change.new_end else ""
    reason = str(REASON_LABELS.get(change.reason, change.reason))
    if refusal is ac.Refusal.ENDED:
        return ValidationError(indication_ended_message(indication=indication), code="ended")
    if refusal is ac.Refusal.SAME:
        return ValidationError({"valid_to": _("Dit is al de einddatum van de indicatie.")})
    if refusal is ac.Refusal.BEFORE_START:
        return ValidationError(
            {"valid_to": _("De einddatum ligt vóór de ingangsdatum van de indicatie.")}
        )
    if refusal is ac.Refusal.NOT_A_CHANGE:
        if not change.reason:
            return ValidationError({"reason": _("Kies de reden van de wijziging.")})
        return ValidationError(
            {
                "reason": _(
                    "Reden %(code)s is geen reden om de einddatum van een toewijzing te "
                    "wijzigen (iWmo WMO002); kies de reden van de wijziging uit de lijst."
                )
                % {"code": change.reason}
            }
        )
    if refusal is ac.Refusal.EXTENSION and change.reason == ac.VERLENGING:
        return ValidationError(
            {
                "reason": _(
                    "Herbeoordeling: verlenging is geen reden om een bestaande toewijzing te "
                    "wijzigen: iWmo stuurt een verlenging als nieuwe toewijzing met een nieuw "
                    "nummer. Leg een nieuwe beschikking vast (herbeoordeling op een melding)."
                )
            }
        )
    if refusal is ac.Refusal.EXTENSION:
        assert change.current_end is not None
        if change.new_end is None:
            longer = _(
                "Zonder einddatum loopt de indicatie langer dan tot de huidige einddatum "
                "(%(current)s): dat is een verlenging."
            ) % {"current": _day(change.current_end)}
        else:
            longer = _(
                "De nieuwe einddatum (%(new)s) ligt na de huidige einddatum (%(current)s): dat "
                "is een verlenging."
            ) % {"new": new, "current": _day(change.current_end)}
        return ValidationError(
            {
                "valid_to": " ".join(
                    [
                        _("%(reason)s past alleen bij een eerdere einddatum.") % {"reason": reason},
                        longer,
                        _(
                            "Verlengen kan niet met een wijziging; leg een nieuwe beschikking "
                            "vast (herbeoordeling op een melding)."
                        ),
                    ]
                )
            }
        )
    if refusal is ac.Refusal.BEYOND_DECISION:
        if change.decided_end is None:  # pragma: no cover - an open decision bounds nothing
            raise AssertionError(refusal)
        return ValidationError(
            {
                "valid_to": _(
                    "Een administratieve correctie herstelt een invoerfout binnen de "
                    "beschikking, en die loopt tot en met %(end)s. Een latere einddatum (of "
                    "geen einddatum) is een verlenging: leg daarvoor een nieuwe beschikking vast."
                )
                % {"end": _day(change.decided_end)}
            }
        )
    if refusal is ac.Refusal.DEATH_IN_FUTURE:
        return ValidationError(
            {
                "valid_to": _(
                    "Bij overlijden is de einddatum de overlijdensdatum, en %(new)s ligt in de "
                    "toekomst. Vul de overlijdensdatum in."
                )
                % {"new": new}
            }
        )
    raise AssertionError(refusal)  # pragma: no cover - every refusal has its message


def _unconfirmed(change: ac.EndDateChange) -> ValidationError:
    assert change.new_end is not None
    return ValidationError(
        {
            "past_end_confirmed": _(
                "De nieuwe einddatum (%(new)s) ligt in het verleden. De aanbieder kan na "
                "die datum al zorg hebben geleverd, die dan niet meer is toegewezen. Stem "
                "dit af met de aanbieder en bevestig de einddatum."
            )
            % {"new": _day(change.new_end)}
        }
    )


@transaction.atomic
def indication_change_end(
    *,
    indication: Indication,
    valid_to: date | None,
    reason_change: str,
    opened_with: date | object | None = ...,
    past_end_confirmed: bool = False,
    today: date | None = None,
    now=None,
) -> Indication:
    """Shorten, end or correct an indication; its allocation follows with a new WMO301.

    What may change and which WMO002 reason fits is ``bwmo.rules.allocation_change``: an
    ended indication cannot change at all, an extension needs a new beschikking, and an
    end date in the past is written only when ``past_end_confirmed``.
    ``opened_with``: the end date the user saw; when it changed meanwhile, nothing is written.
    """
    current = Indication.objects.select_for_update().get(pk=indication.pk)
    if opened_with is not ... and current.valid_to != opened_with:
        raise StaleVersionError()
    today = today or timezone.localdate()
    change = ac.EndDateChange(
        valid_from=current.valid_from,
        current_end=current.valid_to,
        new_end=valid_to,
        reason=reason_change,
        decided_end=_decided_end(current, current.valid_to),
        today=today,
    )
    refusal = ac.refusal(change)
    # The confirmation of a past end date does not depend on the reason: when the reason is
    # missing or wrong, both are said at once.
    unconfirmed = ac.needs_confirmation(change) and not past_end_confirmed
    if refusal is not None:
        error = _refuse(change, refusal, current)
        if refusal is ac.Refusal.NOT_A_CHANGE and unconfirmed:
            error = ValidationError({**error.error_dict, **_unconfirmed(change).error_dict})
        raise error
    if unconfirmed:
        raise _unconfirmed(change)
    # Care writes the end date; its indication_changed brings the allocation up to date.
    return care_services.indication_end_change(
        indication=indication, valid_to=valid_to, reason_change=reason_change, now=now
    )


# --- requests from providers (315/317) -----------------------------------------------------


def _queue_319(request: AllocationRequest, *, antwoord: str, reden: str = "") -> Message:
    return _queue(
        "WMO319",
        municipality_id=request.municipality_id,
        provider=request.provider,
        client_id=request.client_id,
        reply_to=request.message,
        payload={"referentie": request.reference, "antwoord": antwoord, "reden": reden},
    )


def _bump(request: AllocationRequest, expected_version: int, **fields) -> None:
    updated = AllocationRequest.objects.filter(pk=request.pk, version=expected_version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise StaleVersionError()
    request.refresh_from_db()


@transaction.atomic
def request_answer(
    *,
    request: AllocationRequest,
    user,
    expected_version: int,
    answer: str,
    rejection_reason: str = "",
) -> AllocationRequest:
    """Answer a 315/317 with a WMO319: "onderzoek" (2, in onderzoek) or "afwijzen" (1)."""
    if request.status in (AllocationRequest.Status.AFGEWEZEN, AllocationRequest.Status.TOEGEWEZEN):
        raise ValidationError(
            _("Dit verzoek is al afgehandeld (%(status)s).")
            % {"status": request.get_status_display()}
        )
    now = timezone.now()
    if answer == "onderzoek":
        if request.status == AllocationRequest.Status.IN_ONDERZOEK:
            raise ValidationError(_("De aanbieder weet al dat dit verzoek in onderzoek is."))
        _bump(
            request,
            expected_version,
            status=AllocationRequest.Status.IN_ONDERZOEK,
            answered_by=user,
            answered_at=now,
        )
        _queue_319(request, antwoord="2")
    elif answer == "afwijzen":
        if rejection_reason not in AllocationRequest.RejectionReason.values:
            raise ValidationError(
                {"rejection_reason": _("Kies de reden van afwijzing uit de lijst van iWmo.")}
            )
        _bump(
            request,
            expected_version,
            status=AllocationRequest.Status.AFGEWEZEN,
            rejection_reason=rejection_reason,
            answered_by=user,
            answered_at=now,
        )
        _queue_319(request, antwoord="1", reden=rejection_reason)
    else:
        raise ValidationError({"answer": _("Kies: in onderzoek nemen of afwijzen.")})
    return request


@transaction.atomic
def change_request_grant(
    *, request: AllocationRequest, user, expected_version: int
) -> AllocationRequest:
    """Honour a 317: every allocation it asks to change gets the requested end date.

    New products in a 317 need a new decision (beschikking); the access worker starts a
    melding for them, so they cannot be granted here.
    """
    if request.kind != AllocationRequest.Kind.WIJZIGING:
        raise ValidationError(
            _("Een verzoek om toewijzing wordt toegekend met een beschikking op een melding.")
        )
    if request.status in (AllocationRequest.Status.AFGEWEZEN, AllocationRequest.Status.TOEGEWEZEN):
        raise ValidationError(_("Dit verzoek is al afgehandeld."))
    if any(p.get("soort") == "nieuw" for p in request.products):
        raise ValidationError(
            _(
                "Dit verzoek vraagt om een nieuw product. Daarvoor is een beschikking nodig: "
                "start een melding, of wijs het verzoek af met reden 1."
            )
        )
    changes = [p for p in request.products if p.get("soort") == "wijzigen"]
    for change in changes:
        allocation = (
            Allocation.objects.select_related("indication__product")
            .filter(number=change["toewijzing"], provider_id=request.provider_id)
            .first()
        )
        if allocation is None:
            raise ValidationError(
                _("Toewijzing %(n)s bestaat niet (meer) bij deze aanbieder.")
                % {"n": change["toewijzing"]}
            )
        einddatum = date.fromisoformat(change["einddatum"]) if change.get("einddatum") else None
        # The provider asked for this end date itself (IV093: a date in the past has been
        # agreed with it outside the messages), so no confirmation is asked.
        try:
            indication_change_end(
                indication=allocation.indication,
                valid_to=einddatum,
                reason_change=REDEN_AANBIEDER,
                past_end_confirmed=True,
            )
        except StaleVersionError:
            raise
        except ValidationError as error:
            raise ValidationError(
                [
                    _("Toewijzing %(n)s kan niet worden gewijzigd zoals gevraagd.")
                    % {"n": change["toewijzing"]},
                    *error.messages,
                ]
            ) from error
        Allocation.objects.filter(pk=allocation.pk).update(reference_provider=request.reference)
    _bump(
        request,
        expected_version,
        status=AllocationRequest.Status.TOEGEWEZEN,
        answered_by=user,
        answered_at=timezone.now(),
    )
    return request


def requests_attach_client(*, client) -> int:
    """Give a newly registered client the providers' requests that came in for its BSN
    before it was in bwmo: from now on they belong to the dossier. Returns how many."""
    return AllocationRequest.objects.filter(bsn=client.bsn, client__isnull=True).update(
        client=client
    )
