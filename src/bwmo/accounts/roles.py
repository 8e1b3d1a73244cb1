"""The roles of security.md as data: Django groups with permissions.

The table below is only the initial set; a functioneel beheerder can change a group's
permissions in the beheer screens and ``ensure_roles`` never takes a permission away.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q


class Role:
    TOEGANGSMEDEWERKER = "Toegangsmedewerker"
    OPVANGMEDEWERKER = "Medewerker opvanginstelling"
    AANBIEDER = "Aanbieder"
    BELEIDSADVISEUR = "Beleidsadviseur"
    CONTROLLER = "Controller"
    CONTRACTMANAGER = "Contractmanager"
    FUNCTIONEEL_BEHEERDER = "Functioneel beheerder"
    AUDITOR = "Auditor"


ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.TOEGANGSMEDEWERKER: [
        "clients.view_personal_data",
        "clients.add_client",
        "clients.change_client",
        "clients.add_brpregistration",
        "clients.merge_client",
        "toegang.view_melding",
        "toegang.add_melding",
        "toegang.process_melding",
        "care.add_stay",
        "care.change_stay",
        "care.add_wlzapplication",
        "care.change_wlzapplication",
        "woonplaats.add_dispute",
        "woonplaats.change_dispute",
    ],
    Role.OPVANGMEDEWERKER: [
        "clients.view_personal_data",
        "clients.add_client",
        "clients.add_brpregistration",
        "clients.merge_client",
        "toegang.view_melding",
        "toegang.register_mo_intake",
        "care.add_stay",
        "care.change_stay",
    ],
    Role.AANBIEDER: [
        "clients.view_personal_data",
    ],
    Role.BELEIDSADVISEUR: ["monitor.view_monitor", "forecast.view_forecast"],
    Role.CONTROLLER: [
        "monitor.view_monitor",
        "forecast.view_forecast",
        "finance.view_finance",
        "finance.add_budgetparameterset",
        "finance.view_nonclientcost",
        "finance.add_nonclientcost",
        "finance.change_nonclientcost",
    ],
    Role.CONTRACTMANAGER: [
        "organisations.view_provider",
        "care.view_contract",
        "care.view_tariff",
        "care.view_product",
        "messaging.exchange_iwmo",
        "care.view_contractcapacity",
        "care.add_contractcapacity",
        "care.view_contractextension",
        "care.add_contractextension",
        "care.view_providerlocation",
    ],
    Role.FUNCTIONEEL_BEHEERDER: [
        f"{app}.{action}_{model}"
        for app, models in {
            "organisations": [
                "municipality",
                "region",
                "regionmembership",
                "organisation",
                "provider",
                "mandate",
            ],
            "care": [
                "product",
                "contract",
                "tariff",
                "contractcapacity",
                "contractextension",
                "providerlocation",
            ],
            "woonplaats": ["rulesetversion"],
            "finance": ["nonclientcost"],
            "accounts": ["user"],
        }.items()
        for model in models
        for action in ("view", "add", "change", "delete")
    ]
    + ["auth.view_group", "auth.change_group", "accounts.view_rightschange"],
    Role.AUDITOR: ["audit.view_accesslogentry"],
}


# The roles that reach clients' personal data, and the permissions that do. Only a superuser
# grants them (``bwmo.accounts.selectors.rights_change_refusals``); the functioneel beheerder
# never holds them.
PERSONAL_DATA_ROLES = (Role.TOEGANGSMEDEWERKER, Role.OPVANGMEDEWERKER, Role.AANBIEDER)
PERSONAL_DATA_PERMISSIONS = frozenset(
    {perm for role in PERSONAL_DATA_ROLES for perm in ROLE_PERMISSIONS[role]}
    | {"audit.view_accesslogentry"}
)


def ensure_roles() -> None:
    """Create every role group and give it at least its initial permissions (idempotent)."""
    for role, perm_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        if not perm_names:
            continue
        query = Q()
        for name in perm_names:
            app_label, codename = name.split(".")
            query |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(query))
