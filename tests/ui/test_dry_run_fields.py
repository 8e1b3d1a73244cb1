"""Every form that shows the service's refusals with its field errors (``add_rule_refusals``)
survives each of its fields being refused, and all of them at once: the dry run gets the
refused field's empty value, skips the rules that need it and reports the others, and never
ends in a server error.

Found by municipal users: in the stay-start form a refused start date made the dry run stop
with a TypeError, so the stay's other rules appeared one submit later; the dry run caught
that TypeError, which would also have hidden a real defect.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bwmo.care import services as care_services
from bwmo.care.models import Indication
from bwmo.finance import services as finance_services
from bwmo.woonplaats import services as woonplaats_services
from tests import factories
from tests.finance.test_finance import _params_text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = (TODAY - timedelta(days=1)).strftime("%d-%m-%Y")


@dataclass
class Page:
    user: str
    url: str
    context: str = "form"
    # Fields to leave at the page's own value (a hidden version, a chosen base set).
    extra: dict | None = None


def _clients_register(setup) -> Page:
    return Page("toegang_assen", reverse("clients:register"))


def _clients_edit(setup) -> Page:
    person = factories.register_client(setup)
    return Page("toegang_assen", reverse("clients:edit", args=[person.pseudonym]))


def _brp_add(setup) -> Page:
    person = factories.register_client(setup)
    return Page("toegang_assen", reverse("clients:brp_add", args=[person.pseudonym]))


def _melding_register(setup) -> Page:
    person = factories.register_client(setup)
    return Page("toegang_assen", reverse("toegang:register", args=[person.pseudonym]))


def _step(step: str, *, to_aanvraag: bool = False) -> Callable:
    def make(setup) -> Page:
        person = factories.client_with_melding(setup)
        melding = person.meldingen.get()
        if to_aanvraag:
            factories.advance_to_aanvraag(setup, melding, day=TODAY - timedelta(days=5))
        return Page("toegang_assen", reverse("toegang:step", args=[melding.pk, step]))

    return make


def _advies(setup) -> Page:
    person = factories.client_with_melding(setup)
    melding = person.meldingen.get()
    from bwmo.toegang import services as toegang_services

    toegang_services.onderzoek_start(
        melding=melding,
        user=setup.users["toegang_assen"],
        expected_version=melding.version,
        started_on=TODAY - timedelta(days=5),
        conversation_on=None,
        findings="",
    )
    return Page("toegang_assen", reverse("toegang:step", args=[melding.pk, "advies"]))


def _mo_intake(setup) -> Page:
    person = factories.register_client(setup, organisation_key="opvang")
    return Page("opvang", reverse("toegang:mo_intake", args=[person.pseudonym]))


def _stay_start(setup) -> Page:
    indication = Indication.objects.get(client=factories.granted_client(setup))
    return Page("toegang_assen", reverse("care:stay_start", args=[indication.pk]))


def _stay_end(setup) -> Page:
    indication = Indication.objects.get(client=factories.granted_client(setup))
    stay = care_services.stay_start(
        indication=indication, location=setup.assen, start=TODAY - timedelta(days=3)
    )
    return Page("toegang_assen", reverse("care:stay_end", args=[stay.pk]))


def _wlz_add(setup) -> Page:
    person = factories.granted_client(setup)
    return Page("toegang_assen", reverse("care:wlz_add", args=[person.pseudonym]))


def _indication_change(setup) -> Page:
    indication = Indication.objects.get(client=factories.granted_client(setup))
    return Page("toegang_assen", reverse("care:indication_change", args=[indication.pk]))


def _dispute_add(setup) -> Page:
    melding = factories.client_with_melding(setup).meldingen.get()
    return Page("toegang_assen", reverse("woonplaats:dispute_add", args=[melding.pk]))


def _dispute_update(setup) -> Page:
    melding = factories.client_with_melding(setup).meldingen.get()
    dispute = woonplaats_services.dispute_record(
        melding=melding,
        claimant=setup.assen,
        respondent=setup.tynaarlo,
        opened_on=TODAY - timedelta(days=2),
    )
    return Page("toegang_assen", reverse("woonplaats:dispute_update", args=[dispute.pk]))


def _request_answer(setup, tmp_path) -> Page:
    from bwmo.iwmo import aanbieder
    from bwmo.iwmo import model as m
    from bwmo.messaging import exchange
    from bwmo.messaging.models import AllocationRequest
    from tests.messaging.conftest import XSD_DIR, client_basis

    if not XSD_DIR.exists():
        pytest.skip("the iWmo standard is not beside this checkout")
    person = factories.granted_client(setup)
    path = tmp_path / "vot.xml"
    path.write_bytes(
        aanbieder.build_wmo315(
            afzender="73000002",
            ontvanger="0106",
            identificatie="V1",
            dagtekening=TODAY,
            client=client_basis(person),
            aangevraagde_producten=[
                m.AangevraagdProduct(
                    referentie_aanbieder="VOT1",
                    toewijzing_ingangsdatum=TODAY + timedelta(days=10),
                    toewijzing_einddatum=TODAY + timedelta(days=100),
                    verwijzer=m.Verwijzer("01", naam="Huisarts"),
                    product=m.Product("15", "BW001"),
                    omvang=m.Omvang(7, "14", "2"),
                )
            ],
            xsd_dir=XSD_DIR,
        )
    )
    exchange.import_file(path, today=TODAY)
    request = AllocationRequest.objects.get()
    return Page("toegang_assen", reverse("messaging:request", args=[request.pk]))


def _finance_upload(setup) -> Page:
    return Page("controller", reverse("finance:parameters"), context="upload")


def _finance_scenario(setup) -> Page:
    finance_services.parameter_set_upload(name="Basis", text=_params_text(), user=None)
    return Page("controller", reverse("finance:parameters"), context="scenario")


PAGES = {
    "client registration": _clients_register,
    "client edit": _clients_edit,
    "BRP registration": _brp_add,
    "melding": _melding_register,
    "onderzoek": _step("onderzoek"),
    "advies": _advies,
    "beschikking": _step("beschikking", to_aanvraag=True),
    "intrekken": _step("intrekken"),
    "MO intake": _mo_intake,
    "stay start": _stay_start,
    "stay end": _stay_end,
    "Wlz application": _wlz_add,
    "indication change": _indication_change,
    "dispute": _dispute_add,
    "dispute update": _dispute_update,
    "answer to a request": _request_answer,
    "parameter upload": _finance_upload,
    "scenario": _finance_scenario,
}


def _plausible(form: forms.Form) -> dict:
    """A value for every field: the page's own, else one a user could have chosen."""
    data: dict = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        value = form[name].value()
        if isinstance(field, forms.FileField):
            data[key] = SimpleUploadedFile("p.toml", _params_text().encode())
            continue
        if isinstance(field, forms.BooleanField):
            if value:
                data[key] = "on"
            continue
        if value not in (None, "", []):
            if isinstance(field, forms.DateField) and hasattr(value, "strftime"):
                value = value.strftime("%d-%m-%Y")
            if isinstance(field, forms.ModelChoiceField) and hasattr(value, "pk"):
                value = value.pk
            data[key] = value
        elif isinstance(field, forms.DateField):
            data[key] = YESTERDAY
        elif isinstance(field, forms.ModelMultipleChoiceField):
            data[key] = [field.queryset.first().pk]
        elif isinstance(field, forms.ModelChoiceField):
            first = field.queryset.first()
            if first is not None:
                data[key] = first.pk
        elif isinstance(field, forms.MultipleChoiceField):
            data[key] = [next(v for v, _label in field.choices if v)]
        elif isinstance(field, forms.ChoiceField):
            choices = [v for v, _label in field.choices if v not in ("", None)]
            if choices:
                data[key] = choices[0]
        elif isinstance(field, forms.IntegerField):
            data[key] = "2"
        else:
            data[key] = "Tekst"
    return data


