"""What a user may see of the message traffic: every read goes through these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bwmo.accounts.scoping import user_scope
from bwmo.care.models import Financing, Indication, Outflow, OutflowReason, WlzApplication
from bwmo.clients.selectors import indications_visible_to
from bwmo.organisations.models import RegionMembership
from bwmo.rules import allocation_change as ac

from .codelists import REASON_LABELS
from .models import Allocation, AllocationRequest, Declaration, DeclarationLine, Message


def message_municipalities(user, *, today: date | None = None) -> frozenset[str]:
    """The municipalities whose traffic a user sees: their own, those they hold a mandate
    for, and every member of a region organisation they belong to."""
    scope = user_scope(user, today=today)
    return frozenset(_own_and_region_municipalities(scope) | scope.acting_municipalities)


def _own_and_region_municipalities(scope) -> set[str]:
    """The municipalities a user works for directly, and every member of their region."""
    codes = set(scope.municipalities)
    if scope.region_ids:
        codes |= set(
            RegionMembership.objects.filter(region_id__in=scope.region_ids).values_list(
                "municipality_id", flat=True
            )
        )
    return codes


def _client_traffic_q(user, *, municipality: str, client: str) -> Q:
    """Traffic about clients: all of it for the user's own municipalities and the members of
    their region; for a municipality they only hold a mandate of (for BW or for MO), only the
    traffic about clients with an indication of that kind under that municipality — an MO
    mandate gives no sight of the grantor's BW clients, and traffic naming no client (a
    retour of a whole file, a declaration's header) stays with the grantor."""
    scope = user_scope(user)
    full = _own_and_region_municipalities(scope)
    q = Q(**{f"{municipality}__in": full})
    for grantor, kind in sorted(scope.mandates):
        if grantor in full:
            continue
        of_kind = Indication.objects.filter(
            client_id=OuterRef(client), responsible_municipality_id=grantor, product__kind=kind
        )
        q |= Q(**{municipality: grantor}) & Q(Exists(of_kind))
    return q


def messages_visible_to(user) -> QuerySet[Message]:
    """The traffic of the user's municipalities (for a mandate: of its kind, see
    ``_client_traffic_q``), and any file the user read in themselves (a file that names no
    municipality we know is seen by its uploader only)."""
    visible = _client_traffic_q(user, municipality="municipality_id", client="client_id")
    return Message.objects.filter(visible | Q(uploaded_by_id=user.pk)).select_related(
        "provider", "municipality", "client"
    )


def allocations_visible_to(*, user) -> QuerySet[Allocation]:
    """The allocations of the indications ``user`` sees on the clients' dossiers."""
    return Allocation.objects.filter(indication__in=indications_visible_to(user=user))


def declarations_visible_to(*, user) -> QuerySet[Declaration]:
    """The declarations (headers, no client data) of the user's municipalities."""
    return Declaration.objects.filter(municipality_id__in=message_municipalities(user))


def requests_visible_to(user) -> QuerySet[AllocationRequest]:
    codes = user_scope(user).acting_municipalities
    return AllocationRequest.objects.filter(municipality_id__in=codes).select_related(
        "provider", "municipality", "client", "message"
    )


def open_requests_for(user) -> QuerySet[AllocationRequest]:
    return requests_visible_to(user).filter(
        status__in=[AllocationRequest.Status.OPEN, AllocationRequest.Status.IN_ONDERZOEK]
    )


@dataclass(frozen=True)
class DeclarationMonth:
    provider_id: int
    provider_name: str
    month: date
    declared: Decimal
    approved: Decimal
    lines: int
    rejected_lines: int

    @property
    def rejected(self) -> Decimal:
        return self.declared - self.approved


def declaration_months(user, *, year: int | None = None) -> list[DeclarationMonth]:
    """Per provider and month: declared, approved and rejected (euros), newest month first."""
    declarations = Declaration.objects.filter(municipality_id__in=message_municipalities(user))
    if year:
        declarations = declarations.filter(period_start__year=year)
    # Amounts per declaration and line counts per line: two queries, so the join with the
    # lines cannot multiply the amounts.
    rows = (
        declarations.values("provider_id", "provider__name", "period_start")
        .annotate(declared=Sum("submitted_cents"), approved=Sum("approved_cents"))
        .order_by("-period_start", "provider__name")
    )
    counts = {
        (c["declaration__provider_id"], c["declaration__period_start"]): c
        for c in DeclarationLine.objects.filter(declaration__in=declarations)
        .values("declaration__provider_id", "declaration__period_start")
        .annotate(n=Count("pk"), rejected=Count("pk", filter=Q(approved=False)))
    }
    result = []
    for r in rows:
        c = counts.get((r["provider_id"], r["period_start"]), {"n": 0, "rejected": 0})
        result.append(
            DeclarationMonth(
                r["provider_id"],
                r["provider__name"],
                r["period_start"].replace(day=1),
                Decimal(r["declared"] or 0) / 100,
                Decimal(r["approved"] or 0) / 100,
                c["n"],
                c["rejected"],
            )
        )
    return result


