"""Each rule's legal basis: the table rule → article, and every trace cites its rule's article.

The table is written out here once more, by hand, from the bill (Kamerstuk 36 288) and the
Wmo 2015, so that a changed basis text in the engine has to be changed here on purpose too.
"""

import re
from datetime import date
from pathlib import Path

import pytest

from bwmo.rules.woonplaats import (
    ARTICLE,
    BASIS,
    PRODUCT_BW,
    PRODUCT_MO,
    RULES,
    BrpPeriod,
    CarePeriod,
    Case,
    DisputeAdvice,
    RuleSet,
    decide,
)

RULES_2026 = RuleSet(start_date=date(2026, 1, 1), lookback_months=12)
HOME, ELSEWHERE, CENTRUM = "GM1730", "GM0119", "GM0106"

# rule → the article its decision rests on.
EXPECTED_ARTICLE = {
    "G": "Geschillencommissie Sociaal Domein, Woonplaatsbeginsel en Toegang",
    # Landelijke toegankelijkheid: the municipality the client turns to (art. 1.2.1 sub b);
    # art. 1.2.1a (woonplaatsbeginsel) covers beschermd wonen only.
    "MO": "Wmo 2015 art. 1.2.1 sub b",
    "V": "Wmo 2015 art. 1.2.1 sub b",
    "T": "Wmo 2015 art. 1.2.1a lid 1 sub a",
    "A": "Wmo 2015 art. 1.2.1a lid 1 sub a",
    "B": "Wmo 2015 art. 1.2.1a lid 1 sub b",
    "C": "Wmo 2015 art. 1.2.1a lid 1",
    "W": "Wmo 2015 art. 1.2.1 sub b",
    "D": "Wmo 2015 art. 1.2.1a lid 2",
}


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _woonadres(code: str, start: str, end: str | None = None) -> BrpPeriod:
    return BrpPeriod(code, _d(start), _d(end) if end else None, "woonadres")


# One case per rule, each decided by exactly that rule.
CASES = {
    "G": Case(
        "g",
        PRODUCT_BW,
        _d("2026-05-04"),
        CENTRUM,
        CENTRUM,
        dispute_advice=DisputeAdvice(ELSEWHERE, _d("2026-06-01")),
    ),
    "MO": Case(
        "mo", PRODUCT_MO, _d("2026-05-04"), CENTRUM, CENTRUM, (_woonadres(HOME, "2010-01-01"),)
    ),
    "V": Case(
        "v", PRODUCT_BW, _d("2025-05-04"), CENTRUM, CENTRUM, (_woonadres(HOME, "2010-01-01"),)
    ),
    "T": Case(
        "t",
        PRODUCT_BW,
        _d("2026-05-04"),
        CENTRUM,
        CENTRUM,
        care=(CarePeriod("BW", _d("2024-03-01"), None, CENTRUM, CENTRUM),),
    ),
    "A": Case(
        "a",
        PRODUCT_BW,
        _d("2026-09-01"),
        CENTRUM,
        CENTRUM,
        (_woonadres(HOME, "2010-01-01"),),
        (CarePeriod("BW", _d("2026-02-01"), _d("2026-06-30"), ELSEWHERE, CENTRUM),),
    ),
    "B": Case(
        "b",
        PRODUCT_BW,
        _d("2026-04-10"),
        CENTRUM,
        CENTRUM,
        (
            _woonadres(ELSEWHERE, "2001-05-01", "2026-01-31"),
            BrpPeriod(CENTRUM, _d("2026-02-01"), None, "instelling"),
        ),
    ),
    "C": Case(
        "c",
        PRODUCT_BW,
        _d("2026-02-01"),
        CENTRUM,
        CENTRUM,
        (
            _woonadres(ELSEWHERE, "1999-01-01", "2025-08-31"),
            BrpPeriod(CENTRUM, _d("2025-09-10"), None, "briefadres"),
        ),
    ),
    "W": Case(
        "w", PRODUCT_BW, _d("2026-05-04"), CENTRUM, CENTRUM, (_woonadres(HOME, "2010-01-01"),)
    ),
    "D": Case(
        "d",
        PRODUCT_BW,
        _d("2026-03-01"),
        CENTRUM,
        CENTRUM,
        (BrpPeriod(CENTRUM, _d("2020-01-01"), None, "buitenland"),),
    ),
}


def test_the_table_covers_every_rule() -> None:
    assert set(EXPECTED_ARTICLE) == set(ARTICLE) == set(RULES) == set(CASES)


@pytest.mark.parametrize("rule", RULES)
def test_article_of_each_rule(rule: str) -> None:
    assert ARTICLE[rule] == EXPECTED_ARTICLE[rule]
    assert BASIS[rule].startswith(ARTICLE[rule])


def test_mo_does_not_cite_article_1_2_2() -> None:
    # Art. 1.2.2 is not where landelijke toegankelijkheid (or MO at all) is laid down.
    assert "1.2.2" not in BASIS["MO"]
    trace = decide(CASES["MO"], RULES_2026).trace
    assert not any("1.2.2" in line for line in trace)


@pytest.mark.parametrize("rule", RULES)
def test_each_trace_cites_its_rules_article(rule: str) -> None:
    decision = decide(CASES[rule], RULES_2026)
    assert decision.rule == rule
    assert decision.basis == BASIS[rule]
    # The deciding step names the article; no other step cites a different rule's basis.
    assert decision.trace[-1].endswith(f"→ {BASIS[rule]}")
    # ("art. 1.2.1a lid 1" is cited by "art. 1.2.1a lid 1 sub a" only when no "sub" follows.)
    others = {ARTICLE[r] for r in RULES if ARTICLE[r] != ARTICLE[rule]}
    text = " ".join(decision.trace)
    cited = [a for a in others if re.search(re.escape(a) + r"(?! sub)(?![0-9a-z])", text)]
    assert cited == [], f"rule {rule} trace cites {cited}"


def test_docs_table_names_the_same_articles() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    rows = {}
    for line in docs.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0] in RULES:
            rows[cells[0]] = cells[-1]
    assert set(rows) == set(RULES)
    for rule, basis in rows.items():
        assert re.sub(r"\s+", " ", basis).startswith(ARTICLE[rule]), rule
