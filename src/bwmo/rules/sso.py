"""Single sign-on (OpenID Connect): which organisation and roles the identity provider's
claims map to, or why the login is refused.

Plain Python: the mapping is configuration (environment variables, read by the settings), the
claims are what the identity provider said about the person. Only values that the mapping
names explicitly are accepted: an identity provider cannot put anyone in an organisation or
role the installation did not list, and one unknown value refuses the whole login (never a
partial account with the roles that happened to be known).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class ClaimMapping:
    """Which claims carry the organisation and the roles, and what their values mean.

    ``organisations`` maps a claim value (an OIN, a CBS code such as GM0106, an AGB code …)
    to the name of a bwmo organisation; ``roles`` maps a claim value to a bwmo role (group).
    """

    organisation_claim: str
    role_claim: str
    organisations: Mapping[str, str]
    roles: Mapping[str, str]


class RefusalReason(StrEnum):
    NO_ORGANISATION = "geen organisatie"
    SEVERAL_ORGANISATIONS = "meer dan één organisatie"
    UNKNOWN_ORGANISATION = "onbekende organisatie"
    NO_ROLE = "geen rol"
    UNKNOWN_ROLE = "onbekende rol"


@dataclass(frozen=True)
class Refusal:
    reason: RefusalReason
    values: tuple[str, ...] = ()  # the claim values concerned (codes, never personal data)


@dataclass(frozen=True)
class MappedAccount:
    organisation: str
    roles: tuple[str, ...]


def claim_values(value: object) -> tuple[str, ...]:
    """A claim as a tuple of non-empty strings: a string (space- or comma-separated values
    are split), a list of strings, or nothing. Anything else counts as no value."""
    if isinstance(value, str):
        parts = value.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        parts = [part.strip() for part in value if isinstance(part, str)]
    else:
        return ()
    seen: dict[str, None] = {}
    for part in parts:
        if part:
            seen.setdefault(part, None)
    return tuple(seen)


def map_claims(claims: Mapping[str, object], mapping: ClaimMapping) -> MappedAccount | Refusal:
    """The organisation and roles for these claims, or the reason the login is refused."""
    organisations = claim_values(claims.get(mapping.organisation_claim))
    if not organisations:
        return Refusal(RefusalReason.NO_ORGANISATION)
    if len(organisations) > 1:
        return Refusal(RefusalReason.SEVERAL_ORGANISATIONS, organisations)
    if organisations[0] not in mapping.organisations:
        return Refusal(RefusalReason.UNKNOWN_ORGANISATION, organisations)
    roles = claim_values(claims.get(mapping.role_claim))
    if not roles:
        return Refusal(RefusalReason.NO_ROLE)
    unknown = tuple(role for role in roles if role not in mapping.roles)
    if unknown:
        return Refusal(RefusalReason.UNKNOWN_ROLE, unknown)
    mapped = sorted({mapping.roles[role] for role in roles})
    return MappedAccount(organisation=mapping.organisations[organisations[0]], roles=tuple(mapped))


def parse_pairs(text: str) -> dict[str, str]:
    """``"a=B; c=D"`` (semicolons or new lines between pairs) as ``{"a": "B", "c": "D"}``.

    Raises ``ValueError`` naming the piece that is not ``value=name``, or a value given twice
    with different names: a mapping that says two things is refused at start-up.
    """
    pairs: dict[str, str] = {}
    for piece in text.replace("\n", ";").split(";"):
        if not piece.strip():
            continue
        key, sep, name = piece.partition("=")
        key, name = key.strip(), name.strip()
        if not sep or not key or not name:
            raise ValueError(f"expected value=name, got {piece.strip()!r}")
        if pairs.get(key, name) != name:
            raise ValueError(f"{key!r} is mapped twice ({pairs[key]!r} and {name!r})")
        pairs[key] = name
    return pairs
