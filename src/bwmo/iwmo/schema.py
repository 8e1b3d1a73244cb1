"""The standard's XSDs, read from a directory the caller names (never copied into bwmo).

The app passes its setting ``BWMO_IWMO_XSD_DIR``. Compiled schemas are cached per directory
and message type; validation is serialised per schema because an lxml validator keeps its
error log on the validator object.
"""

from __future__ import annotations

import re
import threading
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree

from bwmo.iwmo._xml import BASIS_NS, element_path, local, message_type_of
from bwmo.iwmo.model import IwmoError, XsdVersie

_XS = "http://www.w3.org/2001/XMLSchema"
_BASISSCHEMA = "basisschema.xsd"
_QUALIFIED = re.compile(r"\{[^}]*\}")


class SchemaNotFound(LookupError):
    """The directory holds no XSD for this message type."""


@lru_cache(maxsize=64)
def _dir(xsd_dir: str | Path) -> Path:
    # Resolved once per name: every message asks, and resolving asks the file system.
    return Path(xsd_dir).resolve()


def xsd_path(xsd_dir: str | Path, message_type: str) -> Path:
    path = _dir(xsd_dir) / f"{message_type.upper()}.xsd"
    if not path.is_file():
        raise SchemaNotFound(f"geen XSD voor {message_type} in {_dir(xsd_dir)}")
    return path


def available_message_types(xsd_dir: str | Path) -> frozenset[str]:
    """Message types with an XSD in the directory, e.g. ``{"WMO301", …, "WMO323"}``."""
    return frozenset(p.stem.upper() for p in _dir(xsd_dir).glob("WMO[0-9][0-9][0-9].xsd"))


class _Validator:
    def __init__(self, path: Path) -> None:
        self.schema = etree.XMLSchema(etree.parse(str(path)))
        self.lock = threading.Lock()


@cache
def _validator(path: Path) -> _Validator:
    return _Validator(path)


def load_schema(xsd_dir: str | Path, message_type: str) -> etree.XMLSchema:
    """The compiled XSD for a message type (cached)."""
    return _validator(xsd_path(xsd_dir, message_type)).schema


def validate_xsd(
    root: etree._Element, xsd_dir: str | Path, message_type: str | None = None
) -> list[IwmoError]:
    """XSD errors of a parsed message, each with the path of the offending element.

    Controleniveau 1: such a message gets no retour message at all (IV032), so these
    errors carry no retourcode.
    """
    message_type = message_type or message_type_of(root)
    if message_type is None:
        return [IwmoError("XSD", "/" + local(root), "geen iWmo 3.2-bericht (onbekende root)")]
    try:
        validator = _validator(xsd_path(xsd_dir, message_type))
    except SchemaNotFound as exc:
        return [IwmoError("XSD", "/" + local(root), str(exc))]
    with validator.lock:
        validator.schema.validate(root)
        log = list(validator.schema.error_log)
    return [
        IwmoError(
            "XSD",
            _error_path(root, entry.path),
            safe_message(entry.message, entry.type_name),
            detail=_clean(entry.message),
        )
        for entry in log
    ]


def _error_path(root: etree._Element, xpath: str | None) -> str:
    """Translate libxml2's XPath (prefixed or ``/*/*[2]`` style) into our path form."""
    if not xpath:
        return element_path(root)
    namespaces = {p: ns for el in root.iter() for p, ns in el.nsmap.items() if p}
    try:
        found = root.getroottree().xpath(xpath, namespaces=namespaces)
    except etree.XPathError:
        found = []
    if found and isinstance(found[0], etree._Element):
        return element_path(found[0])
    return xpath


