"""Computing, storing and recomputing responsibility decisions.

The rules themselves live in ``bwmo.rules.woonplaats`` (no Django). This module gathers the
facts from the database — BRP history, earlier stays and who provided them, a binding
advice — decides in bulk, and writes the result in one transaction: all or nothing.
"""

import os
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar, cast

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from bwmo.care.models import Stay
from bwmo.care.services import indications_responsible_set
from bwmo.clients.models import BrpKind, BrpRegistration
from bwmo.core.workers import can_fork, forked_helpers
from bwmo.organisations.models import Municipality, Region, RegionMembership
from bwmo.rules import woonplaats as engine
from bwmo.toegang.models import Melding

from .models import Dispute, ResponsibilityDecision, RuleSetVersion

DEFAULT_START_DATE = date.fromisoformat(os.environ.get("BWMO_WOONPLAATS_START_DATE", "2026-01-01"))


class NoRegion(ValueError):
    pass


def region_of(*, municipality_code: str, on: date) -> Region:
    membership = (
        RegionMembership.objects.valid_on(on)
        .filter(municipality_id=municipality_code)
        .select_related("region")
        .first()
    )
    if membership is None:
        raise NoRegion(f"{municipality_code} belongs to no BW/MO region on {on}")
    return membership.region


def rule_set_in_force(*, region: Region, on: date) -> RuleSetVersion:
    """The adopted rule set of ``region`` on ``on``; a default one is created if none exists."""
    rule_set = (
        RuleSetVersion.objects.filter(region=region, effective_from__lte=on)
        .order_by("-effective_from", "-pk")
        .first()
    )
    if rule_set is None:
        rule_set = (
            RuleSetVersion.objects.filter(region=region, effective_from__isnull=False)
            .order_by("effective_from")
            .first()
        )
    if rule_set is None:
        rule_set, _ = RuleSetVersion.objects.get_or_create(
            region=region,
            version="standaard",
            defaults={
                "start_date": DEFAULT_START_DATE,
                "lookback_months": 12,
                "effective_from": date(2015, 1, 1),
                "description": "Standaard: ingangsdatum uit de instellingen",
            },
        )
    return rule_set


def _as_rules(rule_set: RuleSetVersion) -> engine.RuleSet:
    return engine.RuleSet(
        start_date=rule_set.start_date,
        lookback_months=rule_set.lookback_months,
        version=rule_set.version,
    )


@dataclass(slots=True)
class CaseRow:
    """A case (melding) as a recompute reads it: the values the rules and the report need,
    nothing more (no personal data), without building a model instance for each."""

    pk: int
    client_id: int
    product_kind: str
    applied_to_id: str
    received_on: date
    responsible_municipality_id: str
    client_pseudonym: object = None


C = TypeVar("C", Melding, CaseRow)


@dataclass(frozen=True)
class Outcome(Generic[C]):
    melding: C
    rule_set: RuleSetVersion
    decision: engine.Decision
    previous: str  # responsible municipality before this computation
    digest: str | None = None  # the decision's digest, when computed already

    @property
    def changed(self) -> bool:
        return self.previous != self.decision.responsible


# Ids per IN list: well below SQLite's limit on query parameters, few round trips.
_CHUNK = 5000


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for first in range(0, len(ids), _CHUNK):
        yield ids[first : first + _CHUNK]


def _id_sets(ids: list[int], scope: QuerySet | None) -> Iterator[list[int] | QuerySet]:
    """What to filter on: the caller's ``scope`` (a subquery holding at least these ids, for
    a region or the whole country) in one go, or else the ids in chunks."""
    if scope is not None:
        yield scope
    else:
        yield from _chunks(ids)


class _Regions:
    """Which region a municipality belongs to on a day, from the memberships read once
    (as ``region_of``, which takes the first valid membership by primary key)."""

    def __init__(self) -> None:
        regions = {r.pk: r for r in Region.objects.all()}
        self.memberships: dict[str, list[tuple[date, date | None, Region]]] = defaultdict(list)
        for municipality, start, end, region in RegionMembership.objects.order_by("pk").values_list(
            "municipality_id", "valid_from", "valid_to", "region_id"
        ):
            self.memberships[municipality].append((start, end, regions[region]))

    def of(self, municipality_code: str, on: date) -> Region:
        for start, end, region in self.memberships.get(municipality_code, ()):
            if start <= on and (end is None or end >= on):
                return region
        raise NoRegion(f"{municipality_code} belongs to no BW/MO region on {on}")


