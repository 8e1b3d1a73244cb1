"""The demo accounts: one per role, attached to the organisations of the demo region."""

import base64
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bwmo.accounts.models import User
from bwmo.accounts.roles import Role
from bwmo.accounts.selectors import two_factor_required
from bwmo.organisations.models import Organisation

DEMO_PASSWORD = "demo-bwmo-2026"  # noqa: S105 — documented demo credential, demo data only
# The demo's beheer and auditor accounts must log in with a second factor, as everywhere:
# they come with an authenticator-app device on this documented secret (demo data only; add
# it to an app, or ask `bwmo demo --totp-code` for the current code).
DEMO_TOTP_KEY = b"bwmo-demo-2026-totp!"  # 20 bytes
DEMO_TOTP_SECRET = base64.b32encode(DEMO_TOTP_KEY).decode()


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: str
    organisation: str
    description: str
    staff: bool = False


DEMO_ACCOUNTS = (
    DemoAccount(
        "toegang.assen",
        "Sanne",
        "de Groot",
        Role.TOEGANGSMEDEWERKER,
        "Gemeente Assen",
        "toegangsmedewerker Assen: werkvoorraad, melding tot beschikking",
    ),
    DemoAccount(
        "toegang.tynaarlo",
        "Ruben",
        "Wolters",
        Role.TOEGANGSMEDEWERKER,
        "Gemeente Tynaarlo",
        "toegangsmedewerker Tynaarlo (ziet alleen Tynaarlo)",
    ),
    DemoAccount(
        "toegang.boce",
        "Mirjam",
        "Kuipers",
        Role.TOEGANGSMEDEWERKER,
        "Toegang BW Zuidoost-Drenthe",
        "toegang onder mandaat van Emmen, Coevorden, Borger-Odoorn",
    ),
    DemoAccount(
        "opvang.assen",
        "Ahmed",
        "Bakker",
        Role.OPVANGMEDEWERKER,
        "Stichting Onderdak Drenthe",
        "opvanginstelling: MO-intake onder mandaat van Assen",
    ),
    DemoAccount(
        "aanbieder.baken",
        "Jolien",
        "Smit",
        Role.AANBIEDER,
        "Stichting Het Baken",
        "aanbieder: alleen eigen cliënten met lopende toewijzing",
    ),
    DemoAccount(
        "beleid.assen",
        "Pieter",
        "Hoekstra",
        Role.BELEIDSADVISEUR,
        "Gemeente Assen",
        "beleidsadviseur (geen persoonsgegevens)",
    ),
    DemoAccount(
        "controller.assen",
        "Ingrid",
        "Veenstra",
        Role.CONTROLLER,
        "Gemeente Assen",
        "controller (geen persoonsgegevens)",
    ),
    DemoAccount(
        "contract.assen",
        "Erik",
        "Mulder",
        Role.CONTRACTMANAGER,
        "Regio Centrumregio Assen",
        "contractmanager: bezetting, wachtlijst, contracten, iWmo-berichten en declaraties",
    ),
    DemoAccount(
        "beheer",
        "Fleur",
        "Brouwer",
        Role.FUNCTIONEEL_BEHEERDER,
        "Regio Centrumregio Assen",
        "functioneel beheerder: regio's, mandaten, aanbieders, contracten, producten, tarieven",
        staff=True,
    ),
    DemoAccount(
        "auditor",
        "Hans",
        "Dijkstra",
        Role.AUDITOR,
        "Regio Centrumregio Assen",
        "privacy officer / auditor: toegangslog",
    ),
)


def ensure_demo_accounts() -> list[DemoAccount]:
    """Create the demo accounts that are missing (idempotent); return the full list."""
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "is_staff": account.staff,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(Group.objects.get(name=account.role))
            organisation = Organisation.objects.filter(name=account.organisation).first()
            if organisation:
                user.organisations.add(organisation)
        if two_factor_required(user=user) and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(
                user=user, name="bwmo demo", key=DEMO_TOTP_KEY.hex(), confirmed=True
            )
    return list(DEMO_ACCOUNTS)


def demo_totp_code() -> str:
    """The code an authenticator app with the demo secret shows now."""
    return f"{totp(DEMO_TOTP_KEY):06d}"
