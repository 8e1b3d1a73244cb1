"""A region's care history with a step-down path, for the forecast's scenario tests.

Forty clients in Assen over six and a half years and two in Tynaarlo. Assen's clients start
in BW Intramuraal (BW001, the heavier product); half of them step down to Thuis Plus
(BW004, lighter and cheaper) after six to eight months, and many stays end: zelfstandig,
Wlz, overleden or verhuisd. Tynaarlo's two clients are in BW001 and stay below the
disclosure threshold. Invented clients, no person."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from bwmo.care.models import Contract, Indication, Outflow, Product, Stay, Tariff, Unit
from tests.factories import granted_client

ENDINGS = ("zelfstandig", "wlz", "overleden", "verhuisd")


def _stay(client, indication, *, product, location, start: date, end: date | None) -> Stay:
    return Stay.objects.create(
        client=client,
        indication=indication,
        provider=indication.provider,
        product=product,
        location=location,
        start=start,
        end=end,
    )


def stepdown_history(region_setup) -> None:
    """Record the history described in the module's text (up to today)."""
    today = timezone.localdate()
    intramural, lighter = region_setup.products["BW001"], region_setup.products["BW004"]
    # BW001 is the heavier product, BW004 the lighter one: a move from one to the other is
    # afschalen. Thuis Plus costs less than half of BW Intramuraal.
    Product.objects.filter(pk=intramural.pk).update(intensity_rank=3)
    Product.objects.filter(pk=lighter.pk).update(intensity_rank=1)
    Tariff.objects.create(
        contract=Contract.objects.get(reference="T-1"),
        product=lighter,
        amount=Decimal("350"),
        unit=Unit.WEEK,
        valid_from=date(2021, 1, 1),
    )
    for index in range(42):
        tynaarlo = index >= 40
        client = granted_client(region_setup, municipality="GM1730" if tynaarlo else "GM0106")
        indication = Indication.objects.get(client=client)
        location = region_setup.tynaarlo if tynaarlo else region_setup.assen
        start = today - timedelta(days=300 if tynaarlo else 90 + 60 * index)
        if tynaarlo:
            _stay(client, indication, product=intramural, location=location, start=start, end=None)
            continue
        steps_down = index % 2 == 1
        first_end = start + timedelta(days=(180 + 30 * (index % 3)) if steps_down else 420)
        if first_end >= today:  # still in BW001 today
            _stay(client, indication, product=intramural, location=location, start=start, end=None)
            continue
        if not steps_down:
            if index % 4 == 0:  # a long stay in BW001 that has not ended
                _stay(
                    client, indication, product=intramural, location=location, start=start, end=None
                )
                continue
            stay = _stay(
                client,
                indication,
                product=intramural,
                location=location,
                start=start,
                end=first_end,
            )
            Outflow.objects.create(stay=stay, date=first_end, reason=ENDINGS[index % 4])
            continue
        _stay(client, indication, product=intramural, location=location, start=start, end=first_end)
        second_start = first_end + timedelta(days=1)
        second_end = second_start + timedelta(days=360)
        if second_end >= today or index % 5 == 0:  # still in Thuis Plus
            _stay(
                client,
                indication,
                product=lighter,
                location=location,
                start=second_start,
                end=None,
            )
            continue
        stay = _stay(
            client,
            indication,
            product=lighter,
            location=location,
            start=second_start,
            end=second_end,
        )
        Outflow.objects.create(
            stay=stay, date=second_end, reason="zelfstandig" if index % 3 else "verhuisd"
        )
