"""The monitor's codes in words: breakdowns, outflow reasons, directions and municipalities.

The figures (``monitor_document``) keep their stable codes (``naar_bw``, ``GM0106``); every
screen and workbook shows them through these functions, with the code beside the words where
professionals look it up.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bwmo.care.models import Financing, OutflowReason

BREAKDOWN_LABELS = {
    "product": gettext_lazy("Product"),
    "kind": gettext_lazy("Soort zorg"),
    "financing": gettext_lazy("Financiering"),
    "provider": gettext_lazy("Aanbieder"),
    "responsible": gettext_lazy("Verantwoordelijke gemeente"),
    "location": gettext_lazy("Gemeente van de locatie"),
    "category": gettext_lazy("Soort cliënt"),
    "reason": gettext_lazy("Reden uitstroom"),
    "direction": gettext_lazy("Richting"),
}
KIND_LABELS = {
    "BW": gettext_lazy("Beschermd wonen (BW)"),
    "MO": gettext_lazy("Maatschappelijke opvang (MO)"),
}
CATEGORY_LABELS = {
    "overgangsclient": gettext_lazy("Overgangscliënt"),
    "nieuwe_client": gettext_lazy("Nieuwe cliënt"),
    "mo": gettext_lazy("Cliënt van de opvang"),
    "": gettext_lazy("Niet ingedeeld"),
}
DIRECTION_LABELS = {
    "afschalen": gettext_lazy("Naar een lichtere vorm (afschalen)"),
    "opschalen": gettext_lazy("Naar een zwaardere vorm (opschalen)"),
    "wissel": gettext_lazy("Ander product van gelijke zwaarte"),
}
FIGURE_LABELS = {
    "in_care_at_start": gettext_lazy("In zorg aan het begin"),
    "in_care_at_end": gettext_lazy("In zorg aan het einde"),
    "instroom": gettext_lazy("Instroom"),
    "uitstroom": gettext_lazy("Uitstroom"),
    "doorstroom": gettext_lazy("Doorstroom"),
}


def municipality_label(code: str, names: dict[str, str]) -> str:
    """``Assen (GM0106)``; a code bwmo does not know stays as it is."""
    name = names.get(code)
    return f"{name} ({code})" if name else str(code)


def reason_label(code: str) -> str:
    try:
        return str(OutflowReason(code).label)
    except ValueError:
        return str(code)


def direction_label(code: str) -> str:
    return str(DIRECTION_LABELS.get(code, code))


def breakdown_label(name: str) -> str:
    return str(BREAKDOWN_LABELS.get(name, name))


def figure_label(name: str) -> str:
    return str(FIGURE_LABELS.get(name, name))


def value_label(breakdown: str, value: str, names: dict[str, str]) -> str:
    """One value of a breakdown in words (products and providers are names already)."""
    if breakdown in ("responsible", "location"):
        return municipality_label(value, names)
    if breakdown == "kind":
        return str(KIND_LABELS.get(value, value))
    if breakdown == "financing":
        try:
            return str(Financing(value).label)
        except ValueError:
            return str(value)
    if breakdown == "category":
        return str(CATEGORY_LABELS.get(value, value))
    if breakdown == "reason":
        return reason_label(value)
    if breakdown == "direction":
        return direction_label(value)
    return str(value)


def total_label() -> str:
    return _("Totaal")
