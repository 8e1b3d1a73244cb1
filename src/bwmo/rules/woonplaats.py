"""Woonplaatsbeginsel: which municipality is responsible for a BW or MO client.

Our reading of Kamerstuk 36 288 (Wmo 2015 art. 1.2.1 sub b and the new art. 1.2.1a) and
the national transition agreements; the rules table, the article of each rule
(``ARTICLE``), how "minder dan twaalf maanden" is counted and how the overgangsrecht is
read are in ``docs/rules.md``. The rules are tried in a fixed order (G, MO, V, T, A, B, C,
W, D); the first that holds decides. The start date and look-back period are data
(:class:`RuleSet`), because the law's start date has moved several times and regions
compare rule sets side by side.

Whenever several records qualify equally (same dates), the choice falls back to the
remaining fields, so a decision never depends on the order records were stored in.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from bwmo.rules.dates import add_months

PRODUCT_BW: Final = "BW"
PRODUCT_MO: Final = "MO"
PRODUCTS: Final = (PRODUCT_BW, PRODUCT_MO)
CARE_KINDS: Final = PRODUCTS

WOONADRES: Final = "woonadres"
INSTELLING: Final = "instelling"
BRIEFADRES: Final = "briefadres"
BUITENLAND: Final = "buitenland"
BRP_KINDS: Final = (WOONADRES, INSTELLING, BRIEFADRES, BUITENLAND)

RULE_G: Final = "G"
RULE_MO: Final = "MO"
RULE_V: Final = "V"
RULE_T: Final = "T"
RULE_A: Final = "A"
RULE_B: Final = "B"
RULE_C: Final = "C"
RULE_W: Final = "W"
RULE_D: Final = "D"
RULES: Final = (RULE_G, RULE_MO, RULE_V, RULE_T, RULE_A, RULE_B, RULE_C, RULE_W, RULE_D)

# The article each rule rests on (rule → article), and the basis text a decision shows:
# the article first, then what it says for this rule. Art. 1.2.1a (the woonplaatsbeginsel)
# covers beschermd wonen only; MO stays landelijk toegankelijk under art. 1.2.1 sub b.
ARTICLE: Final[Mapping[str, str]] = {
    RULE_G: "Geschillencommissie Sociaal Domein, Woonplaatsbeginsel en Toegang",
    RULE_MO: "Wmo 2015 art. 1.2.1 sub b",
    RULE_V: "Wmo 2015 art. 1.2.1 sub b",
    RULE_T: "Wmo 2015 art. 1.2.1a lid 1 sub a",
    RULE_A: "Wmo 2015 art. 1.2.1a lid 1 sub a",
    RULE_B: "Wmo 2015 art. 1.2.1a lid 1 sub b",
    RULE_C: "Wmo 2015 art. 1.2.1a lid 1",
    RULE_W: "Wmo 2015 art. 1.2.1 sub b",
    RULE_D: "Wmo 2015 art. 1.2.1a lid 2",
}
BASIS_G: Final = f"{ARTICLE[RULE_G]} (bindend advies)"
BASIS_MO: Final = (
    f"{ARTICLE[RULE_MO]} (landelijke toegankelijkheid: opvang door de gemeente waar de "
    "cliënt zich meldt; de centrumgemeente voert MO uit)"
)
BASIS_V: Final = (
    f"{ARTICLE[RULE_V]} (oude tekst: de gemeente waar de cliënt zich meldt; "
    "betaald door haar centrumgemeente)"
)
BASIS_T: Final = (
    f"{ARTICLE[RULE_T]} (laatstelijk verstrekt); overgangscliënt volgens het overgangsrecht"
)
BASIS_A: Final = f"{ARTICLE[RULE_A]} (laatstelijk verstrekt, minder dan twaalf maanden geleden)"
BASIS_B: Final = f"{ARTICLE[RULE_B]} (instelling: laatste woonadres daarvoor)"
BASIS_C: Final = f"{ARTICLE[RULE_C]} (geen woonadres: laatste woonadres)"
BASIS_W: Final = f"{ARTICLE[RULE_W]} (nieuwe tekst: de gemeente van het woonadres)"
BASIS_D: Final = f"{ARTICLE[RULE_D]} (vangnet: woonplaats onbekend)"
BASIS: Final[Mapping[str, str]] = {
    RULE_G: BASIS_G,
    RULE_MO: BASIS_MO,
    RULE_V: BASIS_V,
    RULE_T: BASIS_T,
    RULE_A: BASIS_A,
    RULE_B: BASIS_B,
    RULE_C: BASIS_C,
    RULE_W: BASIS_W,
    RULE_D: BASIS_D,
}

CATEGORY_OVERGANGSCLIENT: Final = "overgangsclient"
CATEGORY_NIEUWE_CLIENT: Final = "nieuwe_client"
CATEGORY_MO: Final = "mo"
CATEGORIES: Final = (CATEGORY_OVERGANGSCLIENT, CATEGORY_NIEUWE_CLIENT, CATEGORY_MO)
# The category of a BW application by rule; an MO application is always ``mo`` (see
# :func:`category_of`), also when a binding advice decides it.
CATEGORY_BY_RULE: Final[Mapping[str, str]] = {
    RULE_G: CATEGORY_NIEUWE_CLIENT,
    RULE_MO: CATEGORY_MO,
    RULE_V: CATEGORY_OVERGANGSCLIENT,
    RULE_T: CATEGORY_OVERGANGSCLIENT,
    RULE_A: CATEGORY_NIEUWE_CLIENT,
    RULE_B: CATEGORY_NIEUWE_CLIENT,
    RULE_C: CATEGORY_NIEUWE_CLIENT,
    RULE_W: CATEGORY_NIEUWE_CLIENT,
    RULE_D: CATEGORY_NIEUWE_CLIENT,
}


def category_of(rule: str, product: str) -> str:
    """The budget category: the product (domain) first — MO is ``mo`` whatever rule decides
    it, so MO cost never lands in a BW budget stream — then, for BW, the rule."""
    if product == PRODUCT_MO:
        return CATEGORY_MO
    return CATEGORY_BY_RULE[rule]


class _Dated:
    """Whole-day periods: ``end`` is the last day, ``None`` while the period lasts."""

    start: date
    end: date | None

    def _check(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def last_day(self) -> date:
        return self.end or date.max

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.last_day


@dataclass(frozen=True)
class BrpPeriod(_Dated):
    """One BRP registration."""

    municipality: str
    start: date
    end: date | None
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in BRP_KINDS:
            raise ValueError(f"unknown BRP kind {self.kind!r}")
        self._check()


@dataclass(frozen=True)
class CarePeriod(_Dated):
    """An earlier or running BW/MO stay; ``provided_by`` decided and paid for it."""

    kind: str
    start: date
    end: date | None
    provided_by: str
    location: str

    def __post_init__(self) -> None:
        if self.kind not in CARE_KINDS:
            raise ValueError(f"unknown care kind {self.kind!r}")
        self._check()


@dataclass(frozen=True)
class RuleSet:
    """The dated parameters of the woonplaatsbeginsel."""

    start_date: date
    lookback_months: int = 12
    version: str = ""

    def __post_init__(self) -> None:
        if self.lookback_months < 0:
            raise ValueError("lookback_months must be 0 or more")


@dataclass(frozen=True)
class DisputeAdvice:
    """A binding advice of the dispute committee about this application."""

    responsible: str
    date: date


@dataclass(frozen=True)
class Case:
    """Everything known about one application (melding)."""

    id: str
    product: str
    application_date: date
    applied_to: str
    centrumgemeente: str
    brp: tuple[BrpPeriod, ...] = ()
    care: tuple[CarePeriod, ...] = ()
    dispute_advice: DisputeAdvice | None = None

    def __post_init__(self) -> None:
        if self.product not in PRODUCTS:
            raise ValueError(f"unknown product {self.product!r}")
        # Accept lists from callers but keep the case immutable and hashable.
        object.__setattr__(self, "brp", tuple(self.brp))
        object.__setattr__(self, "care", tuple(self.care))


@dataclass(frozen=True)
class Decision:
    """The responsible municipality and why."""

    responsible: str
    category: str
    rule: str
    basis: str
    woonplaats_onbekend: bool
    trace: tuple[str, ...] = ()


def _months_after(day: date, months: int) -> date:
    """``add_months``, saturating at ``date.max`` so far-future end dates cannot overflow."""
    try:
        return add_months(day, months)
    except (ValueError, OverflowError):
        return date.max


def lookback_last_day(end: date, months: int) -> date:
    """The last day on which fewer than ``months`` months have passed since a period whose
    last day is ``end`` ended.

    The months run from the day after ``end`` and end, as periods of months do in civil
    law, on the day with the same number ``months`` months later (the last day of that
    month if it is shorter), that day included: BW ending on 2026-03-31 leaves "minder dan
    twaalf maanden" up to and including 2027-03-31. No extension for weekends or holidays:
    this is no term for doing something, so the Algemene termijnenwet does not apply.
    """
    return _months_after(end, months)


def within_lookback(end: date, day: date, months: int) -> bool:
    """Whether fewer than ``months`` months have passed on ``day`` since ``end`` (last day)."""
    return day <= lookback_last_day(end, months)


def _periods(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _span(start: date, end: date | None) -> str:
    return f"sinds {start}" if end is None else f"van {start} t/m {end}"


def _by_start(period: CarePeriod) -> tuple[date, date, str, str]:
    # The remaining fields only break ties, so that record order never decides.
    return (period.start, period.last_day, period.provided_by, period.location)


def _by_end(period: CarePeriod) -> tuple[date, date, str, str]:
    return (period.last_day, period.start, period.provided_by, period.location)


def _bw_chains(periods: Iterable[CarePeriod], lookback_months: int) -> list[list[CarePeriod]]:
    """Split BW periods into chains: taken in order of start, a period belongs to the
    current chain when it starts while an earlier period of the chain still runs, or less
    than ``lookback_months`` after the latest end so far; otherwise it starts a new one."""
    chains: list[list[CarePeriod]] = []
    latest_end = date.min
    for period in sorted(periods, key=_by_start):
        # lookback_last_day(end, n) >= end, so this covers "still running" as well.
        joins = bool(chains) and within_lookback(latest_end, period.start, lookback_months)
        if joins:
            chains[-1].append(period)
            latest_end = max(latest_end, period.last_day)
        else:
            chains.append([period])
            latest_end = period.last_day
    return chains


@functools.lru_cache(maxsize=256)
def _rule_set_line(rules: RuleSet) -> str:
    """The trace's line about the rule set: the same for every case under it, made once."""
    version = f" {rules.version}" if rules.version else ""
    return (
        f"Regelset{version}: woonplaatsbeginsel vanaf {rules.start_date}, "
        f"terugkijktermijn {rules.lookback_months} maanden."
    )


