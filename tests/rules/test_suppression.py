"""Small-number suppression: worked examples, and on generated tables that nothing leaks."""

import copy
import json
from datetime import date, timedelta
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwmo.rules.monitor import (
    Case,
    Indication,
    StayRecord,
    flow_figures,
    lead_times,
    nesting,
    waiting_list,
)
from bwmo.rules.suppression import (
    MARK,
    TOTAL,
    CannotProtect,
    audit_parts,
    can_recompute,
    suppress_figures,
    suppress_matrix,
    suppress_parts,
    suppress_table,
    withhold_parts,
)

PROPERTY = settings(max_examples=200, deadline=None)
QUICK = settings(max_examples=60, deadline=None)


def published(value):
    return value != MARK


def leaves(tree):
    """Every non-container value of a nested dict/list."""
    if isinstance(tree, dict):
        for value in tree.values():
            yield from leaves(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from leaves(value)
    else:
        yield tree


def no_small_counts(tree):
    return not any(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v < 5 for v in leaves(tree)
    )


# --- one-dimensional tables --------------------------------------------------------------


def test_a_single_small_cell_takes_the_smallest_other_non_zero_cell_with_it():
    table = {"a": 3, "b": 0, "c": 10, "d": 20, "total": 33}
    assert suppress_table(table) == {"a": MARK, "b": 0, "c": MARK, "d": 20, "total": 33}


def test_nothing_small_nothing_suppressed_and_zero_is_published():
    table = {"a": 0, "b": 10, "c": 20, "total": 30}
    assert suppress_table(table) == table


def test_two_small_cells_protect_each_other():
    table = {"a": 2, "b": 3, "c": 10, "total": 15}
    assert suppress_table(table) == {"a": MARK, "b": MARK, "c": 10, "total": 15}


def test_when_only_zeros_remain_the_total_goes():
    # The total equals the one small cell, so it is small and suppressed as well.
    assert suppress_table({"a": 3, "b": 0, "total": 3}) == {"a": MARK, "b": 0, "total": MARK}
    # Five ones: each is 1 if the total is shown, and there is no other cell to hide.
    ones = {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "total": 5}
    assert suppress_table(ones) == dict.fromkeys(ones, MARK)


def test_suppressed_cells_adding_up_to_their_number_are_all_one():
    # "×" + "×" = 12 − 10 = 2, so both would be 1 (a suppressed count is never 0).
    table = {"a": 1, "b": 1, "c": 10, "total": 12}
    assert suppress_table(table) == {"a": MARK, "b": MARK, "c": MARK, "total": 12}
    assert can_recompute(table, {"a": MARK, "b": MARK, "c": 10, "total": 12})


def test_a_reader_who_trusts_the_marks_learns_nothing_either():
    # Two "×" adding up to 8 are both 4 for a reader taking "×" at its word.
    table = {"a": 4, "b": 4, "c": 6, "total": 14}
    naive = {"a": MARK, "b": MARK, "c": 6, "total": 14}
    assert not can_recompute(table, naive)
    assert can_recompute(table, naive, trust_marks=True)
    result = suppress_table(table)
    assert result == {"a": MARK, "b": MARK, "c": MARK, "total": 14}
    assert not can_recompute(table, result, trust_marks=True)


def test_a_reader_trusting_the_marks_where_nothing_is_left_to_hide():
    # Four "×" cells and a "×" total: each is 1 if "×" means at most 4. Every number is
    # hidden already; zeros are still shown, so this is accepted (see the module).
    table = {"a": 1, "b": 1, "c": 1, "d": 1, "e": 0, "total": 4}
    result = suppress_table(table)
    assert result == {**dict.fromkeys("abcd", MARK), "e": 0, "total": MARK}
    assert not can_recompute(table, result)
    assert can_recompute(table, result, trust_marks=True)


def test_can_recompute_on_the_classic_leak():
    table = {"a": 3, "b": 10, "c": 20, "total": 33}
    assert can_recompute(table, {"a": MARK, "b": 10, "c": 20, "total": 33})
    assert not can_recompute(table, suppress_table(table))


def test_a_table_must_add_up_to_its_total():
    with pytest.raises(ValueError, match="add up"):
        suppress_table({"a": 3, "b": 4, "total": 8})
    with pytest.raises(ValueError, match="no 'total'"):
        suppress_table({"a": 3})
    with pytest.raises(ValueError, match="non-negative"):
        suppress_table({"a": -3, "b": 3, "total": 0})
    assert suppress_table({"a": 3, "b": 9, "alle": 12}, total_key="alle") == {
        "a": MARK,
        "b": MARK,
        "alle": 12,
    }


def solutions_1d(table, result):
    """Values each suppressed key can take, searched around the true table."""
    cells = [k for k in table if k != TOTAL]
    hidden = [k for k in cells if not published(result[k])]
    known = sum(table[k] for k in cells if published(result[k]))
    ranges = [range(max(1, table[k] - 3), table[k] + 4) for k in hidden]
    seen = {k: set() for k in result if not published(result[k])}
    for values in product(*ranges):
        total = known + sum(values)
        if published(result[TOTAL]) and total != table[TOTAL]:
            continue
        for key, value in zip(hidden, values, strict=True):
            seen[key].add(value)
        if TOTAL in seen:
            seen[TOTAL].add(total)
    return seen


tables = st.lists(st.one_of(st.integers(0, 5), st.integers(0, 30)), min_size=1, max_size=4).map(
    lambda cells: {**{f"v{i}": n for i, n in enumerate(cells)}, TOTAL: sum(cells)}
)


@PROPERTY
@given(tables)
def test_tables_publish_no_small_count_and_nothing_can_be_recomputed(table):
    result = suppress_table(table)
    assert result.keys() == table.keys()
    assert no_small_counts(result)
    for key, value in result.items():
        assert value == table[key] or value == MARK
        if table[key] == 0:
            assert value == 0
    assert not can_recompute(table, result)
    # The same by brute force: every suppressed value could be another one as well.
    for key, values in solutions_1d(table, result).items():
        assert len(values) > 1, (key, values)


# --- matrices ----------------------------------------------------------------------------


def test_a_matrix_with_one_small_cell():
    matrix = {("A", "X"): 3, ("A", "Y"): 10, ("B", "X"): 8, ("B", "Y"): 12}
    result = suppress_matrix(matrix)
    # Row A and column X each need a second suppressed cell; B×Y closes the rectangle.
    assert result == {
        ("A", "X"): MARK,
        ("A", "Y"): MARK,
        ("B", "X"): MARK,
        ("B", "Y"): MARK,
        ("A", TOTAL): 13,
        ("B", TOTAL): 20,
        (TOTAL, "X"): 11,
        (TOTAL, "Y"): 22,
        (TOTAL, TOTAL): 33,
    }
    assert not can_recompute(matrix, result)
    leaky = {**result, ("B", "Y"): 12}
    assert can_recompute(matrix, leaky)


def test_a_small_margin_is_suppressed_and_protected():
    matrix = {("A", "X"): 2, ("A", "Y"): 0, ("B", "X"): 9, ("B", "Y"): 7, ("C", "X"): 6}
    result = suppress_matrix(matrix)
    assert result[("A", TOTAL)] == MARK
    assert result[("A", "Y")] == 0
    assert no_small_counts(result)
    assert not can_recompute(matrix, result)


def with_margins(matrix):
    rows = {r for r, _ in matrix}
    cols = {c for _, c in matrix}
    full = dict(matrix)
    for r in rows:
        full[(r, TOTAL)] = sum(v for (rr, _), v in matrix.items() if rr == r)
    for c in cols:
        full[(TOTAL, c)] = sum(v for (_, cc), v in matrix.items() if cc == c)
    full[(TOTAL, TOTAL)] = sum(matrix.values())
    return full


def test_a_cell_bridging_two_protected_groups_is_found():
    # Rows A, B × columns X, Y and rows C, D × columns Z, W are suppressed rectangles. B×Z
    # links them: every row and column holds two or more suppressed cells, yet rows A + B
    # minus columns X + Y leave B×Z alone.
    rectangles = [(r, c) for r in "AB" for c in "XY"] + [(r, c) for r in "CD" for c in "ZW"]
    matrix = dict.fromkeys(rectangles, 2) | {("B", "Z"): 3, ("A", "W"): 9, ("D", "X"): 9}
    hidden = {*rectangles, ("B", "Z")}
    leaky = {k: MARK if k in hidden else v for k, v in with_margins(matrix).items()}
    assert can_recompute(matrix, leaky)
    assert not can_recompute(matrix, {**leaky, ("D", "X"): MARK})
    assert not can_recompute(matrix, suppress_matrix(matrix))


def test_matrix_keys_may_not_be_the_total_marker():
    with pytest.raises(ValueError, match="reserved"):
        suppress_matrix({(TOTAL, "X"): 3})


def solutions_2d(matrix, result, rows, cols):
    """Values each suppressed cell (and margin) can take, searched around the true table."""
    hidden = [k for k in matrix if not published(result[k])]
    ranges = [range(max(1, matrix[k] - 3), matrix[k] + 4) for k in hidden]
    seen = {k: set() for k in result if not published(result[k])}
    for values in product(*ranges):
        table = dict(matrix)
        table.update(zip(hidden, values, strict=True))
        full = dict(table)
        for r in rows:
            full[(r, TOTAL)] = sum(table.get((r, c), 0) for c in cols)
        for c in cols:
            full[(TOTAL, c)] = sum(table.get((r, c), 0) for r in rows)
        full[(TOTAL, TOTAL)] = sum(table.values())
        if all(full[k] == v for k, v in result.items() if published(v)):
            for key in seen:
                seen[key].add(full[key])
    return seen


@st.composite
def matrices(draw):
    rows = ["A", "B", "C"][: draw(st.integers(1, 3))]
    cols = ["X", "Y", "Z"][: draw(st.integers(1, 3))]
    counts = st.one_of(st.integers(0, 4), st.integers(0, 20))
    return {(r, c): draw(counts) for r in rows for c in cols}, rows, cols


@PROPERTY
@given(matrices())
def test_matrices_publish_no_small_count_and_nothing_can_be_recomputed(drawn):
    matrix, _, _ = drawn
    result = suppress_matrix(matrix)
    assert no_small_counts(result)
    for (r, c), value in result.items():
        truth = sum(
            v
            for (rr, cc), v in matrix.items()
            if (r == TOTAL or rr == r) and (c == TOTAL or cc == c)
        )
        assert value in (truth, MARK)
    assert not can_recompute(matrix, result)


@QUICK
@given(matrices())
def test_matrices_by_brute_force(drawn):
    matrix, rows, cols = drawn
    result = suppress_matrix(matrix)
    if sum(not published(result[k]) for k in matrix) > 5:
        return  # the search grows as 7^n; smaller tables cover the same shapes
    for key, values in solutions_2d(matrix, result, rows, cols).items():
        assert len(values) > 1, (key, values, result)


# --- the monitor's figures ---------------------------------------------------------------


def counts(total, **by):
    return {"total": total, **by}


def test_the_flow_identity_is_protected_across_tables():
    # Product A: 20 at the start, 5 in, 3 out, 22 at the end. Suppressing the 3 in its own
    # table is not enough: 20 + 5 − 22 gives it back.
    figures = {
        "in_care_at_start": counts(50, product={"A": 20, "B": 30}),
        "in_care_at_end": counts(52, product={"A": 22, "B": 30}),
        "instroom": counts(15, product={"A": 5, "B": 10}),
        "uitstroom": counts(13, product={"A": 3, "B": 10}, reason={"Wlz": 6, "onbekend": 7}),
        "doorstroom": {
            "total": 0,
            "direction": {"afschalen": 0, "opschalen": 0, "wissel": 0},
            "product": {"A": {"in": 0, "out": 0}, "B": {"in": 0, "out": 0}},
        },
    }
    per_table = copy.deepcopy(figures)
    per_table["uitstroom"]["product"] = suppress_table(
        {**figures["uitstroom"]["product"], "total": 13}
    )
    del per_table["uitstroom"]["product"]["total"]
    assert per_table["uitstroom"]["product"] == {"A": MARK, "B": MARK}
    assert can_recompute(figures, per_table)

    result = suppress_figures(figures)
    assert result["uitstroom"]["product"]["A"] == MARK
    assert no_small_counts(result)
    assert not can_recompute(figures, result)


def test_a_coarser_breakdown_known_to_the_reader_is_protected_with_nesting():
    # Kind BW is 3, so MO (13) is suppressed with it; category "mo" is the same 13 and would
    # give MO back, and with it BW = 16 − 13.
    figures = {
        "in_care_at_start": counts(
            16,
            kind={"BW": 3, "MO": 13},
            category={"overgangsclient": 1, "nieuwe_client": 2, "mo": 13},
        )
    }
    parents = {("category", "kind"): {"overgangsclient": "BW", "nieuwe_client": "BW", "mo": "MO"}}
    alone = suppress_figures(figures)
    assert alone["in_care_at_start"]["category"]["mo"] == 13
    assert not can_recompute(figures, alone)
    assert can_recompute(figures, alone, nesting=parents)
    result = suppress_figures(figures, nesting=parents)
    assert result["in_care_at_start"]["category"]["mo"] == MARK
    assert not can_recompute(figures, result, nesting=parents)


def stays_strategy():
    first = date(2024, 1, 1)

    @st.composite
    def build(draw):
        result = []
        for index in range(draw(st.integers(0, 25))):
            start = first + timedelta(days=draw(st.integers(0, 300)))
            length = draw(st.one_of(st.none(), st.integers(0, 200)))
            product_, rank, kind = draw(
                st.sampled_from([("BW24", 5, "BW"), ("Begeleid", 3, "BW"), ("nacht", 1, "MO")])
            )
            result.append(
                StayRecord(
                    client=f"c{draw(st.integers(0, 8)) if index else 0}",
                    start=start,
                    end=None if length is None else start + timedelta(days=length),
                    kind=kind,
                    product=product_,
                    product_rank=rank,
                    financing=draw(st.sampled_from(["ZIN", "PGB"])),
                    provider=draw(st.sampled_from(["P1", "P2", "P3"])),
                    responsible=draw(st.sampled_from(["GM0106", "GM1680"])),
                    location=draw(st.sampled_from(["GM0106", "GM1680", "GM0114"])),
                    category="mo" if kind == "MO" else "nieuwe_client",
                    outflow_reason=draw(st.sampled_from([None, "Wlz", "zelfstandig wonen"])),
                )
            )
        return result

    return build()


@QUICK
@given(stays_strategy(), st.integers(0, 200), st.integers(30, 200))
def test_monitor_figures_publish_no_small_count_and_nothing_can_be_recomputed(
    stays, offset, length
):
    start = date(2024, 1, 1) + timedelta(days=offset)
    figures = flow_figures(stays, start=start, end=start + timedelta(days=length)).to_dict()
    original = copy.deepcopy(figures)
    parents = nesting(stays)
    result = suppress_figures(figures, nesting=parents)
    assert figures == original  # not changed in place
    assert no_small_counts(result)
    assert not can_recompute(figures, result, nesting=parents)
    assert result["start"] == figures["start"]
    for key in ("in_care_at_start", "in_care_at_end", "instroom", "uitstroom", "doorstroom"):
        for name, table in figures[key].items():
            if name == "total":
                assert result[key]["total"] in (table, MARK)
                continue
            for value, n in table.items():
                shown = result[key][name][value]
                if isinstance(n, dict):
                    assert all(shown[end] in (n[end], MARK) for end in n)
                else:
                    assert shown in (n, MARK)
    json.dumps(result)


def test_statistics_of_a_few_persons_are_blanked():
    on = date(2024, 6, 1)
    cases = [Case(date(2024, 1, 1), date(2024, 2, 1 + i)) for i in range(3)]
    cases += [Case(date(2024, 4, 1)) for _ in range(6)]  # deadline 2024-05-13
    waiting = [Indication(date(2024, 5, 1 + i)) for i in range(7)]
    figures = {
        "lead_times": {"total": lead_times(cases, on=on).to_dict()},
        "waiting_list": {"total": waiting_list(waiting, on).to_dict()},
        "flows": {"total": 7, "out_of_region": 2, "detail": [3, 12]},
    }
    result = suppress_figures(figures)
    completed = result["lead_times"]["total"]["melding_onderzoek"]["completed"]
    assert completed == {
        "count": MARK,
        "median_days": None,
        "mean_days": None,
        "on_time_share": None,
    }
    # Six open cases, all six overdue: both shown.
    assert result["lead_times"]["total"]["melding_onderzoek"]["open"] == {
        "count": 6,
        "overdue": 6,
    }
    # Seven waiting; the waiting days are not counts.
    assert result["waiting_list"]["total"]["count"] == 7
    assert result["waiting_list"]["total"]["max_days"] == 31
    assert result["waiting_list"]["total"]["median_days"] == 28.0
    # Outside the recognised tables a small count still gets "×".
    assert result["flows"] == {"total": 7, "out_of_region": MARK, "detail": [MARK, 12]}
    assert result["lead_times"]["total"]["on"] == "2024-06-01"
    assert no_small_counts(result)


def test_a_sum_at_its_lower_bound_across_four_relations_is_found():
    # Column X + column Z − row A − the totals row leave B×X + B×Z = 2, so both are 1, though
    # every single row and column has room.
    matrix = {
        ("A", "X"): 17,
        ("A", "Y"): 20,
        ("A", "Z"): 2,
        ("B", "X"): 1,
        ("B", "Y"): 2,
        ("B", "Z"): 1,
        ("C", "X"): 0,
        ("C", "Y"): 1,
        ("C", "Z"): 0,
    }
    hidden = {
        ("A", "X"),
        ("A", "Z"),
        ("B", "X"),
        ("B", "Y"),
        ("B", "Z"),
        ("C", "Y"),
        ("B", TOTAL),
        ("C", TOTAL),
        (TOTAL, "X"),
        (TOTAL, "Z"),
    }
    leaky = {k: MARK if k in hidden else v for k, v in with_margins(matrix).items()}
    assert can_recompute(matrix, leaky)
    assert {k: v for k, v in solutions_2d(matrix, leaky, "ABC", "XYZ").items() if len(v) == 1} == {
        ("B", "X"): {1},
        ("B", "Z"): {1},
    }
    result = suppress_matrix(matrix)
    assert not can_recompute(matrix, result)


def test_a_table_that_is_also_a_statistic_of_a_few_persons_is_blanked():
    waiting = waiting_list(
        [Indication(date(2024, 5, 1)), Indication(date(2024, 5, 9))], date(2024, 6, 1)
    )
    data = waiting.to_dict()
    result = suppress_figures({"waiting_list": {"total": data["count"], **data}})
    assert result["waiting_list"] == {
        "total": MARK,
        "on": "2024-06-01",
        "count": MARK,
        "median_days": None,
        "mean_days": None,
        "max_days": None,
    }


def _region_of(parts_by_member: dict) -> dict:
    """Parts of a region and its members, with the region as the sum of its members."""
    parts = {("regio", "main"): {}, **{(m, "main"): f for m, f in parts_by_member.items()}}
    first = next(iter(parts_by_member.values()))
    for top, table in first.items():
        parts[("regio", "main")][top] = {
            key: sum(f[top][key] for f in parts_by_member.values()) for key in table
        }
    links = []
    for top, table in parts[("regio", "main")].items():
        for key, value in table.items():
            if isinstance(value, int):
                links.append(
                    {
                        (("regio", "main"), top, key): -1,
                        **{((m, "main"), top, key): 1 for m in parts_by_member},
                    }
                )
    return parts, links


def test_verzilverd_is_protected_across_municipalities():
    # Verzilverd of A (2) was region (12) − B (10): it now takes a secondary cell with it.
    parts, links = _region_of(
        {
            "A": {"indications": {"total": 20, "verzilverd": 2, "wlz_pending": 0}},
            "B": {"indications": {"total": 30, "verzilverd": 10, "wlz_pending": 0}},
        }
    )
    published = suppress_parts(parts, links=links)
    assert published[("A", "main")]["indications"]["verzilverd"] == MARK
    hidden = [n for n in parts if published[n]["indications"]["verzilverd"] == MARK]
    assert len(hidden) >= 2


def test_lead_time_counts_and_placements_are_protected_by_their_totals():
    figures = {
        "lead_times": {
            "total": 30,
            "melding_onderzoek": {"completed": {"count": 27, "median_days": 20.0}},
            "aanvraag_beschikking": {"completed": {"count": 3, "median_days": 9.0}},
        },
        "flows": {
            "total": 40,
            "out_of_region": {"placed_outside": 9, "reason": {"a": 2, "b": 7}},
        },
    }
    published = suppress_figures(figures)
    times = published["lead_times"]
    assert times["aanvraag_beschikking"]["completed"]["count"] == MARK
    assert MARK in (times["total"], times["melding_onderzoek"]["completed"]["count"])
    out = published["flows"]["out_of_region"]
    assert out["reason"]["a"] == MARK
    assert MARK in (out["placed_outside"], out["reason"]["b"])


def test_a_reader_who_knows_two_municipalities_learns_no_third():
    # Verzilverd 2 + 3 + 3 = 8: one municipality known leaves two hidden cells, but a reader
    # who acts for A and B at once (a mandate) finds C = 8 − 2 − 3 unless more is hidden.
    def part(verzilverd):
        return {"indications": {"total": 40, "verzilverd": verzilverd, "wlz_pending": 0}}

    parts, links = _region_of({"A": part(2), "B": part(3), "C": part(3)})
    groups = [[("A", "main")], [("B", "main")], [("C", "main")], [("A", "main"), ("B", "main")]]
    published = suppress_parts(parts, links=links, revealed=groups)
    result = audit_parts(parts, published, links=links, revealed=groups)
    assert result["hidden"] > 0
    assert not any(result["exposed"].values()), result["exposed"]
    single = [[("A", "main")], [("B", "main")], [("C", "main")]]
    alone = suppress_parts(parts, links=links, revealed=single)
    assert audit_parts(parts, alone, links=links, revealed=groups)["exposed"][
        (("A", "main"), ("B", "main"))
    ]


def test_persons_nobody_knows_stay_hidden_from_every_reader():
    """A region total of a member's and an outside municipality's residents (the origin ×
    location matrix): the member's reader subtracts their own count and would find the
    outsiders'. As a shared figure that is the member's business; ``unshared`` says it is not."""
    parts = {
        "A": {"matrix": {"total": 3}},
        "X": {"matrix": {"total": 2}},
        "R": {"matrix": {"total": 5}},
    }
    link = {("R", "matrix", "total"): -1, ("A", "matrix", "total"): 1, ("X", "matrix", "total"): 1}
    shared = suppress_parts(parts, links=[link], revealed=[["A"]])
    assert shared["R"]["matrix"]["total"] == 5  # X is counted as known together with A
    inputs = {"links": [link], "revealed": [["A"]], "unshared": ["X"]}
    assert audit_parts(parts, shared, **inputs)["exposed"][("A",)] == {("X", "matrix", "total")}
    published = suppress_parts(parts, **inputs)
    assert published["R"]["matrix"]["total"] == MARK
    assert not any(audit_parts(parts, published, **inputs)["exposed"].values())


def test_figures_that_only_cells_shown_elsewhere_could_protect_are_not_published():
    """A 1 next to a 5 under a total of 6: the 5 is the cell to hide with it. When an earlier
    publication showed the 5 and the total, hiding them here would protect this result alone;
    a reader of both would subtract. Then nothing is published, not the 5 hidden after all."""
    parts = {"P": {"instroom": {"total": 6, "product": {"a": 1, "b": 5}}}}
    alone = suppress_parts(parts)
    assert alone["P"]["instroom"]["product"] == {"a": MARK, "b": MARK}
    assert alone["P"]["instroom"]["total"] == 6
    shown = [("P", "instroom", "product", "b"), ("P", "instroom", "total")]
    with pytest.raises(CannotProtect, match="1 hidden cell"):
        suppress_parts(parts, published_before=shown)
    # With only the total shown before, the 5 is still free to hide: published as alone.
    assert suppress_parts(parts, published_before=shown[1:]) == alone
    # What is published instead says nothing of any count, a 0 neither.
    parts["P"]["instroom"]["product"]["c"] = 0
    withheld = withhold_parts(parts)
    assert withheld["P"]["instroom"] == {
        "total": MARK,
        "product": {"a": MARK, "b": MARK, "c": MARK},
    }


def test_a_secondary_cell_that_cells_shown_elsewhere_pin_is_chosen_again():
    """A region of two municipalities; an earlier publication showed the region's product a
    (11). The cheapest secondary cells for the 2 and the 1 of product b are the a's of the
    municipalities, but A's staff know their own 6 and subtract it from the 11: the 5 of
    the other is no protection. Those cells are shown, and other secondary cells chosen,
    instead of withholding the figures."""
    figures = {
        "A": {"a": 6, "b": 2, "c": 6},
        "B": {"a": 5, "b": 1, "c": 2},
        "R": {"a": 11, "b": 3, "c": 8},
    }
    parts = {
        name: {"instroom": {"total": sum(v.values()), "product": dict(v)}}
        for name, v in figures.items()
    }
    links = [
        {(name, "instroom", *path): c for name, c in (("R", -1), ("A", 1), ("B", 1))}
        for path in [("total",), *(("product", p) for p in "abc")]
    ]
    inputs = {"links": links, "revealed": [["A"], ["B"]]}
    shown = [("R", "instroom", "product", "a")]
    published = suppress_parts(parts, **inputs, published_before=shown)
    assert {name: published[name]["instroom"]["product"] for name in parts} == {
        "A": {"a": 6, "b": MARK, "c": MARK},
        "B": {"a": 5, "b": MARK, "c": MARK},
        "R": {"a": 11, "b": MARK, "c": MARK},
    }
    assert not any(audit_parts(parts, published, **inputs)["exposed"].values())


def test_a_relation_is_protected_by_a_cell_of_its_own():
    """The 1 in P is exposed by P's total; the 5 in Q is cheaper than P's 9, but lies in
    another relation of the 1 (a link), which the 2 and 3 beside it protect already. Hiding
    the 5 would leave P's total giving the 1 back, and hide a cell for nothing."""
    parts = {
        "P": {"instroom": {"total": 10, "product": {"a": 1, "b": 9}}},
        "Q": {"instroom": {"total": 10, "product": {"g": 5, "k": 2, "m": 3}}},
        "R": {"instroom": {"total": 8}},
    }
    links = [
        {
            ("P", "instroom", "product", "a"): 1,
            ("Q", "instroom", "product", "g"): 1,
            ("Q", "instroom", "product", "k"): 1,
            ("R", "instroom", "total"): -1,
        }
    ]
    published = suppress_parts(parts, links=links)
    assert published["P"]["instroom"]["product"] == {"a": MARK, "b": MARK}
    assert published["Q"]["instroom"]["product"] == {"g": 5, "k": MARK, "m": MARK}
    assert not any(audit_parts(parts, published, links=links)["exposed"].values())
