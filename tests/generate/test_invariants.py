"""What the generator writes in bulk is what the services would have allowed, at every size.

The generator writes rows past the services (``bwmo.generate.loader``). These checks hold
small profiles of several sizes and seeds to the invariants the rest of bwmo relies on.
Bounded: a few hundred clients at most, seconds per case.
"""

import hashlib
import itertools
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.models import Count, F, Q

from bwmo.care.models import Financing, Indication, Stay, Tariff
from bwmo.clients.models import Client
from bwmo.finance.selectors import care_stays, tariffs
from bwmo.generate.bsn import NATIONAL_RANGE, TEST_RANGE, is_eleven_proof
from bwmo.generate.demo import generate_demo
from bwmo.generate.national import generate_national
from bwmo.messaging.models import Allocation
from bwmo.monitor.services import MonitorScope, monitor_document
from bwmo.organisations.models import Region, RegionMembership
from bwmo.rules import costs
from bwmo.toegang.models import CaseEvent, Melding
from bwmo.toegang.workflow import find_transition

REFERENCE = date(2026, 11, 1)
CASES = [("national", 40, 1), ("national", 160, 2), ("demo", 80, 3)]


def _generate(profile: str, clients: int, seed: int) -> dict[str, int]:
    make = generate_national if profile == "national" else generate_demo
    return make(seed=seed, reference_date=REFERENCE, clients=clients)


