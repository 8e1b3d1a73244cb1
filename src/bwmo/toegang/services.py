"""The access process. Every status change goes through ``melding_transition``.

Each step validates its input completely before it writes, and runs in one transaction:
a refused step leaves the case exactly as it was.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bwmo.care import services as care_services
from bwmo.care.models import Financing, MoType, Product
from bwmo.core.errors import StaleVersionError
from bwmo.core.validation import Refusals, not_before, not_in_future, period_ordered, required
from bwmo.organisations.models import ProductKind
from bwmo.woonplaats.services import responsibility_decide

from .models import (
    Aanvraag,
    Advies,
    Assignment,
    Beschikking,
    CaseEvent,
    Decision,
    Leefgebied,
    Melding,
    MoIntake,
    Onderzoek,
)
from .selectors import PROCESS_PERMISSION, melding_assignable_users, melding_get_for_action
from .workflow import OPEN_STATUSES, REGISTRATION, Status, find_transition


def melding_transition(
    *, melding: Melding, target: str, action: str, user, expected_version: int, reason: str = ""
) -> Melding:
    """Move ``melding`` to ``target`` if the workflow table allows it; append the event."""
    with transaction.atomic():
        locked = Melding.objects.select_for_update().get(pk=melding.pk)
        if locked.version != expected_version:
            raise StaleVersionError()
        transition = find_transition(
            product_kind=locked.product_kind, source=locked.status, target=target
        )
        if transition is None or transition.action != action:
            raise ValidationError(
                _(
                    "Deze stap is niet toegestaan: een melding met status '%(source)s' kan niet "
                    "naar '%(target)s'."
                )
                % {"source": locked.get_status_display(), "target": Status(target).label},
                code="transition_not_allowed",
            )
        now = timezone.now()
        CaseEvent.objects.create(
            melding=locked,
            actor=user,
            action=action,
            from_status=locked.status,
            to_status=target,
            reason=reason,
            at=now,
        )
        locked.status = target
        locked.status_changed_at = now
        locked.version += 1
        locked.save(update_fields=["status", "status_changed_at", "version"])
    melding.status, melding.version = locked.status, locked.version
    melding.status_changed_at = locked.status_changed_at
    return melding


def _require_status(melding: Melding, *statuses: str, message: str) -> None:
    if melding.status not in statuses:
        raise ValidationError(message, code="wrong_status")


@transaction.atomic
def melding_register(
    *,
    client,
    product_kind: str,
    applied_to,
    received_on: date,
    summary: str,
    organisation,
    user,
) -> Melding:
    not_in_future("received_on", received_on, _("De datum van de melding"))
    if product_kind not in ProductKind.values:
        raise ValidationError({"product_kind": _("Kies BW of MO.")})
    required(applied_to=applied_to, received_on=received_on)
    # Provisionally the municipality the client turned to; the woonplaats rules decide below.
    melding = Melding.objects.create(
        client=client,
        product_kind=product_kind,
        applied_to=applied_to,
        responsible_municipality=applied_to,
        organisation=organisation,
        received_on=received_on,
        summary=summary.strip(),
        created_by=user,
    )
    # The first row of the workflow table, like every later step.
    first = find_transition(
        product_kind=product_kind, source=REGISTRATION.source, target=REGISTRATION.target
    )
    if first is None:  # the table is data: a table without the first row is a defect
        raise RuntimeError("the workflow table has no registration row for " + product_kind)
    CaseEvent.objects.create(
        melding=melding,
        actor=user,
        action=first.action,
        from_status=first.source,
        to_status=first.target,
        reason=_("Melding geregistreerd"),
    )
    responsibility_decide(melding=melding, user=user)
    return melding


@transaction.atomic
def onderzoek_start(
    *,
    melding: Melding,
    user,
    expected_version: int,
    started_on: date,
    conversation_on: date | None,
    findings: str,
) -> Onderzoek:
    _require_status(
        melding,
        Status.GEMELD,
        message=_("Het onderzoek is al gestart of de melding is afgesloten."),
    )
    # The two dates' rules are independent: refused together.
    refusals = Refusals()
    if refusals.check(
        "started_on",
        lambda: not_in_future("started_on", started_on, _("De startdatum van het onderzoek")),
    ):
        refusals.check(
            "started_on",
            lambda: not_before(
                "started_on",
                started_on,
                melding.received_on,
                _("De startdatum"),
                _("de datum van de melding"),
            ),
        )
    if refusals.check(
        "conversation_on",
        lambda: not_in_future(
            "conversation_on", conversation_on, _("De datum van het keukentafelgesprek")
        ),
    ):
        refusals.check(
            "conversation_on",
            lambda: not_before(
                "conversation_on",
                conversation_on,
                melding.received_on,
                _("Het keukentafelgesprek"),
                _("de datum van de melding"),
            ),
        )
    refusals.raise_any()
    melding_transition(
        melding=melding,
        target=Status.IN_ONDERZOEK,
        action="onderzoek",
        user=user,
        expected_version=expected_version,
    )
    required(started_on=started_on)
    return Onderzoek.objects.create(
        melding=melding,
        started_on=started_on,
        conversation_on=conversation_on,
        findings=findings.strip(),
    )


@transaction.atomic
def advies_record(
    *,
    melding: Melding,
    user,
    expected_version: int,
    issued_on: date,
    advised_product,
    text: str,
    signed_by_client: bool,
    signed_on: date | None,
    findings: str = "",
) -> Advies:
    _require_status(
        melding,
        Status.IN_ONDERZOEK,
        message=_("Een advies volgt op het onderzoek; start eerst het onderzoek."),
    )
    onderzoek = melding.onderzoek
    # Independent rules, refused together; a field's later rule only when its first passed.
    refusals = Refusals()
    if refusals.check(
        "issued_on", lambda: not_in_future("issued_on", issued_on, _("De datum van het advies"))
    ):
        refusals.check(
            "issued_on",
            lambda: not_before(
                "issued_on",
                issued_on,
                onderzoek.started_on,
                _("De datum van het advies"),
                _("de start van het onderzoek"),
            ),
        )
    if advised_product is not None and advised_product.kind != melding.product_kind:
        refusals.add(
            "advised_product",
            _("Kies een product voor %(kind)s.") % {"kind": melding.get_product_kind_display()},
        )
    if signed_by_client and not signed_on:
        refusals.add("signed_on", _("Vul in wanneer de cliënt het advies ondertekende."))
    if signed_on and not signed_by_client:
        refusals.add(
            "signed_by_client",
            _("U vulde een datum van ondertekening in; vink aan dat de cliënt heeft getekend."),
        )
    if (
        refusals.check(
            "signed_on",
            lambda: not_in_future("signed_on", signed_on, _("De datum van ondertekening")),
        )
        and issued_on is not None
    ):
        refusals.check(
            "signed_on",
            lambda: not_before(
                "signed_on",
                signed_on,
                issued_on,
                _("De ondertekening"),
                _("de datum van het advies"),
            ),
        )
    if not text.strip():
        refusals.add("text", _("Beschrijf het advies."))
    refusals.raise_any()
    melding_transition(
        melding=melding,
        target=Status.ADVIES_UITGEBRACHT,
        action="advies",
        user=user,
        expected_version=expected_version,
    )
    onderzoek.completed_on = issued_on
    if findings.strip():
        onderzoek.findings = findings.strip()
    onderzoek.save(update_fields=["completed_on", "findings"])
    return Advies.objects.create(
        melding=melding,
        issued_on=issued_on,
        advised_product=advised_product,
        text=text.strip(),
        signed_by_client=signed_by_client,
        signed_on=signed_on,
    )


@transaction.atomic
def aanvraag_record(
    *, melding: Melding, user, expected_version: int, received_on: date
) -> Aanvraag:
    _require_status(
        melding,
        Status.ADVIES_UITGEBRACHT,
        message=_("Een aanvraag kan pas worden geregistreerd na het advies."),
    )
    not_in_future("received_on", received_on, _("De datum van de aanvraag"))
    not_before(
        "received_on",
        received_on,
        melding.received_on,
        _("De aanvraag"),
        _("de datum van de melding"),
    )
    melding_transition(
        melding=melding,
        target=Status.AANVRAAG_ONTVANGEN,
        action="aanvraag",
        user=user,
        expected_version=expected_version,
    )
    aanvraag = Aanvraag.objects.create(melding=melding, received_on=received_on)
    # Responsibility is decided (again) when the aanvraag is made, on the facts known then.
    responsibility_decide(melding=melding, user=user)
    return aanvraag


def _check_grant(
    *, refusals: Refusals, melding, product, financing, provider, valid_from, valid_to, decided_on
):
    """Add the grant's refusals to ``refusals``; each rule is independent of the others."""
    if product is None:
        refusals.add("product", _("Kies het toegekende product."))
    elif product.kind != melding.product_kind:
        refusals.add(
            "product",
            _("Dit product hoort niet bij %(kind)s.")
            % {"kind": melding.get_product_kind_display()},
        )
    if financing not in Financing.values:
        refusals.add("financing", _("Kies de financiering: ZIN of PGB."))
    elif financing == Financing.ZIN and provider is None:
        refusals.add("provider", _("Bij zorg in natura hoort een aanbieder."))
    if not valid_from:
        refusals.add("valid_from", _("Vul de ingangsdatum van de indicatie in."))
    refusals.check(
        "valid_to", lambda: period_ordered("valid_from", valid_from, "valid_to", valid_to)
    )


