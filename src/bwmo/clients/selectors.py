"""Every read of client data goes through here: this is where access is decided.

A client is visible to a user with the permission to see personal data who stands in one
of these relations to the client (security.md):

- the **responsible municipality** of one of the client's cases or indications;
- an organisation holding a current **mandate** of that municipality for that domain;
- the municipality where the client **currently stays** (care coordination, read-only);
- a **provider** with a current allocation (toewijzing) for the client (only the fields it
  needs);
- the organisation that **registered** the client, as long as no case exists yet.

Everyone else gets a 404 from the views, never a hint that the client exists.
"""

from dataclasses import dataclass
from datetime import date
from enum import Enum

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bwmo.accounts.scoping import Scope, user_scope
from bwmo.care.models import Indication, Stay, WlzApplication
from bwmo.organisations.models import ProductKind
from bwmo.toegang.models import Melding

from .models import Client, ClientEvent


class Relation(Enum):
    RESPONSIBLE = _("verantwoordelijke gemeente")
    MANDATE = _("mandaat van de verantwoordelijke gemeente")
    HANDLING = _("behandelende organisatie van een melding")
    REGISTERED = _("registrerende organisatie (nog geen melding)")
    STAY_MUNICIPALITY = _("gemeente van verblijf (alleen inzage)")
    PROVIDER = _("aanbieder met lopende toewijzing")

    @property
    def may_edit(self) -> bool:
        return self in (
            Relation.RESPONSIBLE,
            Relation.MANDATE,
            Relation.HANDLING,
            Relation.REGISTERED,
        )

    @property
    def sees_access_process(self) -> bool:
        """Providers see the client, indications and stays; not the onderzoek or advies."""
        return self is not Relation.PROVIDER


def _mandate_q(scope: Scope) -> Q:
    q = Q(pk__in=[])
    for grantor, kind in scope.mandates:
        q |= Q(responsible_municipality_id=grantor, product_kind=kind)
    return q


def _melding_scope_q(scope: Scope) -> Q:
    # The organisation that handles a melding keeps it, also when the woonplaats rules make
    # another municipality responsible (landelijke toegankelijkheid: anyone may apply anywhere).
    return (
        Q(responsible_municipality_id__in=scope.municipalities)
        | Q(organisation_id__in=scope.organisation_ids)
        | _mandate_q(scope)
    )


def _indication_scope_q(scope: Scope) -> Q:
    q = Q(responsible_municipality_id__in=scope.municipalities)
    for grantor, kind in scope.mandates:
        q |= Q(responsible_municipality_id=grantor, product__kind=kind)
    return q


def _current_stay_q(today: date) -> Q:
    return Q(start__lte=today) & (Q(end__isnull=True) | Q(end__gte=today))


def _current_allocation_q(scope: Scope, today: date) -> Q:
    """On an indication: its allocation (toewijzing) is the provider's and has not ended. An
    indication alone (a PGB, or one whose allocation ended) shows the provider nothing. The
    allocation is reached through the indication's reverse relation, so this app does not
    import messaging (which owns allocations)."""
    return Q(allocation__provider_id__in=scope.provider_ids) & (
        Q(allocation__end__isnull=True) | Q(allocation__end__gte=today)
    )


