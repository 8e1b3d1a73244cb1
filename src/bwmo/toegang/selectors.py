"""Reads of meldingen, and the access decisions about them: views call these, never decide.

- ``municipalities_acting_for`` / ``organisation_acting_for``: for whom a user registers;
- ``melding_get_visible``: the melding page (404 when out of sight);
- ``melding_get_for_action``: a melding the user may change (404 out of sight, 403 read-only
  or handled by another municipality);
- ``meldingen_worklist``: the open meldingen in the user's scope, filtered and sorted, each
  with the next step and its legal deadline from the workflow table;
- ``melding_assignable_users``: the colleagues a melding can be handed to.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from bwmo.accounts.scoping import user_scope
from bwmo.clients.selectors import (
    Relation,
    client_relation,
    melding_scope_q,
)
from bwmo.clients.selectors import meldingen_visible_to as _meldingen_visible_to
from bwmo.organisations.models import Municipality, Organisation
from bwmo.woonplaats.models import ResponsibilityDecision

from .models import Melding
from .workflow import OPEN_STATUSES, NextStep, Status, next_step, page_actions

PROCESS_PERMISSION = "toegang.process_melding"


# --- acting for a municipality ---------------------------------------------------------------


def municipalities_acting_for(*, user, product_kind: str) -> QuerySet[Municipality]:
    """The municipalities ``user`` registers meldingen for: their own, and those whose
    mandate for ``product_kind`` their organisation holds."""
    scope = user_scope(user)
    codes = set(scope.municipalities) | {g for g, kind in scope.mandates if kind == product_kind}
    return Municipality.objects.filter(code__in=codes)


def organisation_acting_for(*, user, municipality: Municipality) -> Organisation:
    """The user's organisation that acts for ``municipality`` (own or by mandate)."""
    organisations = list(user.organisations.all())
    for organisation in organisations:
        if organisation.municipality_id == municipality.code:
            return organisation
    held = {m.holder_id for m in municipality.mandates_granted.valid_on(timezone.localdate())}
    for organisation in organisations:
        if organisation.pk in held:
            return organisation
    raise PermissionDenied(_("U handelt niet namens deze gemeente."))


# --- one melding ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisibleMelding:
    melding: Melding
    relation: Relation
    may_act: bool  # the user may take the melding's steps (and assign it)

    @property
    def actions(self) -> list[tuple[str, Promise]]:
        """The steps the melding page offers this user (none when they may not act)."""
        if not self.may_act:
            return []
        return page_actions(product_kind=self.melding.product_kind, source=self.melding.status)


def _in_action_scope(*, user, pk: int) -> bool:
    return Melding.objects.filter(melding_scope_q(user=user), pk=pk).exists()


def meldingen_visible_to(*, user) -> QuerySet[Melding]:
    """Every melding whose page ``user`` may open (``melding_get_visible``): those of the
    clients the user sees through a relation other than a provider's, of the mandate's kind
    only under a mandate for one kind (``bwmo.clients.selectors.meldingen_visible_to``)."""
    return _meldingen_visible_to(user=user)


def melding_get_visible(*, user, pk: int) -> VisibleMelding:
    """The melding if ``user`` may see its access process; ``Melding.DoesNotExist`` if not."""
    melding = Melding.objects.select_related(
        "client", "applied_to", "responsible_municipality", "assigned_to"
    ).get(pk=pk)
    relation = client_relation(user=user, client=melding.client)
    if relation is None or not relation.sees_access_process:
        raise Melding.DoesNotExist
    if not meldingen_visible_to(user=user).filter(pk=pk).exists():
        raise Melding.DoesNotExist  # a melding of the other kind under a one-kind mandate
    may_act = (
        relation.may_edit
        and user.has_perm(PROCESS_PERMISSION)
        and _in_action_scope(user=user, pk=pk)
    )
    return VisibleMelding(melding=melding, relation=relation, may_act=may_act)


def melding_get_for_action(*, user, pk: int) -> VisibleMelding:
    """A melding ``user`` may change: ``Melding.DoesNotExist`` when out of sight (404),
    ``PermissionDenied`` when they only read it or another municipality handles it (403).

    The caller's view checks the permission for its own step (a dispute, a beschikking)."""
    visible = melding_get_visible(user=user, pk=pk)
    if not _in_action_scope(user=user, pk=pk):
        raise PermissionDenied(_("Deze melding wordt door een andere gemeente behandeld."))
    if not visible.relation.may_edit:
        raise PermissionDenied
    return visible


