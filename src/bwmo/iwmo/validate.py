"""One entry point for a received or built message: XSD first, then the in-message rules.

Decision: the rules run only on an XSD-valid message. An XSD-invalid message is rejected at
controleniveau 1 and gets no retour message at all (IV028, IV032), so rule findings could not
be reported anyway; and the rules read typed values (dates, amounts) that only the XSD
guarantees. The result then holds the XSD errors alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lxml import etree

from bwmo.iwmo import schema
from bwmo.iwmo._xml import MAX_BYTES, XmlSyntaxError, message_type_of, parse_xml
from bwmo.iwmo.model import Bericht, IwmoError
from bwmo.iwmo.parse import IwmoParseError, parse_element
from bwmo.iwmo.rules import check_message


@dataclass(frozen=True)
class ValidationResult:
    message_type: str | None  # e.g. "WMO323"; None when not an iWmo 3.2 message
    valid: bool
    errors: list[IwmoError] = field(default_factory=list)
    bericht: Bericht | None = None  # the parsed message, when it is XSD-valid


def validate_message(
    xml_bytes: bytes,
    xsd_dir: str | Path,
    *,
    today: date,
    strict: bool = False,
    max_bytes: int = MAX_BYTES,
) -> ValidationResult:
    """Validate a message against its XSD (from ``xsd_dir``) and the standard's rules.

    ``today`` is the system date TR135 compares the Dagtekening with. ``strict`` also
    enforces the rules of :data:`bwmo.iwmo.rules.STRICT_ONLY`. The bytes are parsed with
    :func:`bwmo.iwmo._xml.parse_xml` (UTF-8 only, no DOCTYPE, at most ``max_bytes``).
    """
    try:
        root = parse_xml(xml_bytes, max_bytes=max_bytes)
    except XmlSyntaxError as exc:
        return ValidationResult(None, False, [xml_error(exc)])
    return validate_root(root, xsd_dir, today=today, strict=strict)


def validate_declarations(
    contents: list[bytes], xsd_dir: str | Path, *, today: date, max_bytes: int = MAX_BYTES
) -> list[ValidationResult | None]:
    """For a batch import: per file the result of :func:`validate_root` when it is a readable,
    XSD-valid declaration (WMO323), else None (the importer takes any other file one by one,
    from its bytes). Plain Python on bytes, so a worker process can do it beside the
    importer."""
    results: list[ValidationResult | None] = []
    for content in contents:
        try:
            root = parse_xml(content, max_bytes=max_bytes)
        except XmlSyntaxError:
            results.append(None)
            continue
        if message_type_of(root) != "WMO323":
            results.append(None)
            continue
        result = validate_root(root, xsd_dir, today=today)
        results.append(result if result.bericht is not None else None)
    return results


def xml_error(exc: XmlSyntaxError) -> IwmoError:
    """The finding for a file refused before or while parsing."""
    return IwmoError(exc.code, "/", str(exc), detail=exc.detail)


def validate_root(
    root: etree._Element, xsd_dir: str | Path, *, today: date, strict: bool = False
) -> ValidationResult:
    """:func:`validate_message` for a message already parsed (with ``parse_xml``)."""
    message_type = message_type_of(root)
    errors = schema.validate_xsd(root, xsd_dir, message_type)
    if errors:
        return ValidationResult(message_type, False, errors)
    try:
        bericht = parse_element(root)
    except IwmoParseError as exc:
        error = IwmoError(
            "XSD", "/Bericht", f"Het bericht is niet te lezen als {message_type}.", detail=str(exc)
        )
        return ValidationResult(message_type, False, [error])
    errors = check_message(bericht, today=today, strict=strict)
    return ValidationResult(message_type, not errors, errors, bericht)
