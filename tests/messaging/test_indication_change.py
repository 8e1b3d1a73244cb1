"""Changing or ending an indication (and so its WMO301): what may change, with which WMO002
reason, through the service and through the screens, on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bwmo.care.models import Indication, Outflow, OutflowReason, Stay, WlzApplication
from bwmo.messaging import services
from bwmo.messaging.models import (
    Allocation,
    AllocationRequest,
    Direction,
    Message,
    MessageStatus,
)
from bwmo.toegang.models import Beschikking
from tests.factories import RegionSetup, granted_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return RegionSetup.create()


def _sent(indication) -> None:
    """The provider has the allocation: nothing is waiting to be sent."""
    Message.objects.filter(message_type="WMO301").update(status=MessageStatus.SENT)
    Allocation.objects.filter(indication=indication).update(needs_sending=False)


def _pending_301s() -> int:
    return Message.objects.filter(message_type="WMO301", status=MessageStatus.PENDING).count()


def _state(indication):
    allocation = Allocation.objects.get(indication=indication)
    return (
        Indication.objects.get(pk=indication.pk).valid_to,
        allocation.end,
        allocation.reason_change,
        allocation.needs_sending,
        _pending_301s(),
    )


def running(setup):
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    _sent(indication)
    return indication


def ended_with_wlz(setup):
    """BW that ended about three years ago because the client went to the Wlz."""
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    today = timezone.localdate()
    start, end = today - timedelta(days=4 * 365), today - timedelta(days=3 * 365)
    Indication.objects.filter(pk=indication.pk).update(
        valid_from=start, valid_to=end, started_on=start
    )
    Beschikking.objects.filter(aanvraag__melding=indication.melding).update(
        valid_from=start, valid_to=end
    )
    Allocation.objects.filter(indication=indication).update(start=start, end=end)
    stay = Stay.objects.create(
        client=client,
        indication=indication,
        provider=indication.provider,
        product=indication.product,
        location=setup.assen,
        start=start,
        end=end,
    )
    Outflow.objects.create(stay=stay, date=end, reason=OutflowReason.WLZ)
    WlzApplication.objects.create(
        client=client,
        applied_on=end - timedelta(days=60),
        status=WlzApplication.Status.TOEGEKEND,
        decided_on=end,
    )
    indication.refresh_from_db()
    _sent(indication)
    return indication


def change(indication, valid_to, reason, **kwargs):
    return services.indication_change_end(
        indication=indication,
        valid_to=valid_to,
        reason_change=reason,
        opened_with=indication.valid_to,
        **kwargs,
    )


# --- the service ----------------------------------------------------------------------------


def test_an_ended_indication_cannot_be_changed_back_to_life(setup):
    indication = ended_with_wlz(setup)
    before = _state(indication)
    later = timezone.localdate() + timedelta(days=200)
    for valid_to, reason in ((later, "05"), (later, "14"), (None, "14"), (later, "12")):
        with pytest.raises(ValidationError) as error:
            change(indication, valid_to, reason, past_end_confirmed=True)
        text = " ".join(error.value.messages)
        assert "is op " in text and "beëindigd (uitstroom: naar de Wlz)" in text
        assert "kan niet worden gewijzigd" in text and "nieuwe beschikking" in text
    assert _state(indication) == before


def test_an_ended_indication_cannot_be_shortened_either(setup):
    indication = ended_with_wlz(setup)
    before = _state(indication)
    with pytest.raises(ValidationError, match="beëindigd"):
        change(indication, indication.valid_to - timedelta(days=10), "06", past_end_confirmed=True)
    assert _state(indication) == before


def test_a_later_end_date_is_an_extension_and_needs_a_new_beschikking(setup):
    indication = running(setup)
    before = _state(indication)
    later = indication.valid_to + timedelta(days=180)
    for valid_to, reason in ((later, "05"), (later, "06"), (None, "05"), (later, "04")):
        with pytest.raises(ValidationError) as error:
            change(indication, valid_to, reason)
        assert "valid_to" in error.value.error_dict or "reason" in error.value.error_dict
        text = " ".join(error.value.messages)
        assert "verlenging" in text and "nieuwe beschikking" in text, text
    assert _state(indication) == before


def test_verkorting_queues_a_301_with_reason_05(setup):
    indication = running(setup)
    new_end = indication.valid_to - timedelta(days=100)
    change(indication, new_end, "05")
    allocation = Allocation.objects.get(indication=indication)
    assert (allocation.end, allocation.reason_change, allocation.needs_sending) == (
        new_end,
        "05",
        True,
    )
    assert _pending_301s() == 1


def test_a_correction_stays_within_the_beschikking(setup):
    indication = running(setup)
    decided = indication.valid_to
    change(indication, decided - timedelta(days=30), "05")
    indication.refresh_from_db()
    _sent(indication)
    before = _state(indication)
    with pytest.raises(ValidationError) as error:
        change(indication, decided + timedelta(days=1), "14")
    assert "loopt tot en met" in str(error.value) and "nieuwe beschikking" in str(error.value)
    assert _state(indication) == before
    # Back to the end date of the beschikking: an input error repaired, reason 14.
    change(indication, decided, "14")
    allocation = Allocation.objects.get(indication=indication)
    assert (allocation.end, allocation.reason_change, _pending_301s()) == (decided, "14", 1)


def test_a_reason_that_is_no_change_of_the_end_date_is_refused(setup):
    indication = running(setup)
    before = _state(indication)
    for reason in ("13", "01", "", "99"):
        with pytest.raises(ValidationError) as error:
            change(indication, indication.valid_to - timedelta(days=10), reason)
        assert "reason" in error.value.error_dict
    assert _state(indication) == before


def test_an_end_date_in_the_past_is_written_only_when_confirmed(setup):
    indication = running(setup)
    before = _state(indication)
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        change(indication, yesterday, "05")
    assert "past_end_confirmed" in error.value.error_dict
    assert "ligt in het verleden" in str(error.value)
    assert _state(indication) == before
    change(indication, yesterday, "05", past_end_confirmed=True)
    assert Allocation.objects.get(indication=indication).end == yesterday


def test_death_ends_on_the_date_of_death_which_is_not_in_the_future(setup):
    indication = running(setup)
    before = _state(indication)
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="overlijdensdatum"):
        change(indication, today + timedelta(days=5), "02")
    assert _state(indication) == before
    change(indication, today - timedelta(days=3), "02")  # no confirmation: a fact
    allocation = Allocation.objects.get(indication=indication)
    assert (allocation.end, allocation.reason_change) == (today - timedelta(days=3), "02")


def test_a_providers_request_for_an_ended_allocation_is_not_granted(setup):
    indication = ended_with_wlz(setup)
    message = Message.objects.create(
        direction=Direction.IN,
        message_type="WMO317",
        status=MessageStatus.ACCEPTED,
        municipality_id=indication.responsible_municipality_id,
        provider=indication.provider,
        client=indication.client,
    )
    request = AllocationRequest.objects.create(
        message=message,
        bsn=indication.client.bsn,
        kind=AllocationRequest.Kind.WIJZIGING,
        client=indication.client,
        municipality_id=indication.responsible_municipality_id,
        provider=indication.provider,
        reference="VOW9",
        received_on=timezone.localdate(),
        products=[
            {
                "soort": "wijzigen",
                "toewijzing": indication.pk,
                "einddatum": (timezone.localdate() + timedelta(days=90)).isoformat(),
            }
        ],
    )
    before = _state(indication)
    with pytest.raises(ValidationError, match="beëindigd"):
        services.change_request_grant(
            request=request, user=setup.users["toegang_assen"], expected_version=request.version
        )
    assert _state(indication) == before
    request.refresh_from_db()
    assert request.status == AllocationRequest.Status.OPEN


# --- the screens ----------------------------------------------------------------------------


def test_the_dossier_does_not_offer_changing_an_ended_indication_and_says_why(client, setup):
    indication = ended_with_wlz(setup)
    client.force_login(setup.users["toegang_assen"])
    page = client.get(
        reverse("clients:detail", args=[indication.client.pseudonym])
    ).content.decode()
    assert reverse("care:indication_change", args=[indication.pk]) not in page
    assert "Beëindigd: wijzigen kan niet meer" in page
    assert "nieuwe beschikking" in page


def test_the_dossier_offers_changing_a_running_indication(client, setup):
    indication = running(setup)
    client.force_login(setup.users["toegang_assen"])
    page = client.get(
        reverse("clients:detail", args=[indication.client.pseudonym])
    ).content.decode()
    assert reverse("care:indication_change", args=[indication.pk]) in page


def test_the_change_page_of_an_ended_indication_explains_and_has_no_form(client, setup):
    indication = ended_with_wlz(setup)
    client.force_login(setup.users["toegang_assen"])
    url = reverse("care:indication_change", args=[indication.pk])
    page = client.get(url).content.decode()
    assert "Een beëindigde indicatie kan niet worden gewijzigd" in page
    assert "uitstroom: naar de Wlz" in page
    assert 'name="valid_to"' not in page and "Opslaan" not in page


def test_posting_a_change_to_an_ended_indication_changes_nothing(client, setup):
    indication = ended_with_wlz(setup)
    before = _state(indication)
    client.force_login(setup.users["toegang_assen"])
    url = reverse("care:indication_change", args=[indication.pk])
    response = client.post(
        url,
        {
            "valid_to": (timezone.localdate() + timedelta(days=200)).isoformat(),
            "reason": "05",
            "past_end_confirmed": "on",
            "opened_with": indication.valid_to.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Een beëindigde indicatie kan niet worden gewijzigd" in response.content.decode()
    assert _state(indication) == before


def test_the_change_form_preselects_no_reason_and_offers_no_verlenging(client, setup):
    indication = running(setup)
    client.force_login(setup.users["toegang_assen"])
    page = client.get(reverse("care:indication_change", args=[indication.pk])).content.decode()
    assert 'value="04"' not in page and "verlenging</option>" not in page
    assert '<option value="" selected>' in page
    assert 'value="05"' in page and 'value="05" selected' not in page


def test_the_change_form_warns_about_a_pending_wlz_application(client, setup):
    indication = running(setup)
    WlzApplication.objects.create(
        client=indication.client,
        applied_on=timezone.localdate() - timedelta(days=10),
        status=WlzApplication.Status.AANGEVRAAGD,
    )
    client.force_login(setup.users["toegang_assen"])
    page = client.get(reverse("care:indication_change", args=[indication.pk])).content.decode()
    assert "Er loopt een Wlz-aanvraag" in page
    assert "Uitstroom naar ander domein" in page


def test_the_change_form_warns_about_a_wlz_outflow(client, setup):
    indication = running(setup)
    stay = Stay.objects.create(
        client=indication.client,
        indication=indication,
        provider=indication.provider,
        product=indication.product,
        location=setup.assen,
        start=indication.valid_from,
        end=timezone.localdate() - timedelta(days=2),
    )
    Outflow.objects.create(stay=stay, date=stay.end, reason=OutflowReason.WLZ)
    client.force_login(setup.users["toegang_assen"])
    page = client.get(reverse("care:indication_change", args=[indication.pk])).content.decode()
    assert "uitgestroomd naar de Wlz" in page


def _post(client, indication, **data):
    url = reverse("care:indication_change", args=[indication.pk])
    return client.post(url, {"opened_with": indication.valid_to.isoformat(), **data})


def test_an_extension_labelled_as_verkorting_is_refused_on_the_form(client, setup):
    indication = running(setup)
    before = _state(indication)
    client.force_login(setup.users["toegang_assen"])
    later = indication.valid_to + timedelta(days=200)
    response = _post(client, indication, valid_to=later.isoformat(), reason="05")
    page = response.content.decode()
    assert response.status_code == 200
    assert "field--error" in page
    assert "Herbeoordeling: verkorting past alleen bij een eerdere einddatum" in page
    assert "nieuwe beschikking" in page
    # A tampered form with reason 04 is refused by the form's choices.
    response = _post(client, indication, valid_to=later.isoformat(), reason="04")
    assert "field--error" in response.content.decode()
    # No reason chosen.
    response = _post(client, indication, valid_to=later.isoformat(), reason="")
    assert "Kies de reden van de wijziging" in response.content.decode()
    assert _state(indication) == before


def test_an_end_date_in_the_past_asks_for_confirmation_on_the_form(client, setup):
    indication = running(setup)
    before = _state(indication)
    client.force_login(setup.users["toegang_assen"])
    past = timezone.localdate() - timedelta(days=7)
    response = _post(client, indication, valid_to=past.isoformat(), reason="05")
    page = response.content.decode()
    assert "ligt in het verleden" in page and "field--error" in page
    assert _state(indication) == before
    response = _post(
        client, indication, valid_to=past.isoformat(), reason="05", past_end_confirmed="on"
    )
    assert response.status_code == 302
    allocation = Allocation.objects.get(indication=indication)
    assert (allocation.end, allocation.reason_change, _pending_301s()) == (past, "05", 1)


def test_a_valid_shortening_on_the_form_queues_the_301(client, setup):
    indication = running(setup)
    client.force_login(setup.users["toegang_assen"])
    new_end = indication.valid_to - timedelta(days=60)
    response = _post(client, indication, valid_to=new_end.isoformat(), reason="05")
    assert response.status_code == 302
    allocation = Allocation.objects.get(indication=indication)
    assert (allocation.end, allocation.reason_change, _pending_301s()) == (new_end, "05", 1)


def test_a_missing_reason_and_an_unconfirmed_past_end_show_in_one_response(client, setup):
    """Found by municipal users: the confirmation of a past end date was asked only after
    the reason had been chosen, one submit later."""
    indication = running(setup)
    before = _state(indication)
    client.force_login(setup.users["toegang_assen"])
    past = timezone.localdate() - timedelta(days=7)
    response = _post(client, indication, valid_to=past.isoformat(), reason="")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Kies de reden van de wijziging." in page  # the field error
    assert "ligt in het verleden" in page  # the rule, in the same response
    assert _state(indication) == before
