"""Bad files from providers: each is recorded as ongeldig with a clear finding, the run goes
on, the screen says why in Dutch, and a stored finding holds no personal value."""

from __future__ import annotations

import io
import json
import random
import re
from contextlib import redirect_stdout
from hashlib import sha256

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from bwmo.care.models import Indication
from bwmo.iwmo import aanbieder, schema
from bwmo.iwmo import model as m
from bwmo.messaging import exchange
from bwmo.messaging.models import (
    AllocationRequest,
    DeliveryEvent,
    Direction,
    Message,
    MessageStatus,
)
from tests.factories import RegionSetup, granted_client

from .conftest import XSD_DIR, client_basis

pytestmark = pytest.mark.django_db

DECL = b'<?xml version="1.0" encoding="UTF-8"?>'


def start_305(person, indication, ident="S1"):
    return aanbieder.build_wmo305(
        afzender="73000001",
        ontvanger="0106",
        identificatie=ident,
        dagtekening=timezone.localdate(),
        client=client_basis(person),
        start_producten=[
            m.StartProduct(indication.valid_from, "1", indication.pk, m.Product("15", "BW001"))
        ],
        xsd_dir=XSD_DIR,
    )


def bad_files(good: bytes) -> dict[str, bytes]:
    body = good[good.index(b"?>") + 2 :]
    return {
        "a-utf16.xml": good.decode().encode("utf-16"),
        "b-utf16-zonder-bom.xml": good.decode().encode("utf-16-le"),
        "c-latin1.xml": good.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"', 1),
        "d-entity.xml": DECL + b'<!DOCTYPE Bericht [<!ENTITY x "1">]>' + body,
        "e-xxe.xml": DECL + b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        "f-nul.xml": good[:120] + b"\x00" + good[120:],
        "g-leeg.xml": b"",
        "h-afgebroken.xml": good[: len(good) // 2],
        "i-diep.xml": DECL + b"<a>" * 60 + b"</a>" * 60,
    }


@pytest.fixture
def setup():
    return RegionSetup.create()


@pytest.fixture
def granted(setup):
    person = granted_client(setup)
    return person, Indication.objects.get(client=person)


def test_every_bad_file_is_recorded_and_the_good_file_behind_it_is_processed(granted, tmp_path):
    person, indication = granted
    good = start_305(person, indication)
    for name, content in bad_files(good).items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "z-goed.xml").write_bytes(good)

    results = exchange.import_directory(tmp_path, today=timezone.localdate())

    by_name = {r.file.name: r for r in results}
    assert by_name["z-goed.xml"].status == MessageStatus.ACCEPTED
    indication.refresh_from_db()
    assert indication.started_on == indication.valid_from
    expected = {
        "a-utf16.xml": ("ENCODING", "UTF-16"),
        "b-utf16-zonder-bom.xml": ("ENCODING", "zonder BOM"),
        "c-latin1.xml": ("ENCODING", 'encoding="ISO-8859-1"'),
        "d-entity.xml": ("DOCTYPE", "DOCTYPE"),
        "e-xxe.xml": ("DOCTYPE", "DOCTYPE"),
        "f-nul.xml": ("XML", "NUL-teken"),
        "g-leeg.xml": ("XML", "leeg"),
        "h-afgebroken.xml": ("XML", "geen goed gevormde XML"),
        "i-diep.xml": ("DEPTH", "genest"),
    }
    for name, (code, says) in expected.items():
        message = Message.objects.get(direction=Direction.IN, filename=name)
        assert message.status == MessageStatus.INVALID, name
        [finding] = message.errors
        assert finding["code"] == code and says in finding["message"], (name, finding)
        assert "\x00" not in message.content
    # A second run: every file is known, none stops the run.
    again = exchange.import_directory(tmp_path, today=timezone.localdate())
    outcomes = {r.file.name: r.outcome for r in again}
    assert {outcomes[name] for name in [*expected, "z-goed.xml"]} == {exchange.Outcome.DUPLICATE}
    assert set(outcomes.values()) <= {exchange.Outcome.DUPLICATE, exchange.Outcome.SKIPPED}