def _sight_conditions(scope: Scope, today: date) -> tuple[Q, dict[str, Q]]:
    """The conditions on a client under which the user sees its care records (indications,
    stays, meldingen), apart from a provider's own: every kind, and per kind only.

    A mandate for one kind (``Scope.partial_mandates``) gives sight of that kind only, also
    of a client who has the other kind too; for a holder of such a mandate, handling a
    melding gives sight of that melding's kind only. Everything else (responsible
    municipality, a full mandate, current stay, registration) shows every kind."""
    client_ref = OuterRef("pk")
    meldingen = Melding.objects.filter(client=client_ref)
    indications = Indication.objects.filter(client=client_ref)
    full = scope.full_municipalities
    partial = scope.partial_mandates
    every_kind = (
        Q(Exists(meldingen.filter(responsible_municipality_id__in=full)))
        | Q(Exists(indications.filter(responsible_municipality_id__in=full)))
        | Q(
            Exists(
                Stay.objects.filter(client=client_ref, location_id__in=scope.municipalities).filter(
                    _current_stay_q(today)
                )
            )
        )
        | (Q(registered_by_id__in=scope.organisation_ids) & ~Q(Exists(meldingen)))
    )
    handled = meldingen.filter(organisation_id__in=scope.organisation_ids)
    if not partial:
        every_kind |= Q(Exists(handled))
    per_kind: dict[str, Q] = {}
    for grantor, kind in partial:
        per_kind[kind] = (
            per_kind.get(kind, Q(Exists(handled.filter(product_kind=kind))))
            | Q(Exists(meldingen.filter(responsible_municipality_id=grantor, product_kind=kind)))
            | Q(Exists(indications.filter(responsible_municipality_id=grantor, product__kind=kind)))
        )
    return every_kind, per_kind


def clients_visible_to(
    *, user, today: date | None = None, as_provider: bool = True
) -> QuerySet[Client]:
    """The clients ``user`` may see; without ``as_provider`` only those seen through a
    relation other than a provider's (the ones whose access process the user may see)."""
    scope = user_scope(user)
    if not scope.can_view_personal_data:
        return Client.objects.none()
    today = today or timezone.localdate()
    every_kind, per_kind = _sight_conditions(scope, today)
    conditions = every_kind
    for q in per_kind.values():
        conditions |= q
    if as_provider:
        conditions |= Q(
            Exists(
                Indication.objects.filter(client=OuterRef("pk")).filter(
                    _current_allocation_q(scope, today)
                )
            )
        )
    # A provisional identity merged into a client with BSN is closed: its pseudonym leads to
    # that client (client_merged_target), its own record is no longer listed or shown.
    return Client.objects.filter(conditions, merged_into__isnull=True)


def _care_records_q(*, user, kind_field: str, provider_field: str | None) -> Q:
    """Which care records (indications, stays, meldingen) of visible clients ``user`` sees:
    every record of a client seen in full, the records of the mandate's kind of a client
    seen through a mandate for one kind, and a provider's own."""
    scope = user_scope(user)
    if not scope.can_view_personal_data:
        return Q(pk__in=[])
    today = timezone.localdate()
    every_kind, per_kind = _sight_conditions(scope, today)
    # Each condition is asked of the record's own client (correlated), so that the records of
    # one client (a dossier) cost an index look-up per condition rather than computing every
    # client the user sees (docs/performance.md); PostgreSQL still hashes them for long lists.
    live = Client.objects.filter(merged_into__isnull=True, pk=OuterRef("client_id"))
    q = Q(Exists(live.filter(every_kind)))
    for kind, condition in per_kind.items():
        q |= Q(**{kind_field: kind}) & Q(Exists(live.filter(condition)))
    if provider_field is not None:
        q |= Q(**{f"{provider_field}__in": scope.provider_ids}) & Q(
            Exists(clients_visible_to(user=user).filter(pk=OuterRef("client_id")))
        )
    return q


def client_merged_target(*, user, pseudonym) -> Client | None:
    """The client a merged provisional identity became, if ``user`` may see that client."""
    merged = Client.objects.filter(pseudonym=pseudonym, merged_into__isnull=False).first()
    if merged is None or merged.merged_into_id is None:
        return None
    return clients_visible_to(user=user).filter(pk=merged.merged_into_id).first()


