"""Client costs, the financial result per municipality and the solidarity arrangements.

Cost of a stay is the tariff in force on each day × the days (the inspanningsgerichte variant:
price per week or per etmaal). Days up to and including ``today`` are **realised**; granted days
after ``today`` are **committed**. Cost goes to the responsible municipality and to a budget
stream: ``historic`` (overgangscliënten, paid from the centrumgemeente's historic budget),
``objective`` (nieuwe cliënten, the municipality's own objective budget) or ``onbekend``
(woonplaats onbekend, paid from the national supplement and kept apart everywhere).

Money is ``Decimal``. Amounts in euros per etmaal are exact; a weekly tariff is spread over 7
days, which cannot always be written as a finite decimal, so a cost line is computed as
``amount × days / 7`` in one division and kept to 10 decimals (far below a cent). Transfers are
payments and are rounded to cents, with the remainder distributed so a year's transfers add up to
exactly 0.00.

Decisions where the domain description leaves room:

* Realised days are the days of the stay, whether or not they fall within the indication
  (``granted_until``): care delivered is cost; whether it was authorised is checked elsewhere.
  Committed days stop at the stay's end, at ``granted_until`` and at the end of the year.
* An open-ended grant (no ``granted_until`` and no stay end) commits every remaining day of each
  requested year: the horizon is the ``years`` argument, so asking for 2026–2030 commits full
  years 2027–2030. Callers that want the current budget year only pass that year.
* Where several contracts price the same product at the same provider on a day, the contract
  that started last wins; when it ends, an older contract that still runs applies again. Two
  contracts starting on the same day are ambiguous and rejected.
* ``financial_results`` returns the results together with the ``onbekend`` costs per year
  (``FinancialResults.unattributed``). A municipality with cost but no budget entry gets a
  result with budget 0, so that no cost silently disappears.
* In the risk pool the threshold applies to a client's total cost in a year. When that cost is
  charged to more than one municipality (responsibility changed during the year) the excess is
  split between them in proportion to their part of the client's cost.
* Transfers of all arrangements are cents; results and cost lines stay unrounded.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import (
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from itertools import pairwise
from typing import Literal, NamedTuple

__all__ = [
    "ArrangementComparison",
    "CareStay",
    "ConflictingTariffs",
    "CostLine",
    "FinancialResult",
    "FinancialResults",
    "MissingTariff",
    "Tariff",
    "TariffOverlap",
    "Transfer",
    "WeekCostStat",
    "compare_arrangements",
    "cost_per_client_week",
    "day_rate",
    "financial_results",
    "solidarity_full_pooling",
    "solidarity_none",
    "solidarity_risk_pool",
    "stay_costs",
    "tariff_overlaps",
]

Unit = Literal["week", "etmaal"]
Stream = Literal["historic", "objective", "onbekend"]
Kind = Literal["realised", "committed"]

UNITS = ("week", "etmaal")
STREAMS = ("historic", "objective", "onbekend")
KINDS = ("realised", "committed")
RESULT_KINDS = {"realised": frozenset({"realised"}), "both": frozenset(KINDS)}
GROUP_KEYS = ("product", "provider")

ZERO = Decimal(0)
SEVEN = Decimal(7)
ZERO_CENTS = Decimal("0.00")

# Enough digits that day counts × tariffs and sums over a whole region stay exact.
_CONTEXT = Context(prec=50)
# The same, where a sum must be exact: a result that would need rounding raises instead.
_EXACT = Context(prec=50, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])
# The division by 7 (and the mean of a statistic) has to stop somewhere; as in ``budget``.
_QUOTIENT = Decimal("1e-10")
# Exclusive end of an open period, as a day number one past the last representable date.
_OPEN = date.max.toordinal() + 1


class MissingTariff(LookupError):
    """No contract prices this product at this provider on this day.

    ``client`` is kept for the caller that may see it; the message never names it, because
    the message reaches screens and exports of roles that see aggregates only.
    """

    def __init__(self, product: str, provider: str, day: date, client: str | None = None):
        self.product = product
        self.provider = provider
        self.day = day
        self.client = client
        super().__init__(
            f"no tariff for product {product!r} at provider {provider!r} on {day.isoformat()}"
        )


class ConflictingTariffs(MissingTariff):
    """Two contracts start pricing this product at this provider on the same day.

    Neither supersedes the other, so the days they share cannot be priced: a data gap, not a
    guess. ``contracts`` are the two contracts' references; ``first`` and ``last`` the days
    they share (``last`` is ``None`` while both run on).
    """

    def __init__(
        self,
        product: str,
        provider: str,
        day: date,
        client: str | None,
        *,
        contracts: tuple[str, str],
        first: date,
        last: date | None,
    ):
        self.contracts = contracts
        self.first = first
        self.last = last
        super().__init__(product, provider, day, client)
        self.args = (
            f"contracts {contracts[0]} and {contracts[1]} both price {product!r} at "
            f"{provider!r} from {first.isoformat()}",
        )


@dataclass(frozen=True)
class Tariff:
    """A contracted price of a product at a provider, per week or per etmaal."""

    contract_ref: str
    product: str
    provider: str
    amount: Decimal
    unit: Unit
    start: date
    end: date | None = None
    """Last day the tariff applies; ``None`` while the contract runs."""

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"tariff {self.contract_ref}: unit must be one of {UNITS}")
        if self.amount < 0:
            raise ValueError(f"tariff {self.contract_ref}: amount is negative")
        if self.end is not None and self.end < self.start:
            raise ValueError(f"tariff {self.contract_ref}: ends before it starts")


@dataclass(frozen=True)
class CareStay:
    """A client's stay in a product at a provider, with the responsibility decided for it."""

    client: str
    product: str
    provider: str
    start: date
    end: date | None
    """Last day of the stay; ``None`` while it continues."""
    responsible: str
    """CBS code of the responsible municipality."""
    stream: Stream
    granted_until: date | None = None
    """Last day of the indication; ``None`` when granted without an end date."""

    def __post_init__(self) -> None:
        if self.stream not in STREAMS:
            raise ValueError(f"stay of {self.client}: stream must be one of {STREAMS}")
        if self.end is not None and self.end < self.start:
            raise ValueError(f"stay of {self.client}: ends before it starts")


