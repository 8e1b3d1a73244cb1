"""The workflow table itself: every status reachable, closed statuses final, every open one
with a next step, and every row of the table performed by a service."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bwmo.toegang import services
from bwmo.toegang.models import CaseEvent
from bwmo.toegang.workflow import (
    BOTH,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    REGISTRATION,
    TRANSITIONS,
    Status,
    find_transition,
    next_actions,
)
from tests.factories import (
    advance_to_aanvraag,
    client_with_melding,
    granted_client,
    mo_client,
    register_client,
)

FIRST = Status.GEMELD  # every melding starts here (services.melding_register)


def reachable(product_kind: str | None = None) -> set[str]:
    """The statuses the table leads to from the first one (for one product kind, or any)."""
    reached = {FIRST}
    changed = True
    while changed:
        changed = False
        for t in TRANSITIONS:
            if product_kind is not None and product_kind not in t.product_kinds:
                continue
            if t.source in reached and t.target not in reached:
                reached.add(t.target)
                changed = True
    return reached


def test_every_status_is_reachable_from_gemeld():
    assert reachable() == set(Status)


def test_closed_statuses_have_no_way_out():
    for t in TRANSITIONS:
        assert t.source not in CLOSED_STATUSES, t


def test_the_open_statuses_are_exactly_those_with_a_way_out():
    # An open status without a transition would leave its meldingen stuck on the work list;
    # a transition out of a status not counted as open would leave it off the work list.
    # (The registration starts from no status at all.)
    assert {t.source for t in TRANSITIONS if t is not REGISTRATION} == OPEN_STATUSES
    assert FIRST in OPEN_STATUSES


@pytest.mark.parametrize("product_kind", sorted(BOTH))
def test_every_open_status_has_a_next_step_other_than_withdrawing(product_kind):
    for status in reachable(product_kind) & OPEN_STATUSES:
        steps = next_actions(product_kind=product_kind, source=status)
        assert set(steps) - {"intrekken"}, (product_kind, status, steps)
    for status in reachable(product_kind) & CLOSED_STATUSES:
        assert next_actions(product_kind=product_kind, source=status) == []


@pytest.mark.parametrize("product_kind", sorted(BOTH))
def test_every_kind_can_end_granted_refused_and_withdrawn(product_kind):
    assert {Status.TOEGEKEND, Status.AFGEWEZEN, Status.INGETROKKEN} <= reachable(product_kind)


def test_every_open_status_can_be_withdrawn():
    for status in OPEN_STATUSES:
        for kind in BOTH:
            if status in reachable(kind):
                assert find_transition(product_kind=kind, source=status, target=Status.INGETROKKEN)


def test_one_row_per_step_between_two_statuses():
    rows = [(kind, t.source, t.target) for t in TRANSITIONS for kind in t.product_kinds]
    assert len(rows) == len(set(rows))


def test_the_registration_is_the_first_row_of_the_table():
    for kind in BOTH:
        assert find_transition(product_kind=kind, source="", target=FIRST)


def test_bw_cannot_skip_the_aanvraag():
    assert (
        find_transition(
            product_kind="BW", source=Status.ADVIES_UITGEBRACHT, target=Status.TOEGEKEND
        )
        is None
    )
    assert find_transition(product_kind="BW", source=Status.GEMELD, target=Status.TOEGEKEND) is None


def test_mo_is_decided_at_intake():
    assert find_transition(product_kind="MO", source=Status.GEMELD, target=Status.TOEGEKEND)
    assert next_actions(product_kind="MO", source=Status.GEMELD) == ["mo_intake", "intrekken"]


def test_next_actions_follow_the_bw_process():
    assert next_actions(product_kind="BW", source=Status.GEMELD) == ["onderzoek", "intrekken"]
    assert next_actions(product_kind="BW", source=Status.ADVIES_UITGEBRACHT) == [
        "aanvraag",
        "afsluiten",
        "intrekken",
    ]
    assert next_actions(product_kind="BW", source=Status.TOEGEKEND) == []


def test_the_next_step_is_always_a_step_the_melding_page_offers():
    from datetime import date

    from bwmo.toegang.workflow import next_step, page_actions

    for kind in ("BW", "MO"):
        for status in Status:
            step = next_step(
                product_kind=kind, status=status, melding_on=date(2025, 1, 6), aanvraag_on=None
            )
            offered = [a for a, _label in page_actions(product_kind=kind, source=status)]
            if not offered:
                assert step is None, (kind, status)
            else:
                assert step is not None and step.action == offered[0], (kind, status)


def test_next_steps_and_their_deadlines_for_bw():
    from datetime import date

    from bwmo.toegang.workflow import next_step

    melding_on, aanvraag_on = date(2025, 1, 6), date(2025, 2, 3)

    def step(status):
        found = next_step(
            product_kind="BW", status=status, melding_on=melding_on, aanvraag_on=aanvraag_on
        )
        return (found.action, found.deadline, found.law)

    assert step(Status.GEMELD) == ("onderzoek", date(2025, 2, 17), "Wmo 2015 art. 2.3.2 lid 1")
    assert step(Status.IN_ONDERZOEK) == ("advies", date(2025, 2, 17), "Wmo 2015 art. 2.3.2 lid 1")
    assert step(Status.ADVIES_UITGEBRACHT) == ("aanvraag", None, "")
    assert step(Status.AANVRAAG_ONTVANGEN) == (
        "beschikking",
        date(2025, 2, 17),
        "Wmo 2015 art. 2.3.5 lid 1",
    )
    assert (
        next_step(
            product_kind="BW", status=Status.TOEGEKEND, melding_on=melding_on, aanvraag_on=None
        )
        is None
    )


# -- every row of the table is performed by a service ------------------------------------


def _onderzoek(setup, melding, day):
    services.onderzoek_start(
        melding=melding,
        user=setup.users["toegang_assen"],
        expected_version=melding.version,
        started_on=day,
        conversation_on=day,
        findings="",
    )


def _advies(setup, melding, day):
    _onderzoek(setup, melding, day)
    services.advies_record(
        melding=melding,
        user=setup.users["toegang_assen"],
        expected_version=melding.version,
        issued_on=day,
        advised_product=None,
        text="Advies",
        signed_by_client=False,
        signed_on=None,
    )


def _aanvraag(setup, melding, day):
    advance_to_aanvraag(setup, melding, day=day)
    melding.refresh_from_db()


@pytest.mark.django_db
def test_every_reachable_row_of_the_table_is_performed_by_a_service(region_setup):
    setup = region_setup
    user = setup.users["toegang_assen"]
    day = timezone.localdate() - timedelta(days=5)

    def bw():
        return client_with_melding(setup).meldingen.get()

    granted_client(setup)
    refused = bw()
    _aanvraag(setup, refused, day)
    services.beschikking_record(
        melding=refused,
        user=user,
        expected_version=refused.version,
        decision="afwijzing",
        decided_on=day,
        motivation="Voorliggend veld volstaat",
    )
    closed = bw()
    _advies(setup, closed, day)
    services.melding_close(
        melding=closed, user=user, expected_version=closed.version, reason="Geen aanvraag"
    )
    for reach in (None, _onderzoek, _advies, _aanvraag):
        melding = bw()
        if reach is not None:
            reach(setup, melding, day)
        services.melding_withdraw(
            melding=melding, user=user, expected_version=melding.version, reason="Ziet af"
        )
    mo_client(setup)
    services.mo_intake_record(
        client=register_client(setup, organisation_key="opvang"),
        user=setup.users["opvang"],
        organisation=setup.org["opvang"],
        centrumgemeente=setup.assen,
        provider=setup.opvang,
        intake_on=day,
        mo_type="nachtopvang",
        dakloos="nee",
        zelfredzaam="ja",
        regiobinding="ja",
        problem_areas="",
        decision="afwijzing",
        motivation="Zelfredzaam",
        location=setup.assen,
    )
    mo = services.melding_register(
        client=register_client(setup, organisation_key="opvang"),
        product_kind="MO",
        applied_to=setup.assen,
        received_on=day,
        summary="",
        organisation=setup.org["opvang"],
        user=setup.users["opvang"],
    )
    services.melding_withdraw(
        melding=mo, user=setup.users["opvang"], expected_version=mo.version, reason="Vertrokken"
    )

    performed = set(
        CaseEvent.objects.exclude(from_status="").values_list(
            "melding__product_kind", "from_status", "to_status", "action"
        )
    )
    expected = {
        (kind, t.source, t.target, t.action)
        for t in TRANSITIONS
        for kind in t.product_kinds
        if t.source in reachable(kind)
    }
    assert performed == expected
    # And the registration, outside the table, is always the first event.
    firsts = CaseEvent.objects.filter(from_status="").values_list("action", "to_status")
    assert set(firsts) == {("melding", FIRST)}
