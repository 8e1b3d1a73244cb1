"""The scopes an API client can be given, and what each one lets its account do.

A scope is a permission of the API client's own account (a Django permission, as for a
person), so the selectors decide access for an API client exactly as for a user. A scope
that reaches personal data is granted only by a superuser, like the roles that do.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ApiScope:
    name: str
    label: Promise
    permissions: tuple[str, ...]
    personal_data: bool
    # The client properties this scope lets the API client read (as the Objects API's field
    # list per authorisation); empty for a scope that shows no client.
    client_fields: tuple[str, ...] = ()


# The fields of a client each relation gets. A provider gets what it needs for its iWmo
# traffic and its care (identity and birth date), never the address, phone or notes.
CLIENT_FIELDS_FULL = (
    "id",
    "bsn",
    "isProvisional",
    "givenNames",
    "surnamePrefix",
    "surname",
    "birthDate",
    "birthYear",
    "gender",
    "street",
    "houseNumber",
    "houseLetter",
    "houseNumberAddition",
    "postcode",
    "place",
    "phone",
    "relation",
)
CLIENT_FIELDS_PROVIDER = (
    "id",
    "bsn",
    "isProvisional",
    "givenNames",
    "surnamePrefix",
    "surname",
    "birthDate",
    "birthYear",
    "gender",
    "relation",
)


CLIENTS_READ = "clients:read"
IWMO_READ = "iwmo:read"
IWMO_WRITE = "iwmo:write"
AGGREGATES_READ = "aggregates:read"

SCOPES: dict[str, ApiScope] = {
    scope.name: scope
    for scope in (
        ApiScope(
            CLIENTS_READ,
            _("cliënten, meldingen, indicaties, verblijven en toewijzingen lezen"),
            ("clients.view_personal_data",),
            personal_data=True,
            client_fields=CLIENT_FIELDS_FULL,
        ),
        ApiScope(
            IWMO_READ,
            _("iWmo-berichten met bevindingen en declaraties lezen"),
            ("messaging.exchange_iwmo",),
            personal_data=False,
        ),
        ApiScope(
            IWMO_WRITE,
            _("iWmo-bestanden van de eigen aanbieder versturen (WMO305/307/315/317/323)"),
            (),
            # The files name clients by BSN and change their care: granted by a superuser.
            personal_data=True,
        ),
        ApiScope(
            AGGREGATES_READ,
            _("monitorcijfers en budget en kosten lezen (geaggregeerd)"),
            ("monitor.view_monitor", "finance.view_finance"),
            personal_data=False,
        ),
    )
}

# Scopes only an API client of a provider's organisation can hold.
PROVIDER_ONLY = frozenset({IWMO_WRITE})

SCOPE_CHOICES = [(scope.name, scope.label) for scope in SCOPES.values()]


def client_fields(*, scopes: list[str], provider: bool) -> tuple[str, ...]:
    """The client properties an API client with these scopes gets: the union of its scopes'
    field lists, narrowed to ``CLIENT_FIELDS_PROVIDER`` where it sees the client as its
    provider. Always in the order of ``CLIENT_FIELDS_FULL``."""
    granted = {f for s in scopes if s in SCOPES for f in SCOPES[s].client_fields}
    if provider:
        granted &= set(CLIENT_FIELDS_PROVIDER)
    return tuple(f for f in CLIENT_FIELDS_FULL if f in granted)