@dataclass(frozen=True)
class CostLine:
    """Cost of one stay in one year, realised or committed."""

    client: str
    product: str
    provider: str
    responsible: str
    stream: Stream
    year: int
    days: int
    amount: Decimal
    kind: Kind


def day_rate(tariff: Tariff) -> Decimal:
    """Price of one day: a week's price / 7, or the etmaal price itself.

    For display; costs are computed as ``amount × days / 7`` so a whole week costs exactly the
    weekly price rather than 7 × a rounded day rate.
    """
    if tariff.unit == "etmaal":
        return tariff.amount
    with localcontext(_CONTEXT):
        return (tariff.amount / SEVEN).quantize(_QUOTIENT)


@dataclass(frozen=True)
class TariffOverlap:
    """Two tariffs of the same product at the same provider in force on the same days."""

    first: Tariff
    second: Tariff
    start: date
    """First day both apply."""
    end: date | None
    """Last day both apply; ``None`` while both run on."""

    @property
    def same_start(self) -> bool:
        """Neither supersedes the other: the days they share have no single price."""
        return self.first.start == self.second.start


def _overlap(a: Tariff, b: Tariff) -> TariffOverlap | None:
    start = max(a.start, b.start)
    ends = [e for e in (a.end, b.end) if e is not None]
    end = min(ends) if ends else None
    if end is not None and end < start:
        return None
    return TariffOverlap(a, b, start, end)


