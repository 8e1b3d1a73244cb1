"""Which secondary cells suppression takes: as few and as unimportant as protect the hidden
ones, never a total that need not go."""

from bwmo.rules.suppression import MARK, _Problem, can_recompute, suppress_tables


def test_a_cell_is_protected_in_the_relation_that_exposes_it():
    # x (3) is given back by R1 alone (53 − 50); in R2 it is safe with z. The cheapest cell
    # around x is y (5) of R2, but hiding y leaves R1 exposing x, and y alone in R3 would then
    # take R3's total with it. Only p, of R1, protects x.
    tables = {"R1": {"x": 3, "p": 50}, "R2": {"x": 3, "z": 2, "y": 5}, "R3": {"y": 5, "u": 0}}
    published = suppress_tables(tables)
    assert published["R1"] == {"x": MARK, "p": MARK, "total": 53}
    assert published["R2"] == {"x": MARK, "z": MARK, "y": 5, "total": 10}
    assert published["R3"] == {"y": 5, "u": 0, "total": 5}
    for name, table in tables.items():
        original = {**table, "total": sum(table.values())}
        assert not can_recompute(original, published[name])
        assert not can_recompute(original, published[name], trust_marks=True)


def test_a_secondary_total_that_protects_nothing_is_published_again():
    # The greedy order can leave a total hidden that the cells hidden after it make
    # unnecessary: 15 with a, b and c hidden gives none of them back. b is needed for a (13
    # − 10 would be a), so it stays.
    problem = _Problem({"a": 3, "b": 2, "c": 10, "total": 15}, [_row("a", "b", "c")])
    hidden = problem.release({"a", "b", "c", "total"}, {"a", "b"}, ["total", "c"])
    assert hidden == {"a", "b"}
    assert not problem.exposed(hidden, trust_marks=True)

    problem = _Problem({"a": 3, "b": 10, "total": 13}, [_row("a", "b")])
    hidden = problem.release({"a", "b", "total"}, {"a"}, ["total", "b"])
    assert hidden == {"a", "b"}
    assert not problem.exposed(hidden, trust_marks=True)


def test_a_release_takes_the_cells_it_gives_back_with_it_or_none():
    # Publishing the total (20) would give c back by the second relation (c = total − 10),
    # so c is published with it; a and b (2 and 8 hidden, adding up to 10) stay safe.
    problem = _Problem(
        {"a": 2, "b": 8, "c": 10, "d": 10, "total": 20},
        [_row("a", "b", "c"), {"c": 1, "d": 1, "total": -1}],
    )
    hidden = problem.release({"a", "b", "c", "total"}, {"a"}, ["total"])
    assert hidden == {"a", "b"}
    assert not problem.exposed(hidden, trust_marks=True)
    # A cell that only hides the small one's partner stays: publishing b gives a back.
    assert problem.release({"a", "b"}, {"a"}, ["b"]) == {"a", "b"}


def _row(*cells: str) -> dict:
    return {**dict.fromkeys(cells, 1), "total": -1}