def declaration_lines(user, *, provider_id: int, month: date) -> QuerySet[DeclarationLine]:
    return (
        DeclarationLine.objects.filter(
            _client_traffic_q(
                user, municipality="declaration__municipality_id", client="client_id"
            ),
            declaration__provider_id=provider_id,
            declaration__period_start__year=month.year,
            declaration__period_start__month=month.month,
        )
        .select_related("declaration", "client", "declaration__message")
        .order_by("approved", "declaration__number", "pk")
    )


def approved_cost_by_month(*, municipality_codes, year: int) -> dict[int, Decimal]:
    """Approved declared amounts (euros) per month of ``year``: the realised cost."""
    rows = (
        Declaration.objects.filter(
            municipality_id__in=list(municipality_codes), period_start__year=year
        )
        .values("period_start__month")
        .annotate(approved=Sum("approved_cents"))
    )
    return {r["period_start__month"]: Decimal(r["approved"] or 0) / 100 for r in rows}


# --- changing an indication -----------------------------------------------------------------

# The reasons the dossier's change form offers, in this order: shortening and the reasons for
# ending (an earlier end date), then the correction. Never 04 (an extension is a new
# beschikking), nor 12 (only with a provider's request for change) or 13/01.
_CHANGE_FORM_REASONS = (
    ac.VERKORTING,
    ac.OVERLEDEN,
    ac.ANDER_DOMEIN,
    ac.VERHUIZING,
    ac.LEVERINGSVORM,
    ac.ANDERE_AANBIEDER,
    ac.CORRECTIE,
)


def indication_change_reasons(*, indication: Indication) -> list[tuple[str, str]]:
    """The WMO002 reasons that fit a change of this indication.

    A PGB has no provider to leave and is already a PGB, so 08 and 09 do not fit it."""
    codes = [
        code
        for code in _CHANGE_FORM_REASONS
        if indication.financing == Financing.ZIN
        or code not in (ac.LEVERINGSVORM, ac.ANDERE_AANBIEDER)
    ]
    return [(code, str(REASON_LABELS[code])) for code in codes]


def indication_has_ended(*, indication: Indication, today: date | None = None) -> bool:
    return ac.has_ended(indication.valid_to, today or timezone.localdate())


def indication_change_warnings(*, indication: Indication) -> list[str]:
    """What the access worker should know before changing this indication: the Wlz."""
    warnings = []
    outflow = (
        Outflow.objects.current()
        .filter(stay__client_id=indication.client_id, reason=OutflowReason.WLZ)
        .order_by("-date")
        .first()
    )
    if outflow is not None:
        warnings.append(
            _(
                "Deze cliënt is op %(day)s uitgestroomd naar de Wlz. Zorg uit de Wlz gaat voor "
                "op de Wmo: beëindig de indicatie met reden 'Uitstroom naar ander domein'; "
                "verlengen kan niet."
            )
            % {"day": date_format(outflow.date, "j F Y")}
        )
    applications = WlzApplication.objects.filter(client_id=indication.client_id)
    pending = applications.filter(status=WlzApplication.Status.AANGEVRAAGD).order_by("-applied_on")
    granted = applications.filter(status=WlzApplication.Status.TOEGEKEND).order_by("-decided_on")
    if (application := pending.first()) is not None:
        warnings.append(
            _(
                "Er loopt een Wlz-aanvraag (aangevraagd op %(day)s, besluit CIZ volgt). Tot het "
                "besluit loopt de Wmo-indicatie door; kent het CIZ de Wlz toe, beëindig de "
                "indicatie dan met reden 'Uitstroom naar ander domein'."
            )
            % {"day": date_format(application.applied_on, "j F Y")}
        )
    if outflow is None and (application := granted.first()) is not None:
        warnings.append(
            _(
                "Het CIZ heeft de Wlz toegekend op %(day)s. De Wmo-indicatie eindigt dan: "
                "kies reden 'Uitstroom naar ander domein'."
            )
            % {"day": date_format(application.decided_on or application.applied_on, "j F Y")}
        )
    return warnings