def tariff_overlaps(tariffs: Iterable[Tariff]) -> list[TariffOverlap]:
    """Every pair of distinct tariffs of one product at one provider that share a day.

    In the cost computation a tariff that starts later supersedes an earlier one from its first
    day, and two that start on the same day cannot be priced (``ConflictingTariffs``). Where
    tariffs are entered every overlap is refused, so that a price is never chosen silently.
    """
    grouped: dict[tuple[str, str], list[Tariff]] = defaultdict(list)
    for tariff in dict.fromkeys(tariffs):
        grouped[(tariff.product, tariff.provider)].append(tariff)
    found = []
    for group in grouped.values():
        group.sort(key=lambda t: (t.start, t.contract_ref))
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a.end is not None and b.start > a.end:
                    break  # sorted by start: no later one reaches back into ``a``
                overlap = _overlap(a, b)
                if overlap is not None:
                    found.append(overlap)
    return found


@dataclass(frozen=True)
class _Segment:
    start: int  # day number, inclusive
    stop: int  # day number, exclusive
    tariff: Tariff
    rival: Tariff | None = None
    """A second tariff that starts on the same day as ``tariff``: the days have no price."""


class _Timeline:
    """The tariff in force per day for one (product, provider), as non-overlapping segments."""

    def __init__(self, tariffs: Sequence[Tariff]) -> None:
        unique = list(dict.fromkeys(tariffs))
        bounds = sorted(
            {t.start.toordinal() for t in unique}
            | {_stop(t.end) for t in unique if t.end is not None}
        )
        segments: list[_Segment] = []
        # Between two consecutive bounds the set of covering contracts does not change.
        for lo, hi in pairwise([*bounds, _OPEN]):
            if lo >= hi:
                continue
            covering = [
                t
                for t in unique
                if t.start.toordinal() <= lo and (t.end is None or _stop(t.end) > lo)
            ]
            if not covering:
                continue
            latest = max(t.start for t in covering)
            tariff, *rivals = sorted(
                (t for t in covering if t.start == latest), key=lambda t: t.contract_ref
            )
            rival = rivals[0] if rivals else None
            last = segments[-1] if segments else None
            if last and last.stop == lo and last.tariff is tariff and last.rival is rival:
                segments[-1] = _Segment(last.start, hi, tariff, rival)
            else:
                segments.append(_Segment(lo, hi, tariff, rival))
        self.segments = segments
        self.starts = [s.start for s in segments]

    def price(self, start: int, stop: int, product: str, provider: str, client: str) -> Decimal:
        """Cost of the days ``start`` up to (not including) ``stop``; raises on a day unpriced."""
        segments = self.segments
        index = bisect_right(self.starts, start) - 1
        cursor = start
        per_etmaal = ZERO
        week_days = ZERO  # Σ weekly price × days, divided by 7 once at the end
        while cursor < stop:
            if (
                index < 0
                or index >= len(segments)
                or not (segments[index].start <= cursor < segments[index].stop)
            ):
                raise MissingTariff(product, provider, date.fromordinal(cursor), client)
            segment = segments[index]
            if segment.rival is not None:
                raise ConflictingTariffs(
                    product,
                    provider,
                    date.fromordinal(cursor),
                    client,
                    contracts=(segment.tariff.contract_ref, segment.rival.contract_ref),
                    first=date.fromordinal(segment.start),
                    last=None if segment.stop >= _OPEN else date.fromordinal(segment.stop - 1),
                )
            upto = min(segment.stop, stop)
            if segment.tariff.unit == "etmaal":
                per_etmaal += segment.tariff.amount * (upto - cursor)
            else:
                week_days += segment.tariff.amount * (upto - cursor)
            cursor = upto
            index += 1
        if week_days:
            return per_etmaal + (week_days / SEVEN).quantize(_QUOTIENT)
        return per_etmaal


