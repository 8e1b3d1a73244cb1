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
from bwmo.care.models import (
    Financing,
    Indication,
    Outflow,
    OutflowReason,
    Product,
    WlzApplication,
)
from bwmo.clients.selectors import (
    indications_visible_to,
    stays_visible_to,
    wlz_applications_visible_to,
)
from bwmo.organisations.models import RegionMembership
from bwmo.rules import allocation_change as ac
from bwmo.rules.request_kind import request_kind

from .codelists import REASON_LABELS
from .models import (
    Allocation,
    AllocationRequest,
    Declaration,
    DeclarationLine,
    Direction,
    Message,
    MessageStatus,
)


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


def _traffic_scope(user) -> tuple[set[str], list[tuple[str, str]]]:
    """The municipalities whose traffic and money a user sees in full (their own, their
    region's members, a grantor of mandates for every kind), and the (grantor, kind) of the
    mandates that give sight of one kind of the grantor's clients only."""
    scope = user_scope(user)
    full = _own_and_region_municipalities(scope) | set(scope.full_municipalities)
    return full, sorted((g, k) for g, k in scope.mandates if g not in full)


def _mandate_kind_q(
    partial: list[tuple[str, str]],
    *,
    municipality: str,
    client: str,
    product: tuple[str, str] | None = None,
    provider: str | None = None,
) -> Q:
    """Rows of a partial mandate's grantor about clients with an indication of the mandate's
    kind under that grantor. With ``product`` (the row's iWmo category and product code
    fields: an allocation, a declaration line) the row's own product must be of that kind
    too: an MO mandate never shows a BW line, also of a client who has both. With
    ``provider`` (a message's provider field) the indication of that kind must be at the
    row's provider: a WMO301 to the client's BW provider is BW traffic. (A provider that
    delivers both kinds to one client gets one WMO301 with both: the messages' own lines
    decide, ``_allocation_lines_q``.)"""
    q = Q(pk__in=[])
    for grantor, kind in partial:
        of_kind = Indication.objects.filter(
            client_id=OuterRef(client), responsible_municipality_id=grantor, product__kind=kind
        )
        if provider is not None:
            of_kind = of_kind.filter(provider_id=OuterRef(provider))
        row = Q(**{municipality: grantor}) & Q(Exists(of_kind))
        if product is not None:
            category, code = product
            row &= Q(
                Exists(
                    Product.objects.filter(
                        iwmo_category=OuterRef(category), code=OuterRef(code), kind=kind
                    )
                )
            )
        q |= row
    return q


# The messages whose lines are allocations (ToegewezenProducten): the toewijzing and the
# provider's start and stop of care on them, with their retour messages (which repeat the
# lines of the message they answer).
ALLOCATION_LINE_MESSAGES = ("WMO301", "WMO305", "WMO306", "WMO307", "WMO308")


def _allocation_lines_q(partial: list[tuple[str, str]]) -> Q:
    """On a message: a WMO301 (or a 305/307 and their retours, ``ALLOCATION_LINE_MESSAGES``)
    of a partial mandate's grantor is shown only when its own lines (the allocations of its
    client at its provider under the grantor, by their product category and code in the
    catalogue) hold the mandate's kind and no other. A WMO301 to a provider that delivers
    BW and MO to the same client names both and is shown to neither mandate: the page and
    the file cannot show half of it, so the grantor's own staff handle it (docs/security.md).

    The lines are taken wide, never narrow: every allocation of the client at the provider
    under the grantor made before the message was sent (for a pending message: every one),
    so a line of the other kind is never missed; an allocation of the other kind that had
    already ended also hides the message."""
    q = ~Q(message_type__in=ALLOCATION_LINE_MESSAGES)
    for grantor, kind in partial:
        lines = Allocation.objects.filter(
            client_id=OuterRef("client_id"),
            provider_id=OuterRef("provider_id"),
            municipality_id=grantor,
        )
        sent_lines = lines.filter(allocated_at__lte=OuterRef("processed_at"))

        def of_kind(rows: QuerySet[Allocation], kind: str = kind) -> QuerySet[Allocation]:
            return rows.filter(
                Exists(
                    Product.objects.filter(
                        iwmo_category=OuterRef("category"), code=OuterRef("product_code"), kind=kind
                    )
                )
            )

        def not_of_kind(rows: QuerySet[Allocation], kind: str = kind) -> QuerySet[Allocation]:
            # A line whose product the catalogue does not know counts as another kind.
            return rows.exclude(
                Exists(
                    Product.objects.filter(
                        iwmo_category=OuterRef("category"), code=OuterRef("product_code"), kind=kind
                    )
                )
            )

        q |= (
            Q(municipality_id=grantor, processed_at__isnull=True)
            & Q(Exists(of_kind(lines)))
            & ~Q(Exists(not_of_kind(lines)))
        ) | (
            Q(municipality_id=grantor, processed_at__isnull=False)
            & Q(Exists(of_kind(sent_lines)))
            & ~Q(Exists(not_of_kind(sent_lines)))
        )
    return q


