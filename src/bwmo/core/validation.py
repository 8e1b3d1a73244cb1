"""Checks shared by services; each raises a ValidationError on the field it concerns."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
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


class Refusals:
    """Collects a service's independent rule refusals so they are raised together.

    A user with two rule problems sees both in one response instead of one per submit.
    ``add`` takes a message for a field (``None``: the whole form) or a ValidationError (its
    fields are kept); ``check`` runs a check and keeps its refusal; ``raise_any`` raises
    everything collected, before the service writes anything. A rule that depends on an
    earlier one passing is checked only when that one did (``check`` returns whether it
    passed).
    """

    def __init__(self) -> None:
        self.errors: dict[str | None, list[Any]] = {}

    def add(self, field: str | None, error: ValidationError | str) -> None:
        if isinstance(error, ValidationError):
            if hasattr(error, "error_dict"):
                for name, items in error.error_dict.items():
                    key = None if name == NON_FIELD_ERRORS else name
                    self.errors.setdefault(key, []).extend(items)
            else:
                self.errors.setdefault(field, []).extend(error.error_list)
        else:
            self.errors.setdefault(field, []).append(error)

    def check(self, field: str | None, check: Callable[[], object]) -> bool:
        """Run ``check``; keep its ValidationError (on ``field`` when it names none)."""
        try:
            check()
        except ValidationError as error:
            self.add(field, error)
            return False
        return True

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS if name is None else name: items
                    for name, items in self.errors.items()
                }
            )