@transaction.atomic
def beschikking_record(
    *,
    melding: Melding,
    user,
    expected_version: int,
    decision: str,
    decided_on: date,
    product=None,
    financing: str = "",
    provider=None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    motivation: str = "",
) -> Beschikking:
    if melding.status != Status.AANVRAAG_ONTVANGEN or not hasattr(melding, "aanvraag"):
        raise ValidationError(
            _(
                "Er is nog geen aanvraag geregistreerd. Een beschikking volgt altijd op een "
                "aanvraag (Wmo 2015 art. 2.3.5)."
            ),
            code="no_aanvraag",
        )
    aanvraag = melding.aanvraag
    # The date's rules and the decision's are independent: refused together.
    refusals = Refusals()
    if refusals.check(
        "decided_on",
        lambda: not_in_future("decided_on", decided_on, _("De datum van de beschikking")),
    ):
        refusals.check(
            "decided_on",
            lambda: not_before(
                "decided_on",
                decided_on,
                aanvraag.received_on,
                _("De beschikking"),
                _("de datum van de aanvraag"),
            ),
        )
    if decision == Decision.TOEKENNING:
        _check_grant(
            refusals=refusals,
            melding=melding,
            product=product,
            financing=financing,
            provider=provider,
            valid_from=valid_from,
            valid_to=valid_to,
            decided_on=decided_on,
        )
    elif decision == Decision.AFWIJZING:
        if not motivation.strip():
            refusals.add("motivation", _("Motiveer de afwijzing."))
        product, financing, provider, valid_from, valid_to = None, "", None, None, None
    else:
        refusals.add("decision", _("Kies toekenning of afwijzing."))
    refusals.raise_any()
    target = Status.TOEGEKEND if decision == Decision.TOEKENNING else Status.AFGEWEZEN
    melding_transition(
        melding=melding,
        target=target,
        action="beschikking",
        user=user,
        expected_version=expected_version,
        reason=motivation.strip(),
    )
    beschikking = Beschikking.objects.create(
        aanvraag=aanvraag,
        decision=decision,
        decided_on=decided_on,
        product=product,
        financing=financing,
        provider=provider,
        valid_from=valid_from,
        valid_to=valid_to,
        motivation=motivation.strip(),
        decided_by=user,
    )
    if decision == Decision.TOEKENNING:
        # Zorg in natura: the indication's allocation follows (a WMO301 to the provider).
        assert valid_from is not None  # _check_grant refused a toekenning without one
        care_services.indication_grant(
            client=melding.client,
            melding=melding,
            product=product,
            financing=financing,
            provider=provider,
            responsible_municipality=melding.responsible_municipality,
            valid_from=valid_from,
            valid_to=valid_to,
        )
    return beschikking


