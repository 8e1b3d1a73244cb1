"""What the monitor reads: pseudonymised, set-based rows (no per-client queries)."""

from django.db.models import Min, OuterRef, Subquery

from bwmo.care.models import Indication, Outflow, Stay
from bwmo.organisations.models import Region, RegionMembership
from bwmo.rules import monitor
from bwmo.toegang.models import Melding
from bwmo.woonplaats.models import ResponsibilityDecision


def data_version(codes: list[str] | None) -> int:
    """The data version of the figures of the municipalities ``codes`` (``None``: of every
    municipality): it grows with every committed write that touches one of them or every
    region (``bwmo.monitor.changes``)."""
    from django.db.models import Sum

    from .changes import EVERYTHING
    from .models import DataChange

    changes = DataChange.objects.all()
    if codes is not None:
        changes = changes.filter(scope__in=[*codes, EVERYTHING])
    total = changes.aggregate(v=Sum("weight"))
    return int(total["v"] or 0)


def region_codes(region) -> list[str]:
    return list(
        RegionMembership.objects.filter(region=region).values_list("municipality_id", flat=True)
    )


def stay_records(
    *, municipalities: list[str], rejected: list[str] | None = None
) -> list[monitor.StayRecord]:
    """Stays of clients for whom one of ``municipalities`` is responsible, or that take place
    in one of them (so that both 'responsible' and 'location' figures are complete).

    A stay whose product has no domain (BW or MO) cannot be counted: its product code goes to
    ``rejected`` when given (the caller reports the gap), else it raises ``ValueError``."""
    from django.db.models import Q

    # One current decision per melding and one current outflow per stay (constraints): no
    # ordering, which for the decision joined the melding per stay only to sort one row.
    category = (
        ResponsibilityDecision.objects.filter(
            melding=OuterRef("indication__melding"), is_current=True
        )
        .order_by()
        .values("category")[:1]
    )
    reason = Outflow.objects.current().filter(stay=OuterRef("pk")).order_by().values("reason")[:1]
    rows = (
        Stay.objects.filter(
            Q(indication__responsible_municipality__in=municipalities)
            | Q(location__in=municipalities)
        )
        .annotate(category=Subquery(category), outflow_reason=Subquery(reason))
        .values_list(
            "client__pseudonym",
            "start",
            "end",
            "product__kind",
            "product__name",
            "product__intensity_rank",
            "indication__financing",
            "provider__name",
            "indication__responsible_municipality_id",
            "location_id",
            "category",
            "outflow_reason",
        )
    )
    records = []
    for (
        client,
        start,
        end,
        kind,
        product,
        rank,
        financing,
        provider,
        responsible,
        location,
        category,
        reason,
    ) in rows:
        if rejected is not None and kind not in monitor.KINDS:
            rejected.append(product)
            continue
        records.append(
            monitor.StayRecord(
                client=str(client),
                start=start,
                end=end,
                kind=kind,
                product=product,
                product_rank=rank,
                financing=financing or "ZIN",
                provider=provider,
                responsible=responsible or location,
                location=location,
                category=category or "",
                outflow_reason=reason,
            )
        )
    return records


def lead_time_cases(*, municipalities: list[str]) -> list[monitor.Case]:
    # The first stay of a melding's indications as one grouped join, not a subquery per
    # melding: a correlated subquery is planned per row, and on tables without statistics
    # yet (a fresh database) PostgreSQL chose a scan per melding.
    rows = (
        Melding.objects.filter(product_kind="BW", responsible_municipality__in=municipalities)
        .values("pk")  # grouped per melding
        .annotate(care_start=Min("indications__stays__start"))
        .values_list(
            "pk",
            "received_on",
            "advies__issued_on",
            "aanvraag__received_on",
            "aanvraag__beschikking__decided_on",
            "care_start",
        )
        .order_by("pk")
    )
    return [
        monitor.Case(melding=m, onderzoek_done=o, aanvraag=a, beschikking=b, care_start=c)
        for _pk, m, o, a, b, c in rows
    ]


def granted_indications(*, municipalities: list[str]) -> list[monitor.Indication]:
    return [
        monitor.Indication(granted=granted, started=started)
        for granted, started in Indication.objects.filter(
            responsible_municipality__in=municipalities, product__kind="BW", provider__isnull=False
        ).values_list("valid_from", "started_on")
    ]


def wlz_pending(*, municipalities: list[str], on) -> int:
    """Clients with a Wlz application pending on ``on`` (their Wmo indication continues)."""
    from django.db.models import Q

    from bwmo.care.models import WlzApplication

    return (
        WlzApplication.objects.filter(
            client__indications__responsible_municipality__in=municipalities, applied_on__lte=on
        )
        .filter(Q(decided_on__isnull=True) | Q(decided_on__gt=on))
        .values("client")
        .distinct()
        .count()
    )