def test_a_file_over_the_limit_is_recorded_without_its_content(granted, tmp_path, settings):
    person, indication = granted
    good = start_305(person, indication)
    settings.BWMO_IWMO_MAX_FILE_BYTES = len(good) - 1
    (tmp_path / "groot.xml").write_bytes(good)
    [result] = exchange.import_directory(tmp_path, today=timezone.localdate())
    message = Message.objects.get(direction=Direction.IN)
    assert result.status == MessageStatus.INVALID and message.errors[0]["code"] == "SIZE"
    assert message.content == ""
    assert DeliveryEvent.objects.count() == 0


def test_a_failure_inside_bwmo_is_rolled_back_recorded_and_the_run_goes_on(
    granted, tmp_path, monkeypatch
):
    person, indication = granted
    (tmp_path / "a.xml").write_bytes(start_305(person, indication, "S1"))
    (tmp_path / "b.xml").write_bytes(start_305(person, indication, "S2"))
    real = exchange.importer._Import._start
    calls = []

    def start_then_fail(self, p):
        real(self, p)  # the effect is written, then bwmo fails
        calls.append(p)
        if len(calls) == 1:
            raise KeyError("kapot")

    monkeypatch.setattr(exchange.importer._Import, "_start", start_then_fail)
    a, b = exchange.import_directory(tmp_path, today=timezone.localdate())
    assert (a.status, a.errors[0]["code"]) == (MessageStatus.INVALID, "INTERN")
    assert b.status == MessageStatus.ACCEPTED
    # Nothing of the failed file stayed: only the second file's start and answer.
    assert DeliveryEvent.objects.filter(message__filename="a.xml").count() == 0
    assert Message.objects.filter(direction=Direction.OUT, reply_to__filename="a.xml").count() == 0


# --- the upload screen ----------------------------------------------------------------------


