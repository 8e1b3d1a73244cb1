"""Files from outside are parsed with a hostile configuration: each attack is refused with a
finding that says what was found and what the standard requires, and nothing is fetched."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bwmo.iwmo import validate_message
from bwmo.iwmo._xml import MAX_DEPTH, XmlSyntaxError, parse_xml

from .conftest import EXAMPLES, TODAY, XSD_DIR, example

DECL = b'<?xml version="1.0" encoding="UTF-8"?>'
# Without the standard beside the project these tests are skipped (conftest); the module must
# still load, so a stand-in is read then.
EX = example("WMO305") if EXAMPLES.is_dir() else DECL + b"<Bericht/>"
BODY = EX[len(DECL) :]
assert EX.startswith(DECL)


def refused(xml: bytes, **kwargs) -> XmlSyntaxError:
    with pytest.raises(XmlSyntaxError) as raised:
        parse_xml(xml, **kwargs)
    result = validate_message(xml, XSD_DIR, today=TODAY, **kwargs)
    assert not result.valid and [e.code for e in result.errors] == [raised.value.code]
    return raised.value


BILLION_LAUGHS = DECL + (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
    b"<lolz>&lol4;</lolz>"
)


@pytest.mark.parametrize(
    "xml",
    [
        BILLION_LAUGHS,
        DECL + b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        DECL + b'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><r>&x;</r>',
        DECL + b'<!DOCTYPE Bericht SYSTEM "http://127.0.0.1:9/iwmo.dtd">' + BODY,
        DECL + b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>',
        # An entity used inside the message made libxml2's schema validation fail.
        EX.replace(b"?>", b'?><!DOCTYPE Bericht [<!ENTITY x "1">]>', 1),
        DECL + b"<!doctype r><r/>",  # any case
        DECL + b"<!-- <!DOCTYPE r> -->" + BODY,  # even in a comment: refused, documented
    ],
    ids=[
        "billion-laughs",
        "xxe-file",
        "xxe-http",
        "external-dtd",
        "parameter-entity",
        "entity-in-message",
        "lowercase",
        "in-comment",
    ],
)
def test_a_doctype_is_refused_before_parsing(xml):
    error = refused(xml)
    assert error.code == "DOCTYPE"
    assert "DOCTYPE" in str(error) and "weigert" in str(error)
    assert "root:" not in str(error) + error.detail  # nothing of /etc/passwd


@pytest.mark.parametrize(
    ("xml", "found"),
    [
        (EX.decode().encode("utf-16"), "UTF-16 (little-endian, met BOM)"),
        (EX.decode().encode("utf-16-be"), "UTF-16 (big-endian, zonder BOM)"),
        (EX.decode().encode("utf-16-le"), "UTF-16 (little-endian, zonder BOM)"),
        (b"\xfe\xff" + EX.decode().encode("utf-16-be"), "UTF-16 (big-endian, met BOM)"),
        (EX.decode().encode("utf-32"), "UTF-32 (little-endian, met BOM)"),
        (EX.replace(b'"UTF-8"', b'"ISO-8859-1"'), 'encoding="ISO-8859-1"'),
        (EX.replace(b'"UTF-8"', b"'windows-1252'"), 'encoding="windows-1252"'),
        (EX.replace(b"<wmo305:Geslacht>", "<wmo305:Geslacht>é".encode("latin-1")), "regel "),
    ],
    ids=["utf16-bom", "utf16be", "utf16le", "utf16be-bom", "utf32", "latin1", "cp1252", "bytes"],
)
def test_only_utf8_is_accepted(xml, found):
    error = refused(xml)
    assert error.code == "ENCODING"
    assert "UTF-8" in str(error) and found in str(error)


def test_a_utf8_bom_is_accepted():
    # The standard asks for UTF-8; a UTF-8 byte-order mark says just that and is harmless.
    assert validate_message(b"\xef\xbb\xbf" + EX, XSD_DIR, today=TODAY).valid
    assert validate_message(EX.replace(b'"UTF-8"', b'"utf-8"'), XSD_DIR, today=TODAY).valid


def test_a_file_over_the_size_limit_is_not_parsed():
    error = refused(EX, max_bytes=len(EX) - 1)
    assert error.code == "SIZE" and f"{len(EX) - 1}" in str(error).replace(".", "")
    assert validate_message(EX, XSD_DIR, today=TODAY, max_bytes=len(EX)).valid


def test_a_huge_text_stays_within_libxml2s_limits():
    # Over libxml2's 10 MB text node limit without huge_tree: refused as not well-formed.
    big = DECL + b"<r>" + b"a" * (10_000_001) + b"</r>"
    assert refused(big, max_bytes=len(big)).code == "XML"


def test_deep_nesting_is_refused():
    deep = DECL + b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1)
    assert refused(deep).code == "DEPTH"
    deeper = DECL + b"<a>" * 100_000 + b"</a>" * 100_000  # libxml2's own limit
    assert refused(deeper).code == "XML"
    assert parse_xml(DECL + b"<a>" * MAX_DEPTH + b"</a>" * MAX_DEPTH) is not None


@pytest.mark.parametrize(
    ("xml", "code", "says"),
    [
        (EX[:200] + b"\x00" + EX[200:], "XML", "NUL-teken"),
        (b"", "XML", "leeg"),
        (b"  \n", "XML", "leeg"),
        (b"dit is geen xml", "XML", "geen goed gevormde XML"),
        (b"%PDF-1.4\n", "XML", "geen goed gevormde XML"),
        (EX[: len(EX) // 2], "XML", "geen goed gevormde XML"),
    ],
    ids=["nul", "empty", "blank", "text", "pdf", "truncated"],
)
def test_other_bad_bytes(xml, code, says):
    error = refused(xml)
    assert error.code == code and says in str(error)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_give_a_result_never_an_exception(junk):
    result = validate_message(junk, XSD_DIR, today=TODAY)
    assert not result.valid and result.errors
    for e in result.errors:
        assert e.message and "Traceback" not in e.message
