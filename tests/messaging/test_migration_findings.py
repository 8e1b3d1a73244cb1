"""Migration messaging.0002: findings stored by earlier versions, with a birth date, a name,
a postcode or a BSN in their text, are rewritten to the whitelist bwmo stores now."""

from __future__ import annotations

import importlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bwmo.iwmo.crosscheck import _REGELS
from bwmo.iwmo.rules import REGELS
from bwmo.messaging.models import DeclarationLine, Message
from tests.factories import RegionSetup

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("messaging", "0002_outbox")]
AFTER = [("messaging", "0003_findings_whitelist")]
MIGRATION = importlib.import_module("bwmo.messaging.migrations.0003_findings_whitelist")

BIRTH, NAME, GIVEN, POSTCODE, BSN = (
    "1961-04-17",
    "Zwartveenhuis",
    "Geertruida",
    "9401ZZ",
    "999911120",
)
PERSONAL = [BIRTH, "17-04-1961", NAME, GIVEN, POSTCODE, "9401 ZZ", BSN, "Kerkstraat"]


def old(code, path, message, retourcode="0001"):
    return {"code": code, "path": path, "message": message, "retourcode": retourcode}


# As earlier versions stored them: rule text plus what was found; XSD messages as libxml2
# wrote them, raw (before values were masked) or with the quoted parts masked.
INBOUND = [
    old(
        "TR134",
        "/Bericht/Client/Geboortedatum/Datum",
        f"{REGELS['TR134'].tekst} {BIRTH} ligt na Dagtekening 2026-11-30.",
    ),
    old(
        "CS002", "/Bericht/Client/Bsn", f"{REGELS['CS002'].tekst} Bsn {BSN} voldoet daar niet aan."
    ),
    old(
        "CS089",
        "/Bericht/Client/Contact/Adres/Postcode",
        f"{REGELS['CS089'].tekst} Gevonden: '9401 ZZ' ({NAME}, Kerkstraat 1).",
    ),
    old(
        "XSD",
        "/Bericht/Client/Naam/Geslachtsnaam/Achternaam",
        f"Element 'Achternaam': [facet 'maxLength'] The value '{NAME * 20}' has a length of "
        "'260'; this exceeds the allowed maximum length of '200'.",
        None,
    ),
    old(
        "XSD",
        "/Bericht/Client/Contact/Adres/Postcode",
        "Element '{http://www.istandaarden.nl/iwmo/3_2/basisschema/schema}Postcode': "
        f"[facet 'pattern'] The value '{POSTCODE} ' is not accepted by the pattern "
        "'[1-9][0-9]{3}[A-Z]{2}'.",
        None,
    ),
    old(
        "XSD",
        "/Bericht/Client/Geboortedatum/Datum",
        "Element '…': '…' is not a valid value of the atomic type '…'.",  # masked, as 0.1 did
        None,
    ),
    old(
        "XSD",
        "/Bericht/Client/Naam",
        f"Element '{GIVEN}': This element is not expected. Expected is ( Voorvoegsel, Voornamen ).",
        None,
    ),
    old("XSD", "/Bericht", f"Voornamen {GIVEN} ontbreekt onder Naam", None),
    old("XML", "/", f"Opening and ending tag mismatch: {NAME} line 3 and Naam, line 4", None),
    # A code and a path that are not of the allowed form.
    old(NAME, f"/Bericht/Client[{GIVEN}]", f"{BIRTH} {POSTCODE}", f"{POSTCODE}"),
    "not a finding",
]
# Findings bwmo writes now: they stay as they are.
CURRENT = [
    old("XSD", "/Bericht/Client/Bsn", "De waarde is te lang: ten hoogste 9 tekens.", None),
    old(
        "ENCODING",
        "/",
        "Het iWmo-bestand moet in UTF-8 zijn gecodeerd; dit bestand is UTF-16 "
        "(little-endian, met BOM).",
        None,
    ),
    old(
        "ONBEKEND",
        "/Bericht/Header",
        "De afzender (AGB-code) is in bwmo niet bekend; het bericht is niet verwerkt.",
        None,
    ),
    old(
        "TR056",
        "/Bericht/Header/BerichtIdentificatie/Identificatie",
        _REGELS["TR056"].tekst,
        "9056",
    ),
]
PENDING = [
    old("ADRES", "/Bericht/Client", "Van deze cliënt is geen adres bekend.", None),
    old("XSD", "/Bericht/Header", f"De waarde is geen LDT_Datum: '{BIRTH}'.", None),
]
LINE = [
    old(
        "TR418",
        "/Bericht/Clienten/Client/Prestaties/Prestatie/ProductTarief",
        f"{_REGELS['TR418'].tekst} Tarief 12345 in plaats van 67890 voor {BSN}.",
        "0611",
    ),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _rows(apps, setup: RegionSetup, copies: int):
    message_model = apps.get_model("messaging", "Message")
    declaration_model = apps.get_model("messaging", "Declaration")
    line_model = apps.get_model("messaging", "DeclarationLine")
    common = {"municipality_id": setup.assen.pk, "provider_id": setup.provider.pk}
    messages = message_model.objects.bulk_create(
        [
            message_model(
                direction="in", message_type="WMO305", status="afgekeurd", errors=INBOUND, **common
            )
            for _ in range(copies)
        ]
        + [
            message_model(direction="in", message_type="WMO307", status="deels", errors=CURRENT),
            message_model(direction="uit", message_type="WMO301", status="klaar", errors=PENDING),
            message_model(direction="in", message_type="WMO305", status="goedgekeurd"),
            message_model(direction="in", message_type="WMO323", status="deels", **common),
        ]
    )
    declaration = declaration_model.objects.create(
        message_id=messages[-1].pk,
        number="D1",
        period_start="2026-10-01",
        period_end="2026-10-31",
        submitted_cents=100,
        approved_cents=0,
        **common,
    )
    line_model.objects.bulk_create(
        [
            line_model(
                declaration=declaration,
                allocation_number=1,
                reference=f"R{i}",
                category="15",
                product_code="BW001",
                period_start="2026-10-01",
                period_end="2026-10-31",
                volume=1,
                unit="14",
                amount_cents=100,
                approved=False,
                codes=["0611"],
                findings=LINE,
            )
            for i in range(copies)
        ]
    )


def _stored() -> str:
    every = [m.errors for m in Message.objects.all()] + [
        line.findings for line in DeclarationLine.objects.all()
    ]
    return json.dumps(every, ensure_ascii=False)


def test_old_findings_lose_every_personal_value_and_keep_code_path_and_retourcode(monkeypatch):
    setup = RegionSetup.create()
    monkeypatch.setattr(MIGRATION, "CHUNK", 2)  # several batches
    apps = _migrate(BEFORE)
    _rows(apps, setup, copies=5)
    stored = _stored()
    assert all(value in stored for value in (BIRTH, NAME, GIVEN, POSTCODE, BSN))

    _migrate(AFTER)

    stored = _stored()
    for value in PERSONAL:
        assert value not in stored, value
    assert "12345" not in stored and "Opening and ending" not in stored
    inbound = Message.objects.filter(message_type="WMO305", status="afgekeurd")
    assert inbound.count() == 5
    general_xsd = "Het element voldoet niet aan de XSD."
    for message in inbound:
        assert message.errors == [
            old("TR134", INBOUND[0]["path"], REGELS["TR134"].tekst),
            old("CS002", INBOUND[1]["path"], REGELS["CS002"].tekst),
            old("CS089", INBOUND[2]["path"], REGELS["CS089"].tekst),
            old("XSD", INBOUND[3]["path"], "De waarde is te lang.", None),
            old("XSD", INBOUND[4]["path"], "De waarde heeft niet het vereiste formaat.", None),
            old(
                "XSD",
                INBOUND[5]["path"],
                "De waarde heeft niet de vorm die de XSD hier vraagt.",
                None,
            ),
            old(
                "XSD",
                INBOUND[6]["path"],
                "Dit element wordt hier niet verwacht. Verwacht: Voorvoegsel, Voornamen.",
                None,
            ),
            old("XSD", "/Bericht", general_xsd, None),
            old("XML", "/", "Het bestand is geen goed gevormde XML.", None),
            old("ONBEKEND", "/", MIGRATION.EARLIER, None),
            old("ONBEKEND", "/", MIGRATION.EARLIER, None),
        ]
    assert Message.objects.get(message_type="WMO307").errors == CURRENT
    assert Message.objects.get(direction="uit").errors == [
        old("ADRES", "/Bericht/Client", MIGRATION._OWN["ADRES"][0], None),
        old("XSD", "/Bericht/Header", general_xsd, None),
    ]
    assert Message.objects.get(status="goedgekeurd").errors == []
    for line in DeclarationLine.objects.all():
        assert line.findings == [old("TR418", LINE[0]["path"], _REGELS["TR418"].tekst, "0611")]
        assert line.codes == ["0611"]

    # Once more (a second upgrade path, or a rerun): nothing changes.
    before = _stored()
    _migrate(BEFORE)
    _migrate(AFTER)
    assert _stored() == before


def test_without_the_rule_catalogue_a_rule_finding_gets_a_general_sentence(monkeypatch):
    monkeypatch.setattr(MIGRATION.importlib, "import_module", _missing)
    texts = MIGRATION.rule_texts()
    assert texts == {}
    finding = MIGRATION.whitelisted(INBOUND[0], texts)
    assert finding == old("TR134", INBOUND[0]["path"], MIGRATION.EARLIER)


def _missing(name):
    raise ImportError(name)


HOSTILE = [
    "\ufeff<a/>".encode("utf-16"),
    "<a/>".encode("utf-16-le"),
    b'<?xml version="1.0" encoding="ISO-8859-1"?><a/>',
    b'<?xml version="1.0" encoding="UTF-8"?><a>\xff</a>',
    b'<!DOCTYPE a [<!ENTITY x "1">]><a/>',
    b"<a>\x00</a>",
    b"",
    b"<a><b></a>",
    b"<a>" * 40 + b"</a>" * 40,
]
LIBXML = [
    "Element 'Postcode': [facet 'pattern'] The value '9401 ZZ' is not accepted by the "
    "pattern '[1-9][0-9]{3}[A-Z]{2}'.",
    "Element 'Achternaam': [facet 'maxLength'] The value 'x' has a length of '260'; this "
    "exceeds the allowed maximum length of '200'.",
    "Element 'Datum': '1961-13-01' is not a valid value of the atomic type 'xs:date'.",
    "Element 'Naam': This element is not expected. Expected is ( Voorvoegsel, Voornamen ).",
    "Element 'Client': Missing child element(s). Expected is ( Naam ).",
    "Element 'Soort': [facet 'enumeration'] The value '09' is not an element of the set "
    "{'01', '02'}.",
    "Something libxml2 may say one day about '1961-04-17'.",
]


def test_what_bwmo_stores_now_passes_the_migration_unchanged():
    """The migration keeps today's findings as they are: its copied patterns stay in step
    with the messages bwmo writes (a new sentence there needs its pattern here)."""
    from bwmo.iwmo import _xml, schema
    from bwmo.iwmo.model import IwmoError
    from bwmo.iwmo.validate import xml_error
    from bwmo.messaging.exchange import _errors_json

    errors = []
    for content in HOSTILE:
        with pytest.raises(_xml.XmlSyntaxError) as refused:
            _xml.parse_xml(content)
        errors.append(xml_error(refused.value))
    errors += [IwmoError("XSD", "/Bericht", schema.safe_message(text)) for text in LIBXML]
    texts = MIGRATION.rule_texts()
    assert set(texts) == set(REGELS) | set(_REGELS)
    # TR346 is a rule within a declaration and one against the contract: each keeps its text.
    for tekst in (REGELS["TR346"].tekst, _REGELS["TR346"].tekst):
        found = MIGRATION.whitelisted(old("TR346", "/Bericht", f"{tekst} Gevonden: 12345."), texts)
        assert found["message"] == tekst
    stored = _errors_json(errors)
    assert {e["code"] for e in stored} >= {"ENCODING", "DOCTYPE", "XML", "DEPTH", "XSD"}
    assert [MIGRATION.whitelisted(e, texts) for e in stored] == stored
