"""The BRP's limits for a client's name and address, and the 24-character street name.

The BRP keeps the street as *naam openbare ruimte* (up to 80 characters) and, next to it,
the *straatnaam (NEN)*: the official short form of at most 24 characters (NEN 5825) that
iWmo's Straatnaam carries (LDT_Straatnaam). The two are stored apart; the short form is
derived from the long one where a plain abbreviation makes it fit, otherwise the user fills
it in. Nothing is ever cut off: a value over its limit is refused with the field's name.
"""

import re
from typing import Final

from django.utils.translation import gettext_lazy as _

# field: maximum length — the BRP's lengths, which iWmo's basisschema also uses.
MAX_LENGTH: Final = {
    "given_names": 200,  # voornamen
    "surname_prefix": 10,  # voorvoegsel geslachtsnaam
    "surname": 200,  # geslachtsnaam
    "street": 80,  # naam openbare ruimte
    "street_short": 24,  # straatnaam (NEN)
    "house_letter": 1,
    "house_number_addition": 4,
    "place": 80,  # woonplaatsnaam
}
HOUSE_NUMBER_MIN: Final = 1
HOUSE_NUMBER_MAX: Final = 99999

LABELS: Final = {
    "given_names": _("Voornamen"),
    "surname_prefix": _("Tussenvoegsel"),
    "surname": _("Achternaam"),
    "street": _("Straatnaam"),
    "street_short": _("Straatnaam (NEN, 24 tekens)"),
    "house_number": _("Huisnummer"),
    "house_letter": _("Huisletter"),
    "house_number_addition": _("Huisnummertoevoeging"),
    "postcode": _("Postcode"),
    "place": _("Woonplaats"),
}

HOUSE_LETTER_RE: Final = re.compile(r"[A-Za-z]")
ADDITION_RE: Final = re.compile(r"[A-Za-z0-9]{1,4}")
POSTCODE_RE: Final = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")

# Abbreviations of NEN 5825 for words that make street names long; applied in this order
# until the name fits. Only whole words, so "Burgemeester van Roijensingel" becomes
# "Burg. van Roijensingel"; a name that does not shrink enough is left to the user.
_ABBREVIATIONS: Final = (
    ("Burgemeester", "Burg."),
    ("Doctor", "Dr."),
    ("Dokter", "Dr."),
    ("Professor", "Prof."),
    ("Koningin", "Kon."),
    ("Koning", "Kon."),
    ("Prinses", "Pr."),
    ("Prins", "Pr."),
    ("Generaal", "Gen."),
    ("Kolonel", "Kol."),
    ("Meester", "Mr."),
    ("Ingenieur", "Ir."),
    ("Pastoor", "Past."),
    ("Sint", "St."),
    ("Onze Lieve Vrouwe", "O.L.Vr."),
    ("Wethouder", "Weth."),
    ("Gebroeders", "Gebr."),
)
_PARTICLES: Final = (("van der", "v.d."), ("van den", "v.d."), ("van de", "v.d."), ("van", "v."))


def too_long_message(field: str, length: int) -> str:
    return _(
        "%(field)s mag hoogstens %(limit)d tekens lang zijn; u vulde er %(length)d in. "
        "Er wordt niets afgekapt: kort de waarde zelf in."
    ) % {"field": LABELS[field], "limit": MAX_LENGTH[field], "length": length}


def street_short_derive(street: str) -> str | None:
    """The 24-character street name (NEN) for ``street``, or None when no abbreviation fits.

    A street that already fits is its own short form.
    """
    street = " ".join(street.split())
    limit = MAX_LENGTH["street_short"]
    if len(street) <= limit:
        return street
    short = street
    for word, abbreviation in _ABBREVIATIONS + _PARTICLES:
        short = re.sub(rf"\b{re.escape(word)}\b", abbreviation, short)
        if len(short) <= limit:
            return short
    return None
