"""The digest a recompute compares instead of a stored decision's fields and trace."""

from hypothesis import given
from hypothesis import strategies as st

from bwmo.rules.woonplaats import decision_digest

FIELDS = st.tuples(
    st.integers(min_value=1, max_value=10_000),
    st.sampled_from(["GM0106", "GM1730", "GM0114"]),
    st.sampled_from(["overgangsclient", "nieuwe_client", "mo"]),
    st.sampled_from(["G", "MO", "V", "T", "A", "B", "C", "W", "D"]),
    st.text(max_size=40),
    st.booleans(),
    st.lists(st.text(max_size=30), max_size=6),
)


@given(FIELDS, FIELDS)
def test_two_decisions_have_the_same_digest_exactly_when_they_say_the_same(a, b):
    assert (decision_digest(*a) == decision_digest(*b)) == (a == b)


@given(FIELDS)
def test_the_digest_is_short_and_the_trace_may_come_as_list_or_tuple(fields):
    *head, trace = fields
    digest = decision_digest(*head, trace)
    assert len(digest) == 32 and digest == decision_digest(*head, tuple(trace))


def test_a_line_split_differently_is_another_trace():
    assert decision_digest(1, "GM0106", "mo", "MO", "b", False, ["a", "b"]) != decision_digest(
        1, "GM0106", "mo", "MO", "b", False, ["a,b"]
    )
