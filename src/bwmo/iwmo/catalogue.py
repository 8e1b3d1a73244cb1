"""The shape of bwmo's rule catalogues: each iWmo rule bwmo checks, with its text and retourcode.

Two catalogues use it: :data:`bwmo.iwmo.rules.REGELS` (the rules one message can be checked
against) and the one in :mod:`bwmo.iwmo.crosscheck` (the rules that need earlier messages or
system state). A code may be in both with a text of its own in each: TR346 is checked within a
declaration (IngediendBedrag against the Prestatie's own ProductTarief) and against the
contract (the contractual tariff).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bwmo.iwmo.model import RETOURCODE_TECHNISCH

__all__ = ["Regel", "catalogue"]


@dataclass(frozen=True)
class Regel:
    """One rule: its code, its text as the standard states it, and its retourcode."""

    code: str
    tekst: str
    retourcode: str = RETOURCODE_TECHNISCH


def catalogue(regels: Iterable[Regel]) -> dict[str, Regel]:
    """Code → rule. A code listed twice is refused: the later entry would hide the earlier one."""
    result: dict[str, Regel] = {}
    for regel in regels:
        if regel.code in result:
            raise ValueError(f"rule {regel.code} is listed twice in one catalogue")
        result[regel.code] = regel
    return result
