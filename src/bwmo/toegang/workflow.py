"""The allowed status changes of a melding, as one table (the only place they are defined).

Every change goes through ``bwmo.toegang.services.melding_transition``, which checks this
table, writes the change and appends a ``CaseEvent`` in one transaction.

The same table says which steps the melding page offers from a status (``page_actions``) and
which of them the work list names as the next step, with the legal deadline that step runs
against (``next_step``): the two screens cannot disagree.
"""

from dataclasses import dataclass
from datetime import date
from enum import Enum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bwmo.rules.deadlines import beschikking_deadline, onderzoek_deadline


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


class Deadline(Enum):
    """A legal deadline a step runs against: (counted from, law)."""

    ONDERZOEK = ("melding", "Wmo 2015 art. 2.3.2 lid 1")  # onderzoek done within 6 weeks
    BESCHIKKING = ("aanvraag", "Wmo 2015 art. 2.3.5 lid 1")  # beschikking within 2 weeks

    @property
    def counted_from(self) -> str:
        return self.value[0]

    @property
    def law(self) -> str:
        return self.value[1]

    def due(self, *, melding_on: date, aanvraag_on: date | None) -> date | None:
        if self is Deadline.ONDERZOEK:
            return onderzoek_deadline(melding_on)
        return beschikking_deadline(aanvraag_on) if aanvraag_on else None


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    action: str  # the step that causes it; services name the step they perform
    product_kinds: frozenset[str]
    # The legal deadline the step has to be taken by, if any. Starting the onderzoek and
    # recording the advies (which completes it) both run against the six weeks.
    deadline: Deadline | None = None


# The steps, by name, as the melding page offers them. ``mo_intake`` is not a step on the
# melding page: the opvanginstelling decides while registering the intake.
ACTION_LABELS: dict[str, Promise] = {
    "onderzoek": _("Onderzoek starten"),
    "advies": _("Advies vastleggen"),
    "aanvraag": _("Aanvraag registreren"),
    "beschikking": _("Beschikking vastleggen"),
    "intrekken": _("Melding intrekken"),
    "afsluiten": _("Afsluiten zonder aanvraag"),
}


BW, MO = "BW", "MO"
BOTH = frozenset({BW, MO})

# A melding's life starts with its registration: from no status ("") to gemeld.
REGISTRATION = Transition("", Status.GEMELD, "melding", BOTH)

TRANSITIONS: tuple[Transition, ...] = (
    REGISTRATION,
    Transition(
        Status.GEMELD, Status.IN_ONDERZOEK, "onderzoek", frozenset({BW}), Deadline.ONDERZOEK
    ),
    Transition(
        Status.IN_ONDERZOEK,
        Status.ADVIES_UITGEBRACHT,
        "advies",
        frozenset({BW}),
        Deadline.ONDERZOEK,
    ),
    Transition(Status.ADVIES_UITGEBRACHT, Status.AANVRAAG_ONTVANGEN, "aanvraag", frozenset({BW})),
    Transition(
        Status.AANVRAAG_ONTVANGEN,
        Status.TOEGEKEND,
        "beschikking",
        frozenset({BW}),
        Deadline.BESCHIKKING,
    ),
    Transition(
        Status.AANVRAAG_ONTVANGEN,
        Status.AFGEWEZEN,
        "beschikking",
        frozenset({BW}),
        Deadline.BESCHIKKING,
    ),
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


def page_actions(*, product_kind: str, source: str) -> list[tuple[str, Promise]]:
    """(step, label) the melding page offers from ``source``, in table order."""
    return [
        (action, ACTION_LABELS[action])
        for action in next_actions(product_kind=product_kind, source=source)
        if action in ACTION_LABELS
    ]


@dataclass(frozen=True)
class NextStep:
    action: str
    label: Promise
    deadline: date | None
    law: str  # the article the deadline comes from; "" without a legal deadline


def next_step(
    *, product_kind: str, status: str, melding_on: date, aanvraag_on: date | None
) -> NextStep | None:
    """The step the work list names for a melding: the first step the melding page offers
    from its status (table order puts the step that moves the case on first, withdrawing
    last), with the legal deadline of that step. None for a closed melding."""
    for transition in TRANSITIONS:
        if (
            transition.source == status
            and product_kind in transition.product_kinds
            and transition.action in ACTION_LABELS
        ):
            rule = transition.deadline
            return NextStep(
                action=transition.action,
                label=ACTION_LABELS[transition.action],
                deadline=rule.due(melding_on=melding_on, aanvraag_on=aanvraag_on) if rule else None,
                law=rule.law if rule else "",
            )
    return None
