"""``suppress_parts`` on a generated system of the monitor's shape, larger than the unit tests
and made of several independent groups of relations: two regions in one call, each with
members, quarters and the period, the stock-and-flow identity per product, the time chain and
region = Σ members. The exact audit finds nothing for the public nor for any reader, no count
of 1 to 4 is shown, and the result does not depend on the process (hash seed)."""

import itertools
import json
import os
import random
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from bwmo.rules.suppression import MARK, audit_parts, suppress_parts

PRODUCTS = ("P1", "P2", "P3")
QUARTERS = ("q0", "q1", "q2", "q3")
TABLES = ("in_care_at_start", "instroom", "uitstroom", "in_care_at_end")


def _flows(rng: random.Random, start: dict[str, int]) -> tuple[dict, dict[str, int]]:
    """A quarter's flow tables per product from its start stock; also its end stock."""
    tables: dict[str, dict[str, int]] = {name: {} for name in TABLES}
    for product in PRODUCTS:
        inflow = rng.choice((0, 1, 3, 8, 15, 30, 60))
        outflow = rng.randint(0, start[product] + inflow)
        tables["in_care_at_start"][product] = start[product]
        tables["instroom"][product] = inflow
        tables["uitstroom"][product] = outflow
        tables["in_care_at_end"][product] = start[product] + inflow - outflow
    end = dict(tables["in_care_at_end"])
    return {n: {"total": sum(t.values()), "product": t} for n, t in tables.items()}, end


def _region(rng: random.Random, region: str, members: list[str]) -> tuple[dict, list[dict]]:
    """Parts ``(name, section)`` of one region and the links between them."""
    parts: dict = {}
    for member in members:
        stock = {p: rng.choice((0, 2, 10, 30, 60, 120)) for p in PRODUCTS}
        for quarter in QUARTERS:
            parts[(member, quarter)], stock = _flows(rng, stock)
        first, last = parts[(member, QUARTERS[0])], parts[(member, QUARTERS[-1])]
        parts[(member, "main")] = {
            "in_care_at_start": first["in_care_at_start"],
            "in_care_at_end": last["in_care_at_end"],
            **{
                name: {
                    "total": sum(parts[(member, q)][name]["total"] for q in QUARTERS),
                    "product": {
                        p: sum(parts[(member, q)][name]["product"][p] for q in QUARTERS)
                        for p in PRODUCTS
                    },
                }
                for name in ("instroom", "uitstroom")
            },
        }
    sections = ("main", *QUARTERS)
    for section in sections:
        parts[(region, section)] = {
            name: {
                "total": sum(parts[(m, section)][name]["total"] for m in members),
                "product": {
                    p: sum(parts[(m, section)][name]["product"][p] for m in members)
                    for p in PRODUCTS
                },
            }
            for name in TABLES
        }
    paths = [(name, "total") for name in TABLES]
    paths += [(name, "product", p) for name in TABLES for p in PRODUCTS]
    links: list[dict] = []
    for section in sections:
        for path in paths:
            links.append(
                {((region, section), *path): -1, **{((m, section), *path): 1 for m in members}}
            )
    for name in (region, *members):
        for path in [("total",), *(("product", p) for p in PRODUCTS)]:
            for before, after in itertools.pairwise(QUARTERS):
                links.append(
                    {
                        ((name, before), "in_care_at_end", *path): 1,
                        ((name, after), "in_care_at_start", *path): -1,
                    }
                )
            for flow in ("instroom", "uitstroom"):
                links.append(
                    {
                        ((name, "main"), flow, *path): -1,
                        **{((name, q), flow, *path): 1 for q in QUARTERS},
                    }
                )
    return parts, links


def _system(seed: int) -> dict:
    rng = random.Random(seed)
    parts: dict = {}
    links: list[dict] = []
    revealed: list[list] = []
    for region, members in (("R1", ["A", "B", "C", "D"]), ("R2", ["E", "F", "G"])):
        more, more_links = _region(rng, region, members)
        parts |= more
        links += more_links
        revealed += [[key for key in more if key[0] == m] for m in members]
        revealed.append([key for key in more if key[0] in members[:2]])  # a mandate
    headline = [key for key in parts if key[1] == "main"]
    return {"parts": parts, "links": links, "revealed": revealed, "headline": headline}


def _shown(published: dict) -> list:
    return sorted(
        (repr(name), table, key, value if not isinstance(value, dict) else sorted(value.items()))
        for name, figures in published.items()
        for table, rows in figures.items()
        for key, value in rows.items()
    )


@settings(max_examples=4, deadline=None)
@given(st.integers(0, 2**16))
def test_a_large_system_of_independent_groups_gives_nothing_back(seed):
    system = _system(seed)
    parts = system.pop("parts")
    published = suppress_parts(parts, **system)
    result = audit_parts(parts, published, **system)
    assert result["cells"] > 600
    assert result["hidden"] > 0
    assert not any(result["exposed"].values()), result["exposed"]
    for name, figures in published.items():
        for table, rows in figures.items():
            for key, value in rows.items():
                values = value.values() if isinstance(value, dict) else [value]
                assert not [v for v in values if v != MARK and 0 < v < 5], (name, table, key)


SCRIPT = """
import json, sys
sys.path[:0] = {path!r}
from tests.rules.test_suppression_scale import _shown, _system
from bwmo.rules.suppression import suppress_parts
system = _system({seed})
print(json.dumps(_shown(suppress_parts(system.pop("parts"), **system))))
"""


def test_the_result_does_not_depend_on_the_process():
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    results = []
    for hash_seed in ("1", "2", "3"):
        run = subprocess.run(
            [sys.executable, "-c", SCRIPT.format(path=[here], seed=7)],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(run.stdout))
    system = _system(7)
    here_too = json.loads(json.dumps(_shown(suppress_parts(system.pop("parts"), **system))))
    assert results[0] == results[1] == results[2] == here_too
