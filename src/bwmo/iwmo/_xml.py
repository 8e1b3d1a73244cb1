"""XML plumbing shared by parse, build, schema and validate: namespaces, safe parsing, paths."""

from __future__ import annotations

import re

from lxml import etree

BASIS_NS = "http://www.istandaarden.nl/iwmo/3_2/basisschema/schema"
_MESSAGE_NS = re.compile(r"^http://www\.istandaarden\.nl/iwmo/3_2/(wmo\d{3})/schema$")


def message_ns(message_type: str) -> str:
    """Namespace of a message type, e.g. ``WMO323`` -> ``…/iwmo/3_2/wmo323/schema``."""
    return f"http://www.istandaarden.nl/iwmo/3_2/{message_type.lower()}/schema"


def message_type_of(root: etree._Element) -> str | None:
    """``WMO323`` for a ``Bericht`` root in the wmo323 namespace, ``None`` for anything else."""
    qname = etree.QName(root)
    match = _MESSAGE_NS.match(qname.namespace or "")
    if match is None or qname.localname != "Bericht":
        return None
    return match.group(1).upper()


class XmlSyntaxError(ValueError):
    """The bytes are not acceptable XML: not well-formed, not UTF-8, a DOCTYPE, too big or
    too deep. ``code`` says which (``XML``, ``ENCODING``, ``DOCTYPE``, ``SIZE``, ``DEPTH``);
    the message (Dutch) names what was found and what the standard requires, never the
    content; ``detail`` is the parser's own message, for whoever holds the file."""

    def __init__(self, message: str, *, code: str = "XML", detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


# Files come from outside (providers, the hub): never resolve entities, read a DTD or fetch
# anything; libxml2's own limits on text size and depth stay on (huge_tree=False).
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
)

# A message of the standard is a few levels deep (Bericht/Declaratie/Clienten/Client/
# Prestaties/Prestatie/ProductReferentie/ReferentieNummer is 8); nothing needs more than this.
MAX_DEPTH = 32
# The default size limit of one file; the app passes its setting BWMO_IWMO_MAX_FILE_BYTES.
MAX_BYTES = 20 * 1024 * 1024

_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian, met BOM)"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian, met BOM)"),
    (b"\xfe\xff", "UTF-16 (big-endian, met BOM)"),
    (b"\xff\xfe", "UTF-16 (little-endian, met BOM)"),
)
_NO_BOM = (
    (b"\x00\x00\x00<", "UTF-32 (big-endian, zonder BOM)"),
    (b"<\x00\x00\x00", "UTF-32 (little-endian, zonder BOM)"),
    (b"\x00<", "UTF-16 (big-endian, zonder BOM)"),
    (b"<\x00", "UTF-16 (little-endian, zonder BOM)"),
)
UTF8_BOM = b"\xef\xbb\xbf"
_DECLARATION = re.compile(rb"^<\?xml\s[^>]*?encoding\s*=\s*([\"'])([A-Za-z0-9._-]*)\1")
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_REQUIRED = "Het iWmo-bestand moet in UTF-8 zijn gecodeerd"


def _line_of(xml: bytes, offset: int) -> int:
    return xml.count(b"\n", 0, offset) + 1


def check_bytes(xml: bytes, *, max_bytes: int = MAX_BYTES) -> None:
    """Refuse, before any parsing, what a message of the standard never is.

    The standard requires UTF-8 (XML declaration ``encoding="UTF-8"``). A UTF-8 byte-order
    mark is accepted: it says UTF-8 and changes nothing else. UTF-16/32 (with or without
    BOM), another declared encoding, bytes that are not UTF-8, NUL characters, a DOCTYPE or
    entity declaration anywhere (even in a comment), an empty file and a file over
    ``max_bytes`` are refused with a :class:`XmlSyntaxError` that says what was found.
    """
    if len(xml) > max_bytes:
        raise XmlSyntaxError(
            f"Het bestand is {len(xml):,} bytes; ten hoogste {max_bytes:,} bytes is "
            "toegestaan.".replace(",", "."),
            code="SIZE",
        )
    if not xml.strip():
        raise XmlSyntaxError("Het bestand is leeg; een iWmo-bericht (XML) werd verwacht.")
    for bom, name in _BOMS:
        if xml.startswith(bom):
            raise XmlSyntaxError(f"{_REQUIRED}; dit bestand is {name}.", code="ENCODING")
    for start, name in _NO_BOM:
        if xml.startswith(start):
            raise XmlSyntaxError(f"{_REQUIRED}; dit bestand is {name}.", code="ENCODING")
    body = xml[len(UTF8_BOM) :] if xml.startswith(UTF8_BOM) else xml
    declared = _DECLARATION.match(body)
    if declared is not None:
        name = declared.group(2).decode("ascii")
        if name.upper().replace("_", "-") not in ("UTF-8", "UTF8"):
            raise XmlSyntaxError(
                f'{_REQUIRED} (encoding="UTF-8"); dit bestand geeft encoding="{name[:20]}" op.',
                code="ENCODING",
            )
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise XmlSyntaxError(
            f"{_REQUIRED}; op regel {_line_of(body, exc.start)} staan bytes die geen UTF-8 zijn.",
            code="ENCODING",
        ) from None
    nul = body.find(b"\x00")
    if nul >= 0:
        raise XmlSyntaxError(
            f"Het bestand bevat een NUL-teken (regel {_line_of(body, nul)}); dat is in XML "
            "niet toegestaan.",
        )
    doctype = _DOCTYPE.search(body)
    if doctype is not None:
        raise XmlSyntaxError(
            f"Het bestand bevat een {doctype.group(1).decode().upper()}-declaratie (regel "
            f"{_line_of(body, doctype.start())}); iWmo-berichten hebben die niet en bwmo "
            "weigert ze (ze kunnen bestanden of netwerkadressen laten lezen).",
            code="DOCTYPE",
        )