class _Deciding:
    """Collects the trace while the rules are tried in order."""

    def __init__(
        self, case: Case, rules: RuleSet, municipality_names: Mapping[str, str] | None
    ) -> None:
        self.case = case
        self.rules = rules
        self.day = case.application_date
        names = municipality_names or {}
        self.name: Callable[[str], str] = lambda code: names.get(code, code)
        self.trace: list[str] = []

    def note(self, line: str) -> None:
        self.trace.append(line)

    def decided(self, rule: str, responsible: str, line: str) -> Decision:
        self.note(f"{line} → {BASIS[rule]}")
        return Decision(
            responsible=responsible,
            category=category_of(rule, self.case.product),
            rule=rule,
            basis=BASIS[rule],
            woonplaats_onbekend=rule == RULE_D,
            trace=tuple(self.trace),
        )

    def run(self) -> Decision:
        case, rules, name = self.case, self.rules, self.name
        self.note(
            f"Melding {self.day} bij {name(case.applied_to)} "
            f"(centrumgemeente {name(case.centrumgemeente)}), product {case.product}."
        )
        self.note(_rule_set_line(rules))

        advice = case.dispute_advice
        if advice is not None:
            return self.decided(
                RULE_G,
                advice.responsible,
                f"Bindend advies van de Geschillencommissie van {advice.date}: "
                f"{name(advice.responsible)} is verantwoordelijk",
            )
        self.note("Geen bindend advies van de Geschillencommissie voor deze melding.")

        if case.product == PRODUCT_MO:
            return self.decided(
                RULE_MO,
                case.centrumgemeente,
                f"Product MO: de centrumgemeente {name(case.centrumgemeente)} is "
                "verantwoordelijk (landelijke toegankelijkheid)",
            )

        if self.day < rules.start_date:
            return self.decided(
                RULE_V,
                case.centrumgemeente,
                f"Melding vóór de ingangsdatum {rules.start_date} van het woonplaatsbeginsel: "
                f"overgangscliënt, de centrumgemeente {name(case.centrumgemeente)} is "
                "verantwoordelijk",
            )
        self.note(
            f"Melding op of na de ingangsdatum {rules.start_date}: "
            "het woonplaatsbeginsel is van toepassing."
        )

        return self.earlier_bw() or self.by_brp()

    # Rules T and A: an earlier or running BW stay.
    def earlier_bw(self) -> Decision | None:
        day, lookback, name = self.day, self.rules.lookback_months, self.name
        mo_count = sum(1 for p in self.case.care if p.kind == PRODUCT_MO)
        if mo_count:
            self.note(
                f"{_periods(mo_count, 'MO-periode')} niet meegeteld: "
                "alleen BW telt voor het woonplaatsbeginsel."
            )
        bw = [p for p in self.case.care if p.kind == PRODUCT_BW]
        # A stay that starts after the application cannot be the one the client comes from.
        future = [p for p in bw if p.start > day]
        if future:
            verb = "begint" if len(future) == 1 else "beginnen"
            self.note(
                f"{_periods(len(future), 'BW-periode')} {verb} na de melding: niet meegeteld."
            )
        bw = [p for p in bw if p.start <= day]
        if not bw:
            self.note("Geen lopende of eerdere BW-periode.")
            return None

        def joins(p: CarePeriod) -> bool:
            return p.covers(day) or within_lookback(p.last_day, day, lookback)

        chain = next((c for c in _bw_chains(bw, lookback) if any(joins(p) for p in c)), None)
        if chain is None:
            last = max(bw, key=_by_end)
            assert last.end is not None  # an open period would be running, so joins
            self.note(
                f"Laatste BW {_span(last.start, last.end)}, verstrekt door "
                f"{name(last.provided_by)}: op de melding waren {lookback} maanden of meer "
                f"verstreken sinds het eindigen (de {lookback} maanden na {last.end} liepen "
                f"t/m {lookback_last_day(last.end, lookback)}; de melding van {day} valt "
                "daarna): geen aansluitende BW."
            )
            return None

        # The BW provided last: the running one (the latest started if several), else the
        # one that ended last. It decides under art. 1.2.1a lid 1 sub a.
        running = [p for p in chain if p.covers(day)]
        if running:
            source = max(running, key=_by_start)
            several = f" (de laatst begonnen van {len(running)})" if len(running) > 1 else ""
            self.note(
                f"BW {_span(source.start, source.end)}, verstrekt door "
                f"{name(source.provided_by)} in {name(source.location)}, loopt op "
                f"{day}{several}."
            )
        else:
            source = max(chain, key=_by_end)
            assert source.end is not None
            self.note(
                f"BW {_span(source.start, source.end)}, verstrekt door "
                f"{name(source.provided_by)} in {name(source.location)}, eindigde minder dan "
                f"{lookback} maanden vóór de melding (de {lookback} maanden na {source.end} "
                f"lopen t/m {lookback_last_day(source.end, lookback)}; de melding van {day} "
                "valt daarbinnen)."
            )
        chain_start = chain[0].start
        self.note(
            f"De BW-keten waar de melding bij aansluit begon op {chain_start} "
            f"({_periods(len(chain), 'periode')})."
        )
        provider = name(source.provided_by)
        until = "loopt nog" if source.end is None or source.covers(day) else f"t/m {source.end}"

        start_date = self.rules.start_date
        if chain_start >= start_date:
            return self.decided(
                RULE_A,
                source.provided_by,
                f"De keten begon op of na de ingangsdatum {start_date}: nieuwe cliënt; "
                f"verantwoordelijk blijft {provider}, die deze BW verstrekte",
            )

        # The chain began under the old law. The overgangsrecht keeps the BW that ran then
        # with the municipality that provided it; it does not fix who decides a later
        # application: that is who last provided BW (art. 1.2.1a lid 1 sub a). The client
        # stays an overgangscliënt while that is the overgangsrecht's municipality.
        eve = start_date - timedelta(days=1)
        on_eve = [p for p in chain if p.covers(eve)]
        if on_eve:
            placer = max(on_eve, key=_by_start)
            how = f"op {eve} liep BW verstrekt door {name(placer.provided_by)}"
        else:
            # The chain began before the start date, so some period ended before it.
            placer = max((p for p in chain if p.last_day < eve), key=_by_end)
            how = (
                f"op {eve} liep geen BW; de laatste BW daarvoor (t/m {placer.end}) werd "
                f"verstrekt door {name(placer.provided_by)}"
            )
        if source.start < start_date or source.provided_by == placer.provided_by:
            also = "" if source.provided_by != placer.provided_by else "ook "
            return self.decided(
                RULE_T,
                source.provided_by,
                f"De keten begon vóór de ingangsdatum {start_date}: overgangscliënt ({how}); "
                f"{provider} verstrekte {also}laatstelijk beschermd wonen ({until}) en blijft "
                "verantwoordelijk",
            )
        return self.decided(
            RULE_A,
            source.provided_by,
            f"De keten begon vóór de ingangsdatum {start_date}, maar de BW die "
            f"{name(placer.provided_by)} onder het overgangsrecht verstrekte is opgevolgd door "
            f"BW van {provider}, begonnen op {source.start}, na de ingangsdatum: {provider} "
            f"verstrekte laatstelijk beschermd wonen ({until}) en is verantwoordelijk; "
            "nieuwe cliënt",
        )

    # Rules B, C, W and D: the BRP registration on the application date.
    def last_woonadres_before(self, day: date) -> BrpPeriod | None:
        ended = [
            p for p in self.case.brp if p.kind == WOONADRES and p.end is not None and p.end < day
        ]
        return max(ended, key=lambda p: (p.last_day, p.start, p.municipality), default=None)

    def instelling_run_start(self) -> date:
        """First day of the unbroken run of instelling periods containing the application."""
        instelling = [p for p in self.case.brp if p.kind == INSTELLING]
        run_start = min(p.start for p in instelling if p.covers(self.day))
        extended = True
        while extended:
            extended = False
            for p in instelling:
                # Overlapping or adjacent (ends the day before) periods extend the run.
                if p.start < run_start and (run_start - p.last_day).days <= 1:
                    run_start, extended = p.start, True
        return run_start

    def by_brp(self) -> Decision:
        day, name = self.day, self.name
        covering = [p for p in self.case.brp if p.covers(day)]
        # Overlapping registrations are a data error; the latest registration wins.
        current = max(
            covering, key=lambda p: (p.start, p.last_day, p.kind, p.municipality), default=None
        )
        fact = f"BRP {day}:"

        if current is not None and current.kind == WOONADRES:
            return self.decided(
                RULE_W,
                current.municipality,
                f"{fact} woonadres in {name(current.municipality)} sinds {current.start}",
            )

        if current is not None and current.kind == BUITENLAND:
            self.note(f"{fact} ingeschreven in het buitenland sinds {current.start}.")
            return self.unknown()

        if current is not None and current.kind == INSTELLING:
            run_start = self.instelling_run_start()
            fact = (
                f"{fact} ingeschreven op instellingsadres in {name(current.municipality)} "
                f"sinds {run_start}"
            )
            woonadres = self.last_woonadres_before(run_start)
            if woonadres is None:
                self.note(f"{fact}; geen woonadres daarvoor bekend.")
                return self.unknown()
            return self.decided(
                RULE_B,
                woonadres.municipality,
                f"{fact}; laatste woonadres daarvoor: {name(woonadres.municipality)} "
                f"tot {woonadres.end}",
            )

        if current is None:
            fact = f"{fact} niet ingeschreven"
        else:
            fact = (
                f"{fact} alleen een briefadres in {name(current.municipality)} "
                f"sinds {current.start}"
            )
        woonadres = self.last_woonadres_before(day)
        if woonadres is None:
            self.note(f"{fact}; geen eerder woonadres bekend.")
            return self.unknown()
        return self.decided(
            RULE_C,
            woonadres.municipality,
            f"{fact}; laatste woonadres: {name(woonadres.municipality)} tot {woonadres.end}",
        )

    def unknown(self) -> Decision:
        return self.decided(
            RULE_D,
            self.case.applied_to,
            f"Woonplaats onbekend: de gemeente van melding, {self.name(self.case.applied_to)}, "
            "is verantwoordelijk",
        )


def decide(
    case: Case, rules: RuleSet, municipality_names: Mapping[str, str] | None = None
) -> Decision:
    """Decide which municipality is responsible for ``case`` under ``rules``.

    ``municipality_names`` (CBS code → name) only makes the trace readable; codes are used
    for municipalities it does not name.
    """
    return _Deciding(case, rules, municipality_names).run()


def decision_digest(
    rule_set: int,
    responsible: str,
    category: str,
    rule: str,
    basis: str,
    woonplaats_onbekend: bool,
    trace: Iterable[str],
) -> str:
    """A short fingerprint of a stored decision: its rule set (a key), what it decides and its
    whole trace. Two decisions have the same digest exactly when all of these are equal (a
    128-bit hash: a collision is not to be expected), so a recompute compares digests
    instead of reading and decoding every stored trace."""
    # The repr of a tuple of str, int and bool spells every value out unambiguously (quoted
    # and escaped strings), so different fields never give the same text.
    text = repr(
        (rule_set, responsible, category, rule, basis, bool(woonplaats_onbekend), tuple(trace))
    )
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
