"""Records without a product of their own belong to a kind too, under a mandate for one kind.

A Wlz application follows from BW (the Wlz takes over from sheltered housing): a holder of
Assen's MO mandate (the opvanginstelling) does not see it, nor the Wlz outflow of the BW
stay, also not of a client who has MO at the opvanginstelling and BW of Assen. The client's
own history (provisional identity, BSN, merges) is about the client as such and is shown
only to whoever sees the client in full. Assen's own staff see all of it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from bwmo.accounts.models import User
from bwmo.accounts.roles import Role
from bwmo.care import services as care_services
from bwmo.care.models import Indication, OutflowReason, WlzApplication
from bwmo.clients import selectors
from bwmo.clients.models import ClientEvent
from bwmo.messaging.selectors import indication_change_warnings
from tests.factories import make_user, mo_client
from tests.messaging.test_mandate_money import give_bw

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(region_setup):
    """``both``: MO at the opvanginstelling and BW of Assen at Testhuis; the BW stay ended
    with an outflow to the Wlz, a Wlz application is pending, and the client has an event
    of its own history. ``worker``: an access worker of the opvanginstelling (who may change
    indications and record Wlz applications, as far as its mandate goes)."""
    both = mo_client(region_setup)
    bw_indication = give_bw(region_setup, both)
    today = timezone.localdate()
    stay = care_services.stay_start(
        indication=bw_indication, location=region_setup.assen, start=today - timedelta(days=5)
    )
    care_services.stay_end(
        stay=stay,
        expected_version=stay.version,
        end=today - timedelta(days=1),
        reason=OutflowReason.WLZ,
    )
    care_services.wlz_application_record(
        client=both, applied_on=today - timedelta(days=2), status="aangevraagd"
    )
    ClientEvent.objects.create(
        client=both, actor=None, action=ClientEvent.Action.BSN_ASSIGNED, details="Testregel"
    )
    worker = make_user("opvang.toegang", Role.TOEGANGSMEDEWERKER, region_setup.org["opvang"])
    return {
        "both": both,
        "mo_indication": Indication.objects.get(client=both, product__kind="MO"),
        "bw_indication": bw_indication,
        "opvang": User.objects.get(pk=region_setup.users["opvang"].pk),
        "worker": User.objects.get(pk=worker.pk),
        "assen": User.objects.get(pk=region_setup.users["toegang_assen"].pk),
    }


def _http(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def test_the_selectors_keep_the_wlz_and_the_clients_history_from_an_mo_mandate(world):
    both = world["both"]
    for user in (world["opvang"], world["worker"]):
        assert not selectors.wlz_applications_visible_to(user=user).filter(client=both).exists()
        assert not selectors.client_events_visible_to(user=user).filter(client=both).exists()
        sight = selectors.client_sight(user=user, client=both)
        assert (sight.every_kind, sight.kinds) == (False, frozenset({"MO"}))
        assert not sight.sees("BW")
    assen = world["assen"]
    assert selectors.wlz_applications_visible_to(user=assen).filter(client=both).count() == 1
    assert selectors.client_events_visible_to(user=assen).filter(client=both).count() == 1
    assert selectors.client_sight(user=assen, client=both).every_kind


def test_the_dossier_under_an_mo_mandate_shows_no_wlz_and_no_history(region_setup, world):
    url = f"/clienten/{world['both'].pseudonym}/"
    for user in (world["opvang"], world["worker"]):
        page = _http(user).get(url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "Nachtopvang" in body  # the MO side is there
        for hidden in (
            "Wlz-aanvragen",
            "Wlz-aanvraag loopt",
            "Naar de Wlz",
            "Identiteit en samenvoegingen",
            "BSN vastgelegd",
            "Wlz-aanvraag vastleggen",
        ):
            assert hidden not in body, (user.username, hidden)
    body = _http(world["assen"]).get(url).content.decode()
    for shown in ("Wlz-aanvragen", "Wlz-aanvraag loopt", "Identiteit en samenvoegingen"):
        assert shown in body, shown


def test_the_indication_change_page_under_an_mo_mandate_names_no_wlz(region_setup, world):
    mo, bw = world["mo_indication"], world["bw_indication"]
    assert indication_change_warnings(indication=mo, user=world["worker"]) == []
    page = _http(world["worker"]).get(f"/zorg/indicaties/{mo.pk}/wijzigen/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "uitgestroomd naar de Wlz" not in body and "Er loopt een Wlz-aanvraag" not in body
    # The BW indication itself is not the worker's (a 404); Assen is warned of both.
    assert _http(world["worker"]).get(f"/zorg/indicaties/{bw.pk}/wijzigen/").status_code == 404
    warnings = indication_change_warnings(indication=mo, user=world["assen"])
    assert len(warnings) == 2 and all("Wlz" in w for w in warnings)
    assen_page = _http(world["assen"]).get(f"/zorg/indicaties/{mo.pk}/wijzigen/")
    assen_body = assen_page.content.decode()
    assert "uitgestroomd naar de Wlz" in assen_body and "Er loopt een Wlz-aanvraag" in assen_body


def test_an_mo_mandate_records_no_wlz_application(region_setup, world):
    url = f"/zorg/wlz/{world['both'].pseudonym}/nieuw/"
    before = WlzApplication.objects.count()
    http = _http(world["worker"])
    assert http.get(url).status_code == 403
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert http.post(url, {"applied_on": day, "status": "aangevraagd"}).status_code == 403
    assert WlzApplication.objects.count() == before
    assert _http(world["assen"]).get(url).status_code == 200


def test_a_bw_provider_still_sees_the_wlz_and_not_the_history(region_setup, world):
    """Testhuis, the BW provider, sees the client through its allocation: the Wlz (a BW
    record) is its business, the client's identity history is not."""
    provider_user = User.objects.get(pk=region_setup.users["aanbieder"].pk)
    both = world["both"]
    assert selectors.wlz_applications_visible_to(user=provider_user).filter(client=both).exists()
    assert not selectors.client_events_visible_to(user=provider_user).filter(client=both).exists()


def test_a_one_kind_holder_sees_the_identity_lines_its_organisation_recorded(world):
    """The opvanginstelling that merged a client without BSN into a known one sees that it
    did (its own line), not the lines others recorded of the same client."""
    both, opvang = world["both"], world["opvang"]
    own = ClientEvent.objects.create(
        client=both, actor=opvang, action=ClientEvent.Action.MERGED_IN, details="Testregel"
    )
    for user in (opvang, world["worker"]):
        seen = list(selectors.client_events_visible_to(user=user).filter(client=both))
        assert seen == [own], user.username
    assert selectors.client_events_visible_to(user=world["assen"]).filter(client=both).count() == 2
