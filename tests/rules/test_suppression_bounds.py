"""The audit with bounds and inequalities (``audit_bounds``): what the equations alone miss."""

from bwmo.rules.suppression import MARK, audit_bounds, audit_parts, suppress_parts

ALL = {"instroom": {"total": 6, "product": {"x": 1, "y": 5}}}
FILTERED = {"instroom": {"total": 5, "product": {"x": 0, "y": 5}}}


def test_a_filtered_figure_below_the_unfiltered_one_can_pin_a_hidden_cell():
    """Unfiltered x = 1 (hidden) and y = 5 (hidden with it) add up to 6; the filtered
    publication shows y = 5. Since filtered ≤ unfiltered, y ≥ 5, so x ≤ 1: x is 1, and y is
    5. The equations alone do not see it."""
    parts = {"all": ALL, "filtered": FILTERED}
    published = suppress_parts(parts)
    assert published["all"]["instroom"]["product"] == {"x": MARK, "y": MARK}
    assert published["filtered"]["instroom"]["product"] == {"x": 0, "y": 5}
    assert not audit_parts(parts, published)["exposed"][None]
    below = [
        {("all", "instroom", "product", k): 1, ("filtered", "instroom", "product", k): -1}
        for k in ("x", "y")
    ]
    result = audit_bounds(parts, published, inequalities=below)
    assert result["inequalities"] == 2
    assert result["exposed"][None] == {
        ("all", "instroom", "product", "x"),
        ("all", "instroom", "product", "y"),
    }


def test_an_inequality_that_does_not_hold_is_not_used():
    parts = {"all": ALL, "filtered": FILTERED}
    published = suppress_parts(parts)
    wrong = [{("filtered", "instroom", "product", "y"): 1, ("all", "instroom", "product", "y"): -1}]
    wrong[0][("all", "instroom", "product", "x")] = -1  # 5 ≥ 6: false, so not a relation
    assert audit_bounds(parts, published, inequalities=wrong)["inequalities"] == 0


def test_a_reader_who_takes_the_marks_at_their_word():
    """Two hidden cells adding up to 8 are both 4 for a reader who takes "×" as at most 4."""
    parts = {"p": {"instroom": {"total": 9, "product": {"x": 4, "y": 4, "z": 1}}}}
    published = {"p": {"instroom": {"total": 9, "product": {"x": MARK, "y": MARK, "z": MARK}}}}
    result = audit_bounds(parts, published)
    assert not result["exposed"][None]
    # x + y + z = 9 with each at most 4: no single one is determined (4+4+1, 4+1+4, …).
    assert not result["exposed"]["trusting"]
    two = {"p": {"instroom": {"total": 8, "product": {"x": 4, "y": 4}}}}
    shown = {"p": {"instroom": {"total": 8, "product": {"x": MARK, "y": MARK}}}}
    assert audit_bounds(two, shown)["exposed"]["trusting"] == {
        ("p", "instroom", "product", "x"),
        ("p", "instroom", "product", "y"),
    }


# --- publications over time -------------------------------------------------------------------

BEFORE = {"instroom": {"total": 14, "product": {"x": 4, "y": 10}}}
AFTER = {"instroom": {"total": 15, "product": {"x": 5, "y": 10}}}  # one late registration


def _hidden(published) -> set:
    return {
        (name, "instroom", "product", k)
        for name, figures in published.items()
        for k, v in figures["instroom"]["product"].items()
        if v == MARK
    }


def test_a_cell_hidden_before_a_data_change_stays_hidden_after_it():
    """Published on 1 March, x = 4 is hidden (with y). A late registration makes it 5: left
    alone, the republished period shows x = 5 and y = 10, and a reader who compares the two
    publications (total 14, then 15) knows x was 4. With the earlier pattern it stays hidden,
    with the cell that protects it."""
    first = suppress_parts({"p": BEFORE})
    assert _hidden(first) == {("p", "instroom", "product", "x"), ("p", "instroom", "product", "y")}
    naive = suppress_parts({"p": AFTER})
    assert naive["p"]["instroom"]["product"]["x"] == 5  # shown: 15 − 14 gives 4 back
    frozen = suppress_parts({"p": AFTER}, hidden_before=_hidden(first))
    assert _hidden(frozen) >= _hidden(first)
    assert not audit_parts({"p": AFTER}, frozen)["exposed"][None]