def _stop(last_day: date) -> int:
    """Exclusive day number after ``last_day`` (which may be ``date.max``)."""
    return last_day.toordinal() + 1


def stay_costs(
    stays: Iterable[CareStay],
    tariffs: Iterable[Tariff],
    *,
    today: date,
    years: Iterable[int],
    gaps: list[MissingTariff] | None = None,
) -> list[CostLine]:
    """Realised and committed cost lines per stay and year, in the order of ``stays`` and years.

    Realised: the stay's days in the year up to and including ``today``. Committed: the days
    after ``today`` up to the stay's end, ``granted_until`` and the end of the year, whichever
    comes first. Lines with 0 days are left out. Raises ``MissingTariff`` for the first day that
    no contract prices (``ConflictingTariffs`` when two contracts start pricing it on the same
    day); with a ``gaps`` list, the line is left out instead and its ``MissingTariff``
    appended there, so the figures that can be computed still are.
    """
    grouped: dict[tuple[str, str], list[Tariff]] = defaultdict(list)
    for tariff in tariffs:
        grouped[(tariff.product, tariff.provider)].append(tariff)
    timelines = {key: _Timeline(group) for key, group in grouped.items()}
    empty = _Timeline(())

    year_bounds = [
        (year, date(year, 1, 1).toordinal(), _stop(date(year, 12, 31)))
        for year in sorted(set(years))
    ]
    after_today = _stop(today)
    lines: list[CostLine] = []
    with localcontext(_CONTEXT):
        for stay in stays:
            timeline = timelines.get((stay.product, stay.provider), empty)
            stay_start = stay.start.toordinal()
            stay_stop = _OPEN if stay.end is None else _stop(stay.end)
            grant_stop = _OPEN if stay.granted_until is None else _stop(stay.granted_until)
            for year, year_start, year_stop in year_bounds:
                if year_start >= stay_stop:
                    break
                if year_stop <= stay_start:
                    continue
                start = max(stay_start, year_start)
                ranges: tuple[tuple[Kind, int, int], ...] = (
                    ("realised", start, min(stay_stop, year_stop, after_today)),
                    ("committed", max(start, after_today), min(stay_stop, grant_stop, year_stop)),
                )
                for kind, lo, hi in ranges:
                    if lo >= hi:
                        continue
                    try:
                        amount = timeline.price(lo, hi, stay.product, stay.provider, stay.client)
                    except MissingTariff as gap:
                        if gaps is None:
                            raise
                        gaps.append(gap)
                        continue
                    lines.append(
                        CostLine(
                            client=stay.client,
                            product=stay.product,
                            provider=stay.provider,
                            responsible=stay.responsible,
                            stream=stay.stream,
                            year=year,
                            days=hi - lo,
                            amount=amount,
                            kind=kind,
                        )
                    )
    return lines


@dataclass(frozen=True)
class FinancialResult:
    """Budget − client-bound cost − non-client cost of one municipality in one year."""

    municipality: str
    year: int
    budget: Decimal
    client_cost: Decimal
    non_client_cost: Decimal
    result: Decimal


class FinancialResults(NamedTuple):
    """The results per municipality and year, and the ``onbekend`` costs per year kept apart.

    Unpacks as ``results, unattributed = financial_results(...)``.
    """

    results: list[FinancialResult]
    unattributed: dict[int, Decimal]
    """Cost of clients with woonplaats onbekend per year (the national supplement's share)."""


