"""Form errors that help: all at once, a date that does not exist named as such, a summary."""

from datetime import date

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import RequestFactory

from bwmo.clients.forms import ClientSearchForm
from bwmo.monitor.forms import DashboardForm
from bwmo.ui.forms import BwmoForm, DateField, DateInput


class TwoDates(BwmoForm):
    start = forms.DateField(label="Begindatum", widget=DateInput)
    note = forms.CharField(label="Toelichting")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("31-02-2026", "31-02-2026 bestaat niet: februari 2026 heeft 28 dagen."),
        ("29-02-2027", "29-02-2027 bestaat niet: februari 2027 heeft 28 dagen."),
        ("31-04-2026", "31-04-2026 bestaat niet: april 2026 heeft 30 dagen."),
        ("2026-02-30", "2026-02-30 bestaat niet: februari 2026 heeft 28 dagen."),
        ("05-13-2026", "05-13-2026 bestaat niet: een maand ligt tussen 1 en 12."),
        ("morgen", "Vul een datum in als dd-mm-jjjj, bijvoorbeeld 05-03-2026."),
    ],
)
def test_a_date_that_does_not_exist_says_so(typed, expected):
    form = TwoDates(data={"start": typed, "note": "x"})
    assert not form.is_valid()
    assert form.errors["start"] == [expected]


@pytest.mark.parametrize("typed", ["29-02-2028", "2028-02-29", "1-3-2026", "01/03/2026"])
def test_dutch_and_iso_dates_are_read(typed):
    form = TwoDates(data={"start": typed, "note": "x"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] in (date(2028, 2, 29), date(2026, 3, 1))


def test_every_plain_date_field_of_a_form_gets_the_explanation():
    # DashboardForm declares forms.DateField; the base form upgrades it.
    form = DashboardForm(data={"van": "31-02-2026", "tot": "2026-13-01"})
    assert isinstance(form.fields["van"], DateField)
    assert not form.is_valid()
    assert "bestaat niet" in form.errors["van"][0]
    assert "bestaat niet" in form.errors["tot"][0]


def test_the_date_widget_is_text_in_dutch_order():
    html = str(TwoDates(initial={"start": date(2026, 3, 5)})["start"])
    assert 'type="text"' in html and 'value="05-03-2026"' in html and 'inputmode="numeric"' in html


def summary(form, method="POST") -> str:
    request = getattr(RequestFactory(), method.lower())("/")
    return render_to_string("ui/_form.html", {"form": form}, request=request)


def test_the_summary_lists_every_error_at_once_with_links_to_the_fields():
    form = TwoDates(data={"start": "31-02-2026", "note": ""})
    assert not form.is_valid()
    html = summary(form)
    assert 'role="alert"' in html and 'tabindex="-1"' in html and "data-error-summary" in html
    assert "Controleer de volgende velden" in html
    assert 'href="#id_start"' in html and "bestaat niet" in html
    assert 'href="#id_note"' in html and "Dit veld is verplicht" in html
    assert "niet opgeslagen" in html  # a POST form that saves


def test_a_filter_or_search_form_never_says_not_saved():
    form = ClientSearchForm(data={"q": "x" * 500})
    form.is_valid()
    form.add_error(None, "Iets klopt niet.")
    html = summary(form, method="GET")
    assert "Controleer de volgende velden" in html
    assert "niet opgeslagen" not in html


def test_no_summary_without_errors():
    assert "data-error-summary" not in summary(TwoDates())
