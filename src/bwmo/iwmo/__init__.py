"""iWmo 3.2: the messages between municipality and provider, in plain Python.

* :mod:`~bwmo.iwmo.schema` – the standard's XSDs, read from a directory (``BWMO_IWMO_XSD_DIR``)
* :mod:`~bwmo.iwmo.model` – frozen dataclasses for the messages and :class:`IwmoError`
* :mod:`~bwmo.iwmo.parse` – WMO301/305/307/315/317/319/323 into dataclasses
* :mod:`~bwmo.iwmo.build` – WMO301, WMO319, retour messages (306/308/316/318), WMO325
* :mod:`~bwmo.iwmo.aanbieder` – WMO305/307/315/317/323 as a provider writes them (demo, tests)
* :mod:`~bwmo.iwmo.rules` – the in-message conditions, constraints and technical rules
* :mod:`~bwmo.iwmo.crosscheck` – rules that need earlier messages or system state
* :mod:`~bwmo.iwmo.catalogue` – the shape of both rule catalogues (:class:`Regel`)
* :mod:`~bwmo.iwmo.validate` – XSD first, then the rules

No Django here: the app feeds these functions from its database.
"""

from bwmo.iwmo.aanbieder import (
    build_wmo305,
    build_wmo307,
    build_wmo315,
    build_wmo317,
    build_wmo323,
)
from bwmo.iwmo.build import (
    IwmoBuildError,
    build_retour,
    build_wmo301,
    build_wmo319,
    build_wmo325,
)
from bwmo.iwmo.crosscheck import (
    EerderePrestatie,
    Gemeente,
    Tarief,
    Toewijzing,
    check_antwoord,
    check_berichtidentificatie,
    check_declaration_against_allocations,
    check_gemeentecode,
    check_productcode,
    check_start_stop_sequence,
    check_toewijzingbericht,
    check_verzoek_om_wijziging,
    check_verzoek_referentie,
)
from bwmo.iwmo.model import IwmoError
from bwmo.iwmo.parse import IwmoParseError, parse_message
from bwmo.iwmo.rules import check_message
from bwmo.iwmo.validate import ValidationResult, validate_message, validate_root

__all__ = [
    "EerderePrestatie",
    "Gemeente",
    "IwmoBuildError",
    "IwmoError",
    "IwmoParseError",
    "Tarief",
    "Toewijzing",
    "ValidationResult",
    "build_retour",
    "build_wmo301",
    "build_wmo305",
    "build_wmo307",
    "build_wmo315",
    "build_wmo317",
    "build_wmo319",
    "build_wmo323",
    "build_wmo325",
    "check_antwoord",
    "check_berichtidentificatie",
    "check_declaration_against_allocations",
    "check_gemeentecode",
    "check_message",
    "check_productcode",
    "check_start_stop_sequence",
    "check_toewijzingbericht",
    "check_verzoek_om_wijziging",
    "check_verzoek_referentie",
    "parse_message",
    "validate_message",
    "validate_root",
]