def _refusals(field: forms.Field) -> list:
    """Values the field refuses: empty (where it is required) and one it cannot read."""
    values: list = []
    if field.required:
        values.append("")
    if isinstance(field, forms.DateField):
        values.append("31-02-2026")
    elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        values.append("999999")
    elif isinstance(field, forms.IntegerField):
        values.append("twee")
    return values


@pytest.mark.parametrize("name", PAGES)
def test_every_refused_field_leaves_the_form_answering(name, client, region_setup, tmp_path):
    make = PAGES[name]
    page = make(region_setup, tmp_path) if make is _request_answer else make(region_setup)
    client.force_login(region_setup.users[page.user])
    form = client.get(page.url).context[page.context]
    valid = _plausible(form)
    tried = 0
    for field_name, field in form.fields.items():
        if isinstance(field, forms.FileField):
            continue
        key = form.add_prefix(field_name)
        for value in _refusals(field):
            data = {k: v for k, v in valid.items() if k != key}
            data[key] = value
            for upload in data.values():
                if hasattr(upload, "seek"):
                    upload.seek(0)
            response = client.post(page.url, data)  # an exception fails the test
            assert response.status_code in (200, 302), (field_name, value, response.status_code)
            tried += 1
    assert tried, name
    # Everything refused at once.
    data = {}
    for field_name, field in form.fields.items():
        refusals = _refusals(field)
        key = form.add_prefix(field_name)
        if refusals:
            data[key] = refusals[-1]
        elif key in valid:
            data[key] = valid[key]
    response = client.post(page.url, data)
    assert response.status_code in (200, 302), response.status_code
