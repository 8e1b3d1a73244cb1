import calendar
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import MONTHS
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
            if type(field) is forms.DateField:
                field.__class__ = DateField
                field.input_formats = DATE_INPUT_FORMATS
                field.error_messages["invalid"] = DATE_INVALID


class VersionedForm(BwmoForm):
    """A form that edits a record: carries the version it was opened with."""

    version = forms.IntegerField(widget=forms.HiddenInput)


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form fields it names (others on the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        for message in error.messages:
            form.add_error(None, message)
