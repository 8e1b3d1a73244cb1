"""The claim mapping of single sign-on: only listed values, one unknown value refuses all."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bwmo.rules.sso import (
    ClaimMapping,
    MappedAccount,
    Refusal,
    RefusalReason,
    claim_values,
    map_claims,
    parse_pairs,
)

MAPPING = ClaimMapping(
    organisation_claim="oin",
    role_claim="roles",
    organisations={"00000001001589623000": "Gemeente Emmen", "GM0106": "Gemeente Assen"},
    roles={
        "toegang": "Toegangsmedewerker",
        "wmo-toegang": "Toegangsmedewerker",
        "beleid": "Beleidsadviseur",
    },
)


def test_a_known_organisation_and_roles_map_to_bwmo_names():
    mapped = map_claims({"oin": "GM0106", "roles": ["toegang", "beleid"]}, MAPPING)
    assert mapped == MappedAccount("Gemeente Assen", ("Beleidsadviseur", "Toegangsmedewerker"))


def test_two_claim_values_for_one_role_give_it_once():
    mapped = map_claims({"oin": "GM0106", "roles": "toegang wmo-toegang"}, MAPPING)
    assert mapped == MappedAccount("Gemeente Assen", ("Toegangsmedewerker",))


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"roles": ["toegang"]}, Refusal(RefusalReason.NO_ORGANISATION)),
        ({"oin": "", "roles": ["toegang"]}, Refusal(RefusalReason.NO_ORGANISATION)),
        ({"oin": 106, "roles": ["toegang"]}, Refusal(RefusalReason.NO_ORGANISATION)),
        (
            {"oin": ["GM0106", "00000001001589623000"], "roles": ["toegang"]},
            Refusal(RefusalReason.SEVERAL_ORGANISATIONS, ("GM0106", "00000001001589623000")),
        ),
        (
            {"oin": "GM0114", "roles": ["toegang"]},
            Refusal(RefusalReason.UNKNOWN_ORGANISATION, ("GM0114",)),
        ),
        ({"oin": "GM0106"}, Refusal(RefusalReason.NO_ROLE)),
        ({"oin": "GM0106", "roles": []}, Refusal(RefusalReason.NO_ROLE)),
        (
            {"oin": "GM0106", "roles": ["toegang", "Functioneel beheerder"]},
            Refusal(RefusalReason.UNKNOWN_ROLE, ("Functioneel beheerder",)),
        ),
        # The bwmo role name itself is not a claim value unless the mapping lists it.
        (
            {"oin": "GM0106", "roles": "Toegangsmedewerker"},
            Refusal(RefusalReason.UNKNOWN_ROLE, ("Toegangsmedewerker",)),
        ),
    ],
)
def test_missing_several_or_unknown_values_are_refused(claims, expected):
    assert map_claims(claims, MAPPING) == expected


def test_claim_values_accepts_strings_and_lists_only():
    assert claim_values("a, b  a") == ("a", "b")
    assert claim_values(["a", " b ", "", 3]) == ("a", "b")
    assert claim_values({"a": 1}) == ()
    assert claim_values(None) == ()


# Mostly the mapping's own values, with unknown ones, look-alikes and odd shapes mixed in.
ORGANISATION_VALUES = st.sampled_from([*MAPPING.organisations, "GM0114", "gm0106", "", " "])
ROLE_VALUES = st.sampled_from([*MAPPING.roles, "Toegangsmedewerker", "beheer", "", "toegang "])


@given(
    organisation=ORGANISATION_VALUES | st.lists(ORGANISATION_VALUES, max_size=3),
    roles=st.lists(ROLE_VALUES, max_size=4) | ROLE_VALUES,
)
def test_nothing_outside_the_mapping_is_ever_granted(organisation, roles):
    mapped = map_claims({"oin": organisation, "roles": roles}, MAPPING)
    if isinstance(mapped, MappedAccount):
        assert mapped.organisation in MAPPING.organisations.values()
        assert set(mapped.roles) <= set(MAPPING.roles.values())
        # … and every value claimed was listed: one unknown value refuses the whole login.
        assert set(claim_values(roles)) <= set(MAPPING.roles)
    else:
        assert isinstance(mapped, Refusal)


def test_parse_pairs_reads_the_environment_format():
    assert parse_pairs("GM0106=Gemeente Assen; 73000001 = Stichting Testhuis\n") == {
        "GM0106": "Gemeente Assen",
        "73000001": "Stichting Testhuis",
    }
    assert parse_pairs("a=B;a=B") == {"a": "B"}


@pytest.mark.parametrize("text", ["GM0106", "=Gemeente Assen", "GM0106=", "a=B; a=C"])
def test_parse_pairs_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError):
        parse_pairs(text)
