"""Two tariffs that price one product at one provider on the same day are refused where they
are entered (the contract's beheer screen and the tariff's own), naming both contracts and
the period; nothing is saved."""

from datetime import date

import pytest
from django.urls import reverse

from bwmo.care.models import Contract, Tariff

pytestmark = pytest.mark.django_db


@pytest.fixture
def beheer(client, region_setup):
    client.force_login(region_setup.users["beheer"])
    return client


def _contract_data(region_setup, reference, tariffs, *, provider=None):
    data = {
        "provider": (provider or region_setup.provider).pk,
        "region": region_setup.region.pk,
        "reference": reference,
        "valid_from": "2026-01-01",
        "valid_to": "2029-12-31",
        "extension_options": 2,
        "extension_years": 2,
        "notice_months": 6,
        "products": [region_setup.products["BW001"].pk],
        "tariffs-TOTAL_FORMS": len(tariffs),
        "tariffs-INITIAL_FORMS": 0,
        "tariffs-MIN_NUM_FORMS": 0,
        "tariffs-MAX_NUM_FORMS": 1000,
    }
    for n, (start, end) in enumerate(tariffs):
        data |= {
            f"tariffs-{n}-product": region_setup.products["BW001"].pk,
            f"tariffs-{n}-amount": "950.00",
            f"tariffs-{n}-unit": "week",
            f"tariffs-{n}-valid_from": start,
            f"tariffs-{n}-valid_to": end,
        }
    return data


def _errors(response):
    formset = response.context["inline_admin_formsets"][0].formset
    return [form.errors.get("valid_from", []) for form in formset.forms]


def test_a_new_contract_pricing_a_product_already_priced_is_refused(beheer, region_setup):
    # T-1 prices BW001 from 2021-01-01 with no end (the region set-up).
    before = (Contract.objects.count(), Tariff.objects.count())
    data = _contract_data(region_setup, "T-2", [("2026-01-01", "2026-12-31")])
    response = beheer.post(reverse("admin:care_contract_add"), data)
    assert response.status_code == 200
    [errors] = _errors(response)
    assert errors == [
        "Contract T-2 en contract T-1 prijzen BW001 (BW Intramuraal) bij deze aanbieder allebei "
        "van 01-01-2026 tot en met 31-12-2026. Laat het ene tarief eindigen voordat het andere "
        "begint."
    ]
    assert "Contract T-2 en contract T-1 prijzen BW001" in response.content.decode()
    assert (Contract.objects.count(), Tariff.objects.count()) == before


def test_two_rows_of_one_contract_that_share_a_day_are_both_refused(beheer, region_setup):
    other = region_setup.other_provider
    data = _contract_data(
        region_setup, "T-3", [("2026-01-01", "2026-06-30"), ("2026-06-30", "")], provider=other
    )
    response = beheer.post(reverse("admin:care_contract_add"), data)
    assert response.status_code == 200
    expected = (
        "Twee tarieven van contract T-3 prijzen BW001 (BW Intramuraal) allebei van 30-06-2026 "
        "tot en met 30-06-2026. Laat het ene tarief eindigen voordat het andere begint."
    )
    assert _errors(response) == [[expected], [expected]]
    assert not Contract.objects.filter(reference="T-3").exists()

    # One day apart they are one price list: saved.
    data |= {"tariffs-1-valid_from": "2026-07-01"}
    response = beheer.post(reverse("admin:care_contract_add"), data)
    assert response.status_code == 302
    assert Tariff.objects.filter(contract__reference="T-3").count() == 2


def test_another_provider_or_an_ended_tariff_is_no_overlap(beheer, region_setup):
    # The same product and days at another provider are another price.
    data = _contract_data(
        region_setup, "T-4", [("2026-01-01", "")], provider=region_setup.other_provider
    )
    assert beheer.post(reverse("admin:care_contract_add"), data).status_code == 302
    # Once T-1's tariff ends, a new contract of the same provider may price the product after.
    Tariff.objects.filter(contract__reference="T-1").update(valid_to=date(2025, 12, 31))
    data = _contract_data(region_setup, "T-5", [("2026-01-01", "")])
    assert beheer.post(reverse("admin:care_contract_add"), data).status_code == 302


def test_the_tariff_screen_refuses_an_overlap_too(beheer, region_setup):
    contract = Contract.objects.get(reference="T-1")
    data = {
        "contract": contract.pk,
        "product": region_setup.products["BW001"].pk,
        "amount": "990.00",
        "unit": "week",
        "valid_from": "2027-01-01",
        "valid_to": "",
    }
    response = beheer.post(reverse("admin:care_tariff_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["valid_from"] == [
        "Twee tarieven van contract T-1 prijzen BW001 (BW Intramuraal) allebei vanaf "
        "01-01-2027. Laat het ene tarief eindigen voordat het andere begint."
    ]
    assert Tariff.objects.count() == 1
    # Editing the one stored tariff is not an overlap with itself.
    tariff = Tariff.objects.get()
    data |= {"valid_from": tariff.valid_from.isoformat(), "amount": "910.00"}
    response = beheer.post(reverse("admin:care_tariff_change", args=[tariff.pk]), data)
    assert response.status_code == 302
    tariff.refresh_from_db()
    assert str(tariff.amount) == "910.00"
