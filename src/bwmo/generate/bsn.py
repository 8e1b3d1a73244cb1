"""The BSN ranges of the synthetic populations, and drawing distinct numbers from them.

A BSN is nine digits that pass the 11-proof: digit × (9, 8, …, 2) summed, minus the last
digit, divisible by 11. Given its first eight digits at most one last digit passes, so a
range of N numbers holds about N / 11 valid ones.

- ``TEST_RANGE`` (999900006–999999990) is the range the demo and the tests use: it holds
  9,091 valid numbers, enough for the demo, not for the national profile.
- ``NATIONAL_RANGE`` (990000000–999899999) is the range of the national profile: the ten
  million numbers below the test range, 900,000 valid ones. Every client generated from it
  is marked ``synthetic`` in the database.

Numbers are drawn by a seeded sample of the valid numbers of the range, so a request for
more numbers than the range holds is refused at once (``BsnRangeExhausted``, naming the
maximum) instead of searching for ever.
"""

import random
from dataclasses import dataclass
from functools import cache

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class BsnRange:
    name: str
    low: int
    high: int  # inclusive

    def valid_numbers(self) -> list[int]:
        """Every 11-proof number in the range, ascending."""
        return list(_valid_numbers(self.low, self.high))

    def capacity(self) -> int:
        return len(_valid_numbers(self.low, self.high))


# The weighted digit sum of an 8-digit prefix, as the sum of its upper and lower four digits'.
_UPPER = [
    sum(int(d) * w for d, w in zip(f"{n:04d}", WEIGHTS[:4], strict=True)) for n in range(10_000)
]
_LOWER = [
    sum(int(d) * w for d, w in zip(f"{n:04d}", WEIGHTS[4:], strict=True)) for n in range(10_000)
]


@cache
def _valid_numbers(low: int, high: int) -> tuple[int, ...]:
    numbers = []
    for prefix in range(low // 10, high // 10 + 1):
        check = (_UPPER[prefix // 10_000] + _LOWER[prefix % 10_000]) % 11
        if check <= 9:  # the last digit d must satisfy sum - d ≡ 0 (mod 11)
            number = prefix * 10 + check
            if low <= number <= high:
                numbers.append(number)
    return tuple(numbers)


TEST_RANGE = BsnRange("test", 999_900_006, 999_999_990)
NATIONAL_RANGE = BsnRange("national", 990_000_000, 999_899_999)


class BsnRangeExhausted(ValueError):
    def __init__(self, bsn_range: BsnRange, requested: int, available: int) -> None:
        self.requested, self.available = requested, available
        super().__init__(
            f"{requested} BSNs requested, but the {bsn_range.name} range "
            f"{bsn_range.low}-{bsn_range.high} holds only {available} numbers that pass the "
            f"11-proof (and are not reserved); ask for at most {available}."
        )


def is_eleven_proof(number: str) -> bool:
    if len(number) != 9 or not number.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:8], WEIGHTS, strict=True)) - int(number[8])
    return total % 11 == 0


def draw_bsns(
    rng: random.Random, bsn_range: BsnRange, count: int, *, reserved: frozenset[str] = frozenset()
) -> list[str]:
    """``count`` distinct valid BSNs from ``bsn_range``, in a seeded random order."""
    pool = [n for n in bsn_range.valid_numbers() if str(n) not in reserved]
    if count > len(pool):
        raise BsnRangeExhausted(bsn_range, count, len(pool))
    return [str(n) for n in rng.sample(pool, count)]
