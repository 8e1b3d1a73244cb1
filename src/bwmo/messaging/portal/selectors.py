"""What a provider sees in the provider portal: every read of the portal goes through here.

A provider's user sees only its own provider's allocations that were sent (a WMO301 the
provider received), the clients with a current allocation to that provider (through
``clients_visible_to``, the one access rule) with only the fields a provider needs, and the
messages the provider sent with their answers. Nothing of another provider is reachable: a
record outside the scope is ``DoesNotExist``, which the views turn into a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bwmo.accounts.scoping import user_scope
from bwmo.care.models import Contract
from bwmo.clients.selectors import clients_visible_to
from bwmo.iwmo import model as m
from bwmo.organisations.models import Municipality, Provider, RegionMembership

from ..models import Allocation, DeliveryEvent, Direction, Message, MessageStatus

WHY_PROVIDER = gettext_lazy("aanbieder met lopende toewijzing")

# What a provider sends, and so what it finds under "Antwoorden".
SENT_BY_PROVIDER = ("WMO305", "WMO307", "WMO315", "WMO317", "WMO323")


def portal_provider_ids(user) -> frozenset[int]:
    """The providers a user works for in the portal: none without the right to see the
    personal data of its clients."""
    scope = user_scope(user)
    return scope.provider_ids if scope.can_view_personal_data else frozenset()


def portal_providers(user) -> QuerySet[Provider]:
    return Provider.objects.filter(pk__in=portal_provider_ids(user)).order_by("name")


def _sent_q() -> Q:
    # Sent: a WMO301 went out (last_message), or the allocation was taken over from before
    # bwmo handled the traffic (nothing left to send).
    return Q(last_message__isnull=False) | Q(needs_sending=False)


def _current_q(today: date) -> Q:
    return Q(end__isnull=True) | Q(end__gte=today)


def _started() -> Exists:
    return Exists(
        DeliveryEvent.objects.filter(
            allocation=OuterRef("pk"), kind=DeliveryEvent.Kind.START, withdrawn=False
        )
    )


def _stopped() -> Exists:
    return Exists(
        DeliveryEvent.objects.filter(
            allocation=OuterRef("pk"), kind=DeliveryEvent.Kind.STOP, withdrawn=False
        ).exclude(reason=m.REDEN_BEEINDIGING_TIJDELIJK)
    )


def _allocations(user) -> QuerySet[Allocation]:
    return (
        Allocation.objects.filter(provider_id__in=portal_provider_ids(user))
        .filter(_sent_q())
        .annotate(started=_started(), stopped=_stopped())
        .select_related("municipality", "provider", "client")
    )


STATES = ("lopend", "te_starten", "gestart", "beeindigd")


@dataclass(frozen=True)
class AllocationFilters:
    state: str = ""
    product_code: str = ""
    municipality: str = ""
    refused: tuple[str, ...] = field(default=())

    @classmethod
    def from_query(cls, query, *, products: set[str], municipalities: set[str]):
        """The filters of a GET; a value that cannot be applied is named, never dropped."""
        refused = []
        state = query.get("stand", "").strip()
        if state and state not in STATES:
            refused.append(
                _("Stand '%(v)s' bestaat niet; alle toewijzingen zijn getoond.") % {"v": state[:20]}
            )
            state = ""
        product = query.get("product", "").strip()
        if product and product not in products:
            refused.append(
                _("Product '%(v)s' komt in uw toewijzingen niet voor; alle producten zijn getoond.")
                % {"v": product[:5]}
            )
            product = ""
        municipality = query.get("gemeente", "").strip()
        if municipality and municipality not in municipalities:
            refused.append(
                _(
                    "Gemeente '%(v)s' komt in uw toewijzingen niet voor; alle gemeenten zijn "
                    "getoond."
                )
                % {"v": municipality[:6]}
            )
            municipality = ""
        return cls(state, product, municipality, tuple(refused))

    def as_query(self) -> dict[str, str]:
        query = {"stand": self.state, "product": self.product_code, "gemeente": self.municipality}
        return {k: v for k, v in query.items() if v}


def portal_allocation_options(*, user) -> tuple[list[str], list[Municipality]]:
    """The product codes and municipalities of the provider's allocations (for the filter)."""
    allocations = Allocation.objects.filter(provider_id__in=portal_provider_ids(user)).filter(
        _sent_q()
    )
    products = sorted(set(allocations.values_list("product_code", flat=True)))
    codes = set(allocations.values_list("municipality_id", flat=True))
    return products, list(Municipality.objects.filter(code__in=codes).order_by("name"))


def portal_allocations(
    *, user, today: date, filters: AllocationFilters | None = None
) -> QuerySet[Allocation]:
    """The provider's sent allocations, newest start first, filtered."""
    qs = _allocations(user)
    f = filters or AllocationFilters()
    if f.state == "lopend":
        qs = qs.filter(_current_q(today), start__lte=today)
    elif f.state == "te_starten":
        qs = qs.filter(~_started(), _current_q(today), start__lte=today)
    elif f.state == "gestart":
        qs = qs.filter(_started(), ~_stopped())
    elif f.state == "beeindigd":
        qs = qs.filter(Q(end__lt=today) | Q(_stopped()))
    if f.product_code:
        qs = qs.filter(product_code=f.product_code)
    if f.municipality:
        qs = qs.filter(municipality_id=f.municipality)
    return qs.order_by("-start", "-number")