def placement_reasons(*, municipalities, region_codes, on) -> dict[str, int]:
    """Placements outside the region running on ``on``, counted by their motivation."""
    from collections import Counter

    from django.db.models import Q

    rows = (
        Stay.objects.filter(indication__responsible_municipality__in=municipalities, start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .exclude(location__in=region_codes)
    )
    return dict(
        Counter(
            reason or "niet gemotiveerd"
            for reason in rows.values_list("placement_reason", flat=True)
        )
    )


def regions_with_members() -> list[tuple[Region, list[str]]]:
    """Every region with its member municipalities (CBS codes), in the order of their names."""
    members: dict[int, list[str]] = {}
    for region_id, code in RegionMembership.objects.values_list("region_id", "municipality_id"):
        members.setdefault(region_id, []).append(code)
    return [
        (region, sorted(members.get(region.pk, [])))
        for region in Region.objects.select_related("centrumgemeente").order_by("name")
    ]


def region_flow_counts(*, members: list[str], start, end) -> dict[str, dict[str, int]]:
    """The region's clients in care on ``end`` and its instroom and uitstroom over
    ``[start, end]``, by kind: counted set-based in SQL (:mod:`bwmo.monitor.baseline`, held
    equal to the monitor's rules by the tests), not from rows in Python."""
    from . import baseline

    empty = {"total": 0}
    stock = baseline.stock(members, [end])[end].get(baseline.REGION, empty)
    flows = baseline.flows(members, [(start, end)])[(start, end)].get(baseline.REGION, {})
    return {
        "in_care_at_end": stock,
        "instroom": flows.get("instroom", empty),
        "uitstroom": flows.get("uitstroom", empty),
    }


class RegionRows:
    """The rows the monitor's per-part figures read, fetched once for the whole region and
    split per responsible municipality: one query per kind of row instead of one per part (the
    region and each of its municipalities)."""

    def __init__(self, *, municipalities: list[str], on) -> None:
        from django.db.models import Q

        from bwmo.care.models import WlzApplication

        self.cases: dict[str, list[monitor.Case]] = {}
        rows = (
            Melding.objects.filter(product_kind="BW", responsible_municipality__in=municipalities)
            .values("pk")
            .annotate(care_start=Min("indications__stays__start"))
            .values_list(
                "pk",
                "responsible_municipality_id",
                "received_on",
                "advies__issued_on",
                "aanvraag__received_on",
                "aanvraag__beschikking__decided_on",
                "care_start",
            )
            .order_by("pk")
        )
        for _pk, code, m, o, a, b, c in rows:
            self.cases.setdefault(code, []).append(
                monitor.Case(melding=m, onderzoek_done=o, aanvraag=a, beschikking=b, care_start=c)
            )
        self.indications: dict[str, list[monitor.Indication]] = {}
        for code, granted, started in Indication.objects.filter(
            responsible_municipality__in=municipalities, product__kind="BW", provider__isnull=False
        ).values_list("responsible_municipality_id", "valid_from", "started_on"):
            self.indications.setdefault(code, []).append(
                monitor.Indication(granted=granted, started=started)
            )
        self.wlz = set(
            WlzApplication.objects.filter(
                client__indications__responsible_municipality__in=municipalities,
                applied_on__lte=on,
            )
            .filter(Q(decided_on__isnull=True) | Q(decided_on__gt=on))
            .values_list("client", "client__indications__responsible_municipality")
            .distinct()
        )
        self.placements = list(
            Stay.objects.filter(
                indication__responsible_municipality__in=municipalities, start__lte=on
            )
            .filter(Q(end__isnull=True) | Q(end__gte=on))
            .exclude(location__in=municipalities)
            .values_list("indication__responsible_municipality_id", "placement_reason")
        )

    def lead_time_cases(self, codes) -> list[monitor.Case]:
        return [case for code in codes for case in self.cases.get(code, [])]

    def granted_indications(self, codes) -> list[monitor.Indication]:
        return [i for code in codes for i in self.indications.get(code, [])]

    def wlz_pending(self, codes) -> int:
        wanted = set(codes)
        return len({client for client, code in self.wlz if code in wanted})

    def placement_reasons(self, codes) -> dict[str, int]:
        from collections import Counter

        wanted = set(codes)
        return dict(
            Counter(
                reason or "niet gemotiveerd" for code, reason in self.placements if code in wanted
            )
        )
