"""The kind of a provider's request, from its products (``rules.request_kind``)."""

from __future__ import annotations

import pytest

from bwmo.rules.request_kind import request_kind

CATALOGUE = {
    ("15", "BW001"): frozenset({"BW"}),
    ("15", ""): frozenset({"BW"}),
    ("16", "MO001"): frozenset({"MO"}),
    ("16", ""): frozenset({"MO"}),
    ("18", ""): frozenset({"BW", "MO"}),
}


@pytest.mark.parametrize(
    ("products", "expected"),
    [
        ([{"soort": "aangevraagd", "categorie": "16", "code": "MO001"}], "MO"),
        ([{"soort": "aangevraagd", "categorie": "15", "code": "BW001"}], "BW"),
        ([{"soort": "aangevraagd", "categorie": "16", "code": ""}], "MO"),
        ([{"soort": "aangevraagd", "categorie": "18", "code": ""}], None),  # both kinds
        ([{"soort": "aangevraagd", "categorie": "16", "code": "XX999"}], None),  # unknown
        ([], None),
        ([{"soort": "wijzigen", "toewijzing": 7}], "MO"),
        ([{"soort": "ongewijzigd", "toewijzing": "7"}], "MO"),
        ([{"soort": "wijzigen", "toewijzing": 8}], None),  # not the request's allocation
        (
            [{"soort": "ongewijzigd", "toewijzing": 7}, {"soort": "nieuw", "categorie": "15"}],
            None,
        ),
        (["not a product"], None),
    ],
)
def test_the_kind_of_a_request(products, expected):
    assert request_kind(products, catalogue=CATALOGUE, allocations={7: ("16", "MO001")}) == expected
