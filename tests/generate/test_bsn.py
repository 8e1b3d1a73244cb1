"""The BSN ranges: exact capacity, distinct draws, a clear refusal instead of a search."""

import random

import pytest
from stdnum.nl import bsn

from bwmo.generate.bsn import (
    NATIONAL_RANGE,
    TEST_RANGE,
    BsnRange,
    BsnRangeExhausted,
    draw_bsns,
    is_eleven_proof,
)


def test_the_test_range_holds_what_the_11_proof_allows():
    brute = [n for n in range(TEST_RANGE.low, TEST_RANGE.high + 1) if bsn.is_valid(str(n))]
    assert TEST_RANGE.valid_numbers() == brute
    assert TEST_RANGE.capacity() == 9091


def test_the_national_range_lies_below_the_test_range_and_holds_900_000():
    assert NATIONAL_RANGE.high < TEST_RANGE.low
    assert NATIONAL_RANGE.capacity() == 900_000


def test_draws_are_distinct_valid_seeded_and_skip_the_reserved():
    small = BsnRange("small", 999_990_000, 999_990_999)
    first = draw_bsns(
        random.Random(4), small, small.capacity() - 1, reserved=frozenset({"999990019"})
    )
    assert len(set(first)) == len(first) and "999990019" not in first
    assert all(is_eleven_proof(n) and bsn.is_valid(n) for n in first)
    assert first == draw_bsns(
        random.Random(4), small, small.capacity() - 1, reserved=frozenset({"999990019"})
    )


def test_asking_more_than_the_range_holds_is_refused_naming_the_maximum():
    with pytest.raises(BsnRangeExhausted, match="at most 9091"):
        draw_bsns(random.Random(1), TEST_RANGE, 15_000)


@pytest.mark.parametrize("number", ["999990019", "123456782"])
def test_eleven_proof_agrees_with_stdnum(number):
    assert is_eleven_proof(number) == bsn.is_valid(number)