# A melding ends without a beschikking: withdrawn by the client, or closed without an aanvraag.
_MELDING_ENDS = {
    "intrekken": (
        Status.INGETROKKEN,
        gettext_lazy("Geef aan waarom de melding wordt ingetrokken."),
    ),
    "afsluiten": (Status.AFGESLOTEN, gettext_lazy("Geef aan waarom er geen aanvraag volgt.")),
}


@transaction.atomic
def melding_end(
    *, melding: Melding, action: str, user, expected_version: int, reason: str
) -> Melding:
    """End a melding without a beschikking (``action``: "intrekken" or "afsluiten"); the
    reason is required."""
    target, missing_reason = _MELDING_ENDS[action]
    if not reason.strip():
        raise ValidationError({"reason": str(missing_reason)})
    return melding_transition(
        melding=melding,
        target=target,
        action=action,
        user=user,
        expected_version=expected_version,
        reason=reason,
    )


def melding_withdraw(*, melding: Melding, user, expected_version: int, reason: str) -> Melding:
    return melding_end(
        melding=melding,
        action="intrekken",
        user=user,
        expected_version=expected_version,
        reason=reason,
    )


def melding_close(*, melding: Melding, user, expected_version: int, reason: str) -> Melding:
    return melding_end(
        melding=melding,
        action="afsluiten",
        user=user,
        expected_version=expected_version,
        reason=reason,
    )


