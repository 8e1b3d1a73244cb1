"""The demo profile: deterministic, test-range BSNs, every process state, realistic shape."""

import hashlib
import itertools
from datetime import date

import pytest
from stdnum.nl import bsn

from bwmo.care.models import Indication, Outflow, Stay, WlzApplication
from bwmo.clients.models import BrpRegistration, Client
from bwmo.generate.demo import generate_demo
from bwmo.messaging.models import Allocation
from bwmo.toegang.models import CaseEvent, Melding
from bwmo.toegang.workflow import Status, find_transition

REFERENCE = date(2026, 11, 1)


def _fingerprint() -> str:
    rows = list(
        Client.objects.order_by("bsn", "given_names").values_list(
            "bsn", "given_names", "surname", "birth_date"
        )
    )
    rows += list(
        Melding.objects.order_by("client__bsn", "received_on", "product_kind").values_list(
            "client__bsn", "received_on", "status", "product_kind"
        )
    )
    rows += list(
        Stay.objects.order_by("client__bsn", "start").values_list(
            "client__bsn", "start", "end", "product__code"
        )
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            counts = generate_demo(seed=2026, reference_date=REFERENCE, clients=1500)
            yield counts
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_demo_population_shape(demo):
    assert 1500 <= demo["clients"] <= 1560  # the population plus the woonplaats scenarios
    bsns = list(Client.objects.filter(is_provisional=False).values_list("bsn", flat=True))
    assert all(999900006 <= int(b) <= 999999990 and bsn.is_valid(b) for b in bsns)
    assert len(set(bsns)) == len(bsns)
    statuses = set(Melding.objects.values_list("status", flat=True))
    assert statuses == set(Status), "every process state is present"
    kinds = set(BrpRegistration.objects.values_list("kind", flat=True))
    assert kinds == {"woonadres", "instelling", "briefadres", "buitenland", "geen"}
    # Two people without BSN at the shelter; the admitted one's allocation waits for it.
    provisional = Client.objects.filter(is_provisional=True)
    assert provisional.count() == demo["provisional_clients"] == 2
    assert not provisional.exclude(bsn__isnull=True).exists()
    waiting = Allocation.objects.filter(client__in=provisional).select_related("client")
    assert [a.waiting_reason != "" for a in waiting] == [True]
    reasons = set(Outflow.objects.values_list("reason", flat=True))
    assert {"wlz", "afschalen", "zelfstandig", "naar_mo", "naar_bw"} <= reasons
    assert WlzApplication.objects.filter(status="aangevraagd").exists()
    products = set(Stay.objects.values_list("product__code", flat=True))
    assert {"BW001", "BW002", "BW003", "BW004", "BW005", "MO001", "MO004"} <= products
    # Step-downs: clients with more than one BW product.
    stepped = Indication.objects.filter(product__kind="BW").values("client").distinct().count()
    assert stepped > 500
    # Out-of-region placements exist (location outside Drenthe).
    assert Stay.objects.exclude(location__province="Drenthe").exists()


@pytest.mark.django_db
def test_demo_exercises_every_woonplaats_rule(demo):
    from django.db.models import Count

    from bwmo.woonplaats.models import ResponsibilityDecision

    per_rule = dict(
        ResponsibilityDecision.objects.filter(is_current=True)
        .values_list("rule")
        .annotate(n=Count("id"))
        .values_list("rule", "n")
    )
    for rule in ("G", "MO", "V", "T", "A", "B", "C", "W", "D"):
        assert per_rule.get(rule, 0) >= 3, (rule, per_rule)
    # Every case has exactly one current decision, and scoping follows it.
    assert ResponsibilityDecision.objects.filter(is_current=True).count() == Melding.objects.count()
    for decision in ResponsibilityDecision.objects.filter(is_current=True).select_related(
        "melding"
    )[:300]:
        assert decision.melding.responsible_municipality_id == decision.responsible_id


@pytest.mark.django_db
def test_demo_data_is_consistent(demo):
    for stay in Stay.objects.select_related("indication")[:2000]:
        assert stay.end is None or stay.end >= stay.start
        if stay.indication_id:
            assert stay.start >= stay.indication.valid_from
    for melding in Melding.objects.prefetch_related("events")[:500]:
        events = list(melding.events.all())
        assert events[0].to_status == Status.GEMELD
        assert events[-1].to_status == melding.status
        for before, after in itertools.pairwise(events):
            assert after.from_status == before.to_status
    assert CaseEvent.objects.count() >= Melding.objects.count()
    # BRP periods of one client never overlap.
    previous = {}
    for reg in BrpRegistration.objects.order_by("client_id", "valid_from"):
        last = previous.get(reg.client_id)
        if last is not None:
            assert last.valid_to is not None and last.valid_to < reg.valid_from
        previous[reg.client_id] = reg


@pytest.mark.django_db
def test_every_demo_event_is_an_allowed_transition_in_order(demo):
    """The demo is written in bulk, past ``melding_transition``: its histories must still be
    what the services would have written, row by row of the workflow table."""
    kinds = dict(Melding.objects.values_list("pk", "product_kind"))
    statuses = dict(Melding.objects.values_list("pk", "status"))
    events = CaseEvent.objects.order_by("melding_id", "at", "pk").values_list(
        "melding_id", "from_status", "to_status", "action", "at"
    )
    seen, histories = set(), 0
    for melding, group in itertools.groupby(events, key=lambda e: e[0]):
        history, histories = list(group), histories + 1
        assert history[0][1:4] == ("", Status.GEMELD, "melding"), (melding, history[0])
        for before, after in itertools.pairwise(history):
            assert after[1] == before[2] and after[4] >= before[4], (melding, before, after)
            transition = find_transition(
                product_kind=kinds[melding], source=after[1], target=after[2]
            )
            assert transition is not None, (melding, kinds[melding], after[1:4])
            assert transition.action == after[3], (melding, after[1:4], transition)
            seen.add((kinds[melding], after[1], after[2]))
        assert history[-1][2] == statuses[melding], (melding, history[-1])
    assert histories == len(kinds)  # every melding has its history
    assert ("BW", Status.AANVRAAG_ONTVANGEN, Status.TOEGEKEND) in seen
    assert ("MO", Status.GEMELD, Status.TOEGEKEND) in seen
    assert any(target == Status.INGETROKKEN for _, _, target in seen)


@pytest.mark.django_db
def test_generate_refuses_a_populated_database(demo):
    with pytest.raises(ValueError, match="already holds clients"):
        generate_demo(seed=1, reference_date=REFERENCE, clients=5)


@pytest.mark.django_db
def test_demo_contracts_have_places_decisions_and_a_waiting_list(demo):
    from bwmo.care.models import ContractCapacity, ContractExtension
    from bwmo.care.selectors import capacity_document, contracted_capacity, contracts_due
    from bwmo.organisations.models import Region

    assert demo["contract_places"] == ContractCapacity.objects.count() > 20
    assert demo["contract_decisions"] == ContractExtension.objects.count()
    # History kept: every place has an earlier row closed the day before the change.
    assert ContractCapacity.objects.filter(valid_to__isnull=False).exists()
    region = Region.objects.get(centrumgemeente_id="GM0106")
    document = capacity_document(region=region, start=date(2026, 1, 1), end=REFERENCE, on=REFERENCE)
    assert any(line.latest.over_capacity for line in document.lines)
    assert any(line.latest.over_capacity is False for line in document.lines)
    assert document.waiting, "granted indications wait for a place"
    assert contracts_due(region=region, on=REFERENCE), "a decision or an end comes up"
    rows = contracted_capacity(region=region, years=[2025, 2026])
    assert {r.year for r in rows} == {2025, 2026}
    assert all(r.places_average > 0 for r in rows)


@pytest.mark.django_db
def test_the_planner_knows_the_demo_once_it_is_written(demo):
    """The history is written in one transaction, which autovacuum cannot see until it has
    committed: the generator analyses the tables itself, or PostgreSQL plans the monitor's
    lookups for empty tables (a scan of every woonplaats decision per stay)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite plans without gathered statistics")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN (%s, %s)",
            [Stay._meta.db_table, Outflow._meta.db_table],
        )
        estimated = dict(cursor.fetchall())
    assert estimated[Stay._meta.db_table] == Stay.objects.count()
    assert estimated[Outflow._meta.db_table] == Outflow.objects.count()


@pytest.mark.django_db
def test_the_statistics_refresh_leaves_the_servers_shared_catalogues_alone():
    """A run holds what its ``ANALYZE`` locked until it commits: the catalogues every database
    of the server shares (roles, databases) must not be among them, or a second run in another
    database of the same server waits for the first one to end."""
    from django.db import connection

    from bwmo.generate.loader import refresh_statistics

    if connection.vendor != "postgresql":
        pytest.skip("SQLite gathers no statistics")
    refresh_statistics()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relisshared FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE l.pid = pg_backend_pid() AND l.mode = 'ShareUpdateExclusiveLock'"
        )
        analysed = dict(cursor.fetchall())
    assert Stay._meta.db_table in analysed  # bwmo's own tables are analysed
    assert [name for name, shared in analysed.items() if shared] == []