def client_relation(*, user, client: Client, today: date | None = None) -> Relation | None:
    """The strongest relation ``user`` has to ``client`` (None: no access at all)."""
    scope = user_scope(user)
    if not scope.can_view_personal_data:
        return None
    today = today or timezone.localdate()
    meldingen = Melding.objects.filter(client=client)
    indications = Indication.objects.filter(client=client)
    if scope.municipalities and (
        meldingen.filter(responsible_municipality_id__in=scope.municipalities).exists()
        or indications.filter(responsible_municipality_id__in=scope.municipalities).exists()
    ):
        return Relation.RESPONSIBLE
    if scope.mandates and (
        meldingen.filter(_mandate_q(scope)).exists()
        or indications.filter(_indication_scope_q(scope)).exists()
    ):
        return Relation.MANDATE
    handled = meldingen.filter(organisation_id__in=scope.organisation_ids)
    if scope.partial_mandates:
        # As in ``_sight_conditions``: for a holder of a mandate for one kind, handling a
        # melding counts only for a melding of that kind; one of the other kind gives no
        # relation (and so no right to change the client).
        handled = handled.filter(product_kind__in={kind for _, kind in scope.partial_mandates})
    if handled.exists():
        return Relation.HANDLING
    if client.registered_by_id in scope.organisation_ids and not meldingen.exists():
        return Relation.REGISTERED
    if Stay.objects.filter(
        _current_stay_q(today), client=client, location_id__in=scope.municipalities
    ).exists():
        return Relation.STAY_MUNICIPALITY
    if scope.provider_ids and indications.filter(_current_allocation_q(scope, today)).exists():
        return Relation.PROVIDER
    return None


@dataclass(frozen=True)
class Sight:
    """What of one client's kind-bound records a user sees: of ``every_kind`` (responsible
    municipality, a full mandate, current stay, registration), or only of ``kinds`` (through
    a mandate for one kind, or handling a melding of that kind under such a mandate), or
    of ``provider_kinds`` (the kinds of the user's own current allocations, as a provider)."""

    every_kind: bool
    kinds: frozenset[str]
    provider_kinds: frozenset[str]

    def sees(self, kind: str) -> bool:
        """Whether records of this kind of the client are shown."""
        return self.every_kind or kind in self.kinds or kind in self.provider_kinds

    @property
    def through_relation(self) -> bool:
        """Seen other than only as its provider: in full, or through a mandate's kind."""
        return self.every_kind or bool(self.kinds)


NO_SIGHT = Sight(False, frozenset(), frozenset())


def client_sight(*, user, client: Client, today: date | None = None) -> Sight:
    """How ``user`` sees ``client``'s records (see ``Sight``)."""
    scope = user_scope(user)
    if not scope.can_view_personal_data:
        return NO_SIGHT
    today = today or timezone.localdate()
    every_kind, per_kind = _sight_conditions(scope, today)
    live = Client.objects.filter(pk=client.pk, merged_into__isnull=True)
    if live.filter(every_kind).exists():
        return Sight(True, frozenset(ProductKind.values), frozenset())
    kinds = frozenset(kind for kind, q in per_kind.items() if live.filter(q).exists())
    provider_kinds: frozenset[str] = frozenset()
    if scope.provider_ids:
        provider_kinds = frozenset(
            Indication.objects.filter(client=client)
            .filter(_current_allocation_q(scope, today))
            .values_list("product__kind", flat=True)
        )
    return Sight(False, kinds, provider_kinds)


def _clients_seen_with(*, user, kind: str | None) -> QuerySet[Client]:
    """The clients whose records of ``kind`` ``user`` sees (as ``client_sight``); with
    ``kind`` None, the clients ``user`` sees in full (every kind)."""
    scope = user_scope(user)
    if not scope.can_view_personal_data:
        return Client.objects.none()
    today = timezone.localdate()
    every_kind, per_kind = _sight_conditions(scope, today)
    conditions = every_kind
    if kind is not None:
        if kind in per_kind:
            conditions |= per_kind[kind]
        if scope.provider_ids:
            conditions |= Q(
                Exists(
                    Indication.objects.filter(client=OuterRef("pk"), product__kind=kind).filter(
                        _current_allocation_q(scope, today)
                    )
                )
            )
    return Client.objects.filter(conditions, merged_into__isnull=True)


# The kind a record without a product of its own belongs to (docs/security.md, "A mandate
# for one kind of care"): a Wlz application follows from sheltered housing (the Wlz takes
# over from BW), so it is a BW record.
WLZ_APPLICATION_KIND = ProductKind.BW


def wlz_applications_visible_to(*, user) -> QuerySet[WlzApplication]:
    """The Wlz applications of the clients whose BW records ``user`` sees: a mandate for MO
    (or an MO provider) does not see them, also not of a client who has BW too."""
    return WlzApplication.objects.filter(
        client__in=_clients_seen_with(user=user, kind=WLZ_APPLICATION_KIND)
    )


