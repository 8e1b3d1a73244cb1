"""A mandate for one kind of care (MO) gives sight of the grantor's traffic about that kind
only: the opvanginstelling, which decides MO on behalf of Assen, never sees the iWmo messages
or declaration lines of Assen's BW clients."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bwmo.messaging.models import (
    Declaration,
    DeclarationLine,
    Direction,
    Message,
    MessageStatus,
)
from bwmo.messaging.selectors import declaration_lines, messages_visible_to
from tests.factories import granted_client, mo_client

pytestmark = pytest.mark.django_db


def _message(setup, client, identification, provider=None):
    return Message.objects.create(
        direction=Direction.OUT,
        message_type="WMO301",
        status=MessageStatus.PENDING,
        municipality=setup.assen,
        provider=provider or setup.provider,
        client=client,
        identification=identification,
    )


def test_an_mo_mandate_shows_mo_traffic_of_the_grantor_and_no_bw_traffic(region_setup):
    bw = granted_client(region_setup)
    mo = mo_client(region_setup)
    bw_message = _message(region_setup, bw, "BW1")
    mo_message = _message(region_setup, mo, "MO1", provider=region_setup.opvang)
    file_message = _message(region_setup, None, "FILE1")

    opvang = region_setup.users["opvang"]
    seen = set(messages_visible_to(opvang).values_list("pk", flat=True))
    assert mo_message.pk in seen
    assert bw_message.pk not in seen
    assert file_message.pk not in seen  # names no client: the grantor's own

    # Assen's own staff see all of it.
    assen = region_setup.users["contract"]
    assert {bw_message.pk, mo_message.pk, file_message.pk} <= set(
        messages_visible_to(assen).values_list("pk", flat=True)
    )


def test_an_mo_mandate_shows_no_declaration_line_of_a_bw_client(region_setup):
    bw = granted_client(region_setup)
    mo = mo_client(region_setup)
    month = timezone.localdate().replace(day=1)
    message = Message.objects.create(
        direction=Direction.IN,
        message_type="WMO323",
        status=MessageStatus.ACCEPTED,
        municipality=region_setup.assen,
        provider=region_setup.provider,
        identification="DECL1",
    )
    declaration = Declaration.objects.create(
        message=message,
        municipality=region_setup.assen,
        provider=region_setup.provider,
        number="D1",
        period_start=month,
        period_end=month,
        submitted_cents=200_00,
        approved_cents=200_00,
    )
    for n, (client, category, code) in enumerate(
        ((bw, "15", "BW001"), (mo, "16", "MO001")), start=1
    ):
        DeclarationLine.objects.create(
            declaration=declaration,
            client=client,
            allocation_number=n,
            reference=f"R{n}",
            category=category,
            product_code=code,
            period_start=month,
            period_end=month,
            volume=1,
            unit="14",
            amount_cents=100_00,
            approved=True,
        )
    lines = declaration_lines(
        region_setup.users["opvang"], provider_id=region_setup.provider.pk, month=month
    )
    assert [line.client_id for line in lines] == [mo.pk]
