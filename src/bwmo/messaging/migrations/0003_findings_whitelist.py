"""Findings stored by earlier versions of bwmo, rewritten to the whitelist bwmo stores now.

Earlier versions stored a finding's text as the rule text followed by what was found (a
birth date, a postcode, a name from an XSD message), masking only 8–9-digit numbers and
quoted values. bwmo now stores only the rule code, the element path, the retourcode and the
rule's text or the expected form (``bwmo.messaging.exchange.records._errors_json``). This migration
rewrites every stored finding (``Message.errors``, inbound and outbound, and
``DeclarationLine.findings``) to that form:

* ``code`` and ``path`` are kept when they have the form of a rule code and an element path
  (else ``ONBEKEND`` and ``/``), ``retourcode`` when it has the form of a WJ001 code;
* ``message`` becomes the rule's current text for a rule of the standard; for bwmo's own
  findings (XSD, XML, ENCODING …) it is kept only when it is one of the sentences bwmo now
  writes, else it becomes the general sentence for that kind of finding; an old XSD message
  becomes the Dutch sentence for its kind of error, without the value.

Nothing of the old text is carried over except what the patterns below allow. The patterns
are copied here (not imported) so that this migration keeps working when the app changes;
only the rule catalogue is read from :mod:`bwmo.iwmo`, and without it a rule's finding gets
a general sentence. Reversing is a no-op: the old texts are gone on purpose.
"""

from __future__ import annotations

import importlib
import re

from django.db import migrations

CHUNK = 500

_CODE = re.compile(r"[A-Z]{2,8}[0-9]{0,4}")
_PATH = re.compile(r"/|(/[A-Za-z][A-Za-z0-9]*(\[[0-9]+\])?)+")
_RETOURCODE = re.compile(r"[0-9A-Z]{4}")

EARLIER = (
    "Bevinding uit een eerdere versie van bwmo; de toelichting is niet bewaard omdat die "
    "persoonsgegevens kon bevatten."
)

_N = r"[0-9][0-9.]{0,15}"  # a number, with Dutch thousands separators
_ELEMENTS = r"[A-Z][A-Za-z0-9]{0,60}(?:, [A-Z][A-Za-z0-9]{0,60}){0,40}"