def client_events_visible_to(*, user) -> QuerySet[ClientEvent]:
    """The client's own history (provisional identity, BSN, merges): it is about the client
    as such, of no kind, so a user who sees the client in full sees all of it; a mandate for
    one kind or a provider sees only the lines its own organisation recorded (the
    opvanginstelling that registered a client without BSN and merged it later sees that it
    did), and only of a client it sees at all."""
    full = Q(client__in=_clients_seen_with(user=user, kind=None))
    recorded = Q(
        client__in=clients_visible_to(user=user),
        actor__organisations__in=user.organisations.all(),
    )
    return ClientEvent.objects.filter(full | recorded).distinct()


@dataclass(frozen=True)
class VisibleClient:
    client: Client
    relation: Relation


def client_get_visible(*, user, pseudonym) -> VisibleClient:
    """The client with this pseudonym if ``user`` may see it; ``Client.DoesNotExist`` if not."""
    client = clients_visible_to(user=user).get(pseudonym=pseudonym)
    relation = client_relation(user=user, client=client)
    if relation is None:  # pragma: no cover — the two selectors agree by construction
        raise Client.DoesNotExist
    return VisibleClient(client=client, relation=relation)


def indications_visible_to(*, user) -> QuerySet[Indication]:
    """The indications the dossiers of ``user``'s clients show: all of a client seen through
    another relation, only the mandate's kind under a mandate for one kind, only the
    provider's own for a client seen as its provider."""
    return Indication.objects.filter(
        _care_records_q(user=user, kind_field="product__kind", provider_field="provider_id")
    )


def stays_visible_to(*, user) -> QuerySet[Stay]:
    """The stays the dossiers of ``user``'s clients show (as ``indications_visible_to``)."""
    return Stay.objects.filter(
        _care_records_q(user=user, kind_field="product__kind", provider_field="provider_id")
    )


def meldingen_visible_to(*, user) -> QuerySet[Melding]:
    """The meldingen (access process) of ``user``'s clients: all of a client seen through a
    relation other than a provider's, only the mandate's kind under a mandate for one kind."""
    return Melding.objects.filter(
        _care_records_q(user=user, kind_field="product_kind", provider_field=None)
    )


@dataclass(frozen=True)
class DossierRecords:
    """The records of one client's dossier that a user sees (``dossier_records``)."""

    sight: Sight
    indications: QuerySet[Indication]
    stays: QuerySet[Stay]
    meldingen: QuerySet[Melding]
    wlz_applications: QuerySet[WlzApplication]
    client_events: QuerySet[ClientEvent]


def dossier_records(*, user, client: Client, today: date | None = None) -> DossierRecords:
    """Of one client, the records ``indications_visible_to``, ``stays_visible_to``,
    ``meldingen_visible_to``, ``wlz_applications_visible_to`` and ``client_events_visible_to``
    give ``user``: the same rows, decided once for this client.

    Those selectors ask the sight conditions of every record's client in the statement
    itself, which is what a list of many clients' records needs; for the one client of a
    dossier the answer is the same for each of its records, so it is asked once
    (``client_sight``) and the records are filtered on their own fields: all of a client
    seen in full, the kinds of a mandate for one kind, a provider's own
    (``tests/clients/test_dossier_records.py`` holds the two ways against each other)."""
    scope = user_scope(user)
    today = today or timezone.localdate()
    sight = client_sight(user=user, client=client, today=today)
    # A relation is asked of the live client already; a provider's sight is not.
    visible = sight.through_relation or (
        bool(sight.provider_kinds)
        and Client.objects.filter(pk=client.pk, merged_into__isnull=True).exists()
    )
    indications = Indication.objects.filter(client=client)
    stays = Stay.objects.filter(client=client)
    meldingen = Melding.objects.filter(client=client)
    wlz = WlzApplication.objects.filter(client=client)
    events = ClientEvent.objects.filter(client=client)
    if not visible:
        return DossierRecords(
            sight, indications.none(), stays.none(), meldingen.none(), wlz.none(), events.none()
        )
    if not sight.every_kind:
        own = Q(provider_id__in=scope.provider_ids)
        indications = indications.filter(Q(product__kind__in=sight.kinds) | own)
        stays = stays.filter(Q(product__kind__in=sight.kinds) | own)
        meldingen = meldingen.filter(product_kind__in=sight.kinds)
        events = events.filter(actor__organisations__in=user.organisations.all()).distinct()
    if not sight.sees(WLZ_APPLICATION_KIND):
        wlz = wlz.none()
    return DossierRecords(sight, indications, stays, meldingen, wlz, events)


