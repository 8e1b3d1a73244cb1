"""A person without BSN at the shelter: a provisional identity, MO granted, the allocation
waits for the BSN, and the record is completed or merged once the BSN is known."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bwmo.audit.models import AccessLogEntry
from bwmo.care.models import Indication, Stay
from bwmo.clients import services
from bwmo.clients.models import BrpKind, BrpRegistration, Client, ClientEvent
from bwmo.clients.selectors import client_search, clients_visible_to
from bwmo.messaging import exchange
from bwmo.messaging.models import Allocation, Message, MessageStatus
from bwmo.toegang import services as toegang_services
from bwmo.toegang.models import CaseEvent, Melding
from tests.factories import register_client, test_bsn

pytestmark = pytest.mark.django_db


def _provisional(setup, **overrides):
    data = {
        "given_names": "Kees",
        "surname": "",
        "birth_year": 1978,
        "identifying_notes": "Noemt zich Kees, kwam uit Groningen.",
        "organisation": setup.org["opvang"],
        "by": setup.users["opvang"],
        "brp": [{"municipality": None, "kind": BrpKind.GEEN, "valid_from": date(2026, 1, 1)}],
    }
    data.update(overrides)
    return services.client_register_provisional(**data)


def _grant_mo(setup, client, *, days_ago=2):
    return toegang_services.mo_intake_record(
        client=client,
        user=setup.users["opvang"],
        organisation=setup.org["opvang"],
        centrumgemeente=setup.assen,
        provider=setup.opvang,
        intake_on=timezone.localdate() - timedelta(days=days_ago),
        mo_type="nachtopvang",
        dakloos="ja",
        zelfredzaam="nee",
        regiobinding="onbekend",
        problem_areas=["huisvesting", "middelengebruik"],
        decision="toekenning",
        motivation="",
        location=setup.assen,
    )


# --- services -----------------------------------------------------------------------------


def test_provisional_client_is_flagged_has_no_bsn_and_a_history_line(region_setup):
    client = _provisional(region_setup)
    assert client.is_provisional and client.bsn is None and client.birth_date is None
    assert client.birth_display == "geboortejaar 1978"
    assert client.brp_registrations.get().kind == BrpKind.GEEN
    assert list(client.events.values_list("action", flat=True)) == ["voorlopig"]


def test_two_provisional_clients_may_coexist_without_bsn(region_setup):
    _provisional(region_setup)
    _provisional(region_setup, given_names="Piet")
    assert Client.objects.filter(bsn__isnull=True).count() == 2


def test_the_database_refuses_a_client_without_bsn_that_is_not_provisional(region_setup):
    client = _provisional(region_setup)
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.filter(pk=client.pk).update(is_provisional=False)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"given_names": "", "surname": ""}, "surname", "achternaam of voornaam"),
        ({"birth_year": 1850}, "birth_year", "tussen 1900"),
        ({"birth_date": date(1980, 1, 1), "birth_year": 1979}, "birth_year", "verschilt"),
        ({"surname": "X" * 201}, "surname", "200"),
    ],
)
def test_bad_provisional_input_is_refused_and_nothing_saved(region_setup, overrides, field, words):
    with pytest.raises(ValidationError) as excinfo:
        _provisional(region_setup, **overrides)
    assert words in " ".join(excinfo.value.message_dict[field])
    assert not Client.objects.exists()


def test_mo_for_a_provisional_client_waits_for_the_bsn_and_is_not_sent(region_setup, tmp_path):
    client = _provisional(region_setup)
    _grant_mo(region_setup, client)
    allocation = Allocation.objects.get(client=client)
    assert allocation.needs_sending
    assert "BSN ontbreekt" in allocation.waiting_reason
    assert not Message.objects.filter(client=client).exists()
    result = exchange.export_pending(
        municipality_codes=["GM0106"], out_dir=tmp_path, today=timezone.localdate()
    )
    assert result.written == []


def test_a_queued_message_without_bsn_is_never_written(region_setup, tmp_path):
    """Even a 301 queued by some other path stays pending with the reason."""
    client = _provisional(region_setup)
    _grant_mo(region_setup, client)
    Message.objects.create(
        direction="uit",
        message_type="WMO301",
        status=MessageStatus.PENDING,
        municipality=region_setup.assen,
        provider=region_setup.opvang,
        client=client,
        sender="0106",
        receiver=region_setup.opvang.agb_code,
    )
    result = exchange.export_pending(
        municipality_codes=["GM0106"], out_dir=tmp_path, today=timezone.localdate()
    )
    assert result.written == []
    (_message, findings), *_ = result.failed
    assert "BSN ontbreekt" in findings[0]["message"]


def test_assigning_the_bsn_completes_the_record_and_queues_the_allocation(region_setup):
    client = _provisional(region_setup)
    _grant_mo(region_setup, client)
    bsn = test_bsn()
    services.client_assign_bsn(
        client=client,
        bsn=bsn,
        birth_date=date(1978, 3, 4),
        by=region_setup.users["opvang"],
        expected_version=client.version,
    )
    client.refresh_from_db()
    assert (client.bsn, client.is_provisional, client.birth_date) == (bsn, False, date(1978, 3, 4))
    assert Message.objects.get(client=client, message_type="WMO301").status == "klaar"
    assert Allocation.objects.get(client=client).waiting_reason == ""
    assert client.events.filter(action="bsn").exists()
    assert AccessLogEntry.objects.filter(client=client, what="BSN vastgelegd").exists()


@pytest.mark.parametrize(
    ("bsn", "birth_date", "words"),
    [
        ("999999991", date(1978, 3, 4), "elfproef"),
        (None, None, "geboortedatum"),
    ],
)
def test_assigning_a_bad_bsn_changes_nothing(region_setup, bsn, birth_date, words):
    client = _provisional(region_setup)
    with pytest.raises(ValidationError) as excinfo:
        services.client_assign_bsn(
            client=client,
            bsn=bsn or test_bsn(),
            birth_date=birth_date,
            by=region_setup.users["opvang"],
            expected_version=client.version,
        )
    assert words in " ".join(excinfo.value.messages).lower()
    client.refresh_from_db()
    assert client.is_provisional and client.bsn is None


def test_assigning_a_bsn_that_exists_asks_for_a_merge(region_setup):
    known = register_client(region_setup)
    client = _provisional(region_setup)
    with pytest.raises(ValidationError) as excinfo:
        services.client_assign_bsn(
            client=client,
            bsn=known.bsn,
            birth_date=date(1978, 3, 4),
            by=region_setup.users["opvang"],
            expected_version=client.version,
        )
    assert "al een cliënt met dit BSN" in " ".join(excinfo.value.messages)


def test_merge_moves_meldingen_indications_stays_brp_and_queues_the_allocation(region_setup):
    known = register_client(region_setup, organisation_key="opvang")  # BRP woonadres since 2010
    provisional = _provisional(
        region_setup,
        brp=[
            {"municipality": None, "kind": BrpKind.GEEN, "valid_from": date(2026, 1, 1)},
        ],
    )
    BrpRegistration.objects.create(
        client=provisional, municipality=None, kind=BrpKind.BUITENLAND,
        valid_from=date(2001, 1, 1), valid_to=date(2005, 12, 31),
    )  # fmt: skip
    intake = _grant_mo(region_setup, provisional)
    result = services.client_merge(
        provisional=provisional, into=known, by=region_setup.users["opvang"]
    )
    provisional.refresh_from_db()
    assert provisional.merged_into == known and provisional.merged_at
    assert Melding.objects.get(pk=intake.melding_id).client == known
    assert Indication.objects.filter(client=known, product__kind="MO").count() == 1
    assert Stay.objects.filter(client=known).count() == 1
    assert not Indication.objects.filter(client=provisional).exists()
    # the BRP is leading: the overlapping "geen inschrijving" stays with the closed record,
    # the period abroad before the known woonadres moves over
    assert result.brp_kept_apart == 1
    kinds = set(known.brp_registrations.values_list("kind", flat=True))
    assert kinds == {BrpKind.WOONADRES, BrpKind.BUITENLAND}
    assert provisional.brp_registrations.get().kind == BrpKind.GEEN
    # history on both, a case event on the melding, the access log for both
    assert known.events.get().action == ClientEvent.Action.MERGED_IN
    assert provisional.events.filter(action=ClientEvent.Action.MERGED_AWAY).exists()
    assert CaseEvent.objects.filter(melding_id=intake.melding_id, action="samengevoegd").exists()
    logged = AccessLogEntry.objects.filter(what="voorlopige identiteit samengevoegd")
    assert {e.client_id for e in logged} == {provisional.pk, known.pk}
    # the allocation that waited now goes out with the known BSN
    message = Message.objects.get(client=known, message_type="WMO301")
    assert message.status == MessageStatus.PENDING


def test_merge_refuses_what_cannot_be_merged(region_setup):
    known = register_client(region_setup)
    other_known = register_client(region_setup, surname="Anders")
    provisional = _provisional(region_setup)
    user = region_setup.users["opvang"]
    with pytest.raises(ValidationError):
        services.client_merge(provisional=known, into=other_known, by=user)
    with pytest.raises(ValidationError):
        services.client_merge(provisional=provisional, into=provisional, by=user)
    services.client_merge(provisional=provisional, into=known, by=user)
    provisional.refresh_from_db()
    with pytest.raises(ValidationError):  # twice
        services.client_merge(provisional=provisional, into=other_known, by=user)


def test_merged_record_leaves_the_lists_and_its_url_leads_to_the_client(client, region_setup):
    known = register_client(region_setup, organisation_key="opvang")
    provisional = _provisional(region_setup)
    _grant_mo(region_setup, provisional)
    user = region_setup.users["opvang"]
    services.client_merge(provisional=provisional, into=known, by=user)
    assert not clients_visible_to(user=user).filter(pk=provisional.pk).exists()
    assert [c.pk for c in client_search(user=user, query="Kees")] == []
    client.force_login(user)
    response = client.get(reverse("clients:detail", args=[provisional.pseudonym]))
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[known.pseudonym])
    # someone who may not see the client gets the same 404 as for any unknown pseudonym
    client.force_login(region_setup.users["toegang_emmen"])
    assert client.get(reverse("clients:detail", args=[provisional.pseudonym])).status_code == 404


def test_search_finds_a_provisional_client_by_name_for_its_organisation_only(region_setup):
    provisional = _provisional(region_setup, surname="Zwerver")
    assert client_search(user=region_setup.users["opvang"], query="zwerv") == [provisional]
    assert client_search(user=region_setup.users["toegang_emmen"], query="zwerv") == []


# --- views --------------------------------------------------------------------------------


@pytest.fixture
def opvang(client, region_setup):
    client.force_login(region_setup.users["opvang"])
    return client


def test_register_provisional_through_the_form_leads_to_the_intake(opvang):
    response = opvang.post(
        reverse("clients:register_provisional"),
        {
            "given_names": "Kees",
            "birth_year": "1978",
            "identifying_notes": "Tatoeage anker linkerhand",
            "brp_kind": "geen",
            "gender": "1",
        },
    )
    client = Client.objects.get()
    assert client.is_provisional
    assert response["Location"] == reverse("toegang:mo_intake", args=[client.pseudonym])
    page = opvang.get(response["Location"]).content.decode()
    assert "voorlopige identiteit" in page
    assert AccessLogEntry.objects.filter(client=client, what="MO-intake").exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"given_names": "", "surname": ""}, "achternaam of voornaam"),
        ({"given_names": "Kees", "birth_year": "78a"}, "4 cijfers"),
        ({"given_names": "Kees", "birth_year": "2999"}, "tussen 1900"),
        ({"given_names": "K" * 201}, "hoogstens 200 tekens"),
    ],
)
def test_bad_provisional_form_shows_a_dutch_error_and_saves_nothing(opvang, data, words):
    response = opvang.post(reverse("clients:register_provisional"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Het formulier is niet opgeslagen" in page and words in page
    assert not Client.objects.exists()


def test_mo_intake_form_asks_for_the_type_and_groups_the_region_first(opvang, region_setup):
    provisional = _provisional(region_setup)
    page = opvang.get(reverse("toegang:mo_intake", args=[provisional.pseudonym])).content.decode()
    assert '<optgroup label="Gemeenten van de regio">' in page
    region_part, rest = page.split('<optgroup label="Overige gemeenten">')
    assert ">Assen</option>" in region_part.split('<optgroup label="Gemeenten van de regio">')[1]
    assert ">Emmen</option>" in rest.split("</select>")[0]
    assert "— Kies de soort opvang —" in page
    assert 'value="nachtopvang" selected' not in page
    data = {
        "centrumgemeente": "GM0106",
        "intake_on": timezone.localdate().isoformat(),
        "location": "GM0106",
        "dakloos": "ja",
        "zelfredzaam": "nee",
        "regiobinding": "ja",
        "decision": "toekenning",
        "problem_areas": ["huisvesting", "financien"],
    }
    response = opvang.post(reverse("toegang:mo_intake", args=[provisional.pseudonym]), data)
    assert "Kies de soort opvang." in response.content.decode()
    assert not Melding.objects.exists()
    response = opvang.post(
        reverse("toegang:mo_intake", args=[provisional.pseudonym]),
        {**data, "mo_type": "nachtopvang"},
    )
    assert response.status_code == 302, response.context["form"].errors
    melding = Melding.objects.get()
    assert response["Location"] == reverse("toegang:detail", args=[melding.pk])
    assert melding.mo_intake.problem_areas == "financien,huisvesting"
    page = opvang.get(response["Location"]).content.decode()
    assert "Financiën, Huisvesting" in page
    dossier = opvang.get(reverse("clients:detail", args=[provisional.pseudonym])).content.decode()
    assert "Financiën, Huisvesting" in dossier
    assert "BSN ontbreekt" in dossier


def test_merge_screen_assigns_a_new_bsn(opvang, region_setup):
    provisional = _provisional(region_setup)
    url = reverse("clients:merge", args=[provisional.pseudonym])
    bsn = test_bsn()
    response = opvang.post(url, {"version": provisional.version, "bsn": bsn})
    assert "Vul de geboortedatum in" in response.content.decode()
    response = opvang.post(
        url, {"version": provisional.version, "bsn": bsn, "birth_date": "1978-03-04"}
    )
    assert response.status_code == 302
    provisional.refresh_from_db()
    assert provisional.bsn == bsn and not provisional.is_provisional
    assert opvang.get(url).status_code == 403  # it has a BSN now


def test_merge_screen_shows_both_and_needs_confirmation(opvang, region_setup):
    known = register_client(region_setup, organisation_key="opvang", surname="Bekend")
    provisional = _provisional(region_setup)
    url = reverse("clients:merge", args=[provisional.pseudonym])
    response = opvang.post(url, {"version": provisional.version, "bsn": known.bsn})
    page = response.content.decode()
    assert "Bekende cliënt met dit BSN" in page and "Bekend" in page
    assert "Samenvoegen" in page
    assert Client.objects.get(pk=provisional.pk).merged_into is None
    data = {"version": provisional.version, "bsn": known.bsn, "confirm_into": known.pseudonym}
    response = opvang.post(url, data)
    assert "Bevestig dat het om dezelfde persoon gaat" in response.content.decode()
    response = opvang.post(url, {**data, "confirm": "on"})
    assert response["Location"] == reverse("clients:detail", args=[known.pseudonym])
    assert Client.objects.get(pk=provisional.pk).merged_into == known


def test_merge_into_a_client_out_of_sight_is_refused_without_details(opvang, region_setup):
    outsider = register_client(region_setup, organisation_key="emmen", surname="Buitenregio")
    provisional = _provisional(region_setup)
    response = opvang.post(
        reverse("clients:merge", args=[provisional.pseudonym]),
        {"version": provisional.version, "bsn": outsider.bsn},
    )
    page = response.content.decode()
    assert "buiten uw bevoegdheid" in page
    assert "Buitenregio" not in page
    assert Client.objects.get(pk=provisional.pk).merged_into is None


# --- the access matrix for a provisional client ---------------------------------------------

PROVISIONAL_MATRIX = {
    # url: {role: status} for a provisional client registered by the opvanginstelling
    "clients:detail": {"opvang": 200, "toegang_assen": 404, "toegang_emmen": 404,
                       "aanbieder": 404, "beleid": 403, "auditor": 403, "anon": 302},
    "clients:merge": {"opvang": 200, "toegang_assen": 404, "toegang_emmen": 404,
                      "aanbieder": 403, "beleid": 403, "auditor": 403, "anon": 302},
    "toegang:mo_intake": {"opvang": 200, "toegang_assen": 403, "toegang_emmen": 403,
                          "aanbieder": 403, "beleid": 403, "auditor": 403, "anon": 302},
    "clients:brp_add": {"opvang": 200, "toegang_assen": 404, "toegang_emmen": 404,
                        "aanbieder": 403, "beleid": 403, "auditor": 403, "anon": 302},
}  # fmt: skip
AFTER_MO = {
    # once MO is granted under Assen's mandate, Assen is responsible
    "clients:detail": {"opvang": 200, "toegang_assen": 200, "toegang_emmen": 404},
    "clients:merge": {"opvang": 200, "toegang_assen": 200, "toegang_emmen": 404},
}


def _statuses(client, region_setup, provisional, matrix):
    failures = []
    for name, expected in matrix.items():
        for role, want in expected.items():
            client.logout()
            if role != "anon":
                client.force_login(region_setup.users[role])
            response = client.get(reverse(name, args=[provisional.pseudonym]))
            if response.status_code != want:
                failures.append(f"{role} {name}: {response.status_code}, expected {want}")
            if response.status_code in (403, 404):
                assert "Kees" not in response.content.decode()
    return failures


def test_access_matrix_for_a_provisional_client(client, region_setup):
    provisional = _provisional(region_setup)
    assert _statuses(client, region_setup, provisional, PROVISIONAL_MATRIX) == []
    logged = AccessLogEntry.objects.filter(client=provisional)
    assert logged.filter(username="opvang", what="dossier").exists()
    assert not logged.exclude(username="opvang").exists()
    _grant_mo(region_setup, provisional)
    assert _statuses(client, region_setup, provisional, AFTER_MO) == []


def test_the_opvang_home_page_offers_intake_and_registration_without_bsn(client, region_setup):
    client.force_login(region_setup.users["opvang"])
    page = client.get(reverse("web:home")).content.decode()
    assert "Nieuwe intake" in page and "Cliënt zonder BSN registreren" in page
    assert reverse("clients:register_provisional") in page
    client.force_login(region_setup.users["toegang_assen"])
    assert "Nieuwe intake" not in client.get(reverse("web:home")).content.decode()
