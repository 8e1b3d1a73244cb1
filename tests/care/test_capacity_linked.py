"""A line on two regions' occupancy screens is one count: hidden on both or on neither, and
no combination of the two screens gives a hidden cell back (the audit of
``test_capacity_audit``)."""

from __future__ import annotations

from datetime import date

import pytest

from bwmo.care.selectors import capacity_document
from bwmo.organisations.models import Region
from bwmo.rules.suppression import MARK
from tests.care.test_capacity_audit import START, occupancy_audit

pytestmark = pytest.mark.django_db


def _stays(indication, provider, location, product, n: int, start: date) -> None:
    from bwmo.care.models import Stay

    Stay.objects.bulk_create(
        Stay(
            client=indication.client,
            indication=indication,
            provider=provider,
            product=product,
            location=location,
            start=start,
        )
        for _ in range(n)
    )


def test_a_line_on_two_regions_screens_is_hidden_on_both(region_setup):
    """Stichting Testhuis is contracted by the region of Assen and by BOCE (Emmen), which buys
    places at its Assen location. Its Assen lines are on both screens with the same counts.
    Suppressed per screen, BOCE would show the 7 that Assen's screen hides as the secondary
    cell of the 3 — and Assen's total minus 7 and 10 gives the 3 back."""
    from bwmo.care.models import Contract, ContractCapacity, Indication
    from bwmo.care.services import provider_location_add
    from tests.factories import granted_client

    setup = region_setup
    boce = Region.objects.get(centrumgemeente_id="GM0114")
    provider = setup.provider
    bw, thuis = setup.products["BW001"], setup.products["BW004"]
    assen = provider_location_add(provider=provider, municipality=setup.assen)
    contract = Contract.objects.create(
        provider=provider,
        region=boce,
        reference="B-1",
        valid_from=date(2021, 1, 1),
        valid_to=date(2028, 12, 31),
    )
    for product in (bw, thuis):
        ContractCapacity.objects.create(
            contract=contract, product=product, location=assen, places=10, valid_from=START
        )
    indication = Indication.objects.get(client=granted_client(setup))
    start = date(2020, 1, 1)
    _stays(indication, provider, setup.assen, bw, 3, start)  # on both screens
    _stays(indication, provider, setup.assen, thuis, 7, start)  # on both screens
    _stays(indication, provider, setup.tynaarlo, bw, 10, start)  # Assen's region only
    _stays(indication, provider, setup.emmen, bw, 6, start)  # BOCE only

    month = date(2026, 1, 1)
    documents = [
        capacity_document(region=region, start=month, end=month, on=month)
        for region in (setup.region, boce)
    ]
    shown = {
        (document.region.pk, line.location, line.product): line.cells[0].occupied
        for document in documents
        for line in document.lines
    }
    for region in (setup.region.pk, boce.pk):
        assert shown[(region, "GM0106", "BW001")] == MARK
    # The 7 is hidden on both screens or on neither.
    assert shown[(setup.region.pk, "GM0106", "BW004")] == shown[(boce.pk, "GM0106", "BW004")]
    result = occupancy_audit(documents)
    assert result["on_two_screens"] == 2
    assert not result["exposed"], sorted(map(repr, result["exposed"]))
    assert not result["exposed_to_trusting"], sorted(map(repr, result["exposed_to_trusting"]))
