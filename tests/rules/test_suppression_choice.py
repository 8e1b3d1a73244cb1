"""Which secondary cells suppression takes: as few and as unimportant as protect the hidden
ones, never a total that need not go."""

from bwmo.rules.suppression import MARK, can_recompute, suppress_tables


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