# bwmo's own findings: the general sentence per code, and the sentences bwmo now writes
# (kept as they are). Each placeholder admits only numbers, element names or XSD forms.
_OWN: dict[str, tuple[str, tuple[str, ...]]] = {
    "XSD": (
        "Het element voldoet niet aan de XSD.",
        (
            r"De waarde heeft niet het vereiste formaat \(patroon [!-~]{1,200}\)\.",
            r"De waarde is geen toegestane code(?:; toegestaan: [A-Za-z0-9', ]{1,2000})?\.",
            rf"De waarde is te lang: ten hoogste {_N} tekens\.",
            rf"De waarde is te kort: ten minste {_N} tekens\.",
            rf"De waarde moet precies {_N} tekens lang zijn\.",
            rf"De waarde heeft te veel cijfers: ten hoogste {_N}\.",
            rf"De waarde heeft te veel cijfers achter de komma: ten hoogste {_N}\.",
            r"De waarde is kleiner dan het minimum -?[0-9]{1,20}\.",
            r"De waarde is groter dan het maximum -?[0-9]{1,20}\.",
            r"De waarde is geen (?:geldige )?[A-Za-z][A-Za-z0-9_.:-]{0,80}\.",
            r"De waarde heeft niet de vorm die de XSD hier vraagt\.",
            rf"Dit element wordt hier niet verwacht\.(?: Verwacht: {_ELEMENTS}\.)?",
            rf"Er ontbreekt een element\.(?: Verwacht: {_ELEMENTS}\.)?",
            r"Hier is geen tekst toegestaan, alleen elementen\.",
            r"Het root-element past niet bij de XSD van dit bericht\.",
            r"Het element voldoet niet aan de XSD(?: \([A-Z0-9_]{1,60}\))?\.",
            r"Het bericht is niet te lezen als WMO[0-9]{3}\.",
            r"geen iWmo 3\.2-bericht \(onbekende root\)",
            # what this migration makes of an earlier version's XSD message
            r"De waarde heeft niet het vereiste formaat\.",
            r"De waarde is te (?:lang|kort)\.",
            r"De waarde heeft niet de vereiste lengte\.",
            r"De waarde heeft te veel cijfers(?: achter de komma)?\.",
            r"De waarde is (?:kleiner dan het minimum|groter dan het maximum)\.",
        ),
    ),
    "XML": (
        "Het bestand is geen goed gevormde XML.",
        (
            r"Het bestand is geen goed gevormde XML: fout op regel [0-9]{1,9}, kolom [0-9]{1,9}"
            r"(?: \([A-Z0-9_]{1,60}\))?\.",
            r"Het bestand is leeg; een iWmo-bericht \(XML\) werd verwacht\.",
            r"Het bestand bevat een NUL-teken \(regel [0-9]{1,9}\); dat is in XML niet "
            r"toegestaan\.",
        ),
    ),
    "ENCODING": (
        "Het iWmo-bestand moet in UTF-8 zijn gecodeerd.",
        (
            r"Het iWmo-bestand moet in UTF-8 zijn gecodeerd; dit bestand is UTF-(?:16|32) "
            r"\((?:big|little)-endian, (?:met|zonder) BOM\)\.",
            r'Het iWmo-bestand moet in UTF-8 zijn gecodeerd \(encoding="UTF-8"\); dit bestand '
            r'geeft encoding="[A-Za-z0-9._-]{0,20}" op\.',
            r"Het iWmo-bestand moet in UTF-8 zijn gecodeerd; op regel [0-9]{1,9} staan bytes die "
            r"geen UTF-8 zijn\.",
        ),
    ),
    "DOCTYPE": (
        "Het bestand bevat een DOCTYPE-declaratie; iWmo-berichten hebben die niet en bwmo "
        "weigert ze.",
        (
            r"Het bestand bevat een (?:DOCTYPE|ENTITY)-declaratie \(regel [0-9]{1,9}\); "
            r"iWmo-berichten hebben die niet en bwmo weigert ze \(ze kunnen bestanden of "
            r"netwerkadressen laten lezen\)\.",
            r"Het bestand bevat een DOCTYPE-declaratie\.",
        ),
    ),
    "SIZE": (
        "Het bestand is groter dan de grens voor één iWmo-bestand.",
        (
            rf"Het bestand is {_N} bytes; ten hoogste {_N} bytes is toegestaan\.",
            rf"Het bestand is groter dan {_N} bytes, de grens voor één iWmo-bestand\.",
        ),
    ),
    "DEPTH": (
        "Het bestand is te diep genest voor een iWmo-bericht.",
        (
            r"Het bestand is meer dan [0-9]{1,6} elementen diep genest; een iWmo-bericht is "
            r"veel minder diep\.",
        ),
    ),
    "INTERN": (
        "bwmo kon dit bestand niet verwerken door een fout in bwmo zelf; er is niets van "
        "toegepast. Meld het aan de beheerder.",
        (),
    ),
    "BERICHT": ("Geen iWmo 3.2-bericht dat een gemeente ontvangt.", ()),
    "ADRES": (
        "Van deze cliënt is geen adres (huisnummer en postcode) en geen telefoonnummer "
        "bekend; de toewijzing (WMO301) vereist een van beide. Vul het aan in het dossier.",
        (),
    ),
    "ONBEKEND": (
        EARLIER,
        (
            r"De (?:afzender \(AGB-code\)|ontvanger \(gemeentecode\)) is in bwmo niet bekend; "
            r"het bericht is niet verwerkt\.",
        ),
    ),
}
_OWN_FORMS = {
    code: tuple(re.compile(form) for form in (re.escape(general), *forms))
    for code, (general, forms) in _OWN.items()
}

