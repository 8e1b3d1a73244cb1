"""Hypothesis strategies for hostile files: byte-level mutations of a valid file and junk.

Used by the import fuzz tests: truncation, bit flips, bytes that are not UTF-8, byte order
marks, deep nesting, huge numbers and values of the wrong type.
"""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00")
NOT_UTF8 = (b"\xff", b"\xc3\x28", b"\xa0\xa1", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80")


@st.composite
def mutated(draw, valid: bytes, *, nest: tuple[bytes, bytes] = (b"[", b"]")) -> bytes:
    """``valid`` changed in one to three places."""
    data = valid
    for _ in range(draw(st.integers(1, 3))):
        size = len(data)
        at = draw(st.integers(0, max(size - 1, 0)))
        kind = draw(
            st.sampled_from(
                ["truncate", "flip", "not_utf8", "bom", "nest", "huge", "delete", "junk", "dup"]
            )
        )
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip" and size:
            data = data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1 :]
        elif kind == "not_utf8":
            data = data[:at] + draw(st.sampled_from(NOT_UTF8)) + data[at:]
        elif kind == "bom":
            data = draw(st.sampled_from(BOMS)) + data
        elif kind == "nest":
            depth = draw(st.sampled_from([50, 1_000, 100_000]))
            closed = draw(st.booleans())
            data = data[:at] + nest[0] * depth + (nest[1] * depth if closed else b"") + data[at:]
        elif kind == "huge":
            digits = draw(st.sampled_from([20, 400, 5_000]))
            data = data[:at] + b"9" * digits + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 40)) :]
        elif kind == "junk":
            data = data[:at] + draw(st.binary(max_size=30)) + data[at:]
        elif kind == "dup":
            end = draw(st.integers(at, size))
            data = data[:end] + data[at:end] + data[end:]
    return data


# The import fuzz tests' budget: enough examples to find a traceback, bounded for CI.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