def financial_results(
    budgets: Mapping[tuple[str, int], Decimal],
    cost_lines: Iterable[CostLine],
    non_client_costs: Mapping[tuple[str, int], Decimal],
    *,
    centrumgemeente_of: Mapping[str, str],
    kind: Literal["realised", "both"] = "realised",
) -> FinancialResults:
    """The financial result per (municipality, year), sorted by year and municipality.

    ``budgets`` is each municipality's total budget (the centrumgemeente's includes the
    historic budget). Objective-stream cost goes to the responsible municipality, historic-stream
    cost to ``centrumgemeente_of[responsible]``. ``kind="both"`` counts committed cost as well.
    """
    kinds = _kinds(kind)
    client_cost: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    unattributed: dict[int, Decimal] = defaultdict(Decimal)
    with localcontext(_CONTEXT):
        for line in cost_lines:
            if line.kind not in kinds:
                continue
            if line.stream == "onbekend":
                unattributed[line.year] += line.amount
            else:
                client_cost[(_charged_to(line, centrumgemeente_of), line.year)] += line.amount
        keys = set(budgets) | set(non_client_costs) | set(client_cost)
        results = []
        for municipality, year in sorted(keys, key=lambda key: (key[1], key[0])):
            budget = budgets.get((municipality, year), ZERO)
            cost = client_cost.get((municipality, year), ZERO)
            other = non_client_costs.get((municipality, year), ZERO)
            results.append(
                FinancialResult(municipality, year, budget, cost, other, budget - cost - other)
            )
    for year in {result.year for result in results}:
        unattributed.setdefault(year, ZERO)
    return FinancialResults(results, dict(sorted(unattributed.items())))


def _kinds(kind: str) -> frozenset[str]:
    try:
        return RESULT_KINDS[kind]
    except KeyError:
        raise ValueError(f"kind must be one of {tuple(RESULT_KINDS)}, not {kind!r}") from None


def _charged_to(line: CostLine, centrumgemeente_of: Mapping[str, str]) -> str:
    """The municipality whose budget carries the line (``onbekend`` lines are not charged)."""
    if line.stream != "historic":
        return line.responsible
    try:
        return centrumgemeente_of[line.responsible]
    except KeyError:
        raise ValueError(
            f"historic cost of {line.client} is charged to the centrumgemeente of "
            f"{line.responsible}, which centrumgemeente_of does not give"
        ) from None


@dataclass(frozen=True)
class Transfer:
    """What a municipality receives (positive) or pays (negative) in a year, in cents."""

    municipality: str
    year: int
    amount: Decimal


def solidarity_none(results: Iterable[FinancialResult]) -> list[Transfer]:
    """Each municipality carries its own result: every transfer is 0."""
    by_year = _by_year(results)
    return [
        Transfer(municipality, year, ZERO_CENTS)
        for year, own in by_year.items()
        for municipality in sorted(own)
    ]


def solidarity_full_pooling(
    results: Iterable[FinancialResult], weights: Mapping[str, Decimal]
) -> list[Transfer]:
    """The region's total result shared in proportion to ``weights``.

    Each municipality ends with ``weight / Σ weights × total result``; its transfer is that minus
    its own result. ``results`` are those of one region; ``weights`` (objective budgets or
    inhabitants) must cover every municipality in them.
    """
    transfers = []
    for year, own in _by_year(results).items():
        total = sum(own.values(), Fraction(0))
        shares = _shares(weights, own, year)
        exact = {m: shares[m] * total - own[m] for m in own}
        transfers.extend(_transfers(year, exact))
    return transfers


