from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from bwmo.accounts.scoping import user_scope
from bwmo.clients.selectors import client_relation, melding_scope_q
from bwmo.organisations.models import (
    Municipality,
    Organisation,
    ProductKind,
    Region,
    RegionMembership,
)
from bwmo.web.support import add_service_errors, log_read, visible_client_or_404

from . import services
from .forms import (
    AanvraagForm,
    AdviesForm,
    BeschikkingForm,
    MeldingForm,
    MoIntakeForm,
    OnderzoekForm,
    ReasonForm,
)
from .models import Melding
from .workflow import Status, next_actions

STEPS = {
    # step: (title, form class, service, extra form kwargs from the melding)
    "onderzoek": (gettext_lazy("Onderzoek starten"), OnderzoekForm, services.onderzoek_start),
    "advies": (gettext_lazy("Advies vastleggen"), AdviesForm, services.advies_record),
    "aanvraag": (gettext_lazy("Aanvraag registreren"), AanvraagForm, services.aanvraag_record),
    "beschikking": (
        gettext_lazy("Beschikking vastleggen"),
        BeschikkingForm,
        services.beschikking_record,
    ),
    "intrekken": (gettext_lazy("Melding intrekken"), ReasonForm, services.melding_withdraw),
    "afsluiten": (gettext_lazy("Afsluiten zonder aanvraag"), ReasonForm, services.melding_close),
}
PROGRESS = [
    (Status.GEMELD, gettext_lazy("Melding")),
    (Status.IN_ONDERZOEK, gettext_lazy("Onderzoek")),
    (Status.ADVIES_UITGEBRACHT, gettext_lazy("Advies")),
    (Status.AANVRAAG_ONTVANGEN, gettext_lazy("Aanvraag")),
    ("besloten", gettext_lazy("Beschikking")),
]


def _acting_municipalities(user, product_kind: str):
    scope = user_scope(user)
    codes = set(scope.municipalities) | {g for g, kind in scope.mandates if kind == product_kind}
    return Municipality.objects.filter(code__in=codes)


def _acting_organisation(user, municipality) -> Organisation:
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


def _melding_for(request, pk, *, for_action: bool) -> tuple[Melding, object]:
    melding = get_object_or_404(
        Melding.objects.select_related("client", "applied_to", "responsible_municipality"), pk=pk
    )
    relation = client_relation(user=request.user, client=melding.client)
    if relation is None or not relation.sees_access_process:
        raise Http404
    if (
        for_action
        and not Melding.objects.filter(melding_scope_q(user=request.user), pk=pk).exists()
    ):
        raise PermissionDenied(_("Deze melding wordt door een andere gemeente behandeld."))
    return melding, relation


def melding_for_action(request, pk):
    """A melding the user may act on (404 when out of sight, 403 when read-only)."""
    melding, relation = _melding_for(request, pk, for_action=True)
    if not relation.may_edit:
        raise PermissionDenied
    return melding, relation


@login_required
@permission_required("toegang.add_melding", raise_exception=True)
@require_http_methods(["GET", "POST"])
def register(request, pseudonym):
    visible = visible_client_or_404(request, pseudonym)
    if not visible.relation.may_edit:
        raise PermissionDenied
    client = visible.client
    municipalities = _acting_municipalities(request.user, ProductKind.BW)
    form = MeldingForm(
        request.POST or None,
        municipalities=municipalities,
        initial={"received_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            melding = services.melding_register(
                client=client,
                product_kind=ProductKind.BW,
                applied_to=data["applied_to"],
                received_on=data["received_on"],
                summary=data["summary"],
                organisation=_acting_organisation(request.user, data["applied_to"]),
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("De melding is geregistreerd. De onderzoekstermijn van 6 weken loopt.")
            )
            return redirect("toegang:detail", pk=melding.pk)
    log_read(request, [client], what="melding registreren", why=visible.relation.value)
    return render(request, "toegang/register.html", {"form": form, "client": client})


@login_required
@permission_required("toegang.view_melding", raise_exception=True)
def detail(request, pk):
    melding, relation = _melding_for(request, pk, for_action=False)
    log_read(request, [melding.client], what="melding", why=relation.value)
    may_act = (
        relation.may_edit
        and request.user.has_perm("toegang.process_melding")
        and Melding.objects.filter(melding_scope_q(user=request.user), pk=pk).exists()
    )
    actions = (
        [
            (a, STEPS[a][0])
            for a in next_actions(product_kind=melding.product_kind, source=melding.status)
            if a in STEPS
        ]
        if may_act
        else []
    )
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
            "actions": actions,
            "events": melding.events.select_related("actor"),
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
            "may_dispute": relation.may_edit
            and request.user.has_perm("woonplaats.add_dispute")
            and Melding.objects.filter(melding_scope_q(user=request.user), pk=pk).exists(),
        },
    )


@login_required
@permission_required("toegang.process_melding", raise_exception=True)
@require_http_methods(["GET", "POST"])
def step(request, pk, step):
    if step not in STEPS:
        raise Http404
    melding, relation = _melding_for(request, pk, for_action=True)
    if not relation.may_edit:
        raise PermissionDenied
    title, form_class, service = STEPS[step]
    form_kwargs = {}
    if form_class in (AdviesForm, BeschikkingForm):
        form_kwargs["product_kind"] = melding.product_kind
    today = timezone.localdate()
    initial = {"version": melding.version}
    for name in ("started_on", "issued_on", "received_on", "decided_on", "valid_from"):
        initial[name] = today
    form = form_class(request.POST or None, initial=initial, **form_kwargs)
    blocked = services.step_blocked_reason(melding=melding, step=step)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            service(melding=melding, user=request.user, expected_version=version, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(step)s: opgeslagen.") % {"step": title})
            return redirect("toegang:detail", pk=melding.pk)
    log_read(request, [melding.client], what=f"melding: {step}", why=relation.value)
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
    visible = visible_client_or_404(request, pseudonym)
    if not visible.relation.may_edit:
        raise PermissionDenied
    client = visible.client
    municipalities = _acting_municipalities(request.user, ProductKind.MO)
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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not providers:
            raise PermissionDenied(_("Uw account is niet gekoppeld aan een opvanginstelling."))
        try:
            intake = services.mo_intake_record(
                client=client,
                user=request.user,
                organisation=_acting_organisation(request.user, data["centrumgemeente"]),
                provider=providers[0],
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De MO-intake is vastgelegd."))
            return redirect("toegang:detail", pk=intake.melding_id)
    log_read(request, [client], what="MO-intake", why=visible.relation.value)
    return render(request, "toegang/mo_intake.html", {"form": form, "client": client})