# The messages of a provider's request (WMO315/317), and those that answer one: their
# retours (316/318) and the municipality's answer (319), each with ``reply_to`` the request's.
REQUEST_MESSAGES = ("WMO315", "WMO317")
REQUEST_ANSWER_MESSAGES = ("WMO316", "WMO318", "WMO319")


@dataclass(frozen=True)
class _RequestsOfKind:
    requests: frozenset[int]  # AllocationRequest ids a partial mandate sees
    messages: frozenset[int]  # their WMO315/317 messages, every request of which it sees


def _requests_of_kind(partial: list[tuple[str, str]]) -> _RequestsOfKind:
    """Of the partial mandates' grantors, the requests about clients of the mandate's kind
    at their provider (``_mandate_kind_q``) whose products are all of that kind
    (``rules.request_kind``: by the catalogue, a changed product by its allocation), and the
    request messages all of whose requests are. The products are JSON, which the two
    databases cannot filter alike, so the ids are decided here, among the rows the SQL
    already limited to the grantors' clients of that kind."""
    if not partial:
        return _RequestsOfKind(frozenset(), frozenset())
    kind_of = dict(partial)
    rows = list(
        AllocationRequest.objects.filter(
            _mandate_kind_q(
                partial, municipality="municipality_id", client="client_id", provider="provider_id"
            )
        ).values_list("pk", "message_id", "municipality_id", "provider_id", "client_id", "products")
    )
    if not rows:
        return _RequestsOfKind(frozenset(), frozenset())
    catalogue: dict[tuple[str, str], set[str]] = {}
    for category, code, kind in Product.objects.values_list("iwmo_category", "code", "kind"):
        catalogue.setdefault((category, code), set()).add(kind)
        catalogue.setdefault((category, ""), set()).add(kind)
    frozen = {key: frozenset(kinds) for key, kinds in catalogue.items()}
    numbers = {
        int(p["toewijzing"])
        for *_ids, products in rows
        if isinstance(products, list)
        for p in products
        if isinstance(p, dict) and str(p.get("toewijzing", "")).isdigit()
    }
    # A changed product's allocation counts only if it is the request's own: of its client
    # at its provider under its municipality.
    allocations: dict[tuple[str, int, int | None], dict[int, tuple[str, str]]] = {}
    for number, municipality, provider, client, category, code in Allocation.objects.filter(
        number__in=numbers
    ).values_list(
        "number", "municipality_id", "provider_id", "client_id", "category", "product_code"
    ):
        allocations.setdefault((municipality, provider, client), {})[number] = (category, code)
    seen: set[int] = set()
    shown_messages: set[int] = set()
    hidden_messages: set[int] = set()
    for pk, message_id, municipality, provider, client, products in rows:
        own = allocations.get((municipality, provider, client), {})
        kind = (
            request_kind(products, catalogue=frozen, allocations=own)
            if isinstance(products, list)
            else None
        )
        if kind is not None and kind == kind_of.get(municipality):
            seen.add(pk)
            shown_messages.add(message_id)
        else:
            hidden_messages.add(message_id)
    return _RequestsOfKind(frozenset(seen), frozenset(shown_messages - hidden_messages))