@pytest.fixture
def contract(client, region_setup, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(region_setup.users["contract"])
    return client


def _upload(http, name, content):
    return http.post(
        reverse("messaging:upload"),
        {"bestand": SimpleUploadedFile(name, content, content_type="text/xml")},
        follow=True,
    )


def test_the_upload_screen_explains_a_refused_file_in_dutch(contract, region_setup):
    person = granted_client(region_setup)
    good = start_305(person, Indication.objects.get(client=person))
    for name, content in bad_files(good).items():
        response = _upload(contract, name, content)
        assert response.status_code == 200, name
        page = response.content.decode()
        # An empty upload is refused by the form itself (Django's own Dutch message).
        assert "Het bestand is niet verwerkt:" in page or "is leeg" in page, name
    page = _upload(contract, "u.xml", good.decode().encode("utf-16") + b" ").content.decode()
    assert "moet in UTF-8 zijn gecodeerd; dit bestand is UTF-16" in page
    page = _upload(contract, "d.xml", bad_files(good)["e-xxe.xml"] + b" ").content.decode()
    assert "DOCTYPE-declaratie" in page and "root:" not in page


# --- stored findings name the element and the rule, never a value -------------------------

PERSONAL = {
    "bsn": "999911120",
    "birth": "1961-04-17",
    "surname": "Zwartveenhuis",
    "given": "Geertruida",
    "postcode": "9401ZZ",
}


def _personal_cases(good: bytes, person) -> dict[str, bytes]:
    text = good.decode()
    dag = re.search(r"<[\w:]*Dagtekening>([^<]+)<", text).group(1)

    def sub(pattern, value):
        return re.sub(pattern, value, text, count=1).encode()

    return {
        # TR134: a birth date after the Dagtekening.
        "tr134": sub(r"(<iwmo:Datum>)[^<]+(</iwmo:Datum>)", r"\g<1>2099-04-17\2"),
        # CS002: a BSN that fails the 11-proof.
        "cs002": text.replace(person.bsn, "999911121").encode(),
        # XSD: a name that is too long and one with a forbidden pattern (only spaces).
        "xsd-naam": text.replace(person.surname, PERSONAL["surname"] * 20).encode(),
        "xsd-datum": sub(r"(<iwmo:Datum>)[^<]+(</iwmo:Datum>)", rf"\g<1>{PERSONAL['birth']}X\2"),
        "xsd-bsn": text.replace(person.bsn, PERSONAL["bsn"] + "0").encode(),
        "xsd-voornaam": sub(
            r"(</iwmo:Geslachtsnaam>)",
            rf"\1<iwmo:Voornamen>{PERSONAL['given'] * 30}</iwmo:Voornamen>",
        ),
        "dag": text.replace(dag, dag).encode(),
    }


def test_no_personal_value_reaches_the_stored_findings_or_the_screen(contract, region_setup):
    person = granted_client(region_setup)
    good = start_305(person, Indication.objects.get(client=person))
    cases = _personal_cases(good, person)
    values = [*PERSONAL.values(), "2099-04-17", "999911121", person.bsn, person.surname]
    for i, (name, content) in enumerate(cases.items()):
        content = content.replace(b">S1<", f">P{i}<".encode())
        response = _upload(contract, f"{name}.xml", content)
        assert response.status_code == 200
        message = Message.objects.filter(direction=Direction.IN).order_by("-pk").first()
        stored = json.dumps(message.errors, ensure_ascii=False)
        page = contract.get(reverse("messaging:detail", args=[message.pk])).content.decode()
        page = page.split("<main", 1)[-1]
        for value in values:
            assert value not in stored, (name, value, stored)
            assert value not in page, (name, value)
    codes = {
        e["code"] for msg in Message.objects.filter(direction=Direction.IN) for e in msg.errors
    }
    assert {"TR134", "CS002", "XSD"} <= codes


# --- fuzzing: the standard's examples mutated at byte level --------------------------------
#
# Random byte damage alone almost never yields a file that parses, passes the XSD and is not
# UTF-8 (the shape that once reached the database as undecodable text), so those shapes are
# mutation kinds of their own and every drill runs each of them as an explicit example on
# top of the random ones. An oracle says what the answer must be where it is known: a file
# that is not UTF-8 or carries a DOCTYPE is recorded as ongeldig with ENCODING or DOCTYPE.

EXAMPLES = XSD_DIR.parent / "examples"
SEEDS = {p.stem: p.read_bytes() for p in sorted(EXAMPLES.glob("WMO3[0-2]*.xml"))}
INBOUND_SEEDS = {k: v for k, v in SEEDS.items() if k in exchange.INBOUND}
# Well-formed, schema-valid, and not UTF-8: past every check that looks at the XML only.
NOT_UTF8 = ("utf16-bom", "utf32-bom", "latin1", "latin1-declared")
WITH_DOCTYPE = ("doctype", "doctype-entity-used", "doctype-external")
# Of those, the ones lxml reads and the XSD accepts (libxml2 reads no UTF-32, refuses bytes
# that contradict the declaration, and loads no external entity).
PAST_THE_PARSER = ("utf16-bom", "latin1-declared", "doctype", "doctype-entity-used")
EXPECTED_CODE = {**dict.fromkeys(NOT_UTF8, "ENCODING"), **dict.fromkeys(WITH_DOCTYPE, "DOCTYPE")}
_FIRST_TEXT = re.compile(rb">([A-Za-z0-9][^<]*)<")


def _reencode(seed: bytes, codec: str, declare: str | None) -> bytes:
    text = seed.decode()
    if declare is not None:
        text = text.replace('encoding="UTF-8"', f'encoding="{declare}"', 1)
    return text.encode(codec)


def _mutate(seed: bytes, kind: str, at: float, extra: bytes) -> bytes:
    i = int(at * len(seed))
    match kind:
        case "truncate":
            return seed[:i]
        case "flip":
            return seed[:i] + bytes([seed[i] ^ 0xFF]) + seed[i + 1 :] if i < len(seed) else seed
        case "insert":
            return seed[:i] + extra + seed[i:]
        case "non-utf8":
            return seed[:i] + b"\xc3\x28\xff\xfe" + seed[i:]
        case "bom":
            return random.Random(i).choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]) + seed
        case "nesting":
            n = 20 + i % 400
            return seed.replace(b"</", b"<x>" * n + b"</x>" * n + b"</", 1)
        case "huge-number":
            return re.sub(rb">(\d+)<", b">" + b"9" * (30 + i % 300) + b"<", seed, count=1)
        case "utf16":  # UTF-16 without BOM: NUL-interleaved ASCII
            return seed.decode().encode("utf-16-le")
        case "utf16-bom" | "utf32-bom":  # as an editor saves it; declared so, or still UTF-8
            codec = "utf-16" if kind == "utf16-bom" else "utf-32"
            return _reencode(seed, codec, codec.upper() if at >= 0.5 else None)
        case "latin1" | "latin1-declared":
            # A name with a diaeresis, in a comment the XSD does not see, in ISO-8859-1;
            # "latin1" leaves the declaration saying UTF-8 (the bytes say otherwise).
            declare = "ISO-8859-1" if kind == "latin1-declared" else None
            body = seed.decode().replace("?>", "?><!-- Geërtruida Zwartveenhuis -->", 1)
            return _reencode(body.encode(), "latin-1", declare)
        case "doctype":  # the entity's text as letters and digits: only the DOCTYPE is wrong
            value = bytes(c for c in extra if chr(c).isascii() and chr(c).isalnum())
            return seed.replace(b"?>", b'?><!DOCTYPE Bericht [<!ENTITY e "' + value + b'">]>', 1)
        case "doctype-entity-used":
            declared = seed.replace(b"?>", b'?><!DOCTYPE Bericht [<!ENTITY e "Ja">]>', 1)
            return _FIRST_TEXT.sub(rb">\1&e;<", declared, count=1)
        case "doctype-external":
            entity = b'<!DOCTYPE Bericht [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
            return _FIRST_TEXT.sub(rb">&e;<", seed.replace(b"?>", b"?>" + entity, 1), count=1)
    raise AssertionError(kind)


