"""The ``national`` profile: all 342 municipalities in 44 regions, 2017 up to the reference date.

- The two Drenthe regions are the real ones (shipped reference data), with the demo's
  providers, so the demo accounts work on a national database too.
- The other 330 municipalities are grouped into 42 **synthetic** regions, per province
  (``REGIONS_PER_PROVINCE``): the largest municipalities of a province are its
  centrumgemeenten, every other municipality joins, in order of size, the region of its
  province with the fewest inhabitants so far. The real membership of those regions is not
  public; an installation enters its own. Inhabitants are rounded figures for the larger
  municipalities (``KNOWN_INHABITANTS``) and, for the others, a number between 6,000 and
  60,000 derived from the CBS code — synthetic too, and said so.
- Every region has its own providers (an opvanginstelling at the centrumgemeente and
  two to eight BW providers in its municipalities) with contracts and yearly tariffs.
- Clients get 9-digit 11-proof BSNs from ``bsn.NATIONAL_RANGE`` (990000000–999899999, below
  the test range) and are marked ``synthetic``. Many return to care (BW or MO) after an
  earlier episode, so that the look-back window of the woonplaats rules is met at scale.
- iWmo history: an allocation for every zorg-in-natura indication; the WMO301 sent for it,
  and the provider's WMO305/WMO307 for its stays, as messages from ``TRAFFIC_FROM`` on.

Same seed and reference date, same data, on every machine (no dict/set order, no clock).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from bwmo.care.models import Contract, Financing, Indication, Outflow, Stay, Tariff
from bwmo.messaging.models import Allocation, DeliveryEvent, Direction, Message, MessageStatus
from bwmo.messaging.services import allocation_values
from bwmo.organisations.models import (
    Mandate,
    Municipality,
    Organisation,
    Provider,
    Region,
    RegionMembership,
)
from bwmo.organisations.reference import REGIONS_VALID_FROM, read_municipalities

from .bsn import NATIONAL_RANGE
from .demo import INHABITANTS, Catalogue, DemoGenerator, _at, build_catalogue, tariff_amount
from .loader import refuse_unless_empty, table
from .traffic import REDEN_FOR_OUTFLOW

DEFAULT_CLIENTS = 150_000
TRAFFIC_FROM = date(2022, 1, 1)  # iWmo messages through bwmo from this day on
CHUNK = 2000

# The 42 synthetic regions, per province (Drenthe keeps its two real ones).
REGIONS_PER_PROVINCE = {
    "Groningen": 1,
    "Fryslân": 1,
    "Overijssel": 3,
    "Flevoland": 2,
    "Gelderland": 7,
    "Utrecht": 3,
    "Noord-Holland": 7,
    "Zuid-Holland": 8,
    "Zeeland": 1,
    "Noord-Brabant": 6,
    "Limburg": 3,
}

# Rounded inhabitants of the larger municipalities (order of magnitude of 2024).
KNOWN_INHABITANTS = {
    "Groningen": 240_000,
    "Leeuwarden": 125_000,
    "Súdwest-Fryslân": 92_000,
    "Smallingerland": 56_000,
    "Heerenveen": 52_000,
    "Enschede": 160_000,
    "Zwolle": 132_000,
    "Deventer": 102_000,
    "Hengelo (O.)": 82_000,
    "Almelo": 74_000,
    "Almere": 225_000,
    "Lelystad": 82_000,
    "Nijmegen": 183_000,
    "Apeldoorn": 168_000,
    "Arnhem": 166_000,
    "Ede": 122_000,
    "Barneveld": 63_000,
    "Doetinchem": 59_000,
    "West Betuwe": 52_000,
    "Harderwijk": 50_000,
    "Zutphen": 48_000,
    "Tiel": 43_000,
    "Utrecht": 367_000,
    "Amersfoort": 160_000,
    "Veenendaal": 68_000,
    "Zeist": 66_000,
    "Nieuwegein": 65_000,
    "Amsterdam": 930_000,
    "Haarlem": 165_000,
    "Zaanstad": 160_000,
    "Haarlemmermeer": 160_000,
    "Alkmaar": 111_000,
    "Amstelveen": 95_000,
    "Purmerend": 93_000,
    "Hilversum": 92_000,
    "Hoorn": 75_000,
    "Den Helder": 56_000,
    "Rotterdam": 670_000,
    "'s-Gravenhage": 560_000,
    "Leiden": 127_000,
    "Zoetermeer": 127_000,
    "Dordrecht": 121_000,
    "Alphen aan den Rijn": 115_000,
    "Westland": 113_000,
    "Delft": 105_000,
    "Schiedam": 80_000,
    "Leidschendam-Voorburg": 78_000,
    "Gouda": 75_000,
    "Vlaardingen": 75_000,
    "Terneuzen": 55_000,
    "Middelburg (Z.)": 49_000,
    "Vlissingen": 45_000,
    "Goes": 39_000,
    "Eindhoven": 240_000,
    "Tilburg": 225_000,
    "Breda": 187_000,
    "'s-Hertogenbosch": 160_000,
    "Helmond": 95_000,
    "Oss": 95_000,
    "Meierijstad": 83_000,
    "Roosendaal": 78_000,
    "Bergen op Zoom": 68_000,
    "Maastricht": 122_000,
    "Venlo": 102_000,
    "Sittard-Geleen": 91_000,
    "Heerlen": 87_000,
    "Roermond": 59_000,
}

PROVIDER_KINDS = (
    "Stichting Beschermd Wonen",
    "Zorggroep",
    "Woonzorg",
    "Herstelhuis",
    "Begeleid Wonen",
    "Stichting Thuisbasis",
    "De Brug",
    "Huize",
)
BW_CODES = ("BW001", "BW002", "BW003", "BW004", "BW005")
MO_CODES = ("MO001", "MO002", "MO003", "MO004")


def synthetic_inhabitants(code: str, name: str) -> int:
    """Rounded inhabitants: known for the larger municipalities, else from the CBS code."""
    if name in KNOWN_INHABITANTS:
        return KNOWN_INHABITANTS[name]
    if code in INHABITANTS:
        return INHABITANTS[code]
    fraction = int(hashlib.sha256(code.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return round(6_000 * math.exp(fraction * math.log(10)) / 100) * 100  # 6,000–60,000


def national_regions(
    municipalities: list[dict[str, str]], drenthe: set[str]
) -> list[tuple[str, list[str]]]:
    """The 42 synthetic regions: (centrumgemeente, members with the centrumgemeente first).

    Pure and deterministic: the same municipalities give the same regions.
    """
    size = {m["code"]: synthetic_inhabitants(m["code"], m["name"]) for m in municipalities}
    by_province: dict[str, list[str]] = defaultdict(list)
    for m in municipalities:
        if m["code"] not in drenthe:
            by_province[m["province"]].append(m["code"])
    regions: list[tuple[str, list[str]]] = []
    for province in sorted(by_province):
        codes = sorted(by_province[province], key=lambda c: (-size[c], c))
        count = REGIONS_PER_PROVINCE[province]
        groups = [[code] for code in codes[:count]]
        totals = [size[code] for code in codes[:count]]
        for code in codes[count:]:
            smallest = min(range(count), key=lambda i: (totals[i], i))
            groups[smallest].append(code)
            totals[smallest] += size[code]
        regions += [(group[0], group) for group in groups]
    return regions


def build_national_catalogue(generator: NationalGenerator) -> Catalogue:
    """The demo's catalogue for Drenthe, then the 42 synthetic regions with their providers."""
    rng, today = generator.rng, generator.today
    cat = build_catalogue(rng=rng, reference_date=today)
    rows = read_municipalities()
    names = {m["code"]: m["name"] for m in rows}
    municipalities = {m.code: m for m in Municipality.objects.all()}
    for code, municipality in municipalities.items():
        if municipality.inhabitants is None:
            municipality.inhabitants = synthetic_inhabitants(code, names.get(code, ""))
    Municipality.objects.bulk_update(list(municipalities.values()), ["inhabitants"])
    generator.inhabitants = {
        code: municipalities[code].inhabitants or 0 for code in sorted(municipalities)
    }
    for code in sorted(municipalities):
        if code not in cat.gemeente_org:
            cat.gemeente_org[code] = Organisation.objects.create(
                name=f"Gemeente {names.get(code, code)}",
                kind="gemeente",
                municipality=municipalities[code],
            )
    drenthe = set(cat.region_of)
    taken_names = set(Organisation.objects.values_list("name", flat=True))
    agb = 0
    for index, (centrum, members) in enumerate(national_regions(rows, drenthe)):
        region = Region.objects.create(
            name=f"Regio {names[centrum]} (synthetisch)",
            centrumgemeente_id=centrum,
            valid_from=REGIONS_VALID_FROM,
        )
        RegionMembership.objects.bulk_create(
            RegionMembership(region=region, municipality_id=code, valid_from=REGIONS_VALID_FROM)
            for code in members
        )
        Organisation.objects.create(name=f"Regio {region.name}", kind="regio", region=region)
        cat.regions.append(region)
        for code in members:
            cat.region_of[code] = region
        weights = [generator.inhabitants[c] for c in members]
        n_bw = min(8, 2 + len(members) // 3)
        offers: list[tuple[str, str, list[str], bool]] = []  # name, location, codes, opvang
        offers.append((f"Opvang {names[centrum]}", centrum, list(MO_CODES), True))
        for number in range(n_bw):
            location = centrum if number == 0 else rng.choices(members, weights=weights)[0]
            codes = sorted(rng.sample(BW_CODES, rng.randint(2, 4)))
            kind = PROVIDER_KINDS[(index + number) % len(PROVIDER_KINDS)]
            offers.append((f"{kind} {names[location]}", location, codes, False))
        for code in BW_CODES:  # every BW form is offered in every region
            if not any(code in o[2] for o in offers if not o[3]):
                offers[1][2].append(code)
        for name, location, codes, opvang in offers:
            unique, suffix = name, 2
            while unique in taken_names:
                unique, suffix = f"{name} {suffix}", suffix + 1
            taken_names.add(unique)
            agb += 1
            provider = Provider.objects.create(
                name=unique,
                agb_code=f"75{agb:06d}",
                is_opvanginstelling=opvang,
                kvk_number=f"{rng.randint(10000000, 99999999)}",
            )
            organisation = Organisation.objects.create(
                name=unique, kind="aanbieder", provider=provider
            )
            cat.providers.append(provider)
            cat.provider_location[provider.pk] = location
            contract = Contract.objects.create(
                provider=provider,
                region=region,
                reference=f"{centrum}-2021-N{agb:04d}",
                valid_from=date(2021, 1, 1),
                valid_to=date(2024, 12, 31),
                extension_options=2,
                extension_years=2,
                extensions_used=1,
            )
            contract.products.set([cat.products[c] for c in codes])
            Tariff.objects.bulk_create(
                Tariff(
                    contract=contract,
                    product=cat.products[code],
                    unit=cat.products[code].unit,
                    amount=tariff_amount(code, year),
                    valid_from=date(year, 1, 1),
                    valid_to=date(year, 12, 31),
                )
                for code in codes
                for year in range(2017, today.year + 1)
            )
            for code in codes:
                cat.providers_for[(region.pk, code)].append(provider)
            if opvang:
                cat.opvang_org[region.pk] = organisation
                Mandate.objects.create(
                    grantor_id=centrum,
                    holder=organisation,
                    product_kind="MO",
                    valid_from=date(2017, 1, 1),
                    description="Toegang maatschappelijke opvang onder mandaat",
                )
    generator.out_of_region = tuple(sorted(r.centrumgemeente_id for r in cat.regions))
    return cat


class NationalGenerator(DemoGenerator):
    bsn_range = NATIONAL_RANGE
    profile = "national"

    def __init__(
        self, *, seed: int, reference_date: date, clients: int = DEFAULT_CLIENTS, progress=None
    ):
        super().__init__(seed=seed, reference_date=reference_date, clients=clients)
        self.progress = progress

    def build_catalogue(self) -> Catalogue:
        return build_national_catalogue(self)

    def placed_outside(self, stay: Stay) -> bool:
        home = stay.indication.responsible_municipality_id if stay.indication else ""
        return self.cat.region_of.get(stay.location_id) != self.cat.region_of.get(home or "")

    def returns(self, rows: Any, client: Any, home: str, brp_periods: list) -> None:
        """Back in care after an earlier episode: BW or MO, up to four times."""
        rng = self.rng
        for _ in range(4):
            if self.deceased or rng.random() >= 0.7:
                return
            ends = [s.end for s in rows.stays[self.first_stay :]]
            if not ends or any(end is None for end in ends):
                return  # no care yet, or still in care
            again = max(ends) + timedelta(days=rng.randint(20, 500))
            if again >= self.today - timedelta(days=90):
                return
            if rng.random() < 0.5:
                brp_periods.append((home, again - timedelta(days=10), "woonadres"))
                self.bw_episode(rows, client, home, again, brp_periods)
            else:
                self.mo_episode(rows, client, home, again, brp_periods)

    def chunk_done(self, totals: dict[str, int]) -> None:
        if self.progress is not None:
            self.progress(f"  {totals['clients']} clients written")

    def traffic(self) -> dict[str, int]:
        return national_traffic(reference_date=self.today)


def national_traffic(*, reference_date: date) -> dict[str, int]:
    """The allocation of every zorg-in-natura indication, and the iWmo messages of its life
    from ``TRAFFIC_FROM`` on: the WMO301 sent, the provider's start (305) and stop (307)."""
    agb = dict(Provider.objects.values_list("pk", "agb_code"))
    # Values, not model instances, are read: at the country's size (400,000 indications and
    # their stays) building the instances was most of this step's time.
    indications = (
        Indication.objects.filter(financing=Financing.ZIN, provider__isnull=False)
        .order_by("pk")
        .values_list(
            "pk",
            "client_id",
            "responsible_municipality_id",
            "provider_id",
            "product__iwmo_category",
            "product__code",
            "valid_from",
            "valid_to",
        )
    )
    # Rows as tuples (``loader.table(...).maker``), not model instances: building the
    # instances and converting them value by value was half of this step's time.
    messages, allocations, events = table(Message), table(Allocation), table(DeliveryEvent)
    message = messages.maker(MESSAGE_FIELDS)
    allocation = allocations.maker(ALLOCATION_FIELDS)
    event = events.maker(EVENT_FIELDS)
    totals: dict[str, int] = defaultdict(int)
    last_pk = 0
    stop_before = reference_date - timedelta(days=30)
    while True:
        batch = list(indications.filter(pk__gt=last_pk)[:CHUNK])
        if not batch:
            break
        last_pk = batch[-1][0]
        message_rows: list[tuple] = []
        allocation_rows: list[tuple] = []
        event_rows: list[tuple] = []
        by_indication = {}
        for pk, client, municipality, provider, category, code, valid_from, valid_to in batch:
            sent_301 = None
            if valid_from >= TRAFFIC_FROM:
                row = message(
                    Direction.OUT,
                    "WMO301",
                    MessageStatus.SENT,
                    municipality,
                    provider,
                    client,
                    municipality[2:],
                    agb[provider],
                    f"T{pk:09d}",
                    valid_from,
                    "",
                    _at(valid_from, 16),
                    _at(valid_from, 16),
                )
                message_rows.append(row)
                sent_301 = row[0]
            values = allocation_values(
                client=client,
                municipality=municipality,
                provider=provider,
                category=category,
                product_code=code,
                start=valid_from,
                end=valid_to,
            )
            row = allocation(
                pk,
                pk,
                _at(valid_from),
                _at(valid_from),
                False,  # needs_sending: it was sent
                sent_301,
                *(values[name] for name in ALLOCATION_VALUES),
            )
            allocation_rows.append(row)
            by_indication[pk] = (client, municipality, provider, row[0], values)
        wanted = list(by_indication)
        reasons: dict[int, str] = {}
        for stay_id, reason in (
            Outflow.objects.filter(stay__indication_id__in=wanted)
            .order_by("stay_id", "pk")
            .values_list("stay_id", "reason")
        ):
            reasons.setdefault(stay_id, reason)  # a stay's first outflow
        for stay_id, indication_id, stay_start, stay_end in (
            Stay.objects.filter(indication_id__in=wanted)
            .order_by("pk")
            .values_list("pk", "indication_id", "start", "end")
        ):
            client, municipality, provider, allocated, values = by_indication[indication_id]
            reason = REDEN_FOR_OUTFLOW.get(reasons[stay_id], "23") if stay_id in reasons else "23"
            for kind, day in (("start", stay_start), ("stop", stay_end)):
                if day is None or (kind == "stop" and day >= stop_before):
                    continue
                received = None
                if day >= TRAFFIC_FROM:
                    sent = day + timedelta(days=2)
                    row = message(
                        Direction.IN,
                        "WMO305" if kind == "start" else "WMO307",
                        MessageStatus.ACCEPTED,
                        municipality,
                        provider,
                        client,
                        agb[provider],
                        municipality[2:],
                        f"{'S' if kind == 'start' else 'E'}{stay_id:09d}",
                        sent,
                        hashlib.sha256(f"{kind}-{stay_id}".encode()).hexdigest(),
                        _at(sent, 9),
                        _at(sent, 9),
                    )
                    message_rows.append(row)
                    received = row[0]
                event_rows.append(
                    event(
                        received,
                        allocated,
                        kind,
                        stay_start,
                        stay_end if kind == "stop" else None,
                        reason if kind == "stop" else "",
                        "1",
                        values["category"],
                        values["product_code"],
                        values["start"],
                    )
                )
        # Parents first: an allocation names its 301, a delivery event its message.
        for rows, written, name in (
            (message_rows, messages, "messages"),
            (allocation_rows, allocations, "allocations"),
            (event_rows, events, "delivery_events"),
        ):
            if rows:
                written.insert_rows(rows)
            totals[name] += len(rows)
    return {
        "allocations": totals["allocations"],
        "delivery_events": totals["delivery_events"],
        "iwmo_messages": totals["messages"],
    }


MESSAGE_FIELDS = (
    "direction",
    "message_type",
    "status",
    "municipality_id",
    "provider_id",
    "client_id",
    "sender",
    "receiver",
    "identification",
    "dated",
    "sha256",
    "created_at",
    "processed_at",
)
ALLOCATION_VALUES = (
    "client_id",
    "municipality_id",
    "provider_id",
    "category",
    "product_code",
    "start",
    "end",
    "volume",
    "unit",
    "frequency",
)
"""The fields of an allocation that ``allocation_values`` gives (the one computation of them)."""
ALLOCATION_FIELDS = (
    "indication_id",
    "number",
    "allocated_at",
    "changed_at",
    "needs_sending",
    "last_message_id",
    *ALLOCATION_VALUES,
)
EVENT_FIELDS = (
    "message_id",
    "allocation_id",
    "kind",
    "begin",
    "end",
    "reason",
    "status_aanlevering",
    "category",
    "product_code",
    "allocation_start",
)


def generate_national(
    *,
    seed: int,
    reference_date: date,
    clients: int = DEFAULT_CLIENTS,
    progress=None,
) -> dict[str, int]:
    """The national profile, all or nothing (one transaction)."""
    generator = NationalGenerator(
        seed=seed, reference_date=reference_date, clients=clients, progress=progress
    )
    refuse_unless_empty()
    if clients > generator.max_clients():
        generator.draw_bsns()  # raises, naming the maximum
    with transaction.atomic():
        return generator.run(chunk_size=CHUNK)
