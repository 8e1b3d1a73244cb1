"""bwmo's select list renders the HTML of Django's own template, option for option."""

from django import forms

from bwmo.ui.forms import BwmoForm, Select

CHOICES = [
    ("", "alle"),
    ("1", "Stichting <Testhuis> & Co"),
    ("2", 'Zorg "Elders"'),
    ("Groep", [("3", "In een groep"), ("4", "Nog een")]),
    (5, "Een getal"),
]


def _both(value, attrs=None):
    django_html = forms.Select(choices=CHOICES, attrs=attrs).render("aanbieder", value)
    ours = Select(choices=CHOICES, attrs=attrs).render("aanbieder", value)
    return django_html, ours


def test_the_select_list_is_the_html_of_djangos_template():
    for value in (None, "", "1", "3", 5, "onbekend"):
        for attrs in (None, {"id": "id_aanbieder", "required": True, "disabled": False}):
            django_html, ours = _both(value, attrs)
            assert ours == django_html, (value, attrs)
    assert "&lt;Testhuis&gt; &amp; Co" in _both("1")[1]
    assert 'value="1" selected>' in _both("1")[1]


def test_a_bwmo_form_renders_its_plain_select_lists_with_it():
    class Filter(BwmoForm):
        aanbieder = forms.ChoiceField(choices=CHOICES, required=False)
        kleur = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)

    form = Filter({"aanbieder": "2"})
    assert type(form.fields["aanbieder"].widget) is Select
    assert type(form.fields["kleur"].widget) is forms.RadioSelect
    assert type(Filter.base_fields["aanbieder"].widget) is forms.Select  # per form only
    html = str(form["aanbieder"])
    assert html == forms.Select(choices=CHOICES, attrs={"id": "id_aanbieder"}).render(
        "aanbieder", "2"
    )


def test_a_model_select_list_reads_its_choices_in_one_statement(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bwmo.organisations.models import Municipality

    class Filter(BwmoForm):
        gemeente = forms.ModelChoiceField(
            queryset=Municipality.objects.none(), required=False, empty_label="alle"
        )

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["gemeente"].queryset = Municipality.objects.filter(code="GM0106")

    Municipality.objects.get_or_create(code="GM0106", defaults={"name": "Assen"})
    form = Filter()
    with CaptureQueriesContext(connection) as queries:
        html = str(form["gemeente"])
    assert len(queries) == 1
    assert "DECLARE" not in queries[0]["sql"]
    assert '<option value="" selected>alle</option>' in html
    assert '<option value="GM0106">Assen</option>' in html
