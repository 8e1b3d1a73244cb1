from dataclasses import dataclass
from datetime import date

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bwmo.accounts.forms import ThrottledAuthenticationForm
from bwmo.accounts.scoping import user_scope
from bwmo.audit.services import access_log_read
from bwmo.care.models import Stay
from bwmo.clients.selectors import clients_visible_to, melding_scope_q
from bwmo.messaging.selectors import open_requests_for
from bwmo.rules.deadlines import beschikking_deadline, onderzoek_deadline
from bwmo.toegang.models import Melding
from bwmo.toegang.workflow import OPEN_STATUSES, Status
from bwmo.woonplaats.models import ResponsibilityDecision


def admin_login(request):
    """The beheer screens use the normal (throttled) login; others get a clear refusal."""
    if request.user.is_authenticated and not request.user.is_staff:
        raise PermissionDenied(_("De beheerschermen zijn alleen voor functioneel beheerders."))
    return redirect_to_login(
        request.GET.get("next", reverse("admin:index")), login_url=reverse("login")
    )


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@dataclass
class WorkItem:
    melding: Melding
    step: str
    deadline: date | None
    days_left: int | None

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


def work_items(*, user, today: date) -> list[WorkItem]:
    """Open cases in the user's scope with their legal deadline, overdue first."""
    meldingen = (
        Melding.objects.filter(melding_scope_q(user=user), status__in=OPEN_STATUSES)
        .select_related("client", "responsible_municipality", "aanvraag")
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
    items = []
    for melding in meldingen:
        if melding.status in (Status.GEMELD, Status.IN_ONDERZOEK):
            deadline = onderzoek_deadline(melding.received_on)
            step = (
                _("Onderzoek afronden")
                if melding.status == Status.IN_ONDERZOEK
                else _("Onderzoek starten")
            )
        elif melding.status == Status.AANVRAAG_ONTVANGEN:
            deadline = beschikking_deadline(melding.aanvraag.received_on)
            step = _("Beschikking afgeven")
        else:
            deadline, step = None, _("Wacht op aanvraag van de cliënt")
        days = (deadline - today).days if deadline else None
        items.append(WorkItem(melding, step, deadline, days))
    # Overdue first (most overdue on top), then by deadline; cases without a deadline last.
    items.sort(key=lambda i: (i.deadline is None, i.deadline or date.max, i.melding.pk))
    return items


@login_required
def home(request):
    today = timezone.localdate()
    user = request.user
    if user.has_perm("monitor.view_monitor") and not (
        user.has_perm("toegang.view_melding") or user.has_perm("finance.view_finance")
    ):
        return redirect("monitor:dashboard")  # the landing page for policy users
    context = {"today": today}
    if request.user.has_perm("toegang.view_melding"):
        items = work_items(user=request.user, today=today)
        context["overdue_count"] = sum(1 for i in items if i.urgency == "overdue")
        context["open_count"] = len(items)
        context["work_items"] = items[:10]
        access_log_read(
            request,
            [i.melding.client for i in items[:10]],
            what="start: werkvoorraad",
            why=gettext_lazy("behandelaar van de melding"),
        )
    scope = user_scope(request.user)
    if scope.provider_ids and scope.can_view_personal_data:
        stays = list(
            Stay.objects.filter(
                provider_id__in=scope.provider_ids,
                end__isnull=True,
                client__in=clients_visible_to(user=request.user),
            )
            .select_related("client", "product", "location")
            .order_by("-start")[:25]
        )
        context["current_stays"] = stays
        access_log_read(
            request,
            [s.client for s in stays],
            what="start: lopende verblijven",
            why=gettext_lazy("aanbieder met lopende indicatie"),
        )
    return render(request, "web/home.html", context)


@login_required
@permission_required("toegang.view_melding", raise_exception=True)
def worklist(request):
    today = timezone.localdate()
    items = work_items(user=request.user, today=today)
    page = Paginator(items, 25).get_page(request.GET.get("pagina"))
    access_log_read(
        request,
        [i.melding.client for i in page.object_list],
        what="werkvoorraad",
        why=gettext_lazy("behandelaar van de melding"),
    )
    provider_requests = (
        list(open_requests_for(request.user))
        if request.user.has_perm("toegang.process_melding")
        else []
    )
    access_log_read(
        request,
        {r.client for r in provider_requests if r.client_id},
        what="werkvoorraad verzoeken",
        why=gettext_lazy("behandelaar van het verzoek van de aanbieder"),
    )
    return render(
        request,
        "web/worklist.html",
        {
            "provider_requests": provider_requests,
            "page": page,
            "today": today,
            "total": len(items),
            "overdue_count": sum(1 for i in items if i.urgency == "overdue"),
        },
    )
