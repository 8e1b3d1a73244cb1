"""The access process through its services, on a real database."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bwmo.care.models import Indication, Stay
from bwmo.core.errors import StaleVersionError
from bwmo.toegang import services
from bwmo.toegang.models import CaseEvent, Melding
from bwmo.toegang.workflow import Status
from tests.factories import (
    advance_to_aanvraag,
    client_with_melding,
    granted_client,
    register_client,
)

pytestmark = pytest.mark.django_db


def _melding(client):
    return Melding.objects.get(client=client)


def test_full_bw_process_writes_one_event_per_step(region_setup):
    client = granted_client(region_setup)
    melding = _melding(client)
    assert melding.status == Status.TOEGEKEND
    events = list(melding.events.values_list("from_status", "to_status"))
    assert events == [
        ("", Status.GEMELD),
        (Status.GEMELD, Status.IN_ONDERZOEK),
        (Status.IN_ONDERZOEK, Status.ADVIES_UITGEBRACHT),
        (Status.ADVIES_UITGEBRACHT, Status.AANVRAAG_ONTVANGEN),
        (Status.AANVRAAG_ONTVANGEN, Status.TOEGEKEND),
    ]
    indication = Indication.objects.get(client=client)
    assert indication.responsible_municipality == region_setup.assen
    assert indication.provider == region_setup.provider
    assert melding.onderzoek.completed_on == melding.advies.issued_on


def test_beschikking_without_aanvraag_is_refused(region_setup):
    client = client_with_melding(region_setup)
    melding = _melding(client)
    with pytest.raises(ValidationError) as excinfo:
        services.beschikking_record(
            melding=melding,
            user=region_setup.users["toegang_assen"],
            expected_version=melding.version,
            decision="toekenning",
            decided_on=timezone.localdate(),
            product=region_setup.products["BW001"],
            financing="ZIN",
            provider=region_setup.provider,
            valid_from=timezone.localdate(),
        )
    assert "nog geen aanvraag" in excinfo.value.messages[0]
    melding.refresh_from_db()
    assert melding.status == Status.GEMELD
    assert not Indication.objects.exists()
    assert melding.events.count() == 1


def test_status_change_outside_the_workflow_is_refused(region_setup):
    client = client_with_melding(region_setup)
    melding = _melding(client)
    with pytest.raises(ValidationError) as excinfo:
        services.melding_transition(
            melding=melding,
            target=Status.TOEGEKEND,
            action="beschikking",
            user=region_setup.users["toegang_assen"],
            expected_version=melding.version,
        )
    assert "niet toegestaan" in excinfo.value.messages[0]
    melding.refresh_from_db()
    assert melding.status == Status.GEMELD


def test_closed_melding_cannot_be_reopened(region_setup):
    client = client_with_melding(region_setup)
    melding = _melding(client)
    user = region_setup.users["toegang_assen"]
    services.melding_withdraw(
        melding=melding, user=user, expected_version=melding.version, reason="Cliënt ziet af"
    )
    with pytest.raises(ValidationError):
        services.onderzoek_start(
            melding=melding,
            user=user,
            expected_version=melding.version,
            started_on=timezone.localdate(),
            conversation_on=None,
            findings="",
        )
    assert _melding(client).status == Status.INGETROKKEN


def test_stale_step_is_refused(region_setup):
    client = client_with_melding(region_setup)
    melding = _melding(client)
    user = region_setup.users["toegang_assen"]
    opened = melding.version
    services.onderzoek_start(
        melding=melding,
        user=user,
        expected_version=opened,
        started_on=timezone.localdate(),
        conversation_on=None,
        findings="",
    )
    other_copy = Melding.objects.get(pk=melding.pk)
    other_copy.version = opened
    with pytest.raises(StaleVersionError):
        services.melding_withdraw(
            melding=other_copy, user=user, expected_version=opened, reason="dubbel"
        )
    assert _melding(client).status == Status.IN_ONDERZOEK


def test_grant_end_before_start_is_refused(region_setup):
    client = client_with_melding(region_setup, received_on=timezone.localdate() - timedelta(30))
    melding = _melding(client)
    user = region_setup.users["toegang_assen"]
    day = timezone.localdate() - timedelta(days=5)
    advance_to_aanvraag(region_setup, melding, day=day)
    melding.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        services.beschikking_record(
            melding=melding,
            user=user,
            expected_version=melding.version,
            decision="toekenning",
            decided_on=day,
            product=region_setup.products["BW001"],
            financing="ZIN",
            provider=region_setup.provider,
            valid_from=day,
            valid_to=day - timedelta(days=1),
        )
    assert "vóór de begindatum" in " ".join(excinfo.value.message_dict["valid_to"])
    melding.refresh_from_db()
    assert melding.status == Status.AANVRAAG_ONTVANGEN
    assert not Indication.objects.exists()


def test_afwijzing_needs_a_motivation(region_setup):
    c = client_with_melding(region_setup)
    melding = _melding(c)
    melding.status = Status.AANVRAAG_ONTVANGEN
    with pytest.raises(ValidationError):
        services.beschikking_record(
            melding=melding,
            user=None,
            expected_version=melding.version,
            decision="afwijzing",
            decided_on=timezone.localdate(),
        )


def test_melding_date_in_the_future_is_refused(region_setup):
    client = register_client(region_setup)
    with pytest.raises(ValidationError) as excinfo:
        services.melding_register(
            client=client,
            product_kind="BW",
            applied_to=region_setup.assen,
            received_on=timezone.localdate() + timedelta(days=3),
            summary="",
            organisation=region_setup.org["assen"],
            user=region_setup.users["toegang_assen"],
        )
    assert "toekomst" in " ".join(excinfo.value.message_dict["received_on"])
    assert not Melding.objects.exists()


def test_history_is_append_only(region_setup):
    client = client_with_melding(region_setup)
    event = CaseEvent.objects.get(melding__client=client)
    event.reason = "herschreven"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_mo_intake_grants_and_starts_the_stay(region_setup):
    client = register_client(region_setup, organisation_key="opvang")
    intake = services.mo_intake_record(
        client=client,
        user=region_setup.users["opvang"],
        organisation=region_setup.org["opvang"],
        centrumgemeente=region_setup.assen,
        provider=region_setup.opvang,
        intake_on=timezone.localdate(),
        mo_type="nachtopvang",
        dakloos="ja",
        zelfredzaam="nee",
        regiobinding="ja",
        problem_areas="huisvesting",
        decision="toekenning",
        motivation="",
        location=region_setup.assen,
    )
    melding = intake.melding
    assert melding.product_kind == "MO" and melding.status == Status.TOEGEKEND
    assert melding.responsible_municipality == region_setup.assen
    stay = Stay.objects.get(client=client)
    assert stay.end is None and stay.product.mo_type == "nachtopvang"
    assert stay.indication.started_on == timezone.localdate()


def test_mo_afwijzing_without_motivation_is_refused(region_setup):
    client = register_client(region_setup, organisation_key="opvang")
    with pytest.raises(ValidationError):
        services.mo_intake_record(
            client=client,
            user=region_setup.users["opvang"],
            organisation=region_setup.org["opvang"],
            centrumgemeente=region_setup.assen,
            provider=region_setup.opvang,
            intake_on=timezone.localdate(),
            mo_type="nachtopvang",
            dakloos="ja",
            zelfredzaam="ja",
            regiobinding="ja",
            problem_areas="",
            decision="afwijzing",
            motivation=" ",
            location=region_setup.assen,
        )
    assert not Melding.objects.exists()


# --- assignment -------------------------------------------------------------------------------


def test_assignment_is_appended_and_checked(region_setup):
    from django.core.exceptions import ValidationError

    from bwmo.accounts.roles import Role
    from bwmo.toegang.models import Assignment
    from tests.factories import client_with_melding, make_user

    melding = client_with_melding(region_setup).meldingen.get()
    me = region_setup.users["toegang_assen"]
    colleague = make_user("collega", Role.TOEGANGSMEDEWERKER, region_setup.org["assen"])
    services.melding_assign(melding=melding, assignee=colleague, user=me, expected_assignee_id=None)
    melding.refresh_from_db()
    assert melding.assigned_to == colleague and melding.version == 1  # steps stay valid
    with pytest.raises(ValidationError, match="Iemand anders"):
        services.melding_assign(melding=melding, assignee=me, user=me, expected_assignee_id=None)
    with pytest.raises(ValidationError):
        services.melding_assign(
            melding=melding, assignee=colleague, user=me, expected_assignee_id=colleague.pk
        )
    with pytest.raises(ValidationError):  # Emmen's worker may not act on Assen's melding
        services.melding_assign(
            melding=melding,
            assignee=region_setup.users["toegang_emmen"],
            user=me,
            expected_assignee_id=colleague.pk,
        )
    services.melding_assign(
        melding=melding, assignee=None, user=me, expected_assignee_id=colleague.pk
    )
    melding.refresh_from_db()
    assert melding.assigned_to is None
    history = list(
        Assignment.objects.filter(melding=melding).values_list("assigned_to", "assigned_by")
    )
    assert history == [(colleague.pk, me.pk), (None, me.pk)]
    entry = Assignment.objects.first()
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_someone_out_of_scope_cannot_assign(region_setup):
    from bwmo.toegang.models import Melding
    from tests.factories import client_with_melding

    melding = client_with_melding(region_setup).meldingen.get()
    emmen = region_setup.users["toegang_emmen"]
    with pytest.raises(Melding.DoesNotExist):
        services.melding_assign(
            melding=melding, assignee=emmen, user=emmen, expected_assignee_id=None
        )
    melding.refresh_from_db()
    assert melding.assigned_to is None and not melding.assignments.exists()


def test_a_closed_melding_is_not_assigned(region_setup):
    from django.core.exceptions import ValidationError

    from tests.factories import granted_client

    melding = granted_client(region_setup).meldingen.get()
    me = region_setup.users["toegang_assen"]
    with pytest.raises(ValidationError, match="afgesloten"):
        services.melding_assign(melding=melding, assignee=me, user=me, expected_assignee_id=None)