def compute(
    meldingen: Iterable[C],
    *,
    rule_set_for=None,
    names: dict[str, str] | None = None,
    scope: QuerySet | None = None,
    current: dict[int, tuple[int, str]] | None = None,
) -> list[Outcome[C]]:
    """Decide every melding (set-based reads, pure decisions; nothing is written).

    ``scope``: the meldingen as a queryset (a region's, the country's), so that the facts
    are read by subquery instead of by long lists of ids. ``current``: the current decisions'
    digests (``_current_decisions``), when the caller has them; a decision equal to its
    current one may then come back as its responsible municipality only (``_as_stored``).

    Earlier stays count as provided by the municipality responsible for the melding they
    came from — as decided in this same run when that melding is part of it, so a changed
    rule set propagates through a client's history.
    """
    meldingen = sorted(meldingen, key=lambda m: (m.client_id, m.received_on, m.pk))
    if not meldingen:
        return []
    names = names if names is not None else dict(Municipality.objects.values_list("code", "name"))

    # Each case's region and rule set first. Only a BW case on or after its rule set's start
    # date reads the BRP history and the earlier stays (rules T, A, B, C, W, D); a binding
    # advice (G), MO and a case before the start date (V) are decided without them. So those
    # facts are read only for the clients that have such a case.
    regions = _Regions()
    rule_sets: dict[int, RuleSetVersion] = {}
    as_rules: dict[int, engine.RuleSet] = {}
    case_regions: list[Region] = []
    with_facts: set[int] = set()
    for melding in meldingen:
        region = regions.of(melding.applied_to_id, melding.received_on)
        if region.pk not in rule_sets:
            rule_sets[region.pk] = (
                rule_set_for(region)
                if rule_set_for is not None
                else rule_set_in_force(region=region, on=timezone.localdate())
            )
            as_rules[region.pk] = _as_rules(rule_sets[region.pk])
        case_regions.append(region)
        if (
            melding.product_kind == engine.PRODUCT_BW
            and melding.received_on >= as_rules[region.pk].start_date
        ):
            with_facts.add(melding.client_id)
    client_ids = sorted(with_facts)
    facts_scope = None
    if scope is not None and client_ids:
        # The same clients by subquery (or a few more: the earliest start date of them all).
        first_start = min(rules.start_date for rules in as_rules.values())
        facts_scope = scope.filter(
            product_kind=engine.PRODUCT_BW, received_on__gte=first_start
        ).values("client_id")

    brp: dict[int, list[engine.BrpPeriod]] = defaultdict(list)
    stays: dict[int, list[tuple]] = defaultdict(list)
    for chunk in _id_sets(client_ids, facts_scope):
        # "Geen inschrijving" is, for the rules, a period without BRP registration.
        for client_id, municipality, start, end, kind in (
            BrpRegistration.objects.filter(client_id__in=chunk)
            .exclude(kind=BrpKind.GEEN)
            .order_by("client_id", "pk")
            .values_list("client_id", "municipality_id", "valid_from", "valid_to", "kind")
        ):
            brp[client_id].append(engine.BrpPeriod(municipality or "", start, end, kind))
        for row in (
            Stay.objects.filter(client_id__in=chunk)
            .order_by("client_id", "pk")
            .values_list(
                "client_id",
                "product__kind",
                "start",
                "end",
                "location_id",
                "indication__melding_id",
                "indication__responsible_municipality_id",
            )
        ):
            stays[row[0]].append(row[1:])

    advice: dict[int, engine.DisputeAdvice] = {}
    for chunk in _id_sets([m.pk for m in meldingen], None if scope is None else scope.values("pk")):
        for melding_id, responsible, advice_date in (
            Dispute.objects.filter(melding__in=chunk, status=Dispute.Status.BINDEND_ADVIES)
            .order_by("advice_date", "pk")
            .values_list("melding_id", "advice_responsible_id", "advice_date")
        ):
            # The binding_advice_complete constraint: a binding advice has both of these.
            advice[melding_id] = engine.DisputeAdvice(responsible, cast(date, advice_date))

    histories = {client: tuple(history) for client, history in brp.items()}

    def decide(first: int, last: int) -> list[engine.Decision]:
        """The decisions of ``meldingen[first:last]``, whole clients (pure: no database)."""
        # The same earlier stay, provided by the same municipality, counts in each of a
        # client's cases: one (immutable) period for all of them.
        periods: dict[tuple, engine.CarePeriod] = {}
        decided: dict[int, str] = {}
        decisions = []
        for index in range(first, last):
            melding, region = meldingen[index], case_regions[index]
            care = []
            for kind, start, end, location, source, provided_by in stays[melding.client_id]:
                if source == melding.pk:
                    continue
                key = (kind, start, end, decided.get(source) or provided_by or "", location)
                period = periods.get(key)
                if period is None:
                    period = periods[key] = engine.CarePeriod(*key)
                care.append(period)
            case = engine.Case(
                id=str(melding.pk),
                product=melding.product_kind,
                application_date=melding.received_on,
                applied_to=melding.applied_to_id,
                centrumgemeente=region.centrumgemeente_id,
                brp=histories.get(melding.client_id, ()),
                care=tuple(care),
                dispute_advice=advice.get(melding.pk),
            )
            decision = engine.decide(case, as_rules[region.pk], names)
            decided[melding.pk] = decision.responsible
            decisions.append(decision)
        return decisions

    def digests(first: int, decisions: list[engine.Decision]) -> list[str]:
        return [
            _decision_digest(rule_sets[case_regions[first + i].pk].pk, d)
            for i, d in enumerate(decisions)
        ]

    decisions, known = _decided_in_two(meldingen, decide, digests, current)
    return [
        Outcome(
            melding,
            rule_sets[region.pk],
            decision,
            melding.responsible_municipality_id,
            digest=known.get(index),
        )
        for index, (melding, region, decision) in enumerate(
            zip(meldingen, case_regions, decisions, strict=True)
        )
    ]