# libxml2's English schema messages as earlier versions stored them (raw, or with every
# quoted part masked as '…'): recognised by their fixed wording only, never by a value.
_OLD_XSD: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), dutch)
    for pattern, dutch in (
        (r"is not accepted by the pattern", "De waarde heeft niet het vereiste formaat."),
        (r"is not an element of the set", "De waarde is geen toegestane code."),
        (r"exceeds the allowed maximum length", "De waarde is te lang."),
        (r"underruns the allowed minimum length", "De waarde is te kort."),
        (r"differs from the allowed length", "De waarde heeft niet de vereiste lengte."),
        (
            r"more fractional digits than are allowed",
            "De waarde heeft te veel cijfers achter de komma.",
        ),
        (r"more digits than are allowed", "De waarde heeft te veel cijfers."),
        (r"less than the minimum value allowed", "De waarde is kleiner dan het minimum."),
        (r"greater than the maximum value allowed", "De waarde is groter dan het maximum."),
        (
            r"is not a valid value of the",
            "De waarde heeft niet de vorm die de XSD hier vraagt.",
        ),
        (
            rf"This element is not expected\. Expected is (?:one of )?\( ({_ELEMENTS}) \)\.?$",
            "Dit element wordt hier niet verwacht. Verwacht: {0}.",
        ),
        (r"This element is not expected", "Dit element wordt hier niet verwacht."),
        (
            rf"Missing child element\(s\)\. Expected is (?:one of )?\( ({_ELEMENTS}) \)\.?$",
            "Er ontbreekt een element. Verwacht: {0}.",
        ),
        (r"Missing child element", "Er ontbreekt een element."),
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
_NAMESPACE = re.compile(r"\{[^}]*\}")


def _text_of(entry) -> str | None:
    """A rule's text from a catalogue entry (a ``Regel`` or a ``(retourcode, text)`` pair)."""
    text = getattr(entry, "tekst", None)
    if text is None and isinstance(entry, tuple) and entry:
        text = entry[-1]
    return text if isinstance(text, str) and text else None


def rule_texts() -> dict[str, tuple[str, ...]]:
    """Code → text of every rule bwmo checks, from the catalogues in :mod:`bwmo.iwmo` (a code
    in both, such as TR346 within a declaration and against the contract, has two)."""
    texts: dict[str, tuple[str, ...]] = {}
    for module, name in (("bwmo.iwmo.crosscheck", "_REGELS"), ("bwmo.iwmo.rules", "REGELS")):
        try:
            catalogue = getattr(importlib.import_module(module), name)
            items = list(catalogue.items())
        except (ImportError, AttributeError, TypeError):  # moved or renamed: a general sentence
            continue
        for code, entry in items:
            text = _text_of(entry)
            if isinstance(code, str) and _CODE.fullmatch(code) and text is not None:
                texts[code] = (*texts.get(code, ()), text)
    return texts


def _old_xsd(message: str) -> str | None:
    cleaned = _NAMESPACE.sub("", message).strip()
    for pattern, dutch in _OLD_XSD:
        found = pattern.search(cleaned)
        if found is not None:
            return dutch.format(*found.groups())
    return None


def whitelisted(finding, texts: dict[str, tuple[str, ...]]) -> dict:
    """One stored finding as bwmo stores it now."""
    if not isinstance(finding, dict):
        finding = {}
    code, path, retourcode, message = (
        finding.get(key) for key in ("code", "path", "retourcode", "message")
    )
    code = code if isinstance(code, str) and _CODE.fullmatch(code) else "ONBEKEND"
    path = path if isinstance(path, str) and _PATH.fullmatch(path) else "/"
    if not (isinstance(retourcode, str) and _RETOURCODE.fullmatch(retourcode)):
        retourcode = None
    message = message if isinstance(message, str) else ""
    if code in texts:
        # The text the finding was made with (an earlier version put it first), else the first.
        candidates = texts[code]
        safe = next((t for t in candidates if message.startswith(t)), candidates[0])
    elif code in _OWN:
        general = _OWN[code][0]
        if any(form.fullmatch(message) for form in _OWN_FORMS[code]):
            safe = message
        elif code == "XSD":
            safe = _old_xsd(message) or general
        else:
            safe = general
    else:
        safe = EARLIER
    return {"code": code, "path": path, "message": safe, "retourcode": retourcode}


def _rewrite(model, field: str, texts: dict[str, tuple[str, ...]]) -> int:
    changed, done = [], 0
    rows = model.objects.exclude(**{field: []}).only("pk", field).order_by("pk")
    for row in rows.iterator(chunk_size=CHUNK):
        old = getattr(row, field)
        new = [whitelisted(f, texts) for f in old] if isinstance(old, list) else []
        if new != old:
            setattr(row, field, new)
            changed.append(row)
        if len(changed) >= CHUNK:
            model.objects.bulk_update(changed, [field], batch_size=CHUNK)
            done += len(changed)
            changed = []
    if changed:
        model.objects.bulk_update(changed, [field], batch_size=CHUNK)
        done += len(changed)
    return done


def forwards(apps, schema_editor) -> None:
    texts = rule_texts()
    _rewrite(apps.get_model("messaging", "Message"), "errors", texts)
    _rewrite(apps.get_model("messaging", "DeclarationLine"), "findings", texts)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_outbox")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
