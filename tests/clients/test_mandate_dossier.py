"""Under a mandate for one kind of care, a client's dossier shows that kind only.

The opvanginstelling holds Assen's MO mandate. Of a client with an MO and a BW indication of
Assen it sees the MO side (indication, stay, melding and its steps); the BW indication, its
allocation, its stay and its melding stay out of the dossier, the melding and stay URLs and
the API. A client with only BW of Assen is out of its sight, exactly like a client of
another municipality: the dossier is a 404, the search finds nothing, nothing is logged.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from bwmo.accounts.models import User
from bwmo.api.scopes import CLIENTS_READ
from bwmo.api.services import api_client_register
from bwmo.audit.models import AccessLogEntry
from bwmo.care import services as care_services
from bwmo.care.models import Indication, Stay
from bwmo.clients import selectors
from bwmo.toegang.models import Melding
from tests.factories import granted_client, mo_client
from tests.messaging.test_mandate_money import give_bw

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(region_setup):
    """``both``: MO at the opvanginstelling and BW of Assen at Testhuis, each with a stay;
    ``bw``: only BW of Assen; ``other``: BW of Tynaarlo (outside every Assen mandate)."""
    both = mo_client(region_setup)
    bw_indication = give_bw(region_setup, both)
    bw_stay = care_services.stay_start(
        indication=bw_indication,
        location=region_setup.assen,
        start=timezone.localdate() - timedelta(days=5),
    )
    bw = granted_client(region_setup)
    other = granted_client(region_setup, municipality="GM1730")
    return {
        "both": both,
        "bw": bw,
        "other": other,
        "bw_indication": bw_indication,
        "bw_stay": bw_stay,
        "bw_melding": Melding.objects.get(client=both, product_kind="BW"),
        "mo_melding": Melding.objects.get(client=both, product_kind="MO"),
        "opvang": User.objects.get(pk=region_setup.users["opvang"].pk),
    }


def _http(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def test_the_selectors_give_a_one_kind_mandate_that_kind_only(region_setup, world):
    opvang, both = world["opvang"], world["both"]
    kinds = set(
        selectors.indications_visible_to(user=opvang)
        .filter(client=both)
        .values_list("product__kind", flat=True)
    )
    assert kinds == {"MO"}
    assert set(
        selectors.stays_visible_to(user=opvang)
        .filter(client=both)
        .values_list("product__kind", flat=True)
    ) == {"MO"}
    assert set(
        selectors.meldingen_visible_to(user=opvang)
        .filter(client=both)
        .values_list("product_kind", flat=True)
    ) == {"MO"}
    # Assen's own staff see both sides of the same client.
    assen = region_setup.users["toegang_assen"]
    assert set(
        selectors.indications_visible_to(user=assen)
        .filter(client=both)
        .values_list("product__kind", flat=True)
    ) == {"BW", "MO"}
    assert selectors.meldingen_visible_to(user=assen).filter(client=both).count() == 2


def test_the_dossier_under_an_mo_mandate_shows_no_bw_record(region_setup, world):
    page = _http(world["opvang"]).get(f"/clienten/{world['both'].pseudonym}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Nachtopvang" in body
    assert "BW Intramuraal" not in body
    assert region_setup.provider.name not in body  # the BW provider and its stay
    assert f"/meldingen/{world['bw_melding'].pk}/" not in body
    assert f"/meldingen/{world['mo_melding'].pk}/" in body
    # Assen's own staff see the BW side on the same dossier.
    assen = _http(region_setup.users["toegang_assen"]).get(f"/clienten/{world['both'].pseudonym}/")
    assert "BW Intramuraal" in assen.content.decode()


def test_the_bw_melding_and_stay_urls_are_not_found_under_an_mo_mandate(region_setup, world):
    http = _http(world["opvang"])
    assert http.get(f"/meldingen/{world['bw_melding'].pk}/").status_code == 404
    assert http.get(f"/meldingen/{world['mo_melding'].pk}/").status_code == 200
    assert http.get(f"/zorg/indicaties/{world['bw_indication'].pk}/verblijf/").status_code == 404
    assert http.get(f"/zorg/verblijven/{world['bw_stay'].pk}/beeindigen/").status_code == 404


def test_a_bw_only_client_is_out_of_sight_like_any_other(region_setup, world):
    http = _http(world["opvang"])
    # The client with MO is found (the search works for this user) ...
    found = http.post("/clienten/", {"q": world["both"].bsn})
    assert str(world["both"].pseudonym) in found.content.decode()
    before = AccessLogEntry.objects.count()
    # ... the client with only BW of Assen answers as a client of another municipality.
    answers = []
    for key in ("bw", "other"):
        client = world[key]
        dossier = http.get(f"/clienten/{client.pseudonym}/")
        search = http.post("/clienten/", {"q": client.bsn})
        assert dossier.status_code == 404
        assert search.status_code == 200
        body = search.content.decode()
        assert str(client.pseudonym) not in body
        results = body[body.index('id="zoekresultaten"') :].split("</main>")[0]
        answers.append((dossier.status_code, results.replace(client.bsn, "BSN")))
    assert answers[0] == answers[1]
    assert not AccessLogEntry.objects.filter(client__in=[world["bw"], world["other"]]).exists()
    assert AccessLogEntry.objects.count() == before


def test_the_api_gives_an_mo_mandate_holder_no_bw_record(region_setup, world):
    _client, token = api_client_register(
        name="Koppeling opvang",
        organisation=region_setup.org["opvang"],
        scopes=[CLIENTS_READ],
        by=User.objects.create_superuser("root", password="x" * 16),
    )
    api = HttpClient(HTTP_AUTHORIZATION=f"Bearer {token}")
    indications = api.get("/api/v1/indications").json()["results"]
    assert indications and all(i["productCode"] == "MO001" for i in indications), indications
    stays = api.get("/api/v1/stays").json()["results"]
    assert stays and all(s["productCode"] == "MO001" for s in stays), stays
    meldingen = api.get("/api/v1/meldingen").json()["results"]
    assert {m["id"] for m in meldingen} == {world["mo_melding"].pk}
    assert api.get(f"/api/v1/meldingen/{world['bw_melding'].pk}").status_code == 404
    for key in ("bw", "other"):
        assert api.get(f"/api/v1/clients/{world[key].pseudonym}").status_code == 404
        found = api.post(
            "/api/v1/clients/_zoek", {"bsn": world[key].bsn}, content_type="application/json"
        )
        assert found.status_code == 200 and found.json()["results"] == []
    assert not Indication.objects.filter(
        pk__in=[i["id"] for i in indications], product__kind="BW"
    ).exists()
    assert (
        not Stay.objects.filter(client=world["bw"]).filter(pk__in=[s["id"] for s in stays]).exists()
    )
