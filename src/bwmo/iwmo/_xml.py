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
    """The bytes are not well-formed XML."""


# Messages come from outside (providers, the hub): never resolve entities or fetch anything.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_xml(xml: bytes) -> etree._Element:
    try:
        return etree.fromstring(xml, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlSyntaxError(str(exc)) from exc


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
