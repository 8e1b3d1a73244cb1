from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bwmo.accounts.forms import ThrottledAuthenticationForm
from bwmo.audit.services import access_log_read
from bwmo.messaging.portal.selectors import portal_counts, portal_provider_ids
from bwmo.messaging.selectors import open_requests_for
from bwmo.toegang.selectors import ME, NOBODY, Worklist, WorklistFilters, meldingen_worklist
from bwmo.toegang.workflow import OPEN_STATUSES, Status
from bwmo.ui.excel import About, workbook_bytes


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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.BWMO_OIDC_ENABLED:
            # Single sign-on: the button on the login page (docs/security.md).
            next_url = context.get("next") or ""
            context["sso_url"] = reverse("sso_start") + (
                "?" + urlencode({"next": next_url}) if next_url else ""
            )
            context["sso_label"] = settings.BWMO_OIDC_LOGIN_LABEL or _(
                "Inloggen met het account van uw organisatie"
            )
        return context


@dataclass(frozen=True)
class SortHeader:
    label: str
    href: str  # "" for a column that does not sort
    aria_sort: str  # "ascending" / "descending" on the sorted column, else ""
    hint: str  # what following the link does, for screen readers


def _headers(filters: WorklistFilters | None) -> list[SortHeader]:
    """The work table's column headers; with ``filters`` the sortable ones link to a sort."""
    columns = [
        (_("Termijn"), "termijn"),
        (_("Cliënt"), "dossier"),
        (_("Domein"), ""),
        (_("Status"), "status"),
        (_("Volgende stap"), ""),
        (_("Gemeld"), "gemeld"),
        (_("Toegewezen aan"), ""),
        (_("Verantwoordelijk"), ""),
    ]
    headers = []
    for label, key in columns:
        if filters is None or not key:
            headers.append(SortHeader(label, "", "", ""))
            continue
        current = filters.sort_key == key
        descending = current and filters.descending
        # A click on the sorted column turns it round; another column starts ascending.
        target = key if descending or not current else f"-{key}"
        headers.append(
            SortHeader(
                label,
                "?" + urlencode(filters.as_query(sorteer=target)),
                ("descending" if descending else "ascending") if current else "",
                _("sorteer aflopend") if target.startswith("-") else _("sorteer oplopend"),
            )
        )
    return headers


def _filter_summary(worklist: Worklist, user) -> str:
    """The applied filters in words (the Excel file states them)."""
    f = worklist.filters
    parts = []
    if f.status:
        parts.append(_("status: %(v)s") % {"v": Status(f.status).label})
    if f.termijn:
        parts.append(_("termijn: %(v)s") % {"v": dict(_deadline_choices(worklist))[f.termijn]})
    if f.gemeente:
        name = next(m.name for m in worklist.municipalities if m.code == f.gemeente)
        parts.append(_("gemeente: %(v)s") % {"v": name})
    if f.medewerker == ME:
        name = user.get_full_name() or user.get_username()
        parts.append(_("medewerker: %(v)s") % {"v": name})
    elif f.medewerker == NOBODY:
        parts.append(_("medewerker: %(v)s") % {"v": _("aan niemand toegewezen")})
    elif f.medewerker:
        names = {str(u.pk): u.get_full_name() or u.get_username() for u in worklist.assignees}
        parts.append(_("medewerker: %(v)s") % {"v": names[f.medewerker]})
    return "; ".join(parts) or _("geen (alle openstaande meldingen)")


def _deadline_choices(worklist: Worklist) -> list[tuple[str, str]]:
    return [
        ("te_laat", _("te laat")),
        (
            "deze_week",
            _("deze week (t/m %(day)s)") % {"day": date_format(worklist.week_end, "l j F")},
        ),
        ("later", _("later")),
    ]


def _assignee_choices(worklist: Worklist, user) -> list[tuple[str, str]]:
    choices = [(ME, _("aan mij toegewezen")), (NOBODY, _("aan niemand toegewezen"))]
    choices += [
        (str(u.pk), u.get_full_name() or u.get_username())
        for u in worklist.assignees
        if u.pk != user.pk
    ]
    return choices


