"""Test data: invented names and test-range BSNs (999900006–999999990) only."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from bwmo.accounts.models import User
from bwmo.accounts.roles import Role
from bwmo.care.models import Contract, Product, Tariff, Unit
from bwmo.clients import services as client_services
from bwmo.clients.models import BrpKind, Client
from bwmo.organisations.models import Mandate, Municipality, Organisation, Provider, Region
from bwmo.toegang import services as toegang_services

PASSWORD = "test-wachtwoord-123"
_bsn_counter = count(0)


def test_bsn() -> str:
    """The next valid BSN of the test range (11-proof), different on every call."""
    while True:
        number = str(999900006 + next(_bsn_counter) * 3)  # step keeps the search short
        digits = [int(d) for d in number]
        total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
        if total % 11 == 0:
            return number


test_bsn.__test__ = False  # a helper, not a test


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker {n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


def make_user(username: str, role: str, organisation: Organisation, *, staff=False) -> User:
    user = UserFactory(username=username, is_staff=staff)
    user.groups.add(Group.objects.get(name=role))
    user.organisations.add(organisation)
    return user


@dataclass
class RegionSetup:
    assen: Municipality
    tynaarlo: Municipality
    emmen: Municipality
    region: Region
    org: dict[str, Organisation]
    provider: Provider
    other_provider: Provider
    opvang: Provider
    products: dict[str, Product]
    users: dict[str, User] = field(default_factory=dict)

    @classmethod
    def create(cls) -> "RegionSetup":
        municipalities = Municipality.objects.in_bulk(["GM0106", "GM1730", "GM0114"])
        assen, tynaarlo, emmen = (municipalities[c] for c in ("GM0106", "GM1730", "GM0114"))
        region = Region.objects.get(centrumgemeente=assen)
        org = {
            "assen": Organisation.objects.create(
                name="Gemeente Assen", kind="gemeente", municipality=assen
            ),
            "tynaarlo": Organisation.objects.create(
                name="Gemeente Tynaarlo", kind="gemeente", municipality=tynaarlo
            ),
            "emmen": Organisation.objects.create(
                name="Gemeente Emmen", kind="gemeente", municipality=emmen
            ),
            "regio": Organisation.objects.create(name="Regio Assen", kind="regio", region=region),
            "toegang": Organisation.objects.create(name="Toegang Drenthe", kind="toegang"),
        }
        provider = Provider.objects.create(name="Stichting Testhuis", agb_code="73000001")
        other_provider = Provider.objects.create(name="Zorg Elders", agb_code="73000002")
        opvang = Provider.objects.create(
            name="Opvang Testdorp", agb_code="73000003", is_opvanginstelling=True
        )
        org["aanbieder"] = Organisation.objects.create(
            name=provider.name, kind="aanbieder", provider=provider
        )
        org["opvang"] = Organisation.objects.create(
            name=opvang.name, kind="aanbieder", provider=opvang
        )
        Mandate.objects.create(
            grantor=assen, holder=org["opvang"], product_kind="MO", valid_from=date(2017, 1, 1)
        )
        Mandate.objects.create(
            grantor=tynaarlo, holder=org["toegang"], product_kind="BW", valid_from=date(2017, 1, 1)
        )
        products = {}
        for code, name, kind, by_law, mo_type, cat, unit in [
            ("BW001", "BW Intramuraal", "BW", True, "", "15", Unit.WEEK),
            ("BW004", "Thuis Plus", "BW", False, "", "18", Unit.WEEK),
            ("MO001", "Nachtopvang", "MO", False, "nachtopvang", "16", Unit.ETMAAL),
        ]:
            products[code] = Product.objects.create(
                code=code,
                name=name,
                kind=kind,
                counts_as_bw_by_law=by_law,
                mo_type=mo_type,
                iwmo_category=cat,
                unit=unit,
                valid_from=date(2015, 1, 1),
            )
        contract = Contract.objects.create(
            provider=provider,
            region=region,
            reference="T-1",
            valid_from=date(2021, 1, 1),
            valid_to=date(2028, 12, 31),
        )
        Tariff.objects.create(
            contract=contract,
            product=products["BW001"],
            amount=Decimal("900"),
            unit=Unit.WEEK,
            valid_from=date(2021, 1, 1),
        )
        setup = cls(assen, tynaarlo, emmen, region, org, provider, other_provider, opvang, products)
        setup.users = {
            "toegang_assen": make_user("toegang.assen", Role.TOEGANGSMEDEWERKER, org["assen"]),
            "toegang_emmen": make_user("toegang.emmen", Role.TOEGANGSMEDEWERKER, org["emmen"]),
            "toegang_mandaat": make_user(
                "toegang.mandaat", Role.TOEGANGSMEDEWERKER, org["toegang"]
            ),
            "opvang": make_user("opvang", Role.OPVANGMEDEWERKER, org["opvang"]),
            "aanbieder": make_user("aanbieder", Role.AANBIEDER, org["aanbieder"]),
            "beleid": make_user("beleid", Role.BELEIDSADVISEUR, org["assen"]),
            "controller": make_user("controller", Role.CONTROLLER, org["assen"]),
            "contract": make_user("contract", Role.CONTRACTMANAGER, org["regio"]),
            "beheer": make_user("beheer", Role.FUNCTIONEEL_BEHEERDER, org["regio"], staff=True),
            "auditor": make_user("auditor", Role.AUDITOR, org["regio"]),
        }
        return setup


def register_client(
    setup: RegionSetup,
    *,
    organisation_key="assen",
    municipality="GM0106",
    surname="Testpersoon",
    kind=BrpKind.WOONADRES,
) -> Client:
    return client_services.client_register(
        bsn=test_bsn(),
        given_names="Jan",
        surname=surname,
        birth_date=date(1980, 5, 17),
        organisation=setup.org[organisation_key],
        gender="1",
        street="Brink",
        house_number=12,
        postcode="9401AB",
        place="Assen",
        brp=[
            {
                "municipality": Municipality.objects.get(code=municipality),
                "kind": kind,
                "valid_from": date(2010, 1, 1),
            }
        ],
    )


def client_with_melding(
    setup: RegionSetup, *, municipality="GM0106", organisation_key="assen", received_on=None
):
    client = register_client(setup, organisation_key=organisation_key, municipality=municipality)
    toegang_services.melding_register(
        client=client,
        product_kind="BW",
        applied_to=Municipality.objects.get(code=municipality),
        received_on=received_on or timezone.localdate() - timedelta(days=10),
        summary="Hulpvraag",
        organisation=setup.org[organisation_key],
        user=setup.users["toegang_assen"],
    )
    return client


def advance_to_aanvraag(
    setup: RegionSetup, melding, *, day, advised_product=None, signed=False
) -> None:
    """Take a registered melding through onderzoek and advies to an aanvraag on ``day``."""
    user = setup.users["toegang_assen"]
    toegang_services.onderzoek_start(
        melding=melding,
        user=user,
        expected_version=melding.version,
        started_on=day,
        conversation_on=day,
        findings="",
    )
    toegang_services.advies_record(
        melding=melding,
        user=user,
        expected_version=melding.version,
        issued_on=day,
        advised_product=advised_product,
        text="Advies",
        signed_by_client=signed,
        signed_on=day if signed else None,
    )
    toegang_services.aanvraag_record(
        melding=melding, user=user, expected_version=melding.version, received_on=day
    )


def grant_bw(setup: RegionSetup, client: Client, *, provider, organisation_key="assen"):
    """A BW melding of Assen for ``client`` (of one more kind), registered by
    ``organisation_key`` and granted as BW Intramuraal (ZIN) at ``provider`` 20 days ago."""
    from bwmo.care.models import Indication

    day = timezone.localdate() - timedelta(days=20)
    melding = toegang_services.melding_register(
        client=client,
        product_kind="BW",
        applied_to=Municipality.objects.get(code="GM0106"),
        received_on=day - timedelta(days=10),
        summary="Hulpvraag",
        organisation=setup.org[organisation_key],
        user=setup.users["toegang_assen"],
    )
    grant_melding(setup, melding, day=day, provider=provider)
    return Indication.objects.get(client=client, product__kind="BW")


def grant_melding(
    setup: RegionSetup, melding, *, day, financing="ZIN", provider=None, signed=False
) -> None:
    """Take ``melding`` to an aanvraag on ``day`` and grant it that day: BW Intramuraal for a
    year, in natura at ``provider`` (the region's provider when not given) or as a PGB."""
    advance_to_aanvraag(
        setup, melding, day=day, advised_product=setup.products["BW001"], signed=signed
    )
    melding.refresh_from_db()
    toegang_services.beschikking_record(
        melding=melding,
        user=setup.users["toegang_assen"],
        expected_version=melding.version,
        decision="toekenning",
        decided_on=day,
        product=setup.products["BW001"],
        financing=financing,
        provider=(provider or setup.provider) if financing == "ZIN" else None,
        valid_from=day,
        valid_to=day + timedelta(days=365),
    )


def granted_client(setup: RegionSetup, *, municipality="GM0106", provider=None):
    """A client who went through the whole BW process and got BW Intramuraal at ``provider``."""
    client = client_with_melding(
        setup, municipality=municipality, received_on=timezone.localdate() - timedelta(days=30)
    )
    day = timezone.localdate() - timedelta(days=20)
    grant_melding(setup, client.meldingen.get(), day=day, provider=provider, signed=True)
    return client


def mo_client(setup: RegionSetup, *, days_ago: int = 3) -> Client:
    """A client admitted to nachtopvang at the opvanginstelling, under Assen's mandate."""
    client = register_client(setup, organisation_key="opvang")
    toegang_services.mo_intake_record(
        client=client,
        user=setup.users["opvang"],
        organisation=setup.org["opvang"],
        centrumgemeente=setup.assen,
        provider=setup.opvang,
        intake_on=timezone.localdate() - timedelta(days=days_ago),
        mo_type="nachtopvang",
        dakloos="ja",
        zelfredzaam="nee",
        regiobinding="ja",
        problem_areas="",
        decision="toekenning",
        motivation="",
        location=setup.assen,
    )
    return client


def closed_quarter_end() -> date:
    """The last day of the last closed calendar quarter: the latest day an outside reader's
    monitor period reaches (``rules.monitor.periods``)."""
    from bwmo.rules.monitor.periods import last_closed_quarter_end

    return last_closed_quarter_end(timezone.localdate())
