"""The ``demo`` profile: the two Drenthe regions, 2017 up to the reference date.

Everything follows from ``seed`` and ``reference_date``: the same pair gives the same data
on every machine. Rows are built in memory per chunk of clients and written with
``bulk_create`` in dependency order, so the same code can grow to the national profile.
"""

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bwmo.care.models import (
    Contract,
    Financing,
    Indication,
    MoType,
    Outflow,
    OutflowReason,
    Product,
    Stay,
    Tariff,
    Unit,
    WlzApplication,
)
from bwmo.clients.models import BrpKind, BrpRegistration, Client
from bwmo.organisations.models import Mandate, Municipality, Organisation, Provider, Region
from bwmo.toegang.models import (
    Aanvraag,
    Advies,
    Beschikking,
    CaseEvent,
    Decision,
    Melding,
    MoIntake,
    Onderzoek,
)
from bwmo.toegang.workflow import Status
from bwmo.woonplaats.models import Dispute
from bwmo.woonplaats.services import compute as responsibility_compute
from bwmo.woonplaats.services import responsibility_decide
from bwmo.woonplaats.services import store as responsibility_store

from .bsn import TEST_RANGE, BsnRange, draw_bsns
from .budget import create_demo_parameter_sets
from .loader import (
    cover_stays_with_tariffs,
    mark_synthetic,
    refresh_statistics,
    refuse_unless_empty,
    write_rows,
)
from .loader import (
    reset as loader_reset,
)
from .names import GIVEN_NAMES, PREFIXES, SURNAMES
from .traffic import generate_traffic

START = date(2017, 1, 1)
LETTERS = "ABCEGHJKLMNPRTVWXZ"  # postcode letters (SA, SD and SS are not used)
STREETS = (
    "Brink",
    "Kerkstraat",
    "Stationsweg",
    "Molenstraat",
    "Esweg",
    "Hoofdstraat",
    "Dorpsstraat",
    "Markt",
    "Torenlaan",
    "Veenweg",
    "Boslaan",
    "Nieuwe Kade",
)

# Inhabitants (rounded, 2024) steer how many clients each municipality has.
INHABITANTS = {
    "GM0106": 69000,
    "GM1680": 25800,
    "GM1731": 33500,
    "GM1699": 32500,
    "GM1730": 34500,
    "GM1690": 24600,
    "GM0118": 56000,
    "GM0119": 35000,
    "GM1701": 20000,
    "GM0114": 107000,
    "GM0109": 35500,
    "GM1681": 25600,
}
OUT_OF_REGION = ("GM0014", "GM0193", "GM0080", "GM0153")  # Groningen, Zwolle, Leeuwarden, Enschede

PRODUCTS = [
    # code, name, kind, counts as BW by law, mo_type, iWmo category, unit, intensity
    ("BW001", "BW Intramuraal", "BW", True, "", "15", Unit.WEEK, 5),
    ("BW002", "BW Nabij", "BW", True, "", "15", Unit.WEEK, 4),
    ("BW003", "Begeleid Wonen", "BW", True, "", "15", Unit.WEEK, 3),
    ("BW004", "Thuis Plus", "BW", False, "", "18", Unit.WEEK, 2),
    ("BW005", "Begeleid kamerwonen", "BW", False, "", "18", Unit.WEEK, 1),
    ("MO001", "Nachtopvang", "MO", False, MoType.NACHTOPVANG, "16", Unit.ETMAAL, 1),
    ("MO002", "Dagopvang", "MO", False, MoType.DAGOPVANG, "16", Unit.ETMAAL, 1),
    ("MO003", "Crisisopvang", "MO", False, MoType.CRISISOPVANG, "17", Unit.ETMAAL, 3),
    ("MO004", "Trajectplaats", "MO", False, MoType.TRAJECTPLAATS, "16", Unit.ETMAAL, 2),
]
# Weekly tariffs of 2021; indexed 2% a year they stay within € 700–1,100 in 2017–2026.
BW_WEEK_TARIFF = {"BW001": 980, "BW002": 920, "BW003": 850, "BW004": 800, "BW005": 760}
MO_DAY_TARIFF = {"MO001": 68, "MO002": 42, "MO003": 155, "MO004": 118}

PROVIDERS = [
    # name, location, region index (0 Assen, 1 BOCE, None both), opvang, products
    ("Stichting Het Baken", "GM0106", 0, False, ["BW001", "BW002", "BW003"]),
    ("Zorggroep De Drentse Horst", "GM1731", 0, False, ["BW001", "BW002", "BW004"]),
    ("Woonzorg Hunzedal", "GM1680", 0, False, ["BW003", "BW004", "BW005"]),
    ("Stichting Onderdak Drenthe", "GM0106", 0, True, ["MO001", "MO002", "MO003", "MO004"]),
    ("De Meppeler Brug", "GM0119", 0, False, ["BW002", "BW003", "BW005"]),
    ("Hoogeveens Beschermd Thuis", "GM0118", 0, False, ["BW001", "BW003", "BW004"]),
    ("Stichting Noorderlicht Wonen", "GM1699", 0, False, ["BW003", "BW004", "BW005"]),
    ("Zorgcentrum Emmerhout", "GM0114", 1, False, ["BW001", "BW002", "BW003", "BW004"]),
    ("Stichting Veilige Haven Zuidoost", "GM0114", 1, True, ["MO001", "MO002", "MO003", "MO004"]),
    ("Coevorden Begeleid Wonen", "GM0109", 1, False, ["BW003", "BW004", "BW005"]),
    ("Stichting Hondsrug Herstel", "GM1681", 1, False, ["BW002", "BW003", "BW005"]),
    ("Regionaal Herstelhuis Drenthe", "GM0106", None, False, ["BW001", "BW002"]),
]

BW_OUTFLOW = [
    (OutflowReason.ZELFSTANDIG, 40),
    (OutflowReason.WLZ, 14),
    (OutflowReason.NAAR_MO, 6),
    (OutflowReason.VERHUISD, 8),
    (OutflowReason.DETENTIE, 4),
    (OutflowReason.OVERLEDEN, 5),
    (OutflowReason.ONBEKEND, 8),
]
MO_OUTFLOW = [
    (OutflowReason.ZELFSTANDIG, 35),
    (OutflowReason.NAAR_BW, 8),
    (OutflowReason.VERHUISD, 15),
    (OutflowReason.DETENTIE, 5),
    (OutflowReason.ONBEKEND, 30),
    (OutflowReason.OVERLEDEN, 2),
]


