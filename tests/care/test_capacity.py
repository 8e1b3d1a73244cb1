"""Contracted places, extension decisions, occupancy and the waiting list, on a real database.

The occupancy example is computed by hand (see ``occupancy_example``)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bwmo.care import selectors, services
from bwmo.care.models import (
    Contract,
    ContractCapacity,
    ContractExtension,
    Financing,
    Indication,
    ProviderLocation,
    Stay,
)
from bwmo.organisations.models import Municipality
from bwmo.rules.contract_terms import DueKind
from bwmo.rules.suppression import MARK
from tests.factories import client_with_melding

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(region_setup):
    contract = Contract.objects.get(reference="T-1")
    contract.products.set([region_setup.products["BW001"], region_setup.products["BW004"]])
    return contract


@pytest.fixture
def assen_location(region_setup):
    return services.provider_location_add(
        provider=region_setup.provider, municipality=region_setup.assen
    )


def _record(contract, location, product, places, valid_from, valid_to=None):
    return services.contract_capacity_record(
        contract=contract,
        product=product,
        location=location,
        places=places,
        valid_from=valid_from,
        valid_to=valid_to,
    )


# --- the service's refusals -----------------------------------------------------------------


def test_a_change_of_places_from_a_date_keeps_the_history(region_setup, contract, assen_location):
    bw = region_setup.products["BW001"]
    first = _record(contract, assen_location, bw, 5, date(2025, 1, 1))
    second = _record(contract, assen_location, bw, 8, date(2026, 2, 15))
    first.refresh_from_db()
    assert (first.places, first.valid_from, first.valid_to) == (
        5,
        date(2025, 1, 1),
        date(2026, 2, 14),
    )
    assert (second.places, second.valid_to) == (8, None)
    assert ContractCapacity.objects.count() == 2


def test_overlapping_periods_are_refused_and_nothing_is_written(
    region_setup, contract, assen_location
):
    bw = region_setup.products["BW001"]
    _record(contract, assen_location, bw, 5, date(2025, 1, 1), date(2025, 12, 31))
    with pytest.raises(ValidationError) as caught:
        _record(contract, assen_location, bw, 6, date(2025, 6, 1))
    assert "overlapt met de vastgelegde 5 plaatsen" in caught.value.message_dict["valid_from"][0]
    # The same start as an open row is no change from a date either.
    _record(contract, assen_location, bw, 7, date(2026, 1, 1))
    with pytest.raises(ValidationError) as caught:
        _record(contract, assen_location, bw, 9, date(2026, 1, 1))
    assert "valid_from" in caught.value.message_dict
    # A new period before an open row that would overlap it.
    with pytest.raises(ValidationError):
        _record(contract, assen_location, bw, 9, date(2021, 6, 1))
    assert list(
        ContractCapacity.objects.order_by("valid_from").values_list("places", "valid_to")
    ) == [
        (5, date(2025, 12, 31)),
        (7, None),
    ]


def test_negative_places_a_foreign_location_and_a_product_outside_the_contract_are_refused(
    region_setup, contract, assen_location
):
    bw = region_setup.products["BW001"]
    with pytest.raises(ValidationError) as caught:
        _record(contract, assen_location, bw, -1, date(2025, 1, 1))
    assert "vul 0 of meer in" in caught.value.message_dict["places"][0]
    elsewhere = services.provider_location_add(
        provider=region_setup.other_provider, municipality=region_setup.assen
    )
    with pytest.raises(ValidationError) as caught:
        _record(contract, elsewhere, bw, 4, date(2025, 1, 1))
    assert (
        "hoort bij Zorg Elders, niet bij Stichting Testhuis"
        in caught.value.message_dict["location"][0]
    )
    with pytest.raises(ValidationError) as caught:
        _record(contract, assen_location, region_setup.products["MO001"], 4, date(2025, 1, 1))
    assert "Nachtopvang staat niet in contract T-1" in caught.value.message_dict["product"][0]
    with pytest.raises(ValidationError) as caught:
        _record(contract, assen_location, bw, 4, date(2020, 1, 1))
    assert "vóór de ingangsdatum van het contract" in caught.value.message_dict["valid_from"][0]
    assert not ContractCapacity.objects.exists()
    # Zero places is allowed: a location that closes.
    assert _record(contract, assen_location, bw, 0, date(2025, 1, 1)).places == 0


def test_extension_decisions_in_order(region_setup, contract, today):
    assert contract.terms_state().next_option == 1
    with pytest.raises(ValidationError) as caught:
        services.contract_extension_decide(
            contract=contract, option=2, decision="verlengd", decided_on=today
        )
    assert "optie 1 is nog niet besloten" in caught.value.message_dict["option"][0]
    with pytest.raises(ValidationError) as caught:
        services.contract_extension_decide(
            contract=contract, option=3, decision="verlengd", decided_on=today
        )
    assert "optie 3 bestaat niet" in caught.value.message_dict["option"][0]
    with pytest.raises(ValidationError) as caught:
        services.contract_extension_decide(contract=contract, option=1, decision="verlengd")
    assert "decided_on" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.contract_extension_decide(
            contract=contract, option=1, decision="verlengd", decided_on=today + timedelta(days=1)
        )
    assert not ContractExtension.objects.exists()
    services.contract_extension_decide(
        contract=contract, option=1, decision="verlengd", decided_on=today, recorded_by="contract"
    )
    contract.refresh_from_db()
    assert contract.extensions_used == 1
    state = contract.terms_state()
    assert (state.current_end, state.next_option) == (date(2030, 12, 31), 2)
    services.contract_extension_decide(
        contract=contract, option=2, decision="niet_verlengd", decided_on=today
    )
    with pytest.raises(ValidationError) as caught:
        services.contract_extension_decide(
            contract=contract, option=1, decision="niet_verlengd", decided_on=today
        )
    assert "latere verlengingsoptie is al besloten" in caught.value.message_dict["option"][0]
    contract.refresh_from_db()
    state = contract.terms_state()
    assert (contract.extensions_used, state.current_end, state.due_kind) == (
        1,
        date(2030, 12, 31),
        DueKind.END,
    )


def test_contracts_due_sorted_by_deadline(region_setup, contract):
    on = date(2026, 3, 1)
    soon = Contract.objects.create(
        provider=region_setup.other_provider,
        region=region_setup.region,
        reference="T-2",
        valid_from=date(2022, 1, 1),
        valid_to=date(2026, 12, 31),
        notice_months=6,
    )  # option 1 due on 30 June 2026
    ending = Contract.objects.create(
        provider=region_setup.opvang,
        region=region_setup.region,
        reference="T-3",
        valid_from=date(2022, 1, 1),
        valid_to=date(2026, 5, 31),
        extension_options=0,
    )  # no option: ends 31 May 2026
    Contract.objects.create(
        provider=region_setup.opvang,
        region=region_setup.region,
        reference="T-4",
        valid_from=date(2020, 1, 1),
        valid_to=date(2025, 12, 31),
        extension_options=0,
    )  # ended before ``on``: nothing to decide
    late = Contract.objects.create(
        provider=region_setup.other_provider,
        region=region_setup.region,
        reference="T-5",
        valid_from=date(2022, 1, 1),
        valid_to=date(2026, 6, 30),
        notice_months=6,
    )  # option 1 was due on 31 December 2025: overdue
    due = selectors.contracts_due(region=region_setup.region, on=on, within_months=6)
    assert [(d.contract, d.deadline, d.due_kind, d.overdue) for d in due] == [
        (late, date(2025, 12, 31), DueKind.EXTENSION, True),
        (ending, date(2026, 5, 31), DueKind.END, False),
        (soon, date(2026, 6, 30), DueKind.EXTENSION, False),
    ]
    # T-1 (initial end 2028) is not due; with a shorter horizon T-2 drops out.
    assert [
        d.contract.reference
        for d in selectors.contracts_due(region=region_setup.region, on=on, within_months=3)
    ] == ["T-5", "T-3"]


# --- occupancy against places: the hand-computed example -------------------------------------


STAYS = [  # (start, end) at Stichting Testhuis, Assen, BW Intramuraal
    (date(2025, 6, 1), None),  # A: Jan Feb Mar
    (date(2025, 10, 1), None),  # B: Jan Feb Mar
    (date(2025, 11, 1), None),  # C: Jan Feb Mar
    (date(2025, 12, 1), date(2026, 1, 31)),  # D: Jan
    (date(2026, 1, 1), date(2026, 1, 1)),  # E: Jan (one day, the peildatum)
    (date(2026, 1, 1), None),  # F: Jan Feb Mar
    (date(2026, 2, 1), None),  # G: Feb Mar
    (date(2026, 2, 2), None),  # H: Mar
    (date(2026, 3, 1), None),  # I: Mar
    (date(2026, 3, 2), None),  # J: after the last peildatum
    (date(2024, 1, 1), date(2025, 12, 31)),  # K: ended before
]
# Occupied on 1 Jan, 1 Feb, 1 Mar 2026: 6, 5, 7. Places: 5 until 14 Feb, then 8.
# → 120 % (over), 100 %, 88 % (7/8 = 87.5, rounded half up).


def _stay(setup, client, *, start, end, provider=None, location=None, product=None):
    return Stay.objects.create(
        client=client,
        provider=provider or setup.provider,
        product=product or setup.products["BW001"],
        location=location or setup.assen,
        start=start,
        end=end,
    )


@pytest.fixture
def occupancy_example(region_setup, contract, assen_location):
    bw = region_setup.products["BW001"]
    _record(contract, assen_location, bw, 5, date(2025, 1, 1))
    _record(contract, assen_location, bw, 8, date(2026, 2, 15))
    client = client_with_melding(region_setup)
    for start, end in STAYS:
        _stay(region_setup, client, start=start, end=end)
    # Not counted: a provider without a contract in the region; a location outside it.
    _stay(
        region_setup, client, start=date(2025, 1, 1), end=None, provider=region_setup.other_provider
    )
    _stay(region_setup, client, start=date(2025, 1, 1), end=None, location=region_setup.emmen)
    return region_setup


def test_occupancy_against_places_per_month(occupancy_example, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):  # aggregates: independent of the number of stays
        document = selectors.capacity_document(
            region=occupancy_example.region,
            start=date(2026, 1, 1),
            end=date(2026, 3, 31),
            on=date(2026, 3, 15),
        )
    assert document.months == (date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1))
    [line] = document.lines
    assert (line.provider, line.location_name, line.product_name) == (
        "Stichting Testhuis",
        "Assen",
        "BW Intramuraal",
    )
    assert [(c.occupied, c.places, c.percentage, c.over_capacity) for c in line.cells] == [
        (6, 5, Decimal("120"), True),
        (5, 5, Decimal("100"), False),
        (7, 8, Decimal("88"), False),
    ]
    assert line.over_capacity_months == 1
    assert [(c.occupied, c.places) for c in document.totals] == [(6, 5), (5, 5), (7, 8)]


def test_small_occupancy_is_suppressed_with_its_share_and_flag(occupancy_example, contract):
    setup = occupancy_example
    tynaarlo = services.provider_location_add(provider=setup.provider, municipality=setup.tynaarlo)
    _record(contract, tynaarlo, setup.products["BW004"], 3, date(2025, 1, 1))
    client = client_with_melding(setup)
    for _ in range(2):
        _stay(
            setup,
            client,
            start=date(2025, 5, 1),
            end=None,
            location=setup.tynaarlo,
            product=setup.products["BW004"],
        )
    document = selectors.capacity_document(
        region=setup.region, start=date(2026, 1, 1), end=date(2026, 1, 31), on=date(2026, 1, 15)
    )
    cells = {line.location_name: line.cells[0] for line in document.lines}
    assert cells["Tynaarlo"].occupied == MARK
    assert (cells["Tynaarlo"].percentage, cells["Tynaarlo"].over_capacity) == (None, None)
    assert cells["Tynaarlo"].places == 3
    # The region's total (8) would give the small count back: one more cell is hidden.
    shown = [cells["Assen"].occupied, document.totals[0].occupied]
    assert MARK in shown


def test_waiting_list_counts_per_band_and_suppresses(region_setup, contract):
    client = client_with_melding(region_setup)
    melding = client.meldingen.get()
    on = date(2026, 3, 15)

    def indication(valid_from, **overrides):
        fields = {
            "client": client,
            "melding": melding,
            "product": region_setup.products["BW001"],
            "financing": Financing.ZIN,
            "provider": region_setup.provider,
            "responsible_municipality": region_setup.assen,
            "valid_from": valid_from,
            **overrides,
        }
        return Indication.objects.create(**fields)

    for valid_from in [
        date(2026, 3, 10),  # 5 days
        date(2026, 3, 1),  # 14 days
        date(2026, 2, 1),  # 42 days
        date(2026, 1, 1),  # 73 days
        date(2025, 12, 1),  # 104 days
        date(2025, 6, 1),  # 287 days
    ]:
        indication(valid_from)
    # Not waiting: PGB, verzilverd, with a stay, ended, starting later, another region's.
    indication(date(2026, 1, 1), financing=Financing.PGB, provider=None)
    indication(date(2026, 1, 1), started_on=date(2026, 1, 5))
    with_stay = indication(date(2026, 1, 1))
    _stay(region_setup, client, start=date(2026, 1, 2), end=date(2026, 1, 3))
    Stay.objects.filter(indication__isnull=True).update(indication=with_stay)
    indication(date(2025, 1, 1), valid_to=date(2026, 3, 1))
    indication(date(2026, 4, 1))
    indication(date(2026, 1, 1), responsible_municipality=region_setup.emmen)

    raw = selectors._waiting_counts(region_codes=["GM0106", "GM1730"], on=on)
    assert raw == {(region_setup.products["BW001"].pk, region_setup.provider.pk): [2, 2, 1, 1]}
    document = selectors.capacity_document(
        region=region_setup.region, start=date(2026, 3, 1), end=date(2026, 3, 31), on=on
    )
    [line] = document.waiting
    assert (line.product_name, line.provider) == ("BW Intramuraal", "Stichting Testhuis")
    assert line.bands == (MARK, MARK, MARK, MARK)
    assert document.waiting_total == 6  # the total of 6 reveals no single band


# --- the selector for the forecast -----------------------------------------------------------


def test_contracted_capacity_per_year(region_setup, contract, assen_location):
    bw, bw4 = region_setup.products["BW001"], region_setup.products["BW004"]
    _record(contract, assen_location, bw, 10, date(2025, 1, 1))
    _record(contract, assen_location, bw, 12, date(2025, 7, 1))
    tynaarlo = services.provider_location_add(
        provider=region_setup.provider, municipality=region_setup.tynaarlo, name="De Linde"
    )
    _record(contract, tynaarlo, bw4, 4, date(2026, 1, 1), date(2026, 6, 30))
    rows = selectors.contracted_capacity(region=region_setup.region, years=[2024, 2025, 2026])
    assert [
        (r.year, r.product, r.location, r.places_average, r.places_at_year_end) for r in rows
    ] == [
        (2025, "BW001", "GM0106", Decimal("11.01"), 12),  # (181×10 + 184×12) / 365
        (2026, "BW001", "GM0106", Decimal("12.00"), 12),
        (2026, "BW004", "GM1730", Decimal("1.98"), 0),  # 181×4 / 365 = 1.9836
    ]
    assert rows[0].provider == "Stichting Testhuis" and rows[0].provider_agb == "73000001"
    assert rows[0].product_kind == "BW" and rows[2].location_name == "Tynaarlo"
    only = selectors.contracted_capacity(
        region=region_setup.region, years=[2026], products=["BW004"]
    )
    assert [(r.year, r.product) for r in only] == [(2026, "BW004")]
    # Other regions see none of it.
    boce = Municipality.objects.get(code="GM0114").regions.get()
    assert selectors.contracted_capacity(region=boce, years=[2025, 2026]) == []


def test_contracted_capacity_stops_at_the_contracts_current_end(region_setup, assen_location):
    contract = Contract.objects.get(reference="T-1")
    contract.products.set([region_setup.products["BW001"]])
    Contract.objects.filter(pk=contract.pk).update(valid_to=date(2025, 12, 31))
    contract.refresh_from_db()
    _record(contract, assen_location, region_setup.products["BW001"], 10, date(2025, 1, 1))
    rows = selectors.contracted_capacity(region=region_setup.region, years=[2025, 2026])
    assert [(r.year, r.places_at_year_end) for r in rows] == [(2025, 10)]  # option 1 still open
    services.contract_extension_decide(
        contract=contract, option=1, decision="verlengd", decided_on=date(2025, 6, 1)
    )
    rows = selectors.contracted_capacity(region=region_setup.region, years=[2025, 2026, 2028])
    assert [(r.year, r.places_average) for r in rows] == [
        (2025, Decimal("10.00")),
        (2026, Decimal("10.00")),
    ]


def test_provider_location_is_unique(region_setup):
    first = services.provider_location_add(
        provider=region_setup.provider, municipality=region_setup.assen
    )
    again = services.provider_location_add(
        provider=region_setup.provider, municipality=region_setup.assen
    )
    assert first == again and ProviderLocation.objects.count() == 1


# --- the contract manager's form and the beheer screen go through the service ----------------


def test_contract_manager_records_places_on_the_contract_page(client, region_setup, contract):
    location = services.provider_location_add(
        provider=region_setup.provider, municipality=region_setup.assen
    )
    client.force_login(region_setup.users["contract"])
    url = f"/zorg/contracten/{contract.pk}/"
    form = {
        "actie": "plaatsen",
        "plaatsen-product": region_setup.products["BW001"].pk,
        "plaatsen-location": location.pk,
        "plaatsen-places": "-2",
        "plaatsen-valid_from": "01-01-2025",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "vul 0 of meer in" in response.content.decode()
    assert not ContractCapacity.objects.exists()
    response = client.post(url, {**form, "plaatsen-places": "6"})
    assert response.status_code == 302
    response = client.post(
        url, {**form, "plaatsen-places": "9", "plaatsen-valid_from": "01-07-2025"}
    )
    assert response.status_code == 302
    assert list(
        ContractCapacity.objects.order_by("valid_from").values_list(
            "places", "valid_to", "recorded_by"
        )
    ) == [(6, date(2025, 6, 30), "contract"), (9, None, "contract")]
    page = client.get(url).content.decode()
    assert "30-06-2025" in page
    # The controller may not record places (no permission): refused, nothing written.
    client.force_login(region_setup.users["controller"])
    assert (
        client.post(
            url, {**form, "plaatsen-places": "1", "plaatsen-valid_from": "01-01-2026"}
        ).status_code
        == 403
    )
    assert ContractCapacity.objects.count() == 2


def test_beheer_adds_places_through_the_service(client, region_setup, contract):
    location = services.provider_location_add(
        provider=region_setup.provider, municipality=region_setup.assen
    )
    _record(contract, location, region_setup.products["BW001"], 5, date(2025, 1, 1))
    client.force_login(region_setup.users["beheer"])
    data = {
        "contract": contract.pk,
        "product": region_setup.products["MO001"].pk,
        "location": location.pk,
        "places": 3,
        "valid_from": "2025-06-01",
    }
    response = client.post("/beheer/care/contractcapacity/add/", data)
    assert response.status_code == 200
    assert "staat niet in contract T-1" in response.content.decode()
    response = client.post(
        "/beheer/care/contractcapacity/add/", {**data, "product": region_setup.products["BW001"].pk}
    )
    assert response.status_code == 302
    assert list(
        ContractCapacity.objects.order_by("valid_from").values_list("places", "valid_to")
    ) == [
        (5, date(2025, 5, 31)),
        (3, None),
    ]
