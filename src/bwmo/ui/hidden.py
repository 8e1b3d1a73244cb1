"""How a hidden figure reads: one mark for every suppressed cell, and the sentence that says
what it means (in tables, charts, workbooks and the council report alike)."""

from django.utils.translation import gettext as _

from bwmo.rules.suppression import MARK

__all__ = ["MARK", "hidden_legend"]


def hidden_legend() -> str:
    return _(
        "× betekent afgeschermd: een aantal van 1 tot en met 4, of een aantal waaruit zo'n "
        "klein aantal terug te rekenen is."
    )