def tariff_amount(code: str, year: int) -> Decimal:
    """The contract tariff of a product in a year: 2021's, indexed 2% a year."""
    base = BW_WEEK_TARIFF.get(code) or MO_DAY_TARIFF[code]
    return (Decimal(base) * Decimal("1.02") ** (year - 2021)).quantize(Decimal("0.01"))


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


@dataclass
class Catalogue:
    regions: list[Region]
    region_of: dict[str, Region]
    products: dict[str, Product]
    providers: list[Provider]
    provider_location: dict[int, str]
    providers_for: dict[tuple[int, str], list[Provider]]  # (region pk, product code)
    gemeente_org: dict[str, Organisation]
    opvang_org: dict[int, Organisation]  # region pk → opvanginstelling organisation
    toegang_boce: Organisation


def build_catalogue(*, rng: random.Random, reference_date: date) -> Catalogue:
    """Organisations, providers, products, contracts, tariffs and mandates of the demo."""
    regions = list(Region.objects.order_by("name"))
    region_of = {}
    for region in regions:
        for code in region.memberships.values_list("municipality_id", flat=True):
            region_of[code] = region
    products = {}
    for code, name, kind, by_law, mo_type, category, unit, rank in PRODUCTS:
        products[code] = Product.objects.create(
            code=code,
            name=name,
            kind=kind,
            counts_as_bw_by_law=by_law,
            mo_type=mo_type,
            iwmo_category=category,
            unit=unit,
            intensity_rank=rank,
            valid_from=date(2015, 1, 1),
        )
    municipalities = {m.code: m for m in Municipality.objects.filter(code__in=INHABITANTS)}
    for code, municipality in municipalities.items():
        if municipality.inhabitants is None:
            municipality.inhabitants = INHABITANTS[code]
    Municipality.objects.bulk_update(municipalities.values(), ["inhabitants"])
    gemeente_org = {
        code: Organisation.objects.create(
            name=f"Gemeente {m.name}", kind="gemeente", municipality=m
        )
        for code, m in municipalities.items()
    }
    for region in regions:
        Organisation.objects.create(name=f"Regio {region.name}", kind="regio", region=region)

    providers, provider_location, providers_for, opvang_org = [], {}, defaultdict(list), {}
    for index, (name, location, region_index, opvang, codes) in enumerate(PROVIDERS):
        provider = Provider.objects.create(
            name=name,
            agb_code=f"7300{index + 1:04d}",
            is_opvanginstelling=opvang,
            kvk_number=f"{rng.randint(10000000, 99999999)}",
        )
        organisation = Organisation.objects.create(name=name, kind="aanbieder", provider=provider)
        providers.append(provider)
        provider_location[provider.pk] = location
        serving = regions if region_index is None else [regions[region_index]]
        for region in serving:
            contract = Contract.objects.create(
                provider=provider,
                region=region,
                reference=f"{region.centrumgemeente_id}-{2021}-{index + 1:03d}",
                valid_from=date(2021, 1, 1),
                valid_to=date(2024, 12, 31),
                extension_options=2,
                extension_years=2,
                extensions_used=1,
            )
            contract.products.set([products[c] for c in codes])
            tariffs = []
            for code in codes:
                for year in range(2017, reference_date.year + 1):
                    base = BW_WEEK_TARIFF.get(code) or MO_DAY_TARIFF[code]
                    amount = Decimal(base) * Decimal("1.02") ** (year - 2021)
                    amount += Decimal(rng.randint(-15, 15)) if code.startswith("BW") else 0
                    tariffs.append(
                        Tariff(
                            contract=contract,
                            product=products[code],
                            unit=products[code].unit,
                            amount=amount.quantize(Decimal("0.01")),
                            valid_from=date(year, 1, 1),
                            valid_to=date(year, 12, 31),
                        )
                    )
                providers_for[(region.pk, code)].append(provider)
            Tariff.objects.bulk_create(tariffs)
            if opvang:
                opvang_org[region.pk] = organisation
                Mandate.objects.create(
                    grantor_id=region.centrumgemeente_id,
                    holder=organisation,
                    product_kind="MO",
                    valid_from=date(2017, 1, 1),
                    description="Toegang maatschappelijke opvang onder mandaat",
                )
    toegang_boce = Organisation.objects.create(name="Toegang BW Zuidoost-Drenthe", kind="toegang")
    for code in ("GM0114", "GM0109", "GM1681"):
        Mandate.objects.create(
            grantor_id=code,
            holder=toegang_boce,
            product_kind="BW",
            valid_from=date(2020, 1, 1),
            description="Toegang beschermd wonen namens de BOCE-gemeenten",
        )
    return Catalogue(
        regions,
        region_of,
        products,
        providers,
        provider_location,
        providers_for,
        gemeente_org,
        opvang_org,
        toegang_boce,
    )


@dataclass
class Rows:
    """Unsaved rows of one chunk, written in dependency order by ``flush``."""

    clients: list = field(default_factory=list)
    brp: list = field(default_factory=list)
    meldingen: list = field(default_factory=list)
    onderzoeken: list = field(default_factory=list)
    adviezen: list = field(default_factory=list)
    aanvragen: list = field(default_factory=list)
    beschikkingen: list = field(default_factory=list)
    mo_intakes: list = field(default_factory=list)
    indications: list = field(default_factory=list)
    stays: list = field(default_factory=list)
    outflows: list = field(default_factory=list)
    events: list = field(default_factory=list)
    wlz: list = field(default_factory=list)

    def flush(self) -> dict[str, int]:
        return write_rows(self)


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


SCENARIO_CLIENTS = 60  # the woonplaats scenarios (at most 6 × 4 clients, with room to spare)
# Passes the 11-proof and is never given to a generated client: the iWmo traffic sends a
# request for it as the client bwmo does not know.
UNKNOWN_BSN = "999990019"


