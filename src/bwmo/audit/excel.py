"""The auditor's answer as an Excel workbook: what it contains first, then one row per entry."""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bwmo.ui.excel import About, workbook_bytes

from .selectors import Period


def period_text(period: Period) -> str:
    if period.start and period.end:
        return _("van %(van)s tot en met %(tot)s") % {
            "van": date_format(period.start, "j F Y"),
            "tot": date_format(period.end, "j F Y"),
        }
    if period.start:
        return _("vanaf %(van)s") % {"van": date_format(period.start, "j F Y")}
    if period.end:
        return _("tot en met %(tot)s") % {"tot": date_format(period.end, "j F Y")}
    return _("het hele log")


def _local(at: datetime) -> datetime:
    # Excel has no time zones: the local time, as the screen shows it.
    return timezone.localtime(at).replace(tzinfo=None)


def access_log_workbook(
    *,
    question: str,
    period: Period,
    entries: Iterable,
    until_pk: int | None,
    made_by: str,
    made_at: datetime,
) -> bytes:
    entries = list(entries)
    about = About(
        title=_("Toegangslog van bwmo"),
        period=period_text(period),
        filters=[(_("Vraag"), question)],
        audience=_("de auditor (privacyfunctionaris)"),
        made_by=made_by,
        made_at=made_at,
        notes=[
            (
                _("Tot en met regel"),
                until_pk if until_pk is not None else _("(het log was nog leeg)"),
            ),
            (_("Aantal regels"), len(entries)),
            (
                _("Toelichting"),
                _(
                    "Eén rij per vastgelegde inzage, nieuwste eerst. Het scherm voegt herhaalde "
                    "gelijke regels samen; dit bestand niet. Het maken van dit bestand staat "
                    "zelf ook in het toegangslog."
                ),
            ),
        ],
    )
    rows = (
        (
            e.pk,
            _local(e.at),
            e.username,
            e.organisation,
            e.client_pseudonym[:8],
            e.what,
            e.why,
        )
        for e in entries
    )
    return workbook_bytes(
        [
            (
                _("Toegangslog"),
                [
                    _("Regel"),
                    _("Tijdstip"),
                    _("Gebruiker"),
                    _("Organisatie"),
                    _("Cliënt"),
                    _("Wat"),
                    _("Grondslag"),
                ],
                rows,
                set(),
            ),
        ],
        about=about,
    )
