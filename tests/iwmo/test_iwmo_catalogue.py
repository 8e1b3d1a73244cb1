"""Both rule catalogues have one shape: code → ``Regel`` (code, text, retourcode)."""

import re

import pytest

from bwmo.iwmo.catalogue import Regel, catalogue
from bwmo.iwmo.crosscheck import _REGELS
from bwmo.iwmo.model import RETOURCODE_TECHNISCH
from bwmo.iwmo.rules import REGELS

CODE = re.compile(r"(CD|CS|TR)[0-9]{3}")
RETOURCODE = re.compile(r"[0-9A-Z][0-9]{3}")


@pytest.mark.parametrize("regels", [REGELS, _REGELS], ids=["rules", "crosscheck"])
def test_each_catalogue_maps_a_code_to_its_regel(regels):
    assert regels
    for code, regel in regels.items():
        assert isinstance(regel, Regel)
        assert regel.code == code
        assert CODE.fullmatch(code), code
        assert RETOURCODE.fullmatch(regel.retourcode), code
        assert regel.tekst, code


def test_a_code_in_both_catalogues_keeps_a_text_of_its_own():
    # TR346 within a declaration (the Prestatie's own tariff) and against the contract.
    assert set(REGELS) & set(_REGELS) == {"TR346"}
    assert REGELS["TR346"].tekst != _REGELS["TR346"].tekst
    assert REGELS["TR346"].retourcode == _REGELS["TR346"].retourcode == "9346"


def test_catalogue_refuses_a_code_listed_twice():
    with pytest.raises(ValueError, match="TR999 is listed twice"):
        catalogue([Regel("TR999", "Een."), Regel("TR999", "Twee.")])
    assert catalogue([Regel("TR999", "Een.")]) == {"TR999": Regel("TR999", "Een.")}
    assert Regel("TR999", "Een.").retourcode == RETOURCODE_TECHNISCH
