"""A product or provider filter narrows the monitor only for the user's own municipalities.

Filtered figure sets are suppressed one by one; the sets of all products (or providers) add
up to the unfiltered one, so an outside reader who could open them all would get hidden cells
back (docs/monitor.md, "Filters"). For every audience but the internal one the filter is not
offered, one asked for anyway is named and not applied, and the service refuses it."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from bwmo.care.models import Product
from bwmo.monitor.services import MonitorScope, monitor_document
from bwmo.organisations.models import Municipality, Provider, Region

START, END = date(2026, 1, 1), date(2026, 10, 31)


def _login(client, name):
    client.force_login(get_user_model().objects.get(username=name))


def _figures(response) -> tuple:
    c = response.context
    return (c["headline"], c["quarter_rows"], c["mix_rows"], c["matrix_rows"])


def _query(region, **extra) -> str:
    params = {"regio": region.pk, "van": START, "tot": END, **extra}
    return "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _product_with_stays(region) -> Product:
    from bwmo.monitor.selectors import region_codes, stay_records

    rows = stay_records(municipalities=list(region_codes(region)))
    name = sorted({r.product for r in rows})[0]
    return Product.objects.filter(name=name).first() or Product.objects.get(code=name)


@pytest.mark.django_db
def test_the_region_view_does_not_apply_a_product_or_provider_filter(demo, client):
    region = Region.objects.get(centrumgemeente_id="GM0106")
    product = _product_with_stays(region)
    provider = Provider.objects.order_by("pk").first()
    _login(client, "beleid.assen")
    plain = client.get(reverse("monitor:dashboard") + _query(region))
    asked = client.get(
        reverse("monitor:dashboard") + _query(region, product=product.pk, aanbieder=provider.pk)
    )
    assert plain.status_code == asked.status_code == 200
    assert asked.context["audience"] == "external"
    # The figures are the unfiltered ones, and the user is told which filters were left out.
    assert _figures(asked) == _figures(plain)
    warnings = [str(m) for m in get_messages(asked.wsgi_request)]
    assert any("'Product' is niet toegepast" in w for w in warnings), warnings
    assert any("'Aanbieder' is niet toegepast" in w for w in warnings), warnings
    form = asked.context["form"]
    assert form.fields["product"].disabled and form.fields["aanbieder"].disabled
    assert "Alleen voor uw eigen gemeente" in asked.content.decode()


@pytest.mark.django_db
def test_the_council_report_never_applies_a_product_filter(demo, client):
    region = Region.objects.get(centrumgemeente_id="GM0106")
    product = _product_with_stays(region)
    assen = Municipality.objects.get(code="GM0106")
    _login(client, "beleid.assen")
    plain = client.get(reverse("monitor:council_report") + _query(region, gemeente=assen.pk))
    asked = client.get(
        reverse("monitor:council_report") + _query(region, gemeente=assen.pk, product=product.pk)
    )
    assert plain.status_code == asked.status_code == 200
    assert _figures(asked) == _figures(plain)
    warnings = [str(m) for m in get_messages(asked.wsgi_request)]
    assert any("'Product' is niet toegepast" in w for w in warnings), warnings


@pytest.mark.django_db
def test_the_own_municipality_is_filtered(demo, client):
    """Positive control: the own municipality's internal view applies the filter."""
    region = Region.objects.get(centrumgemeente_id="GM0106")
    product = _product_with_stays(region)
    assen = Municipality.objects.get(code="GM0106")
    _login(client, "beleid.assen")
    plain = client.get(reverse("monitor:dashboard") + _query(region, gemeente=assen.pk))
    asked = client.get(
        reverse("monitor:dashboard") + _query(region, gemeente=assen.pk, product=product.pk)
    )
    assert asked.context["audience"] == "internal"
    assert _figures(asked) != _figures(plain)
    assert not [m for m in get_messages(asked.wsgi_request) if "niet toegepast" in str(m)]
    assert not asked.context["form"].fields["product"].disabled


@pytest.mark.django_db
def test_the_service_refuses_a_filtered_set_for_an_outside_audience(demo):
    region = Region.objects.get(centrumgemeente_id="GM0106")
    product = _product_with_stays(region)
    with pytest.raises(ValueError, match="only for the internal audience"):
        monitor_document(
            scope=MonitorScope(region, None),
            start=START,
            end=END,
            audience="external",
            product=product.name,
        )