FORK_AT = int(os.environ.get("BWMO_WOONPLAATS_FORK_AT", "20000"))
"""From this many cases on, a recompute decides the second half of the clients in a forked
helper (``bwmo.core.workers``) while it decides the first half itself: on two cores the
country's 300,000 cases take about half the time. Fewer cases are not worth the fork."""

_HELPER_LOCK = threading.Lock()
_HELPER_WORK: Callable[[], list] | None = None


def _helper_work() -> list:
    """In the forked helper: the work the parent set before the fork."""
    assert _HELPER_WORK is not None
    return _HELPER_WORK()


def _as_stored(responsible: str) -> engine.Decision:
    """A decision that is the same as the case's current one (equal digests), carried back
    from the helper as its responsible municipality only: ``store`` writes nothing for it,
    and a report of changes reads only the responsible municipality."""
    return engine.Decision(responsible, "", "", "", False)


def _decided_in_two(
    meldingen: list,
    decide: Callable[[int, int], list],
    digests: Callable[[int, list], list],
    current: dict[int, tuple[int, str]] | None,
) -> tuple[list[engine.Decision], dict[int, str]]:
    """Every melding's decision, and the digests known already (index → digest).

    From ``FORK_AT`` cases on (with ``current`` given), the second half of the clients is
    decided in a forked helper at the same time (whole clients: a client's cases depend on
    each other). It returns, per case, the decision and its digest when that differs from
    the current one, else only the responsible municipality: a few megabytes instead of every
    trace, which took as long to send as deciding them."""
    global _HELPER_WORK
    count = len(meldingen)
    if (
        current is None
        or count < FORK_AT
        or not can_fork()
        or not _HELPER_LOCK.acquire(blocking=False)
    ):
        return decide(0, count), {}
    try:
        split = count // 2
        while 0 < split < count and meldingen[split].client_id == meldingen[split - 1].client_id:
            split += 1

        def second_half() -> list:
            decisions = decide(split, count)
            result: list = []
            for index, (decision, digest) in enumerate(
                zip(decisions, digests(split, decisions), strict=True)
            ):
                stored = current.get(meldingen[split + index].pk)
                same = stored is not None and stored[1] == digest
                result.append(decision.responsible if same else (decision, digest))
            return result

        _HELPER_WORK = second_half
        with forked_helpers(1) as pool:
            assert pool is not None
            future = pool.submit(_helper_work)
            decisions = decide(0, split)
            # This half's digests meanwhile: ``store`` needs them, and the helper computes
            # those of its half too.
            known = dict(enumerate(digests(0, decisions)))
            for index, item in enumerate(future.result(), start=split):
                if isinstance(item, str):
                    decisions.append(_as_stored(item))
                    known[index] = current[meldingen[index].pk][1]
                else:
                    decisions.append(item[0])
                    known[index] = item[1]
        return decisions, known
    finally:
        _HELPER_WORK = None
        _HELPER_LOCK.release()


_DECISION_FIELDS = (
    "rule_set_id",
    "responsible_id",
    "category",
    "rule",
    "basis",
    "woonplaats_onbekend",
    "trace",
)


