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

import xmlschema
from lxml import etree

from bwmo.iwmo._xml import BASIS_NS, element_path, local, message_type_of
from bwmo.iwmo.model import IwmoError, XsdVersie

_XS = "http://www.w3.org/2001/XMLSchema"
_BASISSCHEMA = "basisschema.xsd"
_QUALIFIED = re.compile(r"\{[^}]*\}")


class SchemaNotFound(LookupError):
    """The directory holds no XSD for this message type."""


def _dir(xsd_dir: str | Path) -> Path:
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
    return [IwmoError("XSD", _error_path(root, entry.path), _clean(entry.message)) for entry in log]


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
    schema = _basisschema(_dir(xsd_dir) / _BASISSCHEMA)
    return bool(schema.maps.types[f"{{{BASIS_NS}}}{type_name}"].is_valid(value))
