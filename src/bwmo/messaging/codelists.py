"""Meanings of iWmo codes, read from the standard's code lists (``BWMO_IWMO_CODELIST_DIR``).

Only for display: when the folder is missing a code is shown without its meaning.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy

from bwmo.rules import allocation_change as ac

_ROW = re.compile(r"^\|\s*([0-9A-Z]{1,4})\s*\|\s*([^|]+?)\s*\|")


@cache
def _read(folder: str, prefix: str) -> dict[str, str]:
    files = sorted(Path(folder).glob(f"{prefix}_*.md"))
    if not files:
        return {}
    meanings: dict[str, str] = {}
    for line in files[0].read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match and match.group(1) not in ("Code", "ID"):
            meanings.setdefault(match.group(1), match.group(2))
    return meanings


@cache
def _columns(folder: str, prefix: str) -> dict[str, dict[str, str]]:
    """Every code's row of a code list, by column name: ``{"36": {"Initiatief aanbieder":
    "nee", …}}``; empty when the folder is missing."""
    files = sorted(Path(folder).glob(f"{prefix}_*.md"))
    if not files:
        return {}
    header: list[str] = []
    rows: dict[str, dict[str, str]] = {}
    for line in files[0].read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = [] if not line.strip() else header
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == "Code":
            header = cells
        elif header and cells and re.fullmatch(r"[0-9A-Z]{1,4}", cells[0]):
            rows.setdefault(cells[0], dict(zip(header, cells, strict=False)))
    return rows


def stop_reason_choices(reason_change: str) -> list[tuple[str, str]]:
    """The WMO588 reasons a provider may give for stopping care on an allocation, as the code
    list says: every code with *Initiatief aanbieder* = ja, and a code with *nee* (36, 37)
    only when the municipality's last change of the allocation had one of the reasons in its
    *Reden wijziging toewijzing* column (36 after 03, 05, 08, 10 or 11; 37 after 12)."""
    rows = _columns(str(settings.BWMO_IWMO_CODELIST_DIR), "WMO588")
    choices = []
    for code, text in code_choices("WMO588"):
        row = rows.get(code, {})
        own = row.get("Initiatief aanbieder", "ja").strip().lower() != "nee"
        after = {c.strip() for c in row.get("Reden wijziging toewijzing", "").split(";")}
        if own or (reason_change and reason_change in after):
            choices.append((code, text))
    return choices


def meaning(codelist: str, code: str) -> str:
    """E.g. ``meaning("WJ001", "8001")``; empty when unknown."""
    return _read(str(settings.BWMO_IWMO_CODELIST_DIR), codelist).get(code, "")


def retourcodes(codes) -> list[tuple[str, str]]:
    return [(c, meaning("WJ001", c)) for c in codes]


# The WMO002 reasons (reden wijziging toewijzing) as bwmo's screens name them (translated).
REASON_LABELS = {
    ac.OVERLEDEN: gettext_lazy("Cliënt overleden"),
    ac.CONTRACTWIJZIGING: gettext_lazy("Contractwijziging"),
    ac.VERLENGING: gettext_lazy("Herbeoordeling: verlenging"),
    ac.VERKORTING: gettext_lazy("Herbeoordeling: verkorting"),
    ac.ANDER_DOMEIN: gettext_lazy("Uitstroom naar ander domein (bijvoorbeeld Wlz)"),
    ac.VERHUIZING: gettext_lazy("Verhuizing naar een andere gemeente"),
    ac.LEVERINGSVORM: gettext_lazy("Wijziging leveringsvorm (naar PGB)"),
    ac.ANDERE_AANBIEDER: gettext_lazy("Overstap naar andere aanbieder"),
    ac.BEKOSTIGING: gettext_lazy("Overgang naar nieuwe bekostigingssystematiek"),
    ac.HERINDELING: gettext_lazy("Gemeentelijke herindeling"),
    ac.AANBIEDER: gettext_lazy("Geïnitieerd door de aanbieder"),
    ac.VERWIJDERD: gettext_lazy("Verwijderd"),
    ac.CORRECTIE: gettext_lazy("Administratieve correctie"),
}


def product_label(category: str, code: str, names: dict[str, str]) -> str:
    """``Beschermd wonen (15) · BW Intramuraal (BW001)`` instead of ``15/BW001``."""
    parts = []
    if category:
        text = meaning("WMO020", category)
        parts.append(f"{text} ({category})" if text else str(category))
    if code:
        parts.append(f"{names[code]} ({code})" if code in names else str(code))
    return " · ".join(parts) or "—"


def code_choices(codelist: str) -> list[tuple[str, str]]:
    """Every code of a code list with its meaning, ``("02", "Overlijden (02)")``, in the
    list's order; empty when the folder is missing."""
    codes = _read(str(settings.BWMO_IWMO_CODELIST_DIR), codelist)
    return [(code, f"{text} ({code})") for code, text in codes.items()]
