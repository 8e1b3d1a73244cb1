from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from bwmo.audit.services import access_log_read
from bwmo.clients.models import Client
from bwmo.clients.selectors import client_get_visible_or_404
from bwmo.organisations.models import (
    Municipality,
    ProductKind,
    Region,
    RegionMembership,
)
from bwmo.ui.forms import add_rule_refusals, add_service_errors

from . import services
from .forms import (
    AanvraagForm,
    AdviesForm,
    AssignForm,
    BeschikkingForm,
    MeldingForm,
    MoIntakeForm,
    OnderzoekForm,
    ReasonForm,
)
from .models import Melding, MoIntake
from .selectors import (
    VisibleMelding,
    melding_assignable_users,
    melding_get_for_action,
    melding_get_visible,
    municipalities_acting_for,
    organisation_acting_for,
)
from .workflow import ACTION_LABELS, OPEN_STATUSES, Status

STEPS = {
    # step: (form class, service); the step's title is in the workflow table
    "onderzoek": (OnderzoekForm, services.onderzoek_start),
    "advies": (AdviesForm, services.advies_record),
    "aanvraag": (AanvraagForm, services.aanvraag_record),
    "beschikking": (BeschikkingForm, services.beschikking_record),
    "intrekken": (ReasonForm, services.melding_withdraw),
    "afsluiten": (ReasonForm, services.melding_close),
}
PROGRESS = [
    (Status.GEMELD, gettext_lazy("Melding")),
    (Status.IN_ONDERZOEK, gettext_lazy("Onderzoek")),
    (Status.ADVIES_UITGEBRACHT, gettext_lazy("Advies")),
    (Status.AANVRAAG_ONTVANGEN, gettext_lazy("Aanvraag")),
    ("besloten", gettext_lazy("Beschikking")),
]


def _melding_or_404(request, pk, *, for_action: bool = False) -> VisibleMelding:
    get = melding_get_for_action if for_action else melding_get_visible
    try:
        return get(user=request.user, pk=pk)
    except Melding.DoesNotExist:
        raise Http404 from None


def melding_for_action(request, pk):
    """A melding the user may act on (404 when out of sight, 403 when read-only)."""
    visible = _melding_or_404(request, pk, for_action=True)
    return visible.melding, visible.relation


@login_required
@permission_required("toegang.add_melding", raise_exception=True)
@require_http_methods(["GET", "POST"])
def register(request, pseudonym):
    visible = client_get_visible_or_404(user=request.user, pseudonym=pseudonym)
    if not visible.relation.may_edit:
        raise PermissionDenied
    client = visible.client
    municipalities = municipalities_acting_for(user=request.user, product_kind=ProductKind.BW)
    form = MeldingForm(
        request.POST or None,
        municipalities=municipalities,
        initial={"received_on": timezone.localdate()},
    )

    def run(data: dict, client: Client = client) -> Melding:
        return services.melding_register(
            client=client,
            product_kind=ProductKind.BW,
            applied_to=data["applied_to"],
            received_on=data["received_on"],
            summary=data["summary"],
            organisation=organisation_acting_for(
                user=request.user, municipality=data["applied_to"]
            ),
            user=request.user,
        )

    if request.method == "POST" and form.is_valid():
        try:
            melding = run(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("De melding is geregistreerd. De onderzoekstermijn van 6 weken loopt.")
            )
            return redirect("toegang:detail", pk=melding.pk)
    elif request.method == "POST" and form.cleaned_data.get("applied_to"):
        # The registration's rules show with the field errors, not one submit later.
        add_rule_refusals(form, lambda data: run(data, Client.objects.get(pk=client.pk)))
    access_log_read(request, [client], what="melding registreren", why=visible.relation.value)
    return render(request, "toegang/register.html", {"form": form, "client": client})


@login_required
@permission_required("toegang.view_melding", raise_exception=True)
def detail(request, pk):
    visible = _melding_or_404(request, pk)
    melding, relation = visible.melding, visible.relation
    access_log_read(request, [melding.client], what="melding", why=relation.value)
    may_assign = visible.may_act and melding.status in OPEN_STATUSES
    colleagues = melding_assignable_users(melding=melding, by=request.user) if may_assign else []
    reached = {s for s, _label in PROGRESS}
    order = [s for s, _label in PROGRESS]
    current = (
        "besloten"
        if melding.status in (Status.TOEGEKEND, Status.AFGEWEZEN)
        else (melding.status if melding.status in reached else None)
    )
    progress = (
        [
            (
                label,
                "current"
                if s == current
                else ("done" if current and order.index(s) < order.index(current) else ""),
            )
            for s, label in PROGRESS
        ]
        if melding.product_kind == ProductKind.BW
        else []
    )
    return render(
        request,
        "toegang/detail.html",
        {
            "melding": melding,
            "client": melding.client,
            "relation": relation,
            "actions": visible.actions,
            "events": melding.events.select_related("actor"),
            "may_assign": may_assign,
            "assign_form": AssignForm(
                colleagues=colleagues,
                initial={
                    "assigned_to": melding.assigned_to_id,
                    "expected": melding.assigned_to_id,
                },
            )
            if may_assign
            else None,
            "me_assignable": any(c.pk == request.user.pk for c in colleagues)
            and melding.assigned_to_id != request.user.pk,
            "assignments": melding.assignments.select_related("assigned_to", "assigned_by"),
            "progress": progress,
            "today": timezone.localdate(),
            "onderzoek": getattr(melding, "onderzoek", None),
            "advies": getattr(melding, "advies", None),
            "aanvraag": getattr(melding, "aanvraag", None),
            "beschikking": getattr(getattr(melding, "aanvraag", None), "beschikking", None),
            "mo_intake": getattr(melding, "mo_intake", None),
            "decision": melding.responsibility_decisions.filter(is_current=True)
            .select_related("responsible", "rule_set")
            .first(),
            "disputes": melding.disputes.select_related(
                "claimant", "respondent", "advice_responsible"
            ),
            "may_dispute": visible.may_act and request.user.has_perm("woonplaats.add_dispute"),
        },
    )