class DemoGenerator:
    bsn_range: BsnRange = TEST_RANGE
    profile = "demo"

    def __init__(self, *, seed: int, reference_date: date, clients: int = 1500):
        self.rng = random.Random(seed)
        self.today = reference_date
        self.n_clients = clients
        self.deceased = False  # of the client being generated
        self.now = timezone.now()
        self.inhabitants: dict[str, int] = dict(INHABITANTS)
        self.out_of_region: tuple[str, ...] = OUT_OF_REGION
        self._homes: list[str] = []
        self._home_weights: list[float] = []

    @classmethod
    def max_clients(cls) -> int:
        """The most clients the profile's BSN range can hold (besides the scenarios)."""
        return cls.bsn_range.capacity() - 1 - SCENARIO_CLIENTS

    def draw_bsns(self) -> tuple[list[str], list[str]]:
        """The population's BSNs and the scenarios', drawn at once: distinct, or refused."""
        try:
            numbers = draw_bsns(
                self.rng,
                self.bsn_range,
                self.n_clients + SCENARIO_CLIENTS,
                reserved=frozenset({UNKNOWN_BSN}),
            )
        except ValueError:
            raise ValueError(
                f"--clients {self.n_clients} is more than the {self.profile} profile can "
                f"generate: its BSN range {self.bsn_range.low}-{self.bsn_range.high} holds "
                f"{self.bsn_range.capacity()} numbers that pass the 11-proof, so at most "
                f"{self.max_clients()} clients (besides {SCENARIO_CLIENTS} for the woonplaats "
                "scenarios)."
            ) from None
        return numbers[: self.n_clients], numbers[self.n_clients :]

    def build_catalogue(self) -> "Catalogue":
        return build_catalogue(rng=self.rng, reference_date=self.today)

    # -- small helpers -------------------------------------------------------------------
    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def home_municipality(self) -> str:
        if not self._homes:
            total = 0.0
            for code, inhabitants in self.inhabitants.items():
                total += inhabitants
                self._homes.append(code)
                self._home_weights.append(total)
        return self.rng.choices(self._homes, cum_weights=self._home_weights)[0]

    def provider_for(self, region: Region, code: str) -> Provider:
        return self.rng.choice(self.cat.providers_for[(region.pk, code)])

    def event(self, rows, melding, day, source, target, action, reason=""):
        # Office hours on that day, but never later than now (today's events happened already).
        at = min(_at(day, self.rng.randint(8, 16)), self.now - timedelta(hours=2))
        previous = rows.events[-1] if rows.events else None
        if previous is not None and previous.melding is melding and at <= previous.at:
            at = previous.at + timedelta(minutes=self.rng.randint(5, 90))  # keep history in order
        rows.events.append(
            CaseEvent(
                melding=melding,
                at=at,
                action=action,
                from_status=source,
                to_status=target,
                reason=reason,
            )
        )

    # -- the access process ----------------------------------------------------------------
    def bw_case(
        self,
        rows,
        client,
        home,
        melding_on,
        *,
        final=Status.TOEGEKEND,
        product_code="BW001",
        start=None,
        end=None,
        applied_to=None,
    ):
        """A BW melding that went as far as ``final``; returns the indication if granted.

        ``applied_to`` is where the client turns to (default: home); the woonplaats rules
        decide afterwards who is responsible.
        """
        home = applied_to or home
        region = self.cat.region_of[home]
        organisation = self.cat.gemeente_org[home]
        if region.centrumgemeente_id == "GM0114":
            organisation = self.cat.toegang_boce
        melding = Melding(
            client=client,
            product_kind="BW",
            applied_to_id=home,
            responsible_municipality_id=home,
            organisation=organisation,
            received_on=melding_on,
            status=final,
            summary="Hulpvraag wonen en begeleiding",
            status_changed_at=_at(melding_on),
        )
        rows.meldingen.append(melding)
        self.event(rows, melding, melding_on, "", Status.GEMELD, "melding", "Melding geregistreerd")
        day = melding_on
        steps = [Status.IN_ONDERZOEK, Status.ADVIES_UITGEBRACHT, Status.AANVRAAG_ONTVANGEN]
        if final == Status.GEMELD:
            steps = []
        elif final == Status.INGETROKKEN:
            steps = steps[: self.rng.randint(0, 2)]
        elif final in steps:
            steps = steps[: steps.index(final) + 1]
        elif final == Status.AFGESLOTEN:
            steps = steps[:2]
        previous = Status.GEMELD
        for status in steps:
            day = min(self.today, day + timedelta(days=self.rng.randint(3, 24)))
            if status == Status.IN_ONDERZOEK:
                rows.onderzoeken.append(
                    Onderzoek(
                        melding=melding,
                        started_on=day,
                        conversation_on=day,
                        findings="Keukentafelgesprek gevoerd; wonen en dagbesteding besproken.",
                    )
                )
                self.event(rows, melding, day, previous, status, "onderzoek")
            elif status == Status.ADVIES_UITGEBRACHT:
                rows.onderzoeken[-1].completed_on = day
                signed = self.rng.random() < 0.9
                rows.adviezen.append(
                    Advies(
                        melding=melding,
                        issued_on=day,
                        advised_product=self.cat.products[product_code],
                        text="Advies: passende woonvorm met begeleiding.",
                        signed_by_client=signed,
                        signed_on=day if signed else None,
                    )
                )
                self.event(rows, melding, day, previous, status, "advies")
            else:
                aanvraag = Aanvraag(melding=melding, received_on=day)
                rows.aanvragen.append(aanvraag)
                self.event(rows, melding, day, previous, status, "aanvraag")
            previous = status
        melding.status_changed_at = _at(day)
        if final in (Status.TOEGEKEND, Status.AFGEWEZEN):
            decided = min(self.today, day + timedelta(days=self.rng.randint(2, 18)))
            granted = final == Status.TOEGEKEND
            product = self.cat.products[product_code] if granted else None
            region_provider = self.provider_for(region, product_code) if granted else None
            pgb = granted and self.rng.random() < 0.08
            # Care starts on the planned day, but never before the decision.
            valid_from = max(start, decided) if start else decided
            rows.beschikkingen.append(
                Beschikking(
                    aanvraag=aanvraag,
                    decision=Decision.TOEKENNING if granted else Decision.AFWIJZING,
                    decided_on=decided,
                    product=product,
                    financing=(Financing.PGB if pgb else Financing.ZIN) if granted else "",
                    provider=None if pgb else region_provider,
                    valid_from=valid_from if granted else None,
                    valid_to=(valid_from + timedelta(days=5 * 365)) if granted else None,
                    motivation="" if granted else "Voorliggende voorzieningen volstaan.",
                )
            )
            self.event(rows, melding, decided, previous, final, "beschikking")
            melding.status_changed_at = _at(decided)
            if granted:
                indication = Indication(
                    client=client,
                    melding=melding,
                    product=product,
                    financing=Financing.PGB if pgb else Financing.ZIN,
                    provider=None if pgb else region_provider,
                    responsible_municipality_id=home,
                    valid_from=valid_from,
                    valid_to=valid_from + timedelta(days=5 * 365),
                )
                rows.indications.append(indication)
                return indication
        elif final in (Status.INGETROKKEN, Status.AFGESLOTEN):
            closed = min(self.today, day + timedelta(days=self.rng.randint(1, 20)))
            self.event(
                rows,
                melding,
                closed,
                previous,
                final,
                "intrekken" if final == Status.INGETROKKEN else "afsluiten",
                "Cliënt ziet af van ondersteuning",
            )
            melding.status_changed_at = _at(closed)
        return None

    def bw_episode(self, rows, client, home, start: date, brp_periods):
        """Granted BW with stays, step-downs and (perhaps) outflow; returns the end date."""
        region = self.cat.region_of[home]
        code = _weighted(
            self.rng, [("BW001", 45), ("BW002", 30), ("BW003", 15), ("BW004", 6), ("BW005", 4)]
        )
        melding_on = start - timedelta(days=self.rng.randint(30, 70))
        indication = self.bw_case(rows, client, home, melding_on, product_code=code, start=start)
        if indication is None or indication.provider is None:
            return None  # a PGB: the client arranges care; no stay is registered
        start = indication.valid_from
        location = self.cat.provider_location[indication.provider.pk]
        if self.rng.random() < 0.04:
            location = self.rng.choice(self.out_of_region)  # placed outside the region, motivated
        current_start, current_ind = start, indication
        if self.rng.random() < 0.6:
            brp_periods.append((location, start, BrpKind.INSTELLING))
        indication.started_on = start
        while True:
            duration = int(self.rng.lognormvariate(6.2, 0.7))  # median ≈ 16 months
            end = current_start + timedelta(days=duration)
            if end >= self.today:
                rows.stays.append(
                    Stay(
                        client=client,
                        indication=current_ind,
                        provider=current_ind.provider,
                        product=current_ind.product,
                        location_id=location,
                        start=current_start,
                    )
                )
                if self.rng.random() < 0.05:
                    rows.wlz.append(
                        WlzApplication(
                            client=client,
                            applied_on=self.today - timedelta(days=self.rng.randint(10, 80)),
                            status=WlzApplication.Status.AANGEVRAAGD,
                        )
                    )
                return None
            stay = Stay(
                client=client,
                indication=current_ind,
                provider=current_ind.provider,
                product=current_ind.product,
                location_id=location,
                start=current_start,
                end=end,
            )
            rows.stays.append(stay)
            rank = current_ind.product.intensity_rank
            if rank > 1 and self.rng.random() < 0.35:
                # Step down to a lighter form: a new indication on the same melding.
                lighter = [
                    c
                    for c, p in self.cat.products.items()
                    if p.kind == "BW" and p.intensity_rank < rank
                ]
                new_code = self.rng.choice(lighter)
                assert current_ind.provider is not None  # a ZIN indication made here has one
                providers = self.cat.providers_for.get((region.pk, new_code)) or [
                    current_ind.provider
                ]
                new_ind = Indication(
                    client=client,
                    melding=current_ind.melding,
                    product=self.cat.products[new_code],
                    financing=Financing.ZIN,
                    provider=self.rng.choice(providers),
                    responsible_municipality_id=home,
                    valid_from=end + timedelta(days=1),
                    valid_to=end + timedelta(days=3 * 365),
                    started_on=end + timedelta(days=1),
                )
                current_ind.valid_to = end
                rows.indications.append(new_ind)
                rows.outflows.append(Outflow(stay=stay, date=end, reason=OutflowReason.AFSCHALEN))
                current_start, current_ind = end + timedelta(days=1), new_ind
                assert new_ind.provider is not None  # chosen above
                location = self.cat.provider_location[new_ind.provider.pk]
                continue
            reason = _weighted(self.rng, BW_OUTFLOW)
            self.deceased = self.deceased or reason == OutflowReason.OVERLEDEN
            current_ind.valid_to = end
            rows.outflows.append(Outflow(stay=stay, date=end, reason=reason))
            if reason == OutflowReason.WLZ:
                applied = end - timedelta(days=self.rng.randint(40, 120))
                rows.wlz.append(
                    WlzApplication(
                        client=client,
                        applied_on=applied,
                        status=WlzApplication.Status.TOEGEKEND,
                        decided_on=end,
                    )
                )
            return end

    def mo_episode(self, rows, client, home, start: date, brp_periods):
        region = self.cat.region_of[home]
        centrum = region.centrumgemeente_id
        mo_type = _weighted(
            self.rng,
            [
                (MoType.NACHTOPVANG, 45),
                (MoType.CRISISOPVANG, 15),
                (MoType.TRAJECTPLAATS, 30),
                (MoType.DAGOPVANG, 10),
            ],
        )
        code = {
            MoType.NACHTOPVANG: "MO001",
            MoType.DAGOPVANG: "MO002",
            MoType.CRISISOPVANG: "MO003",
            MoType.TRAJECTPLAATS: "MO004",
        }[mo_type]
        organisation = self.cat.opvang_org[region.pk]
        provider = organisation.provider
        assert provider is not None  # the catalogue's opvang organisations are providers
        granted = self.rng.random() < 0.9
        melding = Melding(
            client=client,
            product_kind="MO",
            applied_to_id=centrum,
            responsible_municipality_id=centrum,
            organisation=organisation,
            received_on=start,
            status=Status.TOEGEKEND if granted else Status.AFGEWEZEN,
            summary="Aanmelding opvang",
            status_changed_at=_at(start),
        )
        rows.meldingen.append(melding)
        self.event(rows, melding, start, "", Status.GEMELD, "melding", "Melding geregistreerd")
        self.event(rows, melding, start, Status.GEMELD, melding.status, "mo_intake")
        rows.mo_intakes.append(
            MoIntake(
                melding=melding,
                provider=provider,
                intake_on=start,
                mo_type=mo_type,
                dakloos="ja",
                zelfredzaam="nee" if granted else "ja",
                regiobinding="ja",
                problem_areas="huisvesting,financien",
                decision=Decision.TOEKENNING if granted else Decision.AFWIJZING,
                motivation="" if granted else "Cliënt kan zich zelfstandig handhaven.",
            )
        )
        if not granted:
            return start
        brp_periods.append((centrum, start, BrpKind.BRIEFADRES))
        indication = Indication(
            client=client,
            melding=melding,
            product=self.cat.products[code],
            financing=Financing.ZIN,
            provider=provider,
            responsible_municipality_id=centrum,
            valid_from=start,
            started_on=start,
        )
        rows.indications.append(indication)
        days = int(self.rng.lognormvariate(4.0 if code != "MO004" else 5.3, 0.8))
        end = start + timedelta(days=max(days, 1))
        location = self.cat.provider_location[provider.pk]
        if end >= self.today:
            rows.stays.append(
                Stay(
                    client=client,
                    indication=indication,
                    provider=provider,
                    product=indication.product,
                    location_id=location,
                    start=start,
                )
            )
            return None
        indication.valid_to = end
        stay = Stay(
            client=client,
            indication=indication,
            provider=provider,
            product=indication.product,
            location_id=location,
            start=start,
            end=end,
        )
        rows.stays.append(stay)
        reason = _weighted(self.rng, MO_OUTFLOW)
        self.deceased = self.deceased or reason == OutflowReason.OVERLEDEN
        rows.outflows.append(Outflow(stay=stay, date=end, reason=reason))
        return None if self.deceased else end

    # -- one client ----------------------------------------------------------------------------
    def client(self, rows, bsn: str, organisation_for):
        rng = self.rng
        self.deceased = False
        self.first_stay = len(rows.stays)  # this client's stays are rows.stays[first_stay:]
        home = self.home_municipality()
        birth = date(rng.randint(1952, 2004), rng.randint(1, 12), rng.randint(1, 28))
        client = Client(
            pseudonym=uuid.UUID(int=rng.getrandbits(128), version=4),
            bsn=bsn,
            given_names=rng.choice(GIVEN_NAMES),
            surname_prefix=rng.choice(PREFIXES),
            surname=rng.choice(SURNAMES),
            birth_date=birth,
            registered_by=organisation_for(home),
            gender=rng.choice("12"),
            street=rng.choice(STREETS),
            house_number=rng.randint(1, 180),
            postcode=f"{rng.randint(7700, 9499)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}",
            place=self.place_names[home],
        )
        rows.clients.append(client)
        brp_periods: list[tuple[str | None, date, str]] = []
        adult = (
            birth.replace(year=birth.year + 18)
            if birth.month != 2 or birth.day != 29
            else date(birth.year + 18, 3, 1)
        )
        first_home = home
        if rng.random() < 0.25:  # moved into this municipality from elsewhere in Drenthe
            first_home = self.home_municipality()
        brp_periods.append((first_home, adult, BrpKind.WOONADRES))
        if first_home != home:
            brp_periods.append(
                (home, self.day_between(adult, date(2016, 12, 31)), BrpKind.WOONADRES)
            )

        kind = _weighted(rng, [("bw", 55), ("mo", 30), ("mo_bw", 8), ("bw_mo", 4), ("open", 3)])
        start = self.day_between(START + timedelta(days=60), self.today - timedelta(days=20))
        if kind == "bw":
            end = self.bw_episode(rows, client, home, start, brp_periods)
            if end and not self.deceased and rng.random() < 0.2:
                brp_periods.append((home, end + timedelta(days=1), BrpKind.WOONADRES))
                # Some return within a year (the look-back window of the woonplaats rules).
                again = end + timedelta(days=rng.randint(60, 700))
                if again < self.today - timedelta(days=90):
                    self.bw_episode(rows, client, home, again, brp_periods)
        elif kind == "mo":
            end = self.mo_episode(rows, client, home, start, brp_periods)
            if end and rng.random() < 0.3:
                again = end + timedelta(days=rng.randint(20, 400))
                if again < self.today:
                    self.mo_episode(rows, client, home, again, brp_periods)
        elif kind == "mo_bw":
            end = self.mo_episode(rows, client, home, start, brp_periods)
            if end and not self.deceased:
                bw_start = end + timedelta(days=rng.randint(1, 60))
                if bw_start < self.today - timedelta(days=70):
                    self.bw_episode(rows, client, home, bw_start, brp_periods)
        elif kind == "bw_mo":
            end = self.bw_episode(rows, client, home, start, brp_periods)
            if end and not self.deceased:
                mo_start = end + timedelta(days=rng.randint(1, 90))
                if mo_start < self.today:
                    self.mo_episode(rows, client, home, mo_start, brp_periods)
        else:
            # Abroad for a while, then back: exercises the BRP kind 'buitenland'.
            gone = self.day_between(date(2015, 1, 1), date(2022, 1, 1))
            brp_periods.append((None, gone, BrpKind.BUITENLAND))
            back = gone + timedelta(days=rng.randint(200, 900))
            brp_periods.append((home, min(back, self.today), BrpKind.WOONADRES))
        self.returns(rows, client, home, brp_periods)
        self._brp_rows(rows, client, brp_periods)
        return client, home

    def returns(self, rows, client, home, brp_periods) -> None:
        """More care after the first episodes (the national profile; the demo has none)."""

    def open_case(self, rows, client, home):
        """A recent melding somewhere in the process, so the work list has real work."""
        final = _weighted(
            self.rng,
            [
                (Status.GEMELD, 30),
                (Status.IN_ONDERZOEK, 35),
                (Status.ADVIES_UITGEBRACHT, 15),
                (Status.AANVRAAG_ONTVANGEN, 20),
            ],
        )
        melding_on = self.today - timedelta(days=self.rng.randint(2, 70))
        self.bw_case(
            rows,
            client,
            home,
            melding_on,
            final=final,
            product_code=self.rng.choice(["BW002", "BW003", "BW004"]),
        )

    def closed_without_care(self, rows, client, home):
        melding_on = self.day_between(date(2018, 1, 1), self.today - timedelta(days=100))
        final = _weighted(
            self.rng, [(Status.AFGEWEZEN, 50), (Status.INGETROKKEN, 35), (Status.AFGESLOTEN, 15)]
        )
        self.bw_case(rows, client, home, melding_on, final=final)

    def _brp_rows(self, rows, client, periods):
        periods = sorted(periods, key=lambda p: p[1])
        merged = []
        for municipality, start, kind in periods:
            if merged and merged[-1][1] >= start:
                continue  # same day: keep the first
            merged.append((municipality, start, kind))
        for index, (municipality, start, kind) in enumerate(merged):
            end = merged[index + 1][1] - timedelta(days=1) if index + 1 < len(merged) else None
            if start > self.today:
                break
            rows.brp.append(
                BrpRegistration(
                    client=client,
                    municipality_id=municipality,
                    kind=kind,
                    valid_from=start,
                    valid_to=end,
                )
            )

    # -- everything --------------------------------------------------------------------------------
    def run(self, *, chunk_size: int = 500) -> dict[str, int]:
        bsns, bsns_extra = self.draw_bsns()  # first: a request too large fails at once
        loader_reset()
        self.cat = self.build_catalogue()
        self.place_names = dict(
            Municipality.objects.filter(code__in=self.inhabitants).values_list("code", "name")
        )
        totals: dict[str, int] = defaultdict(int)
        self.dispute_candidates: list = []

        def organisation_for(home):
            return self.cat.gemeente_org[home]

        n_open = max(1, self.n_clients // 20)
        n_closed = max(1, self.n_clients // 25)
        # The planner's statistics each time the history has doubled (a few times a run):
        # planned for the tables as they were, the triggers that record which regions a write
        # touches joined every new row with a scan of a table, time that grew with the square
        # of the profile (``loader.refresh_statistics``).
        analysed_at = chunk_size
        for chunk_start in range(0, self.n_clients, chunk_size):
            rows = Rows()
            for index in range(chunk_start, min(chunk_start + chunk_size, self.n_clients)):
                client, home = self.client(rows, bsns[index], organisation_for)
                if self.deceased:
                    continue
                if index < n_open:
                    self.open_case(rows, client, home)
                elif index < n_open + n_closed:
                    self.closed_without_care(rows, client, home)
            self.motivate_placements(rows)
            for name, count in rows.flush().items():
                totals[name] += count
            totals["decisions"] += self.decide(rows.meldingen)
            self.chunk_done(totals)
            if chunk_start + chunk_size >= analysed_at:
                refresh_statistics()
                analysed_at *= 2
        rows = self.scenarios(bsns_extra=bsns_extra)
        for name, count in rows.flush().items():
            totals[name] += count
        totals["decisions"] += self.decide(rows.meldingen)
        self.disputes(self.dispute_candidates)
        # Contracts follow the stays: a stay charged to a municipality of another region
        # than the provider's (the woonplaats rules may move it) gets that region's contract.
        totals["contracts_added"] = cover_stays_with_tariffs(
            reference_date=self.today, amount=tariff_amount
        )
        totals["budget_parameter_sets"] = len(create_demo_parameter_sets(self.inhabitants))
        refresh_statistics()  # the whole history is there: its traffic is planned for it
        totals.update(self.traffic())
        totals["provisional_clients"] = self.provisional_clients()
        totals["clients"] += totals["provisional_clients"]  # clients: every client made
        totals.update(demo_contract_terms_and_places(reference_date=self.today))
        refresh_statistics()  # and once more for all of it, before the run's transaction ends
        return dict(totals)

    def chunk_done(self, totals: dict[str, int]) -> None:
        """Called after each chunk is written (the national profile reports progress)."""

    def decide(self, meldingen: list) -> int:
        """Every case gets its responsibility decision under the region's rule set.

        A client's cases are all in one chunk, so deciding per chunk is deciding all at once.
        """
        outcomes = responsibility_compute(meldingen)
        written = responsibility_store(outcomes)
        self.dispute_candidates += [
            o
            for o in outcomes
            if o.decision.rule == "W"
            and o.melding.received_on >= date(2026, 1, 1)
            and o.melding.status in (Status.AANVRAAG_ONTVANGEN, Status.TOEGEKEND)
            and o.melding.applied_to_id in INHABITANTS
        ]
        return written

    def traffic(self) -> dict[str, int]:
        return generate_traffic(rng=self.rng, reference_date=self.today)

    def provisional_clients(self) -> int:
        """Two people at the Assen shelter without BSN (after the iWmo traffic, which needs
        one): one admitted to nachtopvang, whose allocation waits for the BSN, one just
        registered. They go through the services, as the opvang worker's screens do."""
        from bwmo.clients.services import client_register_provisional
        from bwmo.toegang.services import mo_intake_record

        region = self.cat.region_of["GM0106"]
        organisation = self.cat.opvang_org[region.pk]
        assen = Municipality.objects.get(code="GM0106")
        since = self.today - timedelta(days=6)
        admitted = client_register_provisional(
            given_names="Kees",
            birth_year=1979,
            identifying_notes="Noemt zich Kees; sliep buiten bij het station. Geen papieren.",
            organisation=organisation,
            by=None,
            brp=[{"municipality": None, "kind": BrpKind.GEEN, "valid_from": since}],
        )
        mo_intake_record(
            client=admitted,
            user=None,
            organisation=organisation,
            centrumgemeente=assen,
            provider=organisation.provider,
            intake_on=since,
            mo_type=MoType.NACHTOPVANG,
            dakloos="ja",
            zelfredzaam="nee",
            regiobinding="onbekend",
            problem_areas="huisvesting,financien,sociaal_netwerk",
            decision=Decision.TOEKENNING,
            motivation="",
            location=assen,
        )
        other = client_register_provisional(
            given_names="Marta",
            surname="S.",
            identifying_notes="Spreekt Pools en wat Engels; wil haar BSN nog niet geven.",
            organisation=organisation,
            by=None,
        )
        return mark_synthetic([admitted.pk, other.pk])

    def motivate_placements(self, rows) -> None:
        """Every placement outside the region carries its motivation (regiovisie)."""
        reasons = (
            "Specialistisch aanbod dubbele diagnose alleen buiten de regio",
            "Afstand tot het oude netwerk nodig voor herstel",
            "Passend aanbod voor jongvolwassenen buiten de regio",
            "Terugkeer naar familie in de regio van plaatsing",
        )
        for stay in rows.stays:
            if self.placed_outside(stay):
                stay.placement_reason = self.rng.choice(reasons)

    def placed_outside(self, stay: Stay) -> bool:
        return stay.location_id not in INHABITANTS

    # -- scenarios: a few clients per woonplaats rule -------------------------------------------
    def scenarios(self, *, bsns_extra: list[str]) -> "Rows":
        """Clients built to meet each woonplaats rule (after the 2026 start date), so that the
        demo shows every rule with several clients: W, B, C, D, A, T and (via disputes) G.
        V and MO follow from the ordinary population."""
        rows = Rows()
        application = self.today - timedelta(days=25)
        if application < date(2026, 3, 1):
            return rows
        bsns = iter(bsns_extra)
        members_assen = ["GM1730", "GM1680", "GM1731", "GM1699", "GM0119", "GM0118", "GM1690"]

        def new_client(home: str, brp: list) -> Client:
            client = Client(
                pseudonym=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                bsn=next(bsns),
                given_names=self.rng.choice(GIVEN_NAMES),
                surname_prefix=self.rng.choice(PREFIXES),
                surname=self.rng.choice(SURNAMES),
                birth_date=date(
                    self.rng.randint(1960, 2000), self.rng.randint(1, 12), self.rng.randint(1, 28)
                ),
                registered_by=self.cat.gemeente_org["GM0106"],
                gender=self.rng.choice("12"),
                street=self.rng.choice(STREETS),
                house_number=self.rng.randint(1, 180),
                postcode=f"{self.rng.randint(7700, 9499)}AB",
                place=self.place_names.get(home, "Assen"),
            )
            rows.clients.append(client)
            self._brp_rows(rows, client, brp)
            return client

        def open_bw(client, on, status=Status.AANVRAAG_ONTVANGEN):
            self.bw_case(
                rows, client, "GM0106", on, final=status, product_code="BW002", applied_to="GM0106"
            )

        for index in range(4):
            home = members_assen[index % len(members_assen)]
            on = application - timedelta(days=index * 3)
            # W: lives in a member municipality, applies in Assen where the facility is.
            open_bw(new_client(home, [(home, date(2012, 5, 1), BrpKind.WOONADRES)]), on)
            # B: from a GGZ clinic registered as institution address in Assen.
            open_bw(
                new_client(
                    home,
                    [
                        (home, date(2005, 1, 1), BrpKind.WOONADRES),
                        ("GM0106", on - timedelta(days=70), BrpKind.INSTELLING),
                    ],
                ),
                on,
            )
            # C: homeless with a postal address in Assen after living elsewhere.
            open_bw(
                new_client(
                    home,
                    [
                        (home, date(2008, 1, 1), BrpKind.WOONADRES),
                        ("GM0106", on - timedelta(days=160), BrpKind.BRIEFADRES),
                    ],
                ),
                on,
            )
            # D: back from abroad without a Dutch residential address yet.
            open_bw(new_client(home, [(None, date(2019, 1, 1), BrpKind.BUITENLAND)]), on)
            # T: in BW since before the start date; a new application within the chain.
            client = new_client(
                home,
                [
                    (home, date(2010, 1, 1), BrpKind.WOONADRES),
                    ("GM0106", date(2024, 3, 1), BrpKind.INSTELLING),
                ],
            )
            indication = self.bw_case(
                rows, client, home, date(2024, 1, 10), product_code="BW001", start=date(2024, 3, 1)
            )
            if indication is not None and indication.provider is not None:
                indication.started_on = indication.valid_from
                rows.stays.append(
                    Stay(
                        client=client,
                        indication=indication,
                        provider=indication.provider,
                        product=indication.product,
                        location_id="GM0106",
                        start=indication.valid_from,
                    )
                )
                open_bw(client, on)
            # A: BW in 2026 that ended, a new application within twelve months.
            client = new_client(
                home,
                [
                    (home, date(2011, 1, 1), BrpKind.WOONADRES),
                    ("GM0106", date(2026, 2, 1), BrpKind.INSTELLING),
                    ("GM0106", on - timedelta(days=60), BrpKind.WOONADRES),
                ],
            )
            indication = self.bw_case(
                rows, client, home, date(2026, 1, 5), product_code="BW003", start=date(2026, 2, 1)
            )
            if indication is not None and indication.provider is not None:
                end = on - timedelta(days=61)
                indication.started_on, indication.valid_to = indication.valid_from, end
                stay = Stay(
                    client=client,
                    indication=indication,
                    provider=indication.provider,
                    product=indication.product,
                    location_id="GM0106",
                    start=indication.valid_from,
                    end=end,
                )
                rows.stays.append(stay)
                rows.outflows.append(Outflow(stay=stay, date=end, reason=OutflowReason.ZELFSTANDIG))
                open_bw(client, on)
        return rows

    def disputes(self, candidates) -> None:
        """A few binding advices of the dispute committee (rule G) on recent W decisions."""
        candidates = sorted(candidates, key=lambda o: (o.melding.client_id, o.melding.pk))
        for outcome in candidates[:3]:
            melding = outcome.melding
            # The committee names another municipality than the rules did (so G is visible).
            other = next(
                code
                for code in (melding.applied_to_id, "GM1731", "GM1730")
                if code != outcome.decision.responsible
            )
            dispute = Dispute.objects.create(
                melding=melding,
                claimant_id=outcome.decision.responsible,
                respondent_id=other,
                opened_on=melding.received_on + timedelta(days=10),
                status=Dispute.Status.BINDEND_ADVIES,
                advice_responsible_id=other,
                advice_date=min(self.today, melding.received_on + timedelta(days=40)),
                note="Geschil over het laatste woonadres; bindend advies gevolgd.",
            )
            responsibility_decide(melding=dispute.melding)


def demo_contract_terms_and_places(*, reference_date: date) -> dict[str, int]:
    """Extension decisions and contracted places for the demo's contracts, through care's
    services, so the contract manager's screens show something real. Uses no random numbers
    (the population's draws stay as they are): the places follow the stays in progress on
    ``reference_date``.

    Every contract ran from 2021 to 2024 and used option 1 (decided in spring 2024). Option 2
    is decided for most, not for every third contract (its decision is due), and refused for
    one (it ends). Places: about 20% above the occupancy, changed from 2025 (history kept);
    the busiest location of each region is contracted below its occupancy (over capacity).
    """
    from django.db.models import Count, Q

    from bwmo.care import services as care_services

    counts = {"contract_places": 0, "contract_decisions": 0}
    occupied = {
        (r["provider_id"], r["location_id"], r["product_id"]): r["n"]
        for r in Stay.objects.filter(start__lte=reference_date)
        .filter(Q(end__isnull=True) | Q(end__gte=reference_date))
        .values("provider_id", "location_id", "product_id")
        .annotate(n=Count("id"))
    }
    contracts = list(
        Contract.objects.select_related("provider").prefetch_related("products").order_by("pk")
    )
    busiest: dict[int, tuple[int, int, str, int]] = {}  # region → n, contract, location, product
    done: set[tuple[int, str, int]] = set()
    for index, contract in enumerate(contracts):
        for option, decided_on in ((1, date(2024, 5, 15)), (2, date(2026, 4, 20))):
            if option > contract.extension_options:
                continue  # a follow-the-client contract has no options
            if decided_on > reference_date or (option == 2 and index % 3 == 0):
                continue
            decision = "niet_verlengd" if option == 2 and index == 4 else "verlengd"
            care_services.contract_extension_decide(
                contract=contract, option=option, decision=decision, decided_on=decided_on
            )
            counts["contract_decisions"] += 1
        home = (
            Stay.objects.filter(provider=contract.provider, location_id__in=list(INHABITANTS))
            .values("location_id")
            .annotate(n=Count("id"))
            .order_by("-n", "location_id")
            .values_list("location_id", flat=True)
            .first()
        )
        locations = {home} if home else set()
        locations |= {
            k[1] for k in occupied if k[0] == contract.provider_id and k[1] in INHABITANTS
        }
        for code in sorted(locations):
            location = care_services.provider_location_add(
                provider=contract.provider, municipality=Municipality.objects.get(code=code)
            )
            for product in contract.products.all():
                n = occupied.get((contract.provider_id, code, product.pk), 0)
                key = (contract.provider_id, code, product.pk)
                if (n == 0 and code != home) or key in done:
                    continue  # a provider under two regions' contracts: its places once
                done.add(key)
                places = n + max(1, n // 5)
                care_services.contract_capacity_record(
                    contract=contract,
                    product=product,
                    location=location,
                    places=max(1, places - 2),
                    valid_from=contract.valid_from,
                )
                care_services.contract_capacity_record(
                    contract=contract,
                    product=product,
                    location=location,
                    places=places,
                    valid_from=date(2025, 1, 1),
                )
                counts["contract_places"] += 2
                if n > busiest.get(contract.region_id, (0,))[0]:
                    busiest[contract.region_id] = (n, contract.pk, code, product.pk)
    for n, contract_pk, code, product_pk in busiest.values():
        if n >= 6:
            contract = Contract.objects.get(pk=contract_pk)
            care_services.contract_capacity_record(
                contract=contract,
                product=Product.objects.get(pk=product_pk),
                location=contract.provider.locations.get(municipality_id=code),
                places=n - 3,
                valid_from=max(
                    date(2025, 1, 2), reference_date.replace(day=1) - timedelta(days=150)
                ),
            )
            counts["contract_places"] += 1
    counts["waiting_indications"] = _grant_waiting(reference_date=reference_date)
    return counts


def _grant_waiting(*, reference_date: date) -> int:
    """Every second BW aanvraag still open gets its toekenning (zorg in natura at a
    contracted provider, from a week after the aanvraag) through the toegang service, and
    no stay yet: the contract manager's waiting list. The others stay open for the work
    list."""
    from bwmo.toegang import services as toegang_services

    open_cases = list(
        Melding.objects.filter(
            status=Status.AANVRAAG_ONTVANGEN,
            product_kind="BW",
            aanvraag__received_on__lte=reference_date - timedelta(days=8),
            responsible_municipality__isnull=False,
        )
        .select_related("aanvraag", "advies__advised_product", "responsible_municipality")
        .order_by("pk")
    )
    granted = 0
    for melding in open_cases[::2]:
        advies = getattr(melding, "advies", None)
        product = getattr(advies, "advised_product", None)
        contract = (
            Contract.objects.filter(
                region__memberships__municipality=melding.responsible_municipality,
                products=product,
            )
            .order_by("pk")
            .first()
        )
        if product is None or contract is None:
            continue
        decided_on = melding.aanvraag.received_on + timedelta(days=7)
        toegang_services.beschikking_record(
            melding=melding,
            user=None,
            expected_version=melding.version,
            decision="toekenning",
            decided_on=decided_on,
            product=product,
            financing=Financing.ZIN,
            provider=contract.provider,
            valid_from=decided_on,
            valid_to=decided_on + timedelta(days=5 * 365),
        )
        granted += 1
    return granted


def generate_demo(*, seed: int, reference_date: date, clients: int = 1500) -> dict[str, int]:
    """The demo profile, all or nothing: a failure leaves the database as it was."""
    generator = DemoGenerator(seed=seed, reference_date=reference_date, clients=clients)
    refuse_unless_empty()
    if clients > generator.max_clients():
        generator.draw_bsns()  # raises, naming the maximum
    with transaction.atomic():
        return generator.run()