def _check_depth(root: etree._Element) -> None:
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            raise XmlSyntaxError(
                f"Het bestand is meer dan {MAX_DEPTH} elementen diep genest; een "
                "iWmo-bericht is veel minder diep.",
                code="DEPTH",
            )


def parse_xml(xml: bytes, *, max_bytes: int = MAX_BYTES) -> etree._Element:
    """Parse bytes from outside with the hostile configuration (see :func:`check_bytes`)."""
    check_bytes(xml, max_bytes=max_bytes)
    try:
        root = etree.fromstring(xml, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (0, 0)
        kind = exc.error_log.last_error.type_name if exc.error_log.last_error else ""
        raise XmlSyntaxError(
            f"Het bestand is geen goed gevormde XML: fout op regel {line}, kolom {column}"
            + (f" ({kind})." if kind else "."),
            detail=str(exc),
        ) from exc
    if root.getroottree().docinfo.doctype:  # belt and braces: check_bytes refused it already
        raise XmlSyntaxError("Het bestand bevat een DOCTYPE-declaratie.", code="DOCTYPE")
    _check_depth(root)
    return root


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def elements(parent: etree._Element) -> list[etree._Element]:
    """Child elements, skipping comments and processing instructions."""
    return [child for child in parent if isinstance(child.tag, str)]


def element_path(el: etree._Element) -> str:
    """Path by local names, with a 1-based index only where same-named siblings exist.

    This is the form the standard's own validation reports use, e.g.
    ``/Bericht/Declaratie/Clienten/Client[2]/Prestaties/Prestatie/IngediendBedrag``.
    """
    steps: list[str] = []
    node: etree._Element | None = el
    while node is not None:
        name = local(node)
        parent = node.getparent()
        if parent is not None:
            same = [s for s in elements(parent) if local(s) == name]
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


def step(name: str, index: int, count: int) -> str:
    """One path step for item ``index`` (0-based) of ``count`` same-named siblings."""
    return f"{name}[{index + 1}]" if count > 1 else name


_STEP = re.compile(r"^([^\[\]]+)(?:\[(\d+)\])?$")


def resolve_path(root: etree._Element, path: str) -> etree._Element | None:
    """The element a path from :func:`element_path` points at, or ``None``."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return None
    first = _STEP.match(parts[0])
    if first is None or first.group(1) != local(root):
        return None
    node = root
    for part in parts[1:]:
        match = _STEP.match(part)
        if match is None:
            return None
        name, index = match.group(1), int(match.group(2) or 1)
        same = [s for s in elements(node) if local(s) == name]
        if len(same) < index:
            return None
        node = same[index - 1]
    return node


# Paths of the berichtklassen, built from positions in the dataclasses so that rules on the
# model report the same paths an XSD validator or the XML itself would.
HEADER = "/Bericht/Header"
DAGTEKENING = f"{HEADER}/BerichtIdentificatie/Dagtekening"
CLIENT = "/Bericht/Client"
VERZOEK = f"{CLIENT}/Verzoek"
ANTWOORD = "/Bericht/Antwoord"
DECLARATIE = "/Bericht/Declaratie"


def item_path(container: str, name: str, index: int, count: int, base: str = CLIENT) -> str:
    """E.g. ``/Bericht/Client/StartProducten/StartProduct[2]``."""
    return f"{base}/{container}/{step(name, index, count)}"


def declaratie_client_path(index: int, count: int) -> str:
    return item_path("Clienten", "Client", index, count, base=DECLARATIE)


def prestatie_path(client_index: int, client_count: int, index: int, count: int) -> str:
    base = declaratie_client_path(client_index, client_count)
    return item_path("Prestaties", "Prestatie", index, count, base=base)
