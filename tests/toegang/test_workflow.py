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