def _request_messages_q(of_kind: _RequestsOfKind) -> Q:
    """On a message of a partial mandate's grantor: a request (WMO315/317) only when every
    request it holds is of the mandate's kind (``_requests_of_kind``), and its retour or
    answer (316/318/319) only with it. A request message that holds no request (refused as
    a whole) names no products, so it stays with the grantor, as its retour does."""
    return (
        ~Q(message_type__in=REQUEST_MESSAGES + REQUEST_ANSWER_MESSAGES)
        | Q(message_type__in=REQUEST_MESSAGES, pk__in=of_kind.messages)
        | Q(message_type__in=REQUEST_ANSWER_MESSAGES, reply_to_id__in=of_kind.messages)
    )


def _message_traffic_q(user) -> Q:
    """Traffic about clients: all of it for the user's own municipalities and the members of
    their region; for a municipality they only hold a mandate of (for BW or for MO), only the
    traffic about clients with an indication of that kind under that municipality
    (``_mandate_kind_q``: traffic naming no client stays with the grantor), a WMO301 only
    when its lines are of the mandate's kind (``_allocation_lines_q``), a request and its
    answers only when its products are (``_request_messages_q``)."""
    full, partial = _traffic_scope(user)
    if not partial:
        return Q(municipality_id__in=full)
    return Q(municipality_id__in=full) | (
        _mandate_kind_q(
            partial, municipality="municipality_id", client="client_id", provider="provider_id"
        )
        & _allocation_lines_q(partial)
        & _request_messages_q(_requests_of_kind(partial))
    )


def messages_visible_to(user) -> QuerySet[Message]:
    """The traffic of the user's municipalities (for a mandate: of its kind, see
    ``_message_traffic_q``), and any file the
    user read in themselves (a file that names no municipality we know is seen by its
    uploader only)."""
    visible = _message_traffic_q(user)
    return Message.objects.filter(visible | Q(uploaded_by_id=user.pk)).select_related(
        "provider", "municipality", "client"
    )


def allocations_visible_to(*, user) -> QuerySet[Allocation]:
    """The allocations of the indications ``user`` sees on the clients' dossiers; of a
    municipality the user only holds a mandate of for one kind, only the allocations of that
    kind (a provider always sees its own)."""
    allocations = Allocation.objects.filter(indication__in=indications_visible_to(user=user))
    full, partial = _traffic_scope(user)
    grantors = {grantor for grantor, _kind in partial}
    if not grantors:
        return allocations
    return allocations.filter(
        ~Q(municipality_id__in=grantors)
        | Q(municipality_id__in=full)
        | Q(provider_id__in=user_scope(user).provider_ids)
        | _mandate_kind_q(
            partial,
            municipality="municipality_id",
            client="client_id",
            product=("category", "product_code"),
        )
    )


def declarations_visible_to(*, user) -> QuerySet[Declaration]:
    """The declarations (headers, no client data) of the municipalities whose money the user
    sees in full: a declaration's total mixes every client and kind, so a mandate for one
    kind does not show the grantor's headers (its lines of that kind: ``declaration_lines``)."""
    full, _partial = _traffic_scope(user)
    return Declaration.objects.filter(municipality_id__in=full)


