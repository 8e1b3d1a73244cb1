"""Recompute on a generated demo: the set-based run decides as a case-by-case reference does,
writes nothing when nothing changed, and writes only the rows that did change."""

import re
from datetime import date

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bwmo.care import events
from bwmo.care.models import Indication, Stay
from bwmo.clients.models import BrpKind, BrpRegistration
from bwmo.generate.demo import generate_demo
from bwmo.organisations.models import Municipality
from bwmo.rules import woonplaats as engine
from bwmo.toegang.models import Melding
from bwmo.woonplaats import services
from bwmo.woonplaats.models import ResponsibilityDecision

REFERENCE = date(2026, 11, 1)
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            yield generate_demo(seed=2026, reference_date=REFERENCE, clients=300)
            transaction.set_rollback(True)


def _cases():
    return list(Melding.objects.filter(Q(product_kind="MO") | Q(product_kind="BW")))


def _reference(melding: Melding, names: dict[str, str]) -> engine.Decision:
    """One case the slow way: its region and rule set by their own queries, its earlier
    care provided by the municipality now responsible for the case it came from."""
    region = services.region_of(municipality_code=melding.applied_to_id, on=melding.received_on)
    rule_set = services.rule_set_in_force(region=region, on=timezone.localdate())
    brp = [
        engine.BrpPeriod(r.municipality_id or "", r.valid_from, r.valid_to, r.kind)
        for r in BrpRegistration.objects.filter(client_id=melding.client_id)
        .exclude(kind=BrpKind.GEEN)
        .order_by("pk")
    ]
    care = [
        engine.CarePeriod(
            s.product.kind,
            s.start,
            s.end,
            s.indication.melding.responsible_municipality_id if s.indication else "",
            s.location_id,
        )
        for s in Stay.objects.filter(client_id=melding.client_id)
        .select_related("product", "indication__melding")
        .order_by("pk")
        if s.indication is None or s.indication.melding_id != melding.pk
    ]
    dispute = (
        melding.disputes.filter(status="bindend_advies").order_by("-advice_date", "-pk").first()
    )
    case = engine.Case(
        id=str(melding.pk),
        product=melding.product_kind,
        application_date=melding.received_on,
        applied_to=melding.applied_to_id,
        centrumgemeente=region.centrumgemeente_id,
        brp=brp,
        care=care,
        dispute_advice=engine.DisputeAdvice(dispute.advice_responsible_id, dispute.advice_date)
        if dispute
        else None,
    )
    return engine.decide(case, services._as_rules(rule_set), names)


@pytest.mark.django_db
def test_recompute_decides_every_demo_case_as_the_case_by_case_reference(demo):
    names = dict(Municipality.objects.values_list("code", "name"))
    report = services.responsibility_recompute(dry_run=True)
    assert len(report.outcomes) == len(_cases()) > 300
    assert report.changes == []  # the demo's stored decisions are the rules' own
    rules = set()
    for outcome in report.outcomes:
        expected = _reference(Melding.objects.get(pk=outcome.melding.pk), names)
        assert outcome.decision == expected, outcome.melding.pk
        rules.add(expected.rule)
    assert {"MO", "V", "W"} <= rules  # the demo exercises more than one rule


@pytest.mark.django_db
def test_a_recompute_that_changes_nothing_writes_nothing(demo):
    before = list(ResponsibilityDecision.objects.order_by("pk").values_list("pk", "is_current"))
    with CaptureQueriesContext(connection) as queries:
        report = services.responsibility_recompute()
    assert report.written and report.changes == []
    assert [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])] == []
    after = list(ResponsibilityDecision.objects.order_by("pk").values_list("pk", "is_current"))
    assert after == before


def _ids_updated(queries, table: str) -> set[int]:
    ids: set[int] = set()
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.lstrip().upper().startswith(f'UPDATE "{table.upper()}"'):
            listed = re.search(r"IN \(([^)]*)\)", sql)
            assert listed, sql
            ids |= {int(value) for value in listed.group(1).split(",")}
    return ids


