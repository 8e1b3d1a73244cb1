from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class BwmoForm(forms.Form):
    """Base form: Dutch-style labels without a trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class VersionedForm(BwmoForm):
    """A form that edits a record: carries the version it was opened with."""

    version = forms.IntegerField(widget=forms.HiddenInput)
