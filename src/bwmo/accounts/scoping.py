"""What a user may see: the organisations, municipalities, mandates and providers behind them.

The scope is computed once per request and used by every selector that returns personal data.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from bwmo.organisations.models import Mandate, Organisation, ProductKind


@dataclass(frozen=True)
class Scope:
    organisation_ids: frozenset[int]
    municipalities: frozenset[str]  # municipalities the user works for directly
    mandates: frozenset[tuple[str, str]]  # (grantor municipality code, product kind)
    provider_ids: frozenset[int]
    region_ids: frozenset[int]
    can_view_personal_data: bool

    @property
    def acting_municipalities(self) -> frozenset[str]:
        """Municipalities the user may act for: own plus any held mandate."""
        return self.municipalities | {code for code, _ in self.mandates}

    @property
    def full_municipalities(self) -> frozenset[str]:
        """Municipalities the user sees everything of: their own, and a grantor whose
        mandates cover every kind of care (BW and MO). A mandate for one kind gives sight of
        that kind only, so its grantor is not among them (see ``partial_mandates``)."""
        kinds = set(ProductKind.values)
        held: dict[str, set[str]] = {}
        for code, kind in self.mandates:
            held.setdefault(code, set()).add(kind)
        return self.municipalities | {code for code, of in held.items() if of >= kinds}

    @property
    def partial_mandates(self) -> frozenset[tuple[str, str]]:
        """(grantor, kind) of the mandates whose grantor is not among ``full_municipalities``:
        the user sees only that kind of the grantor's clients, traffic and money."""
        full = self.full_municipalities
        return frozenset((code, kind) for code, kind in self.mandates if code not in full)


EMPTY_SCOPE = Scope(frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), False)


def user_scope(user, *, today: date | None = None) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    today = today or timezone.localdate()
    cache_key = f"_bwmo_scope_{today.isoformat()}"
    cached = getattr(user, cache_key, None)
    if cached is not None:
        return cached
    organisations = list(Organisation.objects.filter(users=user))
    org_ids = frozenset(o.pk for o in organisations)
    mandates = frozenset(
        Mandate.objects.valid_on(today)
        .filter(holder_id__in=org_ids)
        .values_list("grantor_id", "product_kind")
    )
    scope = Scope(
        organisation_ids=org_ids,
        municipalities=frozenset(
            o.municipality_id
            for o in organisations
            if o.kind == Organisation.Kind.GEMEENTE and o.municipality_id is not None
        ),
        mandates=mandates,
        provider_ids=frozenset(
            o.provider_id
            for o in organisations
            if o.kind == Organisation.Kind.AANBIEDER and o.provider_id is not None
        ),
        region_ids=frozenset(
            o.region_id
            for o in organisations
            if o.kind == Organisation.Kind.REGIO and o.region_id is not None
        ),
        can_view_personal_data=user.has_perm("clients.view_personal_data"),
    )
    setattr(user, cache_key, scope)
    return scope


def default_region_for(user):
    """The region a user's figures start with: their region organisation's, or the region of
    a municipality they act for; otherwise the first region."""
    from bwmo.organisations.models import Region, RegionMembership

    scope = user_scope(user)
    if scope.region_ids:
        return Region.objects.filter(pk__in=scope.region_ids).first()
    membership = (
        RegionMembership.objects.filter(municipality__in=scope.acting_municipalities)
        .select_related("region")
        .first()
    )
    return membership.region if membership else Region.objects.first()