def solidarity_risk_pool(
    cost_lines: Iterable[CostLine],
    results: Iterable[FinancialResult],
    *,
    threshold_per_client_per_year: Decimal,
    weights: Mapping[str, Decimal],
    centrumgemeente_of: Mapping[str, str],
    kind: Literal["realised", "both"] = "realised",
) -> list[Transfer]:
    """A client's yearly cost above the threshold is pooled; the rest is carried alone.

    The pool is shared in proportion to ``weights``. A municipality receives its own excess from
    the pool and pays its share: transfer = own excess − share. Pass the same lines, ``kind`` and
    ``centrumgemeente_of`` as to ``financial_results`` so the pool works on the same cost.
    """
    if threshold_per_client_per_year < 0:
        raise ValueError("threshold_per_client_per_year is negative")
    threshold = Fraction(threshold_per_client_per_year)
    kinds = _kinds(kind)
    by_year = _by_year(results)

    # A client's cost per municipality is summed in Decimal, which is exact for these sums
    # (``_EXACT`` raises rather than round); only the clients above the threshold, whose
    # excess is split in proportion, are worked in fractions. Most clients are below it.
    per_client: dict[tuple[int, str], dict[str, Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    with localcontext(_EXACT):
        for line in cost_lines:
            if line.kind in kinds and line.stream != "onbekend":
                charged = _charged_to(line, centrumgemeente_of)
                per_client[(line.year, line.client)][charged] += line.amount

    excess: dict[int, dict[str, Fraction]] = {
        year: dict.fromkeys(own, Fraction(0)) for year, own in by_year.items()
    }
    for (year, client), amounts in per_client.items():
        with localcontext(_EXACT):
            if sum(amounts.values(), ZERO) <= threshold_per_client_per_year:
                continue
        parts = {municipality: Fraction(amount) for municipality, amount in amounts.items()}
        total = sum(parts.values(), Fraction(0))
        over = total - threshold
        for municipality, part in parts.items():
            if municipality not in excess.get(year, {}):
                raise ValueError(
                    f"cost of {client} in {year} is charged to {municipality}, "
                    "which has no financial result that year"
                )
            excess[year][municipality] += over * part / total

    transfers = []
    for year, own in by_year.items():
        pooled = sum(excess[year].values(), Fraction(0))
        shares = _shares(weights, own, year)
        exact = {m: excess[year][m] - shares[m] * pooled for m in own}
        transfers.extend(_transfers(year, exact))
    return transfers


@dataclass(frozen=True)
class ArrangementComparison:
    """One municipality and year under each arrangement: its own result and the transfers."""

    municipality: str
    year: int
    result: Decimal
    none: Decimal
    full_pooling: Decimal
    risk_pool: Decimal

    @property
    def result_full_pooling(self) -> Decimal:
        return self.result + self.full_pooling

    @property
    def result_risk_pool(self) -> Decimal:
        return self.result + self.risk_pool


def compare_arrangements(
    cost_lines: Iterable[CostLine],
    results: Iterable[FinancialResult],
    *,
    weights: Mapping[str, Decimal],
    threshold_per_client_per_year: Decimal,
    centrumgemeente_of: Mapping[str, str],
    kind: Literal["realised", "both"] = "realised",
) -> list[ArrangementComparison]:
    """The three arrangements side by side per municipality and year, on the same data."""
    results = list(results)
    none = _index(solidarity_none(results))
    pooling = _index(solidarity_full_pooling(results, weights))
    risk = _index(
        solidarity_risk_pool(
            cost_lines,
            results,
            threshold_per_client_per_year=threshold_per_client_per_year,
            weights=weights,
            centrumgemeente_of=centrumgemeente_of,
            kind=kind,
        )
    )
    return [
        ArrangementComparison(
            municipality=r.municipality,
            year=r.year,
            result=r.result,
            none=none[(r.municipality, r.year)],
            full_pooling=pooling[(r.municipality, r.year)],
            risk_pool=risk[(r.municipality, r.year)],
        )
        for r in sorted(results, key=lambda r: (r.year, r.municipality))
    ]


def _index(transfers: Iterable[Transfer]) -> dict[tuple[str, int], Decimal]:
    return {(t.municipality, t.year): t.amount for t in transfers}


def _by_year(results: Iterable[FinancialResult]) -> dict[int, dict[str, Fraction]]:
    """Exact results per year (ascending) and municipality."""
    by_year: dict[int, dict[str, Fraction]] = defaultdict(dict)
    for result in results:
        own = by_year[result.year]
        if result.municipality in own:
            raise ValueError(
                f"more than one financial result for {result.municipality} in {result.year}"
            )
        own[result.municipality] = Fraction(result.result)
    return dict(sorted(by_year.items()))


def _shares(
    weights: Mapping[str, Decimal], municipalities: Iterable[str], year: int
) -> dict[str, Fraction]:
    """Each municipality's exact share of the weights of the municipalities present."""
    present = {}
    for municipality in municipalities:
        if municipality not in weights:
            raise ValueError(f"no weight for {municipality} (year {year})")
        if weights[municipality] < 0:
            raise ValueError(f"the weight of {municipality} is negative")
        present[municipality] = Fraction(weights[municipality])
    total = sum(present.values(), Fraction(0))
    if not total:
        raise ValueError(f"the weights of the municipalities in {year} add up to 0")
    return {m: w / total for m, w in present.items()}


def _transfers(year: int, exact: Mapping[str, Fraction]) -> list[Transfer]:
    """Exact amounts that add up to 0, in cents that still add up to exactly 0.

    Every amount is rounded down to a cent; the cents that are then missing go, one each, to the
    amounts with the largest remainders (ties by municipality code), so each transfer is within
    a cent of its exact value and the sum stays 0.
    """
    cents = {m: amount * 100 for m, amount in exact.items()}
    floors = {m: math.floor(c) for m, c in cents.items()}
    missing = -sum(floors.values())
    if sum(cents.values()) != 0 or not 0 <= missing <= len(cents):
        raise AssertionError(f"transfers of {year} do not add up to 0")  # pragma: no cover
    for m in sorted(cents, key=lambda m: (floors[m] - cents[m], m))[:missing]:
        floors[m] += 1
    return [Transfer(m, year, Decimal(floors[m]).scaleb(-2)) for m in sorted(floors)]


@dataclass(frozen=True)
class WeekCostStat:
    """Cost per client per week in a group: over clients, their mean, minimum and maximum.

    ``product`` or ``provider`` is ``None`` when the statistic is not grouped by it.
    """

    product: str | None
    provider: str | None
    clients: int
    mean: Decimal
    minimum: Decimal
    maximum: Decimal


def cost_per_client_week(
    cost_lines: Iterable[CostLine],
    *,
    by: Sequence[str] = ("product",),
    include_unattributed: bool = False,
) -> list[WeekCostStat]:
    """Realised cost per client per week (amount / (days / 7)), per product and/or provider.

    A client's figure in a group is their total realised amount over their total days in it.
    Clients with woonplaats onbekend are left out unless ``include_unattributed``, as in every
    other cost figure.
    """
    group_by = tuple(key for key in GROUP_KEYS if key in by)
    if not group_by or set(by) - set(GROUP_KEYS):
        raise ValueError(f"by must name one or both of {GROUP_KEYS}, not {tuple(by)}")
    totals: dict[tuple[str | None, str | None], dict[str, list[Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: [ZERO, ZERO])
    )
    with localcontext(_CONTEXT):
        for line in cost_lines:
            if line.kind != "realised" or (line.stream == "onbekend" and not include_unattributed):
                continue
            key = (
                line.product if "product" in group_by else None,
                line.provider if "provider" in group_by else None,
            )
            total = totals[key][line.client]
            total[0] += line.amount
            total[1] += line.days
        stats = []
        for (product, provider), clients in sorted(totals.items(), key=_group_order):
            per_week = [
                (amount * SEVEN / days).quantize(_QUOTIENT)
                for amount, days in clients.values()
                if days > 0
            ]
            if not per_week:
                continue
            stats.append(
                WeekCostStat(
                    product=product,
                    provider=provider,
                    clients=len(per_week),
                    mean=(sum(per_week, Decimal(0)) / len(per_week)).quantize(_QUOTIENT),
                    minimum=min(per_week),
                    maximum=max(per_week),
                )
            )
    return stats


def _group_order(item: tuple[tuple[str | None, str | None], object]) -> tuple[str, str]:
    product, provider = item[0]
    return (product or "", provider or "")