def melding_assignable_users(*, melding: Melding, by) -> list:
    """Colleagues of ``by`` (sharing one of their organisations) who may act on ``melding``
    themselves: active, allowed to process meldingen, and the melding in their scope."""
    User = get_user_model()
    app_label, codename = PROCESS_PERMISSION.split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    # The permission narrows the colleagues in the database; has_perm below stays the rule.
    candidates = (
        User.objects.filter(is_active=True, organisations__in=by.organisations.all())
        .filter(
            Q(groups__permissions=permission)
            | Q(user_permissions=permission)
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    allowed = []
    for candidate in candidates:
        if not candidate.has_perm(PROCESS_PERMISSION):
            continue
        try:
            melding_get_for_action(user=candidate, pk=melding.pk)
        except (Melding.DoesNotExist, PermissionDenied):
            continue
        allowed.append(candidate)
    return allowed


# --- the work list ----------------------------------------------------------------------------

DEADLINE_FILTERS = {
    "te_laat": "overdue",
    "deze_week": "this_week",
    "later": "later",
}
SORTS = ("termijn", "gemeld", "dossier", "status")
DEFAULT_SORT = "termijn"
ME, NOBODY = "ik", "niemand"
_STATUS_ORDER = {status: index for index, status in enumerate(Status)}


@dataclass(frozen=True)
class WorklistFilters:
    """The work list's filters and sort as the user asked for them (query parameters)."""

    status: str = ""
    termijn: str = ""
    gemeente: str = ""
    medewerker: str = ""
    sorteer: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "WorklistFilters":
        return cls(
            **{
                name: (query.get(name) or "").strip()
                for name in ("status", "termijn", "gemeente", "medewerker")
            },
            sorteer=(query.get("sorteer") or "").strip() or DEFAULT_SORT,
        )

    @property
    def sort_key(self) -> str:
        return self.sorteer.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sorteer.startswith("-")

    def as_query(self, **changes: str) -> dict[str, str]:
        """The non-empty parameters, with ``changes`` applied (for links and the download)."""
        values = {**self.__dict__, **changes}
        return {k: v for k, v in values.items() if v and not (k == "sorteer" and v == DEFAULT_SORT)}


@dataclass
class WorkItem:
    melding: Melding
    next: NextStep | None
    today: date

    @property
    def step(self):
        return self.next.label if self.next else ""

    @property
    def deadline(self) -> date | None:
        return self.next.deadline if self.next else None

    @property
    def days_left(self) -> int | None:
        return (self.deadline - self.today).days if self.deadline else None

    @property
    def decision(self):
        return next(iter(getattr(self.melding, "current_decisions", [])), None)

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def urgency(self) -> str:
        if self.days_left is None:
            return "none"
        if self.days_left < 0:
            return "overdue"
        return "soon" if self.days_left <= 7 else "ok"


@dataclass
class Worklist:
    items: list[WorkItem]
    filters: WorklistFilters  # as applied: a value that could not be applied is cleared
    refused: list[str]  # per filter that was not applied: why, in Dutch
    open_count: int  # open meldingen in scope, before filtering
    overdue_count: int  # of those, over their deadline
    week_end: date  # the last day "deze week" counts
    municipalities: list[Municipality] = field(default_factory=list)
    assignees: list = field(default_factory=list)  # users a melding in scope is assigned to

    @property
    def is_filtered(self) -> bool:
        f = self.filters
        return any((f.status, f.termijn, f.gemeente, f.medewerker))


def _open_meldingen(*, user):
    return (
        Melding.objects.filter(melding_scope_q(user=user), status__in=OPEN_STATUSES)
        .select_related("client", "responsible_municipality", "aanvraag", "assigned_to")
        .prefetch_related(
            Prefetch(
                "responsibility_decisions",
                queryset=ResponsibilityDecision.objects.filter(is_current=True).select_related(
                    "responsible", "rule_set"
                ),
                to_attr="current_decisions",
            )
        )
    )


def _work_item(melding: Melding, today: date) -> WorkItem:
    aanvraag = getattr(melding, "aanvraag", None)
    return WorkItem(
        melding=melding,
        next=next_step(
            product_kind=melding.product_kind,
            status=melding.status,
            melding_on=melding.received_on,
            aanvraag_on=aanvraag.received_on if aanvraag else None,
        ),
        today=today,
    )


def _deadline_class(item: WorkItem, week_end: date) -> str:
    if item.deadline is None:
        return "none"
    if item.deadline < item.today:
        return "overdue"
    return "this_week" if item.deadline <= week_end else "later"


def _sorted(items: list[WorkItem], filters: WorklistFilters) -> list[WorkItem]:
    key = filters.sort_key
    if key == "termijn":
        # Cases without a legal deadline go last in both directions.
        dated = sorted(
            (i for i in items if i.deadline),
            key=lambda i: (i.deadline, i.melding.pk),
            reverse=filters.descending,
        )
        return dated + sorted((i for i in items if not i.deadline), key=lambda i: i.melding.pk)
    keys = {
        "gemeld": lambda i: (i.melding.received_on, i.melding.pk),
        "dossier": lambda i: (i.melding.client.short_pseudonym, i.melding.pk),
        "status": lambda i: (
            _STATUS_ORDER[Status(i.melding.status)],
            i.deadline or date.max,
            i.melding.pk,
        ),
    }
    return sorted(items, key=keys[key], reverse=filters.descending)


def meldingen_worklist(*, user, today: date, filters: WorklistFilters) -> Worklist:
    """The open meldingen in ``user``'s scope that match ``filters``, sorted as asked.

    A filter value that cannot be applied (unknown status, a municipality or colleague not
    in the user's work list, a sort that does not exist) is not silently dropped: it is
    cleared and ``refused`` says why, so the screen can tell the user.
    """
    if filters.medewerker == str(user.pk):
        filters = replace(filters, medewerker=ME)  # one way to say "mine", so the form shows it
    items = [_work_item(m, today) for m in _open_meldingen(user=user)]
    week_end = today + timedelta(days=6 - today.weekday())  # through Sunday
    municipalities = sorted(
        {i.melding.responsible_municipality for i in items}, key=lambda m: m.name
    )
    assignees = sorted(
        {i.melding.assigned_to for i in items if i.melding.assigned_to is not None},
        key=lambda u: (u.last_name, u.first_name, u.username),
    )
    refused: list[str] = []
    applied = filters
    selected = items

    if filters.status:
        if filters.status in OPEN_STATUSES:
            selected = [i for i in selected if i.melding.status == filters.status]
        else:
            refused.append(
                _(
                    "Filter status: '%(value)s' is geen status van een openstaande melding. "
                    "Kies uit: %(options)s. Het filter is niet toegepast."
                )
                % {
                    "value": filters.status,
                    "options": ", ".join(str(s.label) for s in Status if s in OPEN_STATUSES),
                }
            )
            applied = replace(applied, status="")
    if filters.termijn:
        wanted = DEADLINE_FILTERS.get(filters.termijn)
        if wanted:
            selected = [i for i in selected if _deadline_class(i, week_end) == wanted]
        else:
            refused.append(
                _(
                    "Filter termijn: '%(value)s' bestaat niet. Kies 'te_laat', 'deze_week' of "
                    "'later'. Het filter is niet toegepast."
                )
                % {"value": filters.termijn}
            )
            applied = replace(applied, termijn="")
    if filters.gemeente:
        if any(m.code == filters.gemeente for m in municipalities):
            selected = [
                i for i in selected if i.melding.responsible_municipality_id == filters.gemeente
            ]
        else:
            refused.append(
                _(
                    "Filter gemeente: '%(value)s' is niet de verantwoordelijke gemeente van een "
                    "openstaande melding in uw werkvoorraad. Het filter is niet toegepast."
                )
                % {"value": filters.gemeente}
            )
            applied = replace(applied, gemeente="")
    if filters.medewerker:
        if filters.medewerker == ME:
            selected = [i for i in selected if i.melding.assigned_to_id == user.pk]
        elif filters.medewerker == NOBODY:
            selected = [i for i in selected if i.melding.assigned_to_id is None]
        elif any(str(u.pk) == filters.medewerker for u in assignees):
            selected = [i for i in selected if str(i.melding.assigned_to_id) == filters.medewerker]
        else:
            refused.append(
                _(
                    "Filter medewerker: aan '%(value)s' is geen openstaande melding in uw "
                    "werkvoorraad toegewezen. Kies 'ik', 'niemand' of een medewerker uit de "
                    "lijst. Het filter is niet toegepast."
                )
                % {"value": filters.medewerker}
            )
            applied = replace(applied, medewerker="")
    if applied.sort_key not in SORTS:
        refused.append(
            _(
                "Sorteren op '%(value)s' kan niet. Kies termijn, gemeld, dossier of status "
                "(met een '-' ervoor voor aflopend). De lijst staat op termijn."
            )
            % {"value": filters.sorteer}
        )
        applied = replace(applied, sorteer=DEFAULT_SORT)
    return Worklist(
        items=_sorted(selected, applied),
        filters=applied,
        refused=refused,
        open_count=len(items),
        overdue_count=sum(1 for i in items if i.urgency == "overdue"),
        week_end=week_end,
        municipalities=municipalities,
        assignees=assignees,
    )