RANDOM_KINDS = ["truncate", "flip", "insert", "non-utf8", "bom", "nesting", "huge-number", "utf16"]
KINDS = st.sampled_from([*RANDOM_KINDS, *NOT_UTF8, *WITH_DOCTYPE])
FUZZ = settings(
    max_examples=30,  # random ones, on top of the explicit KNOWN_BAD examples
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
TRIED: dict[str, int] = {}
# The known-bad shapes, each on a start (305) and on a declaration (323), every run.
KNOWN_BAD = [
    (seed, kind, at)
    for kind in [*NOT_UTF8, *WITH_DOCTYPE, "utf16"]
    for seed, at in (("WMO305", 0.0), ("WMO323", 0.9))
]


def known_bad(test):
    for seed, kind, at in reversed(KNOWN_BAD):
        test = example(seed=seed, kind=kind, at=at, extra=b"x")(test)
    return test


def test_the_known_bad_shapes_pass_every_check_on_the_xml_alone():
    """They are worth their examples: lxml reads them (and the XSD accepts the re-encoded
    ones), so only the intake's own checks (UTF-8, no DOCTYPE) stop them."""
    for seed, kind, at in KNOWN_BAD:
        if kind not in PAST_THE_PARSER:
            continue
        content = _mutate(SEEDS[seed], kind, at, b"x")
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False))
        if kind in NOT_UTF8:
            assert not schema.validate_xsd(root, XSD_DIR), (seed, kind)
            with pytest.raises(UnicodeDecodeError):
                content.decode("utf-8")
        else:  # an unresolved entity reference in the tree is more than libxml2's XSD takes
            assert root.getroottree().docinfo.doctype, (seed, kind)


def _assert_refused_as_expected(kind: str, status, errors) -> None:
    if kind in EXPECTED_CODE:
        assert status == MessageStatus.INVALID, (kind, status, errors)
        assert [e["code"] for e in errors] == [EXPECTED_CODE[kind]], (kind, errors)


@FUZZ
@known_bad
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    kind=KINDS,
    at=st.floats(0, 1),
    extra=st.binary(max_size=20),
)
def test_fuzz_validate_exits_0_or_2_and_never_raises(seed, kind, at, extra, tmp_path_factory):
    path = tmp_path_factory.mktemp("v") / "f.xml"
    path.write_bytes(_mutate(SEEDS[seed], kind, at, extra))
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as stop:
        call_command("iwmo", "validate", str(path), stdout=out)
        raise SystemExit(0)
    document = json.loads(out.getvalue())
    [file] = document["files"]
    assert stop.value.code == (0 if file["valid"] else 2)
    assert file["valid"] or file["errors"]
    if kind in EXPECTED_CODE:
        assert not file["valid"] and file["errors"][0]["code"] == EXPECTED_CODE[kind], file
    TRIED["validate"] = TRIED.get("validate", 0) + 1


