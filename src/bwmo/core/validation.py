"""Checks shared by services; each raises a ValidationError on the field it concerns."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def not_in_future(field: str, value: date | None, label: str) -> None:
    today = timezone.localdate()
    if value and value > today:
        raise ValidationError(
            {
                field: _("%(label)s ligt in de toekomst (%(value)s); vandaag is %(today)s.")
                % {
                    "label": label,
                    "value": date_format(value, "j F Y"),
                    "today": date_format(today, "j F Y"),
                }
            },
            code="future",
        )


def period_ordered(start_field: str, start: date | None, end_field: str, end: date | None) -> None:
    if start and end and end < start:
        raise ValidationError(
            {
                end_field: _("De einddatum (%(end)s) ligt vóór de begindatum (%(start)s).")
                % {"end": date_format(end, "j F Y"), "start": date_format(start, "j F Y")}
            },
            code="period_order",
        )


def not_before(field: str, value: date | None, reference: date, label: str, ref_label: str):
    if value and value < reference:
        raise ValidationError(
            {
                field: _("%(label)s (%(value)s) ligt vóór %(ref_label)s (%(ref)s).")
                % {
                    "label": label,
                    "value": date_format(value, "j F Y"),
                    "ref_label": ref_label,
                    "ref": date_format(reference, "j F Y"),
                }
            },
            code="before_reference",
        )


def required(**values: object) -> None:
    """Refuse the values a service cannot do without when they are missing.

    A form's dry run (``ui.forms.add_rule_refusals``) passes a refused field as ``None`` or
    ''; the service checks the rules that do not need it first, and calls this just before
    the rules or the write that do, so the dry run ends in this ValidationError (left out on
    the screen, where the form's own message for the field shows) instead of a crash.
    """
    missing = {name: _("Dit veld is verplicht.") for name, v in values.items() if v in (None, "")}
    if missing:
        raise ValidationError(missing, code="required")
