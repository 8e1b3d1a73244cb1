"""A dossier shows of its client exactly the records the care-record selectors give.

``dossier_records`` decides a user's sight of one client once and filters the client's
records on their own fields; ``indications_visible_to`` and the others ask the sight
conditions per record. For every user of the region and a client in every relation a user can
have to one (responsible, allocated provider, mandate for one kind, handling organisation,
registered without melding, both kinds under a mandate for one, merged, out of sight), the
two give the same rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bwmo.care import services as care_services
from bwmo.care.models import WlzApplication
from bwmo.clients import services as client_services
from bwmo.clients.models import Client, ClientEvent
from bwmo.clients.selectors import (
    client_events_visible_to,
    dossier_records,
    indications_visible_to,
    meldingen_visible_to,
    stays_visible_to,
    wlz_applications_visible_to,
)
from tests import factories
from tests.clients.test_provisional import _grant_mo, _provisional
from tests.messaging.test_mandate_money import give_bw

pytestmark = pytest.mark.django_db

SELECTORS = {
    "indications": indications_visible_to,
    "stays": stays_visible_to,
    "meldingen": meldingen_visible_to,
    "wlz_applications": wlz_applications_visible_to,
    "client_events": client_events_visible_to,
}


@pytest.fixture
def clients(region_setup) -> list[Client]:
    both = factories.mo_client(region_setup)  # MO at the opvang, BW of Assen at Testhuis
    bw_indication = give_bw(region_setup, both)
    care_services.stay_start(
        indication=bw_indication,
        location=region_setup.assen,
        start=timezone.localdate() - timedelta(days=5),
    )
    # Of ``both``'s own history a holder of the MO mandate sees only the lines its own
    # organisation recorded; its Wlz application is a BW record, out of that mandate's sight.
    for actor in ("opvang", "toegang_assen"):
        ClientEvent.objects.create(
            client=both, actor=region_setup.users[actor], action=ClientEvent.Action.BSN_ASSIGNED
        )
    WlzApplication.objects.create(
        client=both,
        applied_on=timezone.localdate() - timedelta(days=2),
        status=WlzApplication.Status.AANGEVRAAGD,
    )
    known = factories.register_client(region_setup, organisation_key="opvang")
    provisional = _provisional(region_setup)
    _grant_mo(region_setup, provisional)
    client_services.client_merge(
        provisional=provisional, into=known, by=region_setup.users["opvang"]
    )
    return [
        factories.client_with_melding(region_setup, municipality="GM0106"),
        factories.granted_client(region_setup, municipality="GM0106"),
        factories.client_with_melding(region_setup, municipality="GM1730"),
        factories.client_with_melding(
            region_setup, municipality="GM0114", organisation_key="emmen"
        ),
        factories.mo_client(region_setup),
        factories.register_client(region_setup, surname="Nogzonder"),
        factories.granted_client(region_setup, municipality="GM1730"),
        both,
        known,
        Client.objects.get(pk=provisional.pk),
    ]


def test_a_dossier_shows_what_the_care_record_selectors_show(region_setup, clients):
    partial = full = hidden = 0
    for name, user in region_setup.users.items():
        for client in clients:
            records = dossier_records(user=user, client=client)
            for what, selector in SELECTORS.items():
                expected = set(
                    selector(user=user).filter(client=client).values_list("pk", flat=True)
                )
                shown = set(getattr(records, what).values_list("pk", flat=True))
                assert shown == expected, (name, client.pk, what)
                everything = set(
                    getattr(records, what)
                    .model.objects.filter(client=client)
                    .values_list("pk", flat=True)
                )
                if expected and expected != everything:
                    partial += 1
                elif expected:
                    full += 1
                elif everything:
                    hidden += 1
    # Each way a record can be shown or left out occurs, so the comparison means something.
    assert partial and full and hidden, (partial, full, hidden)