def portal_visible_client_ids(*, user, client_ids) -> set[int]:
    """Which of these clients the user may see now (a current allocation): the others'
    names stay hidden on an ended allocation."""
    ids = [pk for pk in client_ids if pk is not None]
    if not ids:
        return set()
    return set(clients_visible_to(user=user).filter(pk__in=ids).values_list("pk", flat=True))


def portal_allocation_for_action(*, user, number: int, today: date) -> Allocation:
    """A current, sent allocation of the user's provider whose client the user may see
    (the one to start, stop or change care on); ``Allocation.DoesNotExist`` otherwise."""
    allocation = _allocations(user).filter(_current_q(today)).get(number=number)
    if not portal_visible_client_ids(user=user, client_ids=[allocation.client_id]):
        raise Allocation.DoesNotExist
    return allocation


def portal_allocation_get(*, user, number: int) -> Allocation:
    """A sent allocation of the user's provider (current or ended)."""
    return _allocations(user).get(number=number)


def allocation_last_start(*, allocation: Allocation) -> DeliveryEvent | None:
    """The start the provider reported last (the key a stop repeats)."""
    return (
        allocation.events.filter(kind=DeliveryEvent.Kind.START, withdrawn=False)
        .order_by("-begin", "-pk")
        .first()
    )


@dataclass(frozen=True)
class PortalClient:
    """A client as a provider sees it: identity and the allocations to this provider."""

    pseudonym: UUID
    name: str
    bsn: str
    birth_date: date | None
    allocations: tuple[Allocation, ...]


def _client_name(c) -> str:
    return " ".join(p for p in (c.given_names, c.surname_prefix, c.surname) if p)


def portal_clients(*, user, today: date, query: str = "") -> list[PortalClient]:
    """Every client with a current allocation to the user's provider, by surname; ``query``
    a full BSN or (part of) a name."""
    current = _allocations(user).filter(_current_q(today))
    visible = (
        clients_visible_to(user=user)
        .filter(pk__in=current.values("client_id"))
        .only("pseudonym", "bsn", "given_names", "surname_prefix", "surname", "birth_date")
    )
    query = " ".join(query.split())
    if query.isdigit():
        visible = visible.filter(bsn=query)
    elif query:
        q = Q()
        for part in query.split(" "):
            q &= Q(surname__icontains=part) | Q(given_names__icontains=part)
        visible = visible.filter(q)
    clients = list(visible.order_by("surname", "given_names", "pk"))
    by_client: dict[int, list[Allocation]] = {}
    for a in current.filter(client_id__in=[c.pk for c in clients]).order_by("start"):
        by_client.setdefault(a.client_id, []).append(a)
    return [
        PortalClient(
            c.pseudonym, _client_name(c), c.bsn or "", c.birth_date, tuple(by_client.get(c.pk, ()))
        )
        for c in clients
    ]


def portal_client_allocations(*, user, client_id: int, today: date) -> list[Allocation]:
    """The current allocations of one client to the user's provider (a 317 lists them all)."""
    return list(
        _allocations(user).filter(_current_q(today), client_id=client_id).order_by("number")
    )


# --- messages and answers ---------------------------------------------------------------------


def portal_messages(*, user) -> QuerySet[Message]:
    """What the provider sent (inbound to bwmo), newest first, with the answers."""
    if not portal_provider_ids(user):
        return Message.objects.none()
    return (
        Message.objects.filter(
            # A file the user sent that names no provider bwmo knows (not XML, say) is the
            # user's own: its finding is shown to them.
            Q(provider_id__in=portal_provider_ids(user), message_type__in=SENT_BY_PROVIDER)
            | Q(uploaded_by_id=user.pk, provider__isnull=True),
            direction=Direction.IN,
        )
        .select_related("municipality", "provider")
        .prefetch_related("replies")
        .defer("content")
    )


def portal_messages_with_findings(*, user) -> QuerySet[Message]:
    return portal_messages(user=user).exclude(status=MessageStatus.ACCEPTED)


def portal_message_get(*, user, pk: int) -> Message:
    return portal_messages(user=user).get(pk=pk)


@dataclass(frozen=True)
class PortalCounts:
    to_start: int
    with_findings: int
    clients: int


def portal_counts(*, user, today: date) -> PortalCounts:
    allocations = _allocations(user).filter(_current_q(today))
    return PortalCounts(
        to_start=allocations.filter(~_started(), start__lte=today).count(),
        with_findings=portal_messages_with_findings(user=user).count(),
        clients=clients_visible_to(user=user)
        .filter(pk__in=allocations.values("client_id"))
        .count(),
    )


def portal_request_municipalities(*, provider: Provider, today: date) -> list[Municipality]:
    """The municipalities a provider can ask for an allocation: those of the regions it has
    a contract with, today."""
    regions = Contract.objects.filter(provider=provider).values_list("region_id", flat=True)
    codes = (
        RegionMembership.objects.valid_on(today)
        .filter(region_id__in=regions)
        .values_list("municipality_id", flat=True)
    )
    return list(Municipality.objects.filter(code__in=codes).order_by("name"))