@pytest.fixture
def good_start(region_setup):
    """An acceptable start (305), for a new client with an indication at every call."""

    def make() -> bytes:
        person = granted_client(region_setup)
        return start_305(person, Indication.objects.get(client=person), f"G{person.pk}")

    return make


@FUZZ
@known_bad
@given(
    seed=st.sampled_from(sorted(INBOUND_SEEDS)),
    kind=KINDS,
    at=st.floats(0, 1),
    extra=st.binary(max_size=20),
)
def test_fuzz_import_records_every_file_and_goes_on(
    seed, kind, at, extra, tmp_path_factory, good_start
):
    folder = tmp_path_factory.mktemp("i")
    content = _mutate(INBOUND_SEEDS[seed], kind, at, extra)
    good = good_start()
    (folder / "a.xml").write_bytes(content)
    (folder / "b-leeg.xml").write_bytes(b"")
    (folder / "z-goed.xml").write_bytes(good)
    before = {
        "events": DeliveryEvent.objects.count(),
        "requests": AllocationRequest.objects.count(),
        "messages": Message.objects.filter(direction=Direction.IN).count(),
    }
    results = exchange.import_directory(folder, today=timezone.localdate())
    assert [r.file.name for r in results] == ["a.xml", "b-leeg.xml", "z-goed.xml"]
    for r in results:
        assert r.outcome in (exchange.Outcome.PROCESSED, exchange.Outcome.DUPLICATE), r
        assert not any(e["code"] == "INTERN" for e in r.errors), r.errors
    first, _, last = results
    if first.outcome == exchange.Outcome.DUPLICATE:  # an input hypothesis tried before
        recorded = Message.objects.get(direction=Direction.IN, sha256=sha256(content).hexdigest())
        _assert_refused_as_expected(kind, recorded.status, recorded.errors)
    else:
        _assert_refused_as_expected(kind, first.status, first.errors)
    # Every file new to bwmo is recorded; the good file behind the bad one is accepted.
    new = sum(r.outcome == exchange.Outcome.PROCESSED for r in results)
    assert Message.objects.filter(direction=Direction.IN).count() == before["messages"] + new
    assert last.status == MessageStatus.ACCEPTED, last.errors
    assert DeliveryEvent.objects.count() > before["events"]
    if first.outcome == exchange.Outcome.PROCESSED and first.status == MessageStatus.INVALID:
        assert first.errors  # with a finding, and no effect applied
        assert AllocationRequest.objects.count() == before["requests"]
        assert first.reply is None  # and no answer written
    TRIED["import"] = TRIED.get("import", 0) + 1


@FUZZ
@known_bad
@given(
    seed=st.sampled_from(sorted(INBOUND_SEEDS)),
    kind=KINDS,
    at=st.floats(0, 1),
    extra=st.binary(max_size=20),
)
def test_fuzz_upload_answers_in_dutch_never_500(seed, kind, at, extra, contract, good_start):
    content = _mutate(INBOUND_SEEDS[seed], kind, at, extra or b"&")
    count = Message.objects.filter(direction=Direction.IN).count()
    response = _upload(contract, "fuzz.xml", content)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Traceback" not in page
    assert any(
        text in page
        for text in (
            "Het bestand is niet verwerkt:",
            "Het bestand is ingelezen",
            "al eerder ingelezen",
            "een bericht dat de gemeente zelf verstuurt",
            "is leeg",
        )
    ), page[:2000]
    if kind in EXPECTED_CODE:
        message = Message.objects.get(direction=Direction.IN, sha256=sha256(content).hexdigest())
        assert Message.objects.filter(direction=Direction.IN).count() in (count, count + 1)
        _assert_refused_as_expected(kind, message.status, message.errors)
    # The next upload, a good file, is read in as usual.
    page = _upload(contract, "goed.xml", good_start()).content.decode()
    assert "Het bestand is ingelezen: Goedgekeurd" in page, page[:2000]
    TRIED["upload"] = TRIED.get("upload", 0) + 1