def requests_visible_to(user) -> QuerySet[AllocationRequest]:
    """Providers' requests (WMO315/317) to the municipalities the user acts for; of a
    municipality the user holds a mandate of for one kind, only those about clients of that
    kind whose products are all of that kind (``_requests_of_kind``): a BW request from a
    provider that delivers MO to the client is not the MO mandate's."""
    codes = user_scope(user).acting_municipalities
    full, partial = _traffic_scope(user)
    visible = Q(municipality_id__in=full)
    if partial:
        visible |= Q(pk__in=_requests_of_kind(partial).requests)
    return AllocationRequest.objects.filter(visible, municipality_id__in=codes).select_related(
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
    """Per provider and month: declared, approved and rejected (euros), newest month first.

    For the municipalities whose money the user sees in full, the declarations' totals; for
    a municipality the user holds a mandate of for one kind only, the sum of the lines of
    that kind (``declaration_lines``), never the grantor's whole traffic."""
    full, partial = _traffic_scope(user)
    declarations = Declaration.objects.filter(municipality_id__in=full)
    if year:
        declarations = declarations.filter(period_start__year=year)
    totals: dict[tuple[int, date], list] = {}

    def add(provider_id, name, start, declared, approved, lines, rejected) -> None:
        row = totals.setdefault((provider_id, start.replace(day=1)), [name, 0, 0, 0, 0])
        row[1] += declared or 0
        row[2] += approved or 0
        row[3] += lines
        row[4] += rejected

    # Amounts per declaration and line counts per line: two queries, so the join with the
    # lines cannot multiply the amounts.
    counts = {
        (c["declaration__provider_id"], c["declaration__period_start"]): c
        for c in DeclarationLine.objects.filter(declaration__in=declarations)
        .values("declaration__provider_id", "declaration__period_start")
        .annotate(n=Count("pk"), rejected=Count("pk", filter=Q(approved=False)))
    }
    for r in declarations.values("provider_id", "provider__name", "period_start").annotate(
        declared=Sum("submitted_cents"), approved=Sum("approved_cents")
    ):
        c = counts.get((r["provider_id"], r["period_start"]), {"n": 0, "rejected": 0})
        add(
            r["provider_id"],
            r["provider__name"],
            r["period_start"],
            r["declared"],
            r["approved"],
            c["n"],
            c["rejected"],
        )
    if partial:
        lines = DeclarationLine.objects.filter(
            _mandate_kind_q(
                partial,
                municipality="declaration__municipality_id",
                client="client_id",
                product=("category", "product_code"),
            )
        )
        if year:
            lines = lines.filter(declaration__period_start__year=year)
        for r in lines.values(
            "declaration__provider_id", "declaration__provider__name", "declaration__period_start"
        ).annotate(
            declared_cents=Sum("amount_cents"),
            approved_cents=Sum("amount_cents", filter=Q(approved=True)),
            n=Count("pk"),
            rejected=Count("pk", filter=Q(approved=False)),
        ):
            add(
                r["declaration__provider_id"],
                r["declaration__provider__name"],
                r["declaration__period_start"],
                r["declared_cents"],
                r["approved_cents"],
                r["n"],
                r["rejected"],
            )
    result = [
        DeclarationMonth(
            provider_id,
            name,
            month,
            Decimal(declared) / 100,
            Decimal(approved) / 100,
            n,
            rejected,
        )
        for (provider_id, month), (name, declared, approved, n, rejected) in totals.items()
    ]
    result.sort(key=lambda m: (-m.month.toordinal(), m.provider_name))
    return result


def declaration_lines(user, *, provider_id: int, month: date) -> QuerySet[DeclarationLine]:
    """The lines of a provider's month: every line of the municipalities whose traffic the
    user sees in full; of a partial mandate's grantor, the lines of that kind only."""
    full, partial = _traffic_scope(user)
    visible = Q(declaration__municipality_id__in=full) | _mandate_kind_q(
        partial,
        municipality="declaration__municipality_id",
        client="client_id",
        product=("category", "product_code"),
    )
    return (
        DeclarationLine.objects.filter(
            visible,
            declaration__provider_id=provider_id,
            declaration__period_start__year=month.year,
            declaration__period_start__month=month.month,
        )
        .select_related("declaration", "client", "declaration__message")
        .order_by("approved", "declaration__number", "pk")
    )


def pending_exports_visible_to(user) -> QuerySet[Message]:
    """The pending outbound messages (WMO301/319) the user may build and send: those of the
    traffic they see (``messages_visible_to``; for a mandate of one kind, only the messages
    about clients of that kind, and a WMO301 only when its lines are of that kind)."""
    visible = _message_traffic_q(user)
    return Message.objects.filter(visible, direction=Direction.OUT, status=MessageStatus.PENDING)


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


def indication_change_warnings(*, indication: Indication, user) -> list[str]:
    """What the access worker should know before changing this indication: the Wlz, as far
    as ``user`` sees it (an outflow of a stay it sees, a Wlz application only with sight of
    the client's BW records: a mandate for MO only is told neither of the BW side)."""
    warnings = []
    outflow = (
        Outflow.objects.current()
        .filter(
            stay__in=stays_visible_to(user=user),
            stay__client_id=indication.client_id,
            reason=OutflowReason.WLZ,
        )
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
    applications = wlz_applications_visible_to(user=user).filter(client_id=indication.client_id)
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