@pytest.mark.django_db
def test_a_changed_rule_set_writes_only_the_cases_and_indications_that_change(demo):
    responsible = dict(Melding.objects.values_list("pk", "responsible_municipality_id"))
    on_indication = dict(Indication.objects.values_list("pk", "responsible_municipality_id"))
    seen: list[dict] = []

    def receiver(*, changes):
        seen.append(changes)

    events.indications_responsibility_changed.connect(receiver)
    try:
        with CaptureQueriesContext(connection) as queries:
            report = services.responsibility_recompute(version="uitstel-2027")
    finally:
        events.indications_responsibility_changed.disconnect(receiver)
    changed = {o.melding.pk: o.decision.responsible for o in report.changes}
    assert changed, "uitstel-2027 moves the cases of 2026 back to the centrumgemeente"
    assert len(changed) < len(report.outcomes)
    # Every decision now names the other rule set, so each case has a new current one.
    current = ResponsibilityDecision.objects.filter(is_current=True)
    assert set(current.values_list("rule_set__version", flat=True)) == {"uitstel-2027"}
    assert current.count() == len(report.outcomes)
    # The case and its indications are written only where the municipality changes.
    assert _ids_updated(queries, "toegang_melding") == set(changed)
    moved = {
        pk: (on_indication[pk], changed[melding])
        for pk, melding in Indication.objects.filter(melding__in=changed).values_list(
            "pk", "melding_id"
        )
        if on_indication[pk] != changed[melding]
    }
    assert moved and _ids_updated(queries, "care_indication") == set(moved)
    assert seen == [moved]
    for pk, code in Melding.objects.values_list("pk", "responsible_municipality_id"):
        assert code == changed.get(pk, responsible[pk])
    # Once more under the same rule set: nothing left to write.
    with CaptureQueriesContext(connection) as queries:
        again = services.responsibility_recompute(version="uitstel-2027")
    assert again.changes == []
    assert [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])] == []
    # And back under the rule set in force: the demo's own responsibilities return.
    services.responsibility_recompute()
    assert dict(Melding.objects.values_list("pk", "responsible_municipality_id")) == responsible
    assert dict(Indication.objects.values_list("pk", "responsible_municipality_id")) == (
        on_indication
    )


@pytest.mark.django_db
def test_the_stored_digest_stands_for_the_stored_decision(demo):
    """Every stored digest is the digest of the stored fields, and a recompute over
    decisions stored without one (computed from the fields) decides and writes as one over
    stored digests: nothing when nothing changed, only the changed case when one did."""
    fields = services._DECISION_FIELDS
    for digest, *values in ResponsibilityDecision.objects.values_list("digest", *fields):
        assert digest == engine.decision_digest(*values)
    ResponsibilityDecision.objects.update(digest="")
    with CaptureQueriesContext(connection) as queries:
        report = services.responsibility_recompute()
    assert report.changes == []
    assert [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])] == []
    # One stored trace that no longer says what the rules say: that case alone is decided anew.
    altered = ResponsibilityDecision.objects.filter(is_current=True).order_by("pk").first()
    altered.trace = ["een onderbouwing van vroeger"]
    altered.save()
    before = ResponsibilityDecision.objects.count()
    services.responsibility_recompute()
    assert ResponsibilityDecision.objects.count() == before + 1
    current = ResponsibilityDecision.objects.get(melding=altered.melding_id, is_current=True)
    assert current.pk != altered.pk and current.trace != altered.trace
    assert current.digest == engine.decision_digest(
        *ResponsibilityDecision.objects.filter(pk=current.pk).values_list(*fields).get()
    )


@pytest.mark.django_db
def test_a_large_recompute_decides_half_in_a_helper_and_writes_the_same(demo, monkeypatch):
    """From ``FORK_AT`` cases on, the second half of the clients is decided in a forked helper
    at the same time: it decides and writes what the recompute in one process does, under
    another rule set and back, and once nothing changes it writes nothing."""
    forks: list[int] = []
    real = services.forked_helpers

    def counted(workers):
        forks.append(workers)
        return real(workers)

    monkeypatch.setattr(services, "forked_helpers", counted)
    monkeypatch.setattr(services, "can_fork", lambda: True)
    serial = services.responsibility_recompute(version="uitstel-2027", dry_run=True)
    assert forks == []  # the demo is below FORK_AT: one process

    monkeypatch.setattr(services, "FORK_AT", 2)
    forked = services.responsibility_recompute(version="uitstel-2027", dry_run=True)
    assert forks == [1]

    def answers(report):
        return [(o.melding.pk, o.decision.responsible, o.changed) for o in report.outcomes]

    assert answers(forked) == answers(serial)
    assert {o.melding.pk: o.decision for o in forked.changes} == {
        o.melding.pk: o.decision for o in serial.changes
    }
    assert serial.changes  # the test can fail: there is something to decide differently

    # Written: every case gets the decision the single process decides, with its digest.
    services.responsibility_recompute(version="uitstel-2027")
    assert forks == [1, 1]
    expected = {o.melding.pk: o for o in serial.outcomes}
    for melding, responsible, rule, trace, digest in ResponsibilityDecision.objects.filter(
        is_current=True
    ).values_list("melding_id", "responsible_id", "rule", "trace", "digest"):
        outcome = expected[melding]
        assert (responsible, rule, tuple(trace)) == (
            outcome.decision.responsible,
            outcome.decision.rule,
            outcome.decision.trace,
        )
        assert digest == services._digest(outcome)
    # Nothing changed since: the helper sends back only municipalities, and nothing is written.
    with CaptureQueriesContext(connection) as queries:
        again = services.responsibility_recompute(version="uitstel-2027")
    assert again.changes == [] and forks == [1, 1, 1]
    assert [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])] == []
