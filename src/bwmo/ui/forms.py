from django import forms
from django.core.exceptions import ValidationError


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class BwmoForm(forms.Form):
    """Base form: Dutch-style labels without a trailing colon.

    Inputs get no ``maxlength`` attribute: a browser silently cuts typed or pasted text at
    that length, so the server checks the length and says which field is too long.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("maxlength", None)


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