def _search_candidates(scope: Scope) -> QuerySet:
    """The keys of every client ``clients_visible_to`` can show for ``scope``, and perhaps
    some more: the clients of the scope's municipalities, grantors, organisations and
    providers, found through their indexes as one union. Narrowing a search to these first
    lets PostgreSQL start from the scope's few thousand clients instead of testing every
    client of the country against the sight conditions (docs/performance.md); which of them
    the user sees is still decided by ``clients_visible_to``."""
    codes = sorted(scope.acting_municipalities)
    organisations = sorted(scope.organisation_ids)
    meldingen = Melding.objects.filter(
        Q(responsible_municipality_id__in=codes) | Q(organisation_id__in=organisations)
    ).values("client_id")
    indications = Indication.objects.filter(responsible_municipality_id__in=codes).values(
        "client_id"
    )
    # Apart, not OR-ed with the above: an OR across the allocation's join reads every one.
    allocated = Indication.objects.filter(
        allocation__provider_id__in=sorted(scope.provider_ids)
    ).values("client_id")
    stays = Stay.objects.filter(location_id__in=codes).values("client_id")
    registered = Client.objects.filter(registered_by_id__in=organisations).values("pk")
    return (
        meldingen.order_by()
        .union(
            indications.order_by(), allocated.order_by(), stays.order_by(), registered.order_by()
        )
        .order_by()
    )


def client_search(*, user, query: str, limit: int = 50) -> list[Client]:
    """Clients visible to ``user`` matching a full BSN or (part of) a name."""
    query = " ".join(query.split())
    if not query:
        return []
    visible = clients_visible_to(user=user).filter(pk__in=_search_candidates(user_scope(user)))
    if query.isdigit():
        return list(visible.filter(bsn=query)[:limit])
    q = Q()
    for part in query.split(" "):
        q &= (
            Q(surname__icontains=part)
            | Q(given_names__icontains=part)
            | Q(surname_prefix__iexact=part)
        )
    # In alphabetical order regardless of capitals. Sorting on the expression, not on the
    # indexed column, also keeps PostgreSQL from walking the surname index through every
    # client of the country in the hope of finding the first 50 early (docs/performance.md).
    ordered = visible.filter(q).order_by(Lower("surname"), Lower("given_names"), "birth_date", "pk")
    return list(ordered[:limit])


def melding_scope_q(*, user) -> Q:
    return _melding_scope_q(user_scope(user))


def client_get_visible_or_404(*, user, pseudonym) -> VisibleClient:
    """``client_get_visible`` for a screen: a client out of scope is a 404, exactly like a
    client that does not exist, so a URL reveals nothing."""
    try:
        return client_get_visible(user=user, pseudonym=pseudonym)
    except Client.DoesNotExist:
        raise Http404 from None


def client_get_for_change_or_404(*, user, pseudonym) -> VisibleClient:
    """``client_get_visible_or_404`` for a page that changes the client (its personal data,
    BRP, BSN, stays, indications). A holder of a mandate for one kind who sees the client
    only otherwise (as the provider of the other kind) gets a 404, as for a client out of
    scope: its mandate gives it nothing of this client to change. Whether the relation may
    change the client at all (``Relation.may_edit``) is the page's own check."""
    visible = client_get_visible_or_404(user=user, pseudonym=pseudonym)
    if user_scope(user).partial_mandates and not (
        client_sight(user=user, client=visible.client).through_relation
    ):
        raise Http404
    return visible
