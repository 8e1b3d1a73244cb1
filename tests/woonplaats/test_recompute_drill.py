"""Kill drill: ``bwmo woonplaats recompute`` killed with SIGKILL at random moments.

A recompute decides every case of the region and writes all decisions in one transaction.
Whenever the process dies, the database holds the old decisions or the new ones for the
whole batch, never a mix: every case has exactly one current decision, all current decisions
come from one run (one rule set), and the case's responsible municipality is the
one its current decision names.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from bwmo.toegang import services as toegang_services
from bwmo.toegang.models import Melding
from bwmo.woonplaats import services
from tests.factories import RegionSetup, register_client
from tests.killdrill import Drill

pytestmark = [pytest.mark.drill, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

KILLS = 10
SEED = 20261202
CLIENTS = 30
MELDINGEN_PER_CLIENT = 80
VERSIONS = ("wetsvoorstel-2026", "uitstel-2027")  # they differ for a melding in March 2026

CURRENT = (
    "SELECT d.melding_id, d.rule_set_id, d.computed_at, d.responsible_id, "
    "m.responsible_municipality_id, r.version "
    "FROM woonplaats_responsibilitydecision d "
    "JOIN toegang_melding m ON m.id = d.melding_id "
    "JOIN woonplaats_rulesetversion r ON r.id = d.rule_set_id "
    "WHERE d.is_current"
)


def _cases(setup: RegionSetup) -> int:
    """Tynaarlo residents who turn to Assen in March 2026, many cases each."""
    for _ in range(CLIENTS):
        client = register_client(setup, municipality="GM1730")
        first = toegang_services.melding_register(
            client=client,
            product_kind="BW",
            applied_to=setup.assen,
            received_on=date(2026, 3, 2),
            summary="",
            organisation=setup.org["assen"],
            user=setup.users["toegang_assen"],
        )
        copies = []
        for n in range(1, MELDINGEN_PER_CLIENT):
            copy = Melding.objects.get(pk=first.pk)
            copy.pk = None
            copy.received_on = date(2026, 3, 2 + n % 20)
            copies.append(copy)
        Melding.objects.bulk_create(copies)
    services.responsibility_recompute(region=setup.region, version=VERSIONS[0])
    return Melding.objects.count()


def _state(drill: Drill, cases: int) -> str:
    """The one batch the current decisions come from: its rule set version."""
    rows = drill.rows(CURRENT)
    per_case = {}
    for melding, _rule_set, _at, responsible, on_case, _version in rows:
        assert melding not in per_case, f"melding {melding} has two current decisions"
        per_case[melding] = responsible
        assert on_case == responsible, f"melding {melding}: case and decision disagree"
    assert len(per_case) == cases, "a case without a current decision"
    # A run writes only the decisions that change; switching between the two versions
    # changes every case, so all current decisions name the version of one run.
    batches = {version for _m, _r, _at, _resp, _c, version in rows}
    assert len(batches) == 1, f"current decisions of {len(batches)} versions: a half-written run"
    return batches.pop()


def test_recompute_killed_at_random_moments_keeps_a_whole_batch(tmp_path):
    setup = RegionSetup.create()
    cases = _cases(setup)
    drill = Drill.on_test_database(tmp_path)
    state = _state(drill, cases)
    assert state == VERSIONS[0]

    def recompute(version, **kill):
        args = ("woonplaats", "recompute", "--region", "GM0106", "--rules", version)
        return drill.run(*args, **kill)

    # aim the kills at the writing: a dry run decides everything and writes nothing, a full
    # run (which changes every case) writes as well
    dry = drill.timed("woonplaats", "recompute", "--region", "GM0106", "--dry-run")
    took = drill.timed("woonplaats", "recompute", "--region", "GM0106", "--rules", VERSIONS[1])
    state = _state(drill, cases)
    assert state == VERSIONS[1]
    rng = random.Random(SEED)
    outcomes = {"old": 0, "new": 0}
    moments, tries = [], 0
    high = took * 1.1
    while drill.kills < KILLS and tries < 2 * KILLS:
        tries += 1
        before = state
        other = VERSIONS[0] if before == VERSIONS[1] else VERSIONS[1]
        # from where the deciding is done in a dry run to the end of a full run; a run that
        # finishes before its moment shows the runs are quicker now, so aim earlier
        moment = rng.uniform(min(dry * 0.9, high * 0.6), high)
        moments.append(round(moment, 2))
        if recompute(other, kill_after=moment) is not None:
            high = moment * 0.95
        state = _state(drill, cases)
        outcomes["old" if state == before else "new"] += 1
        if state != before:
            assert state == other
    print(
        f"\nkill drill woonplaats recompute on {drill.vendor}: {cases} cases, "
        f"{drill.kills} kills in {tries} tries at {moments} s (a dry run {dry:.2f} s, a full "
        f"run {took:.2f} s); "
        f"state after each try: {outcomes}, never in between"
    )
    assert drill.kills == KILLS