@login_required
@permission_required("toegang.process_melding", raise_exception=True)
@require_http_methods(["GET", "POST"])
def step(request, pk, step):
    if step not in STEPS:
        raise Http404
    visible = _melding_or_404(request, pk, for_action=True)
    melding, relation = visible.melding, visible.relation
    title = ACTION_LABELS[step]
    form_class, service = STEPS[step]
    form_kwargs = {}
    if form_class in (AdviesForm, BeschikkingForm):
        form_kwargs["product_kind"] = melding.product_kind
    today = timezone.localdate()
    initial = {"version": melding.version}
    for name in ("started_on", "issued_on", "received_on", "decided_on", "valid_from"):
        initial[name] = today
    form = form_class(request.POST or None, initial=initial, **form_kwargs)
    blocked = services.step_blocked_reason(melding=melding, step=step)

    def run(data: dict, melding: Melding = melding) -> object:
        version = data.pop("version")
        return service(melding=melding, user=request.user, expected_version=version, **data)

    if request.method == "POST" and form.is_valid():
        try:
            run(dict(form.cleaned_data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(step)s: opgeslagen.") % {"step": title})
            return redirect("toegang:detail", pk=melding.pk)
    elif request.method == "POST":
        # The step's rules show with the field errors, not one submit later.
        add_rule_refusals(form, lambda data: run(data, Melding.objects.get(pk=melding.pk)))
    access_log_read(request, [melding.client], what=f"melding: {step}", why=relation.value)
    return render(
        request,
        "toegang/step.html",
        {
            "form": form,
            "melding": melding,
            "client": melding.client,
            "title": title,
            "step": step,
            "grant_fields": getattr(form_class, "GRANT_FIELDS", ()),
            "blocked": blocked if request.method == "GET" else None,
        },
    )


@login_required
@permission_required("toegang.register_mo_intake", raise_exception=True)
@require_http_methods(["GET", "POST"])
def mo_intake(request, pseudonym):
    visible = client_get_visible_or_404(user=request.user, pseudonym=pseudonym)
    if not visible.relation.may_edit:
        raise PermissionDenied
    client = visible.client
    municipalities = municipalities_acting_for(user=request.user, product_kind=ProductKind.MO)
    if not municipalities.exists():
        raise PermissionDenied(
            _("Uw organisatie heeft geen mandaat voor de maatschappelijke opvang.")
        )
    providers = [
        o.provider for o in request.user.organisations.select_related("provider") if o.provider_id
    ]
    today = timezone.localdate()
    region_members = Municipality.objects.filter(
        region_memberships__in=RegionMembership.objects.valid_on(today).filter(
            region__in=Region.objects.valid_on(today).filter(
                memberships__municipality__in=municipalities
            )
        )
    ).distinct()
    form = MoIntakeForm(
        request.POST or None,
        municipalities=municipalities,
        region_members=region_members,
        initial={"intake_on": today},
    )

    def run(data: dict, client: Client = client) -> MoIntake:
        return services.mo_intake_record(
            client=client,
            user=request.user,
            organisation=organisation_acting_for(
                user=request.user, municipality=data["centrumgemeente"]
            ),
            provider=providers[0],
            **data,
        )

    if request.method == "POST" and form.is_valid():
        if not providers:
            raise PermissionDenied(_("Uw account is niet gekoppeld aan een opvanginstelling."))
        try:
            intake = run(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De MO-intake is vastgelegd."))
            return redirect("toegang:detail", pk=intake.melding_id)
    elif request.method == "POST" and providers and form.cleaned_data.get("centrumgemeente"):
        # The intake's rules show with the field errors, not one submit later.
        add_rule_refusals(form, lambda data: run(data, Client.objects.get(pk=client.pk)))
    access_log_read(request, [client], what="MO-intake", why=visible.relation.value)
    return render(request, "toegang/mo_intake.html", {"form": form, "client": client})


@login_required
@permission_required("toegang.process_melding", raise_exception=True)
def assign(request, pk):
    """Hand the melding to a colleague, to oneself ("Mij toewijzen") or to nobody (POST)."""
    visible = _melding_or_404(request, pk, for_action=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    melding = visible.melding
    colleagues = melding_assignable_users(melding=melding, by=request.user)
    form = AssignForm(request.POST, colleagues=colleagues)
    if form.is_valid():
        assignee = form.cleaned_data["assigned_to"]
        try:
            services.melding_assign(
                melding=melding,
                assignee=assignee,
                user=request.user,
                expected_assignee_id=form.cleaned_data["expected"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if assignee is None:
                messages.success(request, _("De melding is aan niemand meer toegewezen."))
            else:
                messages.success(
                    request,
                    _("De melding is toegewezen aan %(name)s.")
                    % {"name": assignee.get_full_name() or assignee.get_username()},
                )
            return redirect("toegang:detail", pk=melding.pk)
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, text)
    return redirect("toegang:detail", pk=melding.pk)