# libxml2's schema messages as a whitelist: each form keeps only what comes from the XSD (a
# pattern, the allowed codes, a length, a type or element names), anchored at the end of the
# message so that a value in the file cannot pose as one. Anything else: the error type only.
_LIBXML_FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), dutch)
    for pattern, dutch in (
        (
            r"\[facet 'pattern'\] .* by the pattern '([^']*)'\.?$",
            "De waarde heeft niet het vereiste formaat (patroon {0}).",
        ),
        (
            r"\[facet 'enumeration'\] .* not an element of the set \{([^{}]*)\}\.?$",
            "De waarde is geen toegestane code; toegestaan: {0}.",
        ),
        (r"\[facet 'enumeration'\]", "De waarde is geen toegestane code."),
        (
            r"\[facet 'maxLength'\] .* allowed maximum length of '(\d+)'\.?$",
            "De waarde is te lang: ten hoogste {0} tekens.",
        ),
        (
            r"\[facet 'minLength'\] .* allowed minimum length of '(\d+)'\.?$",
            "De waarde is te kort: ten minste {0} tekens.",
        ),
        (
            r"\[facet 'length'\] .* the allowed length of '(\d+)'\.?$",
            "De waarde moet precies {0} tekens lang zijn.",
        ),
        (
            r"\[facet 'totalDigits'\] .* more digits than are allowed \('(\d+)'\)\.?$",
            "De waarde heeft te veel cijfers: ten hoogste {0}.",
        ),
        (
            r"\[facet 'fractionDigits'\] .* more fractional digits than are allowed "
            r"\('(\d+)'\)\.?$",
            "De waarde heeft te veel cijfers achter de komma: ten hoogste {0}.",
        ),
        (
            r"\[facet 'minInclusive'\] .* less than the minimum value allowed \('(-?\d+)'\)\.?$",
            "De waarde is kleiner dan het minimum {0}.",
        ),
        (
            r"\[facet 'maxInclusive'\] .* greater than the maximum value allowed "
            r"\('(-?\d+)'\)\.?$",
            "De waarde is groter dan het maximum {0}.",
        ),
        (
            r"is not a valid value of the (?:local )?(?:atomic|union|list) type '([^']*)'\.?$",
            "De waarde is geen geldige {0}.",
        ),
        (
            r"is not a valid value of the local (?:atomic|union|list) type\.?$",
            "De waarde heeft niet de vorm die de XSD hier vraagt.",
        ),
        (
            r"This element is not expected\. Expected is (?:one of )?\( ([A-Za-z0-9_, ]*) \)\.?$",
            "Dit element wordt hier niet verwacht. Verwacht: {0}.",
        ),
        (r"This element is not expected\.?$", "Dit element wordt hier niet verwacht."),
        (
            r"Missing child element\(s\)\. Expected is (?:one of )?\( ([A-Za-z0-9_, ]*) \)\.?$",
            "Er ontbreekt een element. Verwacht: {0}.",
        ),
        (
            r"Character content other than whitespace is not allowed",
            "Hier is geen tekst toegestaan, alleen elementen.",
        ),
        (
            r"No matching global declaration available for the validation root",
            "Het root-element past niet bij de XSD van dit bericht.",
        ),
    )
)


def safe_message(message: str, type_name: str = "") -> str:
    """An XSD error without any value from the message: what the XSD expected, in Dutch."""
    cleaned = _clean(message)
    for pattern, dutch in _LIBXML_FORMS:
        found = pattern.search(cleaned)
        if found is not None:
            return dutch.format(*(g.replace("xs:", "") for g in found.groups()))
    kind = re.sub(r"[^A-Z0-9_]", "", type_name)[:60]
    return "Het element voldoet niet aan de XSD" + (f" ({kind})." if kind else ".")


def _clean(message: str) -> str:
    # "Element '{http://…/wmo323/schema}Eenheid': …" reads better without the namespace.
    return _QUALIFIED.sub("", message).strip()


@cache
def _appinfo(path: Path) -> dict[str, str]:
    tree = etree.parse(str(path))
    info = tree.find(f"{{{_XS}}}annotation/{{{_XS}}}appinfo")
    return {} if info is None else {local(el): (el.text or "").strip() for el in info}


def xsd_versie(xsd_dir: str | Path, message_type: str) -> XsdVersie:
    """BasisschemaXsdVersie and BerichtXsdVersie as the XSD's appinfo states them (IV034)."""
    info = _appinfo(xsd_path(xsd_dir, message_type))
    return XsdVersie(basisschema=info["BasisschemaXsdVersie"], bericht=info["BerichtXsdVersie"])


def basisschema_versie(xsd_dir: str | Path) -> str:
    return _appinfo(_dir(xsd_dir) / _BASISSCHEMA)["BasisschemaXsdVersie"]


@cache
def _basisschema(path: Path) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(path))


@lru_cache(maxsize=4096)
def is_valid_value(xsd_dir: str | Path, type_name: str, value: str) -> bool:
    """Whether ``value`` satisfies a simple type of the basisschema, e.g. ``LDT_RetourCode``.

    Used for the elements of retour and declaratie-antwoord messages, whose own XSDs are not
    in the directory: their values are checked against the basisschema types they are
    declared with.
    """
    return bool(_basis_type(_dir(xsd_dir), type_name).is_valid(value))


@cache
def _basis_type(folder: Path, type_name: str) -> Any:  # an xmlschema simple type
    return _basisschema(folder / _BASISSCHEMA).maps.types[f"{{{BASIS_NS}}}{type_name}"]