def _fingerprint() -> str:
    rows: list = list(
        # Provisional identities come from the services, with a random pseudonym.
        Client.objects.filter(is_provisional=False)
        .order_by("bsn")
        .values_list("bsn", "pseudonym", "given_names", "birth_date")
    )
    rows += list(
        Melding.objects.order_by("client__bsn", "received_on", "pk").values_list(
            "client__bsn", "received_on", "status", "product_kind", "responsible_municipality"
        )
    )
    rows += list(
        Stay.objects.order_by("client__bsn", "start", "pk").values_list(
            "client__bsn", "start", "end", "product__code", "provider__agb_code", "location"
        )
    )
    rows += list(
        Allocation.objects.order_by("client__bsn", "start", "product_code").values_list(
            "client__bsn", "start", "end", "product_code", "municipality"
        )
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(params=CASES, ids=lambda c: f"{c[0]}-{c[1]}-seed{c[2]}")
def generated(request, django_db_setup, django_db_blocker):
    profile, clients, seed = request.param
    with django_db_blocker.unblock(), transaction.atomic():
        counts = _generate(profile, clients, seed)
        yield profile, clients, seed, counts
        transaction.set_rollback(True)


def _days_covered(periods: list[tuple[date, date | None]], first: date, last: date) -> bool:
    day = first
    for start, end in sorted(periods):
        if start > day:
            return False
        if end is None or end >= last:
            return True
        day = max(day, end + timedelta(days=1))
    return day > last


@pytest.mark.django_db
def test_a_tariff_is_in_force_for_every_stay_day_in_the_region_that_pays(generated):
    region_of = dict(
        RegionMembership.objects.valid_on(REFERENCE).values_list("municipality_id", "region_id")
    )
    priced: dict[tuple, list] = {}
    for region, provider, product, start, end in Tariff.objects.values_list(
        "contract__region_id", "contract__provider_id", "product__code", "valid_from", "valid_to"
    ):
        priced.setdefault((region, provider, product), []).append((start, end))
    year_end = date(REFERENCE.year, 12, 31)
    stays = Stay.objects.filter(indication__isnull=False).values_list(
        "pk", "provider_id", "product__code", "indication__responsible_municipality", "start", "end"
    )
    assert stays.exists()
    for pk, provider, product, responsible, start, end in stays:
        key = (region_of[responsible], provider, product)
        last = min(end or year_end, year_end)
        assert _days_covered(priced.get(key, []), start, last), (pk, key, start, end)
    # And as the finance screens price them: no tariff gap in any region.
    for region in Region.objects.all():
        gaps: list[costs.MissingTariff] = []
        costs.stay_costs(
            care_stays(region=region),
            tariffs(region=region),
            today=REFERENCE,
            years=range(2017, REFERENCE.year + 1),
            gaps=gaps,
        )
        assert gaps == [], (region.name, gaps[:3])


@pytest.mark.django_db
def test_every_dossier_event_is_a_row_of_the_workflow_table(generated):
    kinds = dict(Melding.objects.values_list("pk", "product_kind"))
    statuses = dict(Melding.objects.values_list("pk", "status"))
    events = CaseEvent.objects.order_by("melding_id", "at", "pk").values_list(
        "melding_id", "from_status", "to_status", "action", "at"
    )
    histories = 0
    for melding, group in itertools.groupby(events, key=lambda e: e[0]):
        history, histories = list(group), histories + 1
        assert find_transition(product_kind=kinds[melding], source="", target=history[0][2])
        for before, after in itertools.pairwise(history):
            assert after[1] == before[2] and after[4] >= before[4], (melding, before, after)
            transition = find_transition(
                product_kind=kinds[melding], source=after[1], target=after[2]
            )
            assert transition is not None and transition.action == after[3], (melding, after)
        assert history[-1][2] == statuses[melding]
    assert histories == len(kinds)


@pytest.mark.iwmo_standard
@pytest.mark.django_db
def test_every_zorg_in_natura_indication_has_its_allocation(generated):
    zin = Indication.objects.filter(financing=Financing.ZIN, provider__isnull=False)
    without = zin.exclude(pk__in=Allocation.objects.values("indication_id"))
    assert zin.exists() and not without.exists()
    mismatched = Allocation.objects.exclude(
        Q(provider_id=F("indication__provider_id"))
        & Q(municipality_id=F("indication__responsible_municipality_id"))
    )
    assert not mismatched.exists()


@pytest.mark.django_db
def test_the_monitor_stock_and_flow_add_up_in_every_region(generated):
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    checked = 0
    for region in Region.objects.order_by("name"):
        doc = monitor_document(scope=MonitorScope(region, None), start=start, end=end)
        at_start, at_end = doc["in_care_at_start"]["total"], doc["in_care_at_end"]["total"]
        flow_in, flow_out = doc["instroom"]["total"], doc["uitstroom"]["total"]
        assert at_end == at_start + flow_in - flow_out, region.name
        checked += bool(at_end or flow_in)
    assert checked >= 1


@pytest.mark.django_db
def test_bsns_are_eleven_proof_in_range_and_every_client_is_synthetic(generated):
    profile, clients, _, counts = generated
    bsn_range = NATIONAL_RANGE if profile == "national" else TEST_RANGE
    bsns = list(Client.objects.filter(is_provisional=False).values_list("bsn", flat=True))
    assert len(bsns) == len(set(bsns)) >= clients
    assert all(is_eleven_proof(b) and bsn_range.low <= int(b) <= bsn_range.high for b in bsns)
    assert Client.objects.count() == counts["clients"]
    assert not Client.objects.filter(synthetic=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("profile", ["national", "demo"])
def test_same_seed_same_rows_another_seed_other_rows(profile):
    fingerprints = []
    for seed in (11, 11, 12):
        with transaction.atomic():
            _generate(profile, 30, seed)
            fingerprints.append(_fingerprint())
            transaction.set_rollback(True)
    assert fingerprints[0] == fingerprints[1]
    assert fingerprints[0] != fingerprints[2]


@pytest.mark.django_db
def test_a_stay_charged_to_another_region_gets_that_regions_contract():
    """The defect of a 7,500-client demo: the woonplaats rules made a municipality of the
    other Drenthe region responsible, whose region had no contract with the provider."""
    from bwmo.generate.demo import tariff_amount
    from bwmo.generate.loader import cover_stays_with_tariffs

    generate_demo(seed=5, reference_date=REFERENCE, clients=40)
    stay = (
        Stay.objects.filter(indication__isnull=False, product__kind="BW")
        .annotate(regions=Count("provider__contracts__region", distinct=True))
        .filter(regions=1)
        .order_by("pk")
        .first()
    )
    region = RegionMembership.objects.get(
        municipality_id=stay.indication.responsible_municipality_id
    ).region
    other = RegionMembership.objects.exclude(region=region).first().municipality_id
    Indication.objects.filter(pk=stay.indication_id).update(responsible_municipality_id=other)
    other_region = Region.objects.get(memberships__municipality_id=other)

    def gaps() -> list:
        found: list[costs.MissingTariff] = []
        costs.stay_costs(
            care_stays(region=other_region),
            tariffs(region=other_region),
            today=REFERENCE,
            years=range(2017, REFERENCE.year + 1),
            gaps=found,
        )
        return found

    assert gaps(), "the stay is unpriced in the region that pays"
    assert cover_stays_with_tariffs(reference_date=REFERENCE, amount=tariff_amount) >= 1
    assert gaps() == []


@pytest.mark.django_db
def test_every_stored_responsibility_is_what_the_engine_decides_from_the_database(generated):
    """The decisions made while loading used the rows as written (a client's own BRP
    history and care), not stale in-memory copies."""
    from bwmo.woonplaats.models import ResponsibilityDecision
    from bwmo.woonplaats.services import compute

    stored = dict(
        ResponsibilityDecision.objects.filter(is_current=True).values_list(
            "melding_id", "responsible_id"
        )
    )
    outcomes = compute(Melding.objects.order_by("pk"))
    assert len(outcomes) == len(stored) == Melding.objects.count()
    for outcome in outcomes:
        assert stored[outcome.melding.pk] == outcome.decision.responsible, outcome.melding.pk
        assert outcome.melding.responsible_municipality_id == outcome.decision.responsible
    rules = set(ResponsibilityDecision.objects.values_list("rule", flat=True))
    assert {"V", "MO"} <= rules and rules & {"W", "B", "C", "A", "T"}