def _digest(outcome: Outcome) -> str:
    """What a decision says (its rule set, outcome and trace) as stored, in short."""
    if outcome.digest is not None:
        return outcome.digest
    return _decision_digest(outcome.rule_set.pk, outcome.decision)


def _decision_digest(rule_set: int, d: engine.Decision) -> str:
    return engine.decision_digest(
        rule_set,
        d.responsible,
        d.category,
        d.rule,
        d.basis[:200],
        d.woonplaats_onbekend,
        d.trace,
    )


def _current_decisions(
    melding_ids: list[int], scope: QuerySet | None = None
) -> dict[int, tuple[int, str]]:
    """melding id → (pk, digest) of its current decision. The stored digest is read, not
    the trace; a decision stored without a digest has it computed from its fields."""
    current: dict[int, tuple[int, str]] = {}
    without: list[int] = []
    for chunk in _id_sets(melding_ids, None if scope is None else scope.values("pk")):
        for pk, melding_id, digest in ResponsibilityDecision.objects.filter(
            melding_id__in=chunk, is_current=True
        ).values_list("pk", "melding_id", "digest"):
            current[melding_id] = (pk, digest)
            if not digest:
                without.append(pk)
    for chunk in _chunks(without):
        for pk, melding_id, *fields in ResponsibilityDecision.objects.filter(
            pk__in=chunk
        ).values_list("pk", "melding_id", *_DECISION_FIELDS):
            current[melding_id] = (pk, engine.decision_digest(*fields))
    return current


@transaction.atomic
def store(
    outcomes: list[Outcome[Melding]] | list[Outcome[CaseRow]],
    *,
    user=None,
    always: Collection[int] = (),
    scope: QuerySet | None = None,
    current: dict[int, tuple[int, str]] | None = None,
) -> int:
    """Write the outcomes that change something: a new current decision (the old one stays
    as history) where the decision or its rule set differs from the current one, and the
    responsible municipality on the case and, through care, on its indications.

    A case in ``always`` (melding ids) gets a new decision even when nothing changed: the
    decision taken again at a step of the case is recorded. Returns the number of decisions
    written; a recompute that changes nothing writes nothing.
    """
    if not outcomes:
        return 0
    now = timezone.now()
    if current is None:
        current = _current_decisions([o.melding.pk for o in outcomes], scope)
    digests = {o.melding.pk: _digest(o) for o in outcomes}
    new = [
        o
        for o in outcomes
        if o.melding.pk in always
        or o.melding.pk not in current
        or current[o.melding.pk][1] != digests[o.melding.pk]
    ]
    replaced = [current[o.melding.pk][0] for o in new if o.melding.pk in current]
    for chunk in _chunks(replaced):
        ResponsibilityDecision.objects.filter(pk__in=chunk).update(is_current=False)
    ResponsibilityDecision.objects.bulk_create(
        [
            ResponsibilityDecision(
                melding_id=o.melding.pk,
                rule_set=o.rule_set,
                computed_at=now,
                computed_by=user,
                responsible_id=o.decision.responsible,
                category=o.decision.category,
                rule=o.decision.rule,
                basis=o.decision.basis[:200],
                woonplaats_onbekend=o.decision.woonplaats_onbekend,
                trace=list(o.decision.trace),
                digest=digests[o.melding.pk],
            )
            for o in new
        ],
        batch_size=1000,
    )
    by_responsible: dict[str, list[int]] = defaultdict(list)
    for o in outcomes:
        if o.changed:
            by_responsible[o.decision.responsible].append(o.melding.pk)
            o.melding.responsible_municipality_id = o.decision.responsible
    for responsible, ids in by_responsible.items():
        for chunk in _chunks(ids):
            Melding.objects.filter(pk__in=chunk).update(responsible_municipality_id=responsible)
    indications_responsible_set(
        responsible_by_melding={o.melding.pk: o.decision.responsible for o in outcomes if o.changed}
    )
    return len(new)


def responsibility_decide(*, melding: Melding, user=None) -> ResponsibilityDecision:
    """Decide one case now (at melding, aanvraag, intake, or after a binding advice).

    The client's later cases are decided again too: who provided their earlier care may
    just have changed.
    """
    affected = [
        m
        for m in Melding.objects.filter(
            client_id=melding.client_id, received_on__gte=melding.received_on
        )
        if m.pk != melding.pk
    ]
    store(compute([melding, *affected]), user=user, always={melding.pk})
    return ResponsibilityDecision.objects.get(melding=melding, is_current=True)


def meldingen_in_region(region: Region | None):
    qs = Melding.objects.all()
    if region is not None:
        members = RegionMembership.objects.filter(region=region).values("municipality_id")
        qs = qs.filter(applied_to_id__in=members)
    return qs


