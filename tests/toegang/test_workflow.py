"""The workflow table itself: every status reachable, closed statuses final."""

from bwmo.toegang.workflow import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    Status,
    find_transition,
    next_actions,
)


def test_every_status_is_reachable_from_gemeld():
    reached = {Status.GEMELD}
    changed = True
    while changed:
        changed = False
        for t in TRANSITIONS:
            if t.source in reached and t.target not in reached:
                reached.add(t.target)
                changed = True
    assert reached == set(Status)


def test_closed_statuses_have_no_way_out():
    for t in TRANSITIONS:
        assert t.source not in CLOSED_STATUSES, t


def test_open_and_closed_partition_the_statuses():
    assert set(Status) == OPEN_STATUSES | CLOSED_STATUSES
    assert not OPEN_STATUSES & CLOSED_STATUSES


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
