"""The claims the test provider gives: standard ones, and bwmo's organisation and roles."""

import json
import os
from functools import cache

from oidc_provider.lib.claims import ScopeClaims


@cache
def people() -> dict[str, dict]:
    with open(os.environ["OIDC_IDP_CONFIG"], encoding="utf-8") as handle:
        return json.load(handle)["users"]


def userinfo(claims: dict, user) -> dict:
    person = people().get(user.username, {})
    claims["preferred_username"] = user.username
    claims["given_name"] = person.get("given_name", "")
    claims["family_name"] = person.get("family_name", "")
    claims["email"] = person.get("email", "")
    claims["email_verified"] = True
    return claims


class BwmoScopeClaims(ScopeClaims):
    info_bwmo = ("bwmo", "Organisatie en rol voor bwmo")

    def scope_bwmo(self) -> dict:
        person = people().get(self.user.username, {})
        return {key: value for key, value in person.items() if key.startswith("bwmo_")}
