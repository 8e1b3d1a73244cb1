"""The allowed status changes of a melding, as one table (the only place they are defined).

Every change goes through ``bwmo.toegang.services.melding_transition``, which checks this
table, writes the change and appends a ``CaseEvent`` in one transaction.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    GEMELD = "gemeld", _("Melding ontvangen")
    IN_ONDERZOEK = "in_onderzoek", _("In onderzoek")
    ADVIES_UITGEBRACHT = "advies_uitgebracht", _("Advies uitgebracht")
    AANVRAAG_ONTVANGEN = "aanvraag_ontvangen", _("Aanvraag ontvangen")
    TOEGEKEND = "toegekend", _("Toegekend")
    AFGEWEZEN = "afgewezen", _("Afgewezen")
    INGETROKKEN = "ingetrokken", _("Ingetrokken")
    AFGESLOTEN = "afgesloten", _("Afgesloten zonder aanvraag")


OPEN_STATUSES = frozenset(
    {Status.GEMELD, Status.IN_ONDERZOEK, Status.ADVIES_UITGEBRACHT, Status.AANVRAAG_ONTVANGEN}
)
CLOSED_STATUSES = frozenset(set(Status) - OPEN_STATUSES)


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    action: str  # the step that causes it; services name the step they perform
    product_kinds: frozenset[str]


BW, MO = "BW", "MO"
BOTH = frozenset({BW, MO})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Status.GEMELD, Status.IN_ONDERZOEK, "onderzoek", frozenset({BW})),
    Transition(Status.IN_ONDERZOEK, Status.ADVIES_UITGEBRACHT, "advies", frozenset({BW})),
    Transition(Status.ADVIES_UITGEBRACHT, Status.AANVRAAG_ONTVANGEN, "aanvraag", frozenset({BW})),
    Transition(Status.AANVRAAG_ONTVANGEN, Status.TOEGEKEND, "beschikking", frozenset({BW})),
    Transition(Status.AANVRAAG_ONTVANGEN, Status.AFGEWEZEN, "beschikking", frozenset({BW})),
    Transition(Status.ADVIES_UITGEBRACHT, Status.AFGESLOTEN, "afsluiten", frozenset({BW})),
    # MO: the opvanginstelling decides at intake, under mandate of the centrumgemeente.
    Transition(Status.GEMELD, Status.TOEGEKEND, "mo_intake", frozenset({MO})),
    Transition(Status.GEMELD, Status.AFGEWEZEN, "mo_intake", frozenset({MO})),
    *(
        Transition(source, Status.INGETROKKEN, "intrekken", BOTH)
        for source in (
            Status.GEMELD,
            Status.IN_ONDERZOEK,
            Status.ADVIES_UITGEBRACHT,
            Status.AANVRAAG_ONTVANGEN,
        )
    ),
)


def find_transition(*, product_kind: str, source: str, target: str) -> Transition | None:
    for transition in TRANSITIONS:
        if (
            transition.source == source
            and transition.target == target
            and product_kind in transition.product_kinds
        ):
            return transition
    return None


def next_actions(*, product_kind: str, source: str) -> list[str]:
    """The steps a user can take from ``source``, in table order, without duplicates."""
    actions: list[str] = []
    for transition in TRANSITIONS:
        if (
            transition.source == source
            and product_kind in transition.product_kinds
            and transition.action not in actions
        ):
            actions.append(transition.action)
    return actions
