import calendar
import re
from collections.abc import Callable, Collection
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Dutch order first; ISO (what a date picker and the tests send) is accepted too.
DATE_INPUT_FORMATS = ["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"]
DATE_INVALID = gettext_lazy("Vul een datum in als dd-mm-jjjj, bijvoorbeeld 05-03-2026.")
_DMY = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$")
_YMD = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


class DateInput(forms.DateInput):
    """A text field for dd-mm-jjjj.

    Not ``type="date"``: a browser's date picker sends an empty value for a date that does
    not exist (31-02), and the user then reads "verplicht" instead of what is wrong.
    """

    input_type = "text"

    def __init__(self, attrs=None):
        attrs = {"inputmode": "numeric", "autocomplete": "off", **(attrs or {})}
        super().__init__(attrs=attrs, format="%d-%m-%Y")


def impossible_date_error(value: str) -> ValidationError | None:
    """The error for a well-formed date that is not in the calendar (31-02-2026), else None."""
    if match := _DMY.match(value):
        day, month, year = (int(part) for part in match.groups())
    elif match := _YMD.match(value):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    text = value.strip()
    if not 1 <= month <= 12:
        return ValidationError(
            _("%(value)s bestaat niet: een maand ligt tussen 1 en 12."),
            code="invalid_date",
            params={"value": text},
        )
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return ValidationError(
            _("%(value)s bestaat niet: %(month)s %(year)s heeft %(days)s dagen."),
            code="invalid_date",
            params={"value": text, "month": MONTHS[month], "year": year, "days": days},
        )
    return None


class DateField(forms.DateField):
    """A date field that says why a date is wrong: "31-02-2026 bestaat niet: …"."""

    input_formats = DATE_INPUT_FORMATS

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.error_messages["invalid"] = DATE_INVALID

    def to_python(self, value):
        if isinstance(value, str) and (error := impossible_date_error(value)):
            raise error
        return super().to_python(value)


def _attrs_html(attrs: dict[str, Any]) -> SafeString:
    """Django's ``attrs.html``: ` name="value"`, a bare ` name` for True, nothing for False."""
    return mark_safe(  # noqa: S308 — every part is escaped by format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


class Select(forms.Select):
    """Django's select list, the same HTML as its template, but built in Python: the
    template renders every option as an include of its own, and the list of some 250
    providers of the national profile took half of a dashboard's time (docs/performance.md).
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [
            format_html('<select name="{}"{}>', widget["name"], _attrs_html(widget["attrs"]))
        ]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in group_choices:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',  # the template's newline
                        str(option["value"]),
                        _attrs_html(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every part is escaped by format_html


class ListedChoices(forms.models.ModelChoiceIterator):
    """The choices of a model field read in one statement, not through ``iterator()``: on
    PostgreSQL that is a server-side cursor (DECLARE, FETCH, CLOSE: three round trips per
    select list) for lists of a few hundred rows at most."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class BwmoForm(forms.Form):
    """Base form: Dutch-style labels without a trailing colon.

    Inputs get no ``maxlength`` attribute: a browser silently cuts typed or pasted text at
    that length, so the server checks the length and says which field is too long.

    Every plain ``forms.DateField`` of a form becomes a :class:`DateField`, so each date in
    bwmo accepts dd-mm-jjjj and explains a date that does not exist.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("maxlength", None)
            if type(field.widget) is forms.Select:
                field.widget.__class__ = Select
            if isinstance(field, forms.ModelChoiceField):
                field.iterator = ListedChoices
                field.widget.choices = field.choices
            if type(field) is forms.DateField:
                field.__class__ = DateField
                field.input_formats = DATE_INPUT_FORMATS
                field.error_messages["invalid"] = DATE_INVALID


class VersionedForm(BwmoForm):
    """A form that edits a record: carries the version it was opened with."""

    version = forms.IntegerField(widget=forms.HiddenInput)


def add_service_errors(form, error: ValidationError, *, skip: Collection[str] = ()) -> None:
    """Put a service's ValidationError on the form fields it names (others on the form).

    Errors on a field in ``skip`` are left out; a message the form already shows is not
    repeated.
    """
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            if field in skip:
                continue
            target = field if field in form.fields else None
            shown = form.errors.get(target or NON_FIELD_ERRORS, [])
            for item in errors:
                if not any(str(m) == str(t) for m in item.messages for t in shown):
                    form.add_error(target, item)
    else:
        shown = form.non_field_errors()
        for message in error.messages:
            if message not in shown:
                form.add_error(None, message)


class _DryRun(Exception):
    """Rolls a dry run back."""


def dry_run(call: Callable[[], object]) -> ValidationError | None:
    """Run ``call`` (a service) in a transaction that is always rolled back; return the
    ValidationError it raises, or ``None`` when it would have succeeded."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
        return None
    except ValidationError as error:
        return error


def partial_data(form) -> dict[str, Any]:
    """The form's cleaned values, with a field's empty value ('' / None / [] / False) for each
    field it refused."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if name in form.cleaned_data:
            data[name] = form.cleaned_data[name]
            continue
        try:
            data[name] = field.to_python(None)
        except ValidationError:
            data[name] = None
    return data


def add_rule_refusals(form, run: Callable[[dict[str, Any]], object]) -> None:
    """Show the service's refusals together with the form's own field errors.

    A service's rules (dates against the case, the workflow, a duplicate, the contents of a
    file) are checked only after the form is valid, so a user who fixes a field error would
    meet them one submit later. For a form with field errors this runs the service as a dry run
    in a rolled-back transaction: ``run`` gets the form's values (a refused field's empty
    value) and calls the service. Its errors on the fields the form refused are left out (the
    form's own message is the more precise one); the rest join the form's errors and summary.
    ``run`` must call the service on fresh copies of the records it changes.

    The service gets a refused field's empty value: its rules that need the field are
    skipped (the form already says what is wrong with it), the others report.
    """
    if not form.is_bound or form.is_valid():
        return
    refused = set(form.errors)
    # Nothing is caught here but the service's ValidationError: a service gets ``None`` (or
    # '') for a refused field and must skip the rules that need it while still checking the
    # others (``tests/ui/test_dry_run_fields.py`` refuses every field of every such form).
    # Catching a TypeError here once hid both those rules and real defects.
    error = dry_run(lambda: run(partial_data(form)))
    if error is not None:
        add_service_errors(form, error, skip=refused)