def _sort_label(filters: WorklistFilters) -> str:
    labels = {
        "termijn": _("termijn"),
        "gemeld": _("datum melding"),
        "dossier": _("dossiernummer"),
        "status": _("status"),
    }
    direction = _("aflopend") if filters.descending else _("oplopend")
    return f"{labels[filters.sort_key]}, {direction}"


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
        worklist = meldingen_worklist(user=request.user, today=today, filters=WorklistFilters())
        items = worklist.items
        context["overdue_count"] = worklist.overdue_count
        context["open_count"] = worklist.open_count
        context["work_items"] = items[:10]
        context["headers"] = _headers(None)
        access_log_read(
            request,
            [i.melding.client for i in items[:10]],
            what="start: werkvoorraad",
            why=gettext_lazy("behandelaar van de melding"),
        )
    if portal_provider_ids(request.user):
        # A provider's start page: what it can do, with counts; no names (those are one
        # click further, in the portal, where every look is access-logged).
        context["portal"] = portal_counts(user=request.user, today=today)
    return render(request, "web/home.html", context)


@login_required
@permission_required("toegang.view_melding", raise_exception=True)
def worklist(request):
    today = timezone.localdate()
    filters = WorklistFilters.from_query(request.GET)
    worklist = meldingen_worklist(user=request.user, today=today, filters=filters)
    page = Paginator(worklist.items, 25).get_page(request.GET.get("pagina"))
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
    query = worklist.filters.as_query()
    return render(
        request,
        "web/worklist.html",
        {
            "provider_requests": provider_requests,
            "page": page,
            "today": today,
            "worklist": worklist,
            "total": worklist.open_count,
            "overdue_count": worklist.overdue_count,
            "headers": _headers(worklist.filters),
            "caption": _("Openstaande meldingen, de meest urgente bovenaan")
            if worklist.filters.sorteer == "termijn"
            else _("Openstaande meldingen, gesorteerd op %(sort)s")
            % {"sort": _sort_label(worklist.filters)},
            "statuses": [(s.value, s.label) for s in Status if s in OPEN_STATUSES],
            "deadline_choices": _deadline_choices(worklist),
            "assignee_choices": _assignee_choices(worklist, request.user),
            "query": urlencode(query),
            "excel_href": reverse("web:worklist_excel") + ("?" + urlencode(query) if query else ""),
        },
    )


@login_required
@permission_required("toegang.view_melding", raise_exception=True)
def worklist_excel(request):
    """The filtered work list as a workbook. It names clients: every one is access-logged."""
    today = timezone.localdate()
    worklist = meldingen_worklist(
        user=request.user, today=today, filters=WorklistFilters.from_query(request.GET)
    )
    items = worklist.items
    access_log_read(
        request,
        [i.melding.client for i in items],
        what="werkvoorraad: Excel-download",
        why=gettext_lazy("behandelaar van de melding"),
    )
    about = About(
        title=_("Werkvoorraad: openstaande meldingen"),
        period=_("Openstaand op %(day)s") % {"day": today.strftime("%d-%m-%Y")},
        filters=[(_("Selectie"), _filter_summary(worklist, request.user))],
        audience=_("Medewerkers toegang van de eigen gemeente (bevat persoonsgegevens)"),
        made_by=request.user.get_full_name() or request.user.get_username(),
        organisation=", ".join(o.name for o in request.user.organisations.order_by("name")),
        notes=[
            (_("Sortering"), _sort_label(worklist.filters)),
            (_("Aantal meldingen"), len(items)),
            (
                _("Let op"),
                _(
                    "Dit bestand bevat persoonsgegevens van cliënten. Het downloaden is "
                    "vastgelegd in het toegangslogboek. Bewaar en deel het alleen volgens de "
                    "regels van uw organisatie."
                ),
            ),
            *((_("Filter niet toegepast"), text) for text in worklist.refused),
        ],
    )
    rows = [
        [
            i.melding.client.short_pseudonym,
            i.melding.client.full_name,
            i.melding.product_kind,
            i.melding.get_status_display(),
            str(i.step),
            i.deadline,
            i.days_overdue if i.deadline else None,
            i.melding.received_on,
            i.melding.responsible_municipality.name,
            (i.melding.assigned_to.get_full_name() or i.melding.assigned_to.get_username())
            if i.melding.assigned_to
            else "",
        ]
        for i in items
    ]
    data = workbook_bytes(
        [
            (
                _("Werkvoorraad"),
                [
                    _("Dossiernummer"),
                    _("Cliënt"),
                    _("Domein"),
                    _("Status"),
                    _("Volgende stap"),
                    _("Uiterste datum"),
                    _("Dagen te laat"),
                    _("Datum melding"),
                    _("Verantwoordelijke gemeente"),
                    _("Toegewezen aan"),
                ],
                rows,
                set(),
            ),
        ],
        about=about,
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"bwmo-werkvoorraad-{today.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