@transaction.atomic
def mo_intake_record(
    *,
    client,
    user,
    organisation,
    centrumgemeente,
    provider,
    intake_on: date,
    mo_type: str,
    dakloos: str,
    zelfredzaam: str,
    regiobinding: str,
    problem_areas: str | list[str],
    decision: str,
    motivation: str,
    location,
    summary: str = "",
) -> MoIntake:
    """Register an MO intake, decided by the opvanginstelling under mandate.

    A toekenning creates the MO indication and starts the stay on the intake date.
    """
    # Independent rules, refused together.
    refusals = Refusals()
    refusals.check(
        "intake_on", lambda: not_in_future("intake_on", intake_on, _("De datum van de intake"))
    )
    if mo_type not in MoType.values:
        refusals.add("mo_type", _("Kies de soort opvang."))
    if isinstance(problem_areas, list | tuple):
        problem_areas = ",".join(problem_areas)
    unknown = [
        c for c in problem_areas.split(",") if c.strip() and c.strip() not in Leefgebied.values
    ]
    if unknown:
        refusals.add("problem_areas", _("Kies de leefgebieden uit de lijst."))
    if decision not in Decision.values:
        refusals.add("decision", _("Kies toekenning of afwijzing."))
    if decision == Decision.AFWIJZING and not motivation.strip():
        refusals.add("motivation", _("Motiveer de afwijzing."))
    refusals.raise_any()
    # The product catalogue and the melding need the date and the centrumgemeente, the stay
    # of a toekenning its location.
    required(intake_on=intake_on, centrumgemeente=centrumgemeente)
    if decision == Decision.TOEKENNING:
        required(location=location)
    product = None
    if decision == Decision.TOEKENNING:
        product = (
            Product.objects.valid_on(intake_on).filter(kind=ProductKind.MO, mo_type=mo_type).first()
        )
        if product is None:
            raise ValidationError(
                {
                    "mo_type": _(
                        "Er is geen MO-product voor deze soort opvang op %(day)s in de "
                        "productcatalogus."
                    )
                    % {"day": intake_on.strftime("%d-%m-%Y")}
                }
            )
    melding = melding_register(
        client=client,
        product_kind=ProductKind.MO,
        applied_to=centrumgemeente,
        received_on=intake_on,
        summary=summary,
        organisation=organisation,
        user=user,
    )
    target = Status.TOEGEKEND if decision == Decision.TOEKENNING else Status.AFGEWEZEN
    melding_transition(
        melding=melding,
        target=target,
        action="mo_intake",
        user=user,
        expected_version=melding.version,
        reason=motivation.strip(),
    )
    intake = MoIntake.objects.create(
        melding=melding,
        provider=provider,
        intake_on=intake_on,
        mo_type=mo_type,
        dakloos=dakloos,
        zelfredzaam=zelfredzaam,
        regiobinding=regiobinding,
        problem_areas=problem_areas.strip(),
        decision=decision,
        motivation=motivation.strip(),
        decided_by=user,
    )
    if product is not None:
        care_services.opvang_grant(
            client=client,
            melding=melding,
            product=product,
            provider=provider,
            centrumgemeente=centrumgemeente,
            location=location,
            start=intake_on,
        )
    return intake