@dataclass
class RecomputeReport:
    outcomes: list[Outcome[CaseRow]]
    written: bool

    @property
    def changes(self) -> list[Outcome[CaseRow]]:
        return [o for o in self.outcomes if o.changed]


def responsibility_recompute(
    *, region: Region | None = None, version: str | None = None, dry_run: bool = False, user=None
) -> RecomputeReport:
    """Recompute every case (of a region) under its rule set in force or a named version."""
    rule_set_for: Callable[[Region], RuleSetVersion] | None = None
    if version is not None:
        wanted = RuleSetVersion.objects.filter(version=version)
        if region is not None:
            wanted = wanted.filter(region=region)
        by_region = {rs.region_id: rs for rs in wanted}
        if not by_region:
            raise RuleSetVersion.DoesNotExist(f"no rule set with version {version!r}")

        def rule_set_for(r: Region) -> RuleSetVersion:
            if r.pk not in by_region:
                raise RuleSetVersion.DoesNotExist(
                    f"region {r.name!r} has no rule set with version {version!r}"
                )
            return by_region[r.pk]

    scope = meldingen_in_region(region).filter(Q(product_kind="MO") | Q(product_kind="BW"))
    meldingen = [
        # What the rules and the report need, nothing more: no personal data is read here.
        CaseRow(*row)
        for row in scope.order_by().values_list(
            "pk",
            "client_id",
            "product_kind",
            "applied_to_id",
            "received_on",
            "responsible_municipality_id",
            "client__pseudonym",
        )
    ]
    with transaction.atomic():
        # Read once for both: the helper that decides half of a large recompute sends back
        # only what differs from these (``_decided_in_two``).
        current = (
            _current_decisions([m.pk for m in meldingen], scope)
            if len(meldingen) >= FORK_AT
            else None
        )
        outcomes = compute(meldingen, rule_set_for=rule_set_for, scope=scope, current=current)
        if not dry_run:
            store(outcomes, user=user, scope=scope, current=current)
    return RecomputeReport(outcomes, written=not dry_run)


@transaction.atomic
def dispute_record(
    *, melding: Melding, claimant, respondent, opened_on: date, note: str = "", user=None
) -> Dispute:
    from django.utils.translation import gettext as _

    from bwmo.core.validation import Refusals, not_in_future, required

    # Independent rules, refused together.
    refusals = Refusals()
    refusals.check(
        "opened_on", lambda: not_in_future("opened_on", opened_on, _("De datum van het geschil"))
    )
    if claimant is not None and claimant == respondent:
        refusals.add("respondent", _("Een geschil gaat tussen twee verschillende gemeenten."))
    refusals.raise_any()
    required(claimant=claimant, respondent=respondent, opened_on=opened_on)
    return Dispute.objects.create(
        melding=melding,
        claimant=claimant,
        respondent=respondent,
        opened_on=opened_on,
        note=note.strip(),
    )


@transaction.atomic
def dispute_update(
    *,
    dispute: Dispute,
    status: str,
    advice_responsible=None,
    advice_date: date | None = None,
    note: str = "",
    user=None,
) -> Dispute:
    """Change a dispute's status; a binding advice overrides the rules (rule G) at once."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from bwmo.core.validation import Refusals, not_before, not_in_future

    if status not in Dispute.Status.values:
        raise ValidationError({"status": _("Kies een status.")})
    if status == Dispute.Status.BINDEND_ADVIES:
        # The advice's municipality and its date are independent: refused together.
        refusals = Refusals()
        if advice_responsible is None:
            refusals.add(
                "advice_responsible",
                _("Kies de gemeente die volgens het bindend advies verantwoordelijk is."),
            )
        if advice_date is None:
            refusals.add("advice_date", _("Vul de datum van het bindend advies in."))
        elif refusals.check(
            "advice_date",
            lambda: not_in_future("advice_date", advice_date, _("De datum van het advies")),
        ):
            refusals.check(
                "advice_date",
                lambda: not_before(
                    "advice_date",
                    advice_date,
                    dispute.opened_on,
                    _("Het advies"),
                    _("de start van het geschil"),
                ),
            )
        refusals.raise_any()
    else:
        advice_responsible, advice_date = None, None
    dispute.status = status
    dispute.advice_responsible = advice_responsible
    dispute.advice_date = advice_date
    if note.strip():
        dispute.note = note.strip()
    dispute.save()
    responsibility_decide(melding=dispute.melding, user=user)
    return dispute