def melding_assign(
    *, melding: Melding, assignee, user, expected_assignee_id: int | None
) -> Melding:
    """Hand ``melding`` to ``assignee`` (None: to nobody) and append the Assignment.

    ``user`` must be allowed to act on the melding; ``assignee`` must be a colleague of
    ``user`` who may act on it too. ``expected_assignee_id`` is who the form showed as
    assigned: when someone changed it in the meantime the change is refused, not overwritten.
    """
    with transaction.atomic():
        locked = Melding.objects.select_for_update().get(pk=melding.pk)
        if not user.has_perm(PROCESS_PERMISSION):
            raise PermissionDenied
        melding_get_for_action(user=user, pk=locked.pk)  # 404 / 403 as on every step
        if locked.assigned_to_id != expected_assignee_id:
            raise ValidationError(
                _(
                    "Iemand anders heeft de toewijzing van deze melding gewijzigd nadat u de "
                    "pagina opende. Er is niets gewijzigd; bekijk de melding opnieuw."
                ),
                code="stale",
            )
        if locked.status not in OPEN_STATUSES:
            raise ValidationError(
                _("Deze melding is afgesloten; toewijzen kan alleen bij een openstaande melding."),
                code="closed",
            )
        if assignee is not None and assignee.pk not in {
            u.pk for u in melding_assignable_users(melding=locked, by=user)
        }:
            raise ValidationError(
                {
                    "assigned_to": _(
                        "Deze medewerker kan de melding niet behandelen: kies een collega van uw "
                        "organisatie die meldingen van deze gemeente behandelt."
                    )
                }
            )
        new_id = assignee.pk if assignee is not None else None
        if new_id == locked.assigned_to_id:
            raise ValidationError(
                {
                    "assigned_to": _("De melding is al aan deze medewerker toegewezen.")
                    if assignee is not None
                    else _("De melding is niet toegewezen.")
                }
            )
        Assignment.objects.create(melding=locked, assigned_to=assignee, assigned_by=user)
        Melding.objects.filter(pk=locked.pk).update(assigned_to=assignee)
    melding.assigned_to = assignee
    return melding


STEP_REQUIREMENTS = {
    "onderzoek": (Status.GEMELD,),
    "advies": (Status.IN_ONDERZOEK,),
    "aanvraag": (Status.ADVIES_UITGEBRACHT,),
    "beschikking": (Status.AANVRAAG_ONTVANGEN,),
    "afsluiten": (Status.ADVIES_UITGEBRACHT,),
    "intrekken": (
        Status.GEMELD,
        Status.IN_ONDERZOEK,
        Status.ADVIES_UITGEBRACHT,
        Status.AANVRAAG_ONTVANGEN,
    ),
}


def step_blocked_reason(*, melding: Melding, step: str) -> str | None:
    """Why ``step`` cannot be taken now (shown on the form before the user fills it in)."""
    if melding.status in STEP_REQUIREMENTS.get(step, ()):
        return None
    if step == "beschikking" and not hasattr(melding, "aanvraag"):
        return _(
            "Er is nog geen aanvraag geregistreerd. Een beschikking volgt altijd op een "
            "aanvraag (Wmo 2015 art. 2.3.5)."
        )
    return _("Deze stap is nu niet mogelijk: de melding heeft status '%(status)s'.") % {
        "status": melding.get_status_display()
    }
