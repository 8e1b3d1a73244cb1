"""Responsibility decisions in the system: stored, explained, overridden, recomputed."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bwmo.care import services as care_services
from bwmo.care.models import Indication, Stay
from bwmo.clients.models import BrpKind
from bwmo.clients.services import brp_registration_add
from bwmo.organisations.models import Municipality
from bwmo.toegang import services as toegang_services
from bwmo.woonplaats import services
from bwmo.woonplaats.models import Dispute, ResponsibilityDecision, RuleSetVersion
from tests.factories import (
    advance_to_aanvraag,
    client_with_melding,
    granted_client,
    register_client,
)

pytestmark = pytest.mark.django_db


def _tynaarlo_resident_applies_in_assen(setup, *, on):
    """A Tynaarlo resident turns to Assen (where the BW facility is) with a melding."""
    client = register_client(setup, municipality="GM1730")
    melding = toegang_services.melding_register(
        client=client,
        product_kind="BW",
        applied_to=setup.assen,
        received_on=on,
        summary="",
        organisation=setup.org["assen"],
        user=setup.users["toegang_assen"],
    )
    return client, melding


def _current(melding):
    return ResponsibilityDecision.objects.get(melding=melding, is_current=True)


def test_melding_gets_a_decision_with_rule_set_and_trace(region_setup):
    _client, melding = _tynaarlo_resident_applies_in_assen(region_setup, on=timezone.localdate())
    decision = _current(melding)
    assert decision.responsible_id == "GM1730"
    assert (decision.rule, decision.category) == ("W", "nieuwe_client")
    assert decision.rule_set.version == "wetsvoorstel-2026"
    assert any("Tynaarlo" in step for step in decision.trace)
    melding.refresh_from_db()
    assert melding.responsible_municipality_id == "GM1730"


def test_handling_organisation_keeps_the_case_when_another_municipality_pays(client, region_setup):
    _patient, melding = _tynaarlo_resident_applies_in_assen(region_setup, on=timezone.localdate())
    client.force_login(region_setup.users["toegang_assen"])
    page = client.get(reverse("toegang:detail", args=[melding.pk]))
    assert page.status_code == 200
    assert "Tynaarlo" in page.content.decode() and "waarom?" in page.content.decode()


def test_decision_is_taken_again_at_the_aanvraag(region_setup):
    client = client_with_melding(region_setup, received_on=timezone.localdate() - timedelta(20))
    melding = client.meldingen.get()
    first = _current(melding)
    user = region_setup.users["toegang_assen"]
    day = timezone.localdate() - timedelta(days=5)
    advance_to_aanvraag(region_setup, melding, day=day)
    second = _current(melding)
    assert second.pk != first.pk and second.computed_by == user
    assert ResponsibilityDecision.objects.filter(melding=melding).count() == 2  # history kept


def test_binding_advice_overrides_the_rules(region_setup):
    client = granted_client(region_setup)
    melding = client.meldingen.get()
    dispute = services.dispute_record(
        melding=melding,
        claimant=region_setup.assen,
        respondent=region_setup.tynaarlo,
        opened_on=timezone.localdate() - timedelta(days=2),
    )
    assert _current(melding).rule == "W"  # an open dispute changes nothing yet
    services.dispute_update(
        dispute=dispute,
        status=Dispute.Status.BINDEND_ADVIES,
        advice_responsible=region_setup.tynaarlo,
        advice_date=timezone.localdate(),
    )
    decision = _current(melding)
    assert (decision.rule, decision.responsible_id) == ("G", "GM1730")
    assert Indication.objects.get(client=client).responsible_municipality_id == "GM1730"


def test_binding_advice_needs_municipality_and_date(region_setup):
    client = client_with_melding(region_setup)
    dispute = services.dispute_record(
        melding=client.meldingen.get(),
        claimant=region_setup.assen,
        respondent=region_setup.tynaarlo,
        opened_on=timezone.localdate(),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.dispute_update(dispute=dispute, status=Dispute.Status.BINDEND_ADVIES)
    assert "advice_responsible" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        services.dispute_record(
            melding=client.meldingen.get(),
            claimant=region_setup.assen,
            respondent=region_setup.assen,
            opened_on=timezone.localdate(),
        )


def _bw_in_assen(setup, client, melding, *, responsible, start, end=None):
    """BW Intramuraal at the test provider in Assen on ``melding``, from ``start``: the
    indication (started that day) and its stay."""
    indication = Indication.objects.create(
        client=client,
        melding=melding,
        product=setup.products["BW001"],
        financing="ZIN",
        provider=setup.provider,
        responsible_municipality=responsible,
        valid_from=start,
        started_on=start,
    )
    Stay.objects.create(
        client=client,
        indication=indication,
        provider=setup.provider,
        product=setup.products["BW001"],
        location=setup.assen,
        start=start,
        end=end,
    )
    return indication


def _bw_before_start(setup):
    """A client in BW in Assen since 2024 (placed by Tynaarlo's old centrumgemeente)."""
    client = register_client(setup, municipality="GM1730")
    brp_registration_add(
        client=client,
        expected_version=client.version,
        municipality=setup.assen,
        kind=BrpKind.INSTELLING,
        valid_from=date(2024, 3, 1),
    )
    old = toegang_services.melding_register(
        client=client,
        product_kind="BW",
        applied_to=setup.assen,
        received_on=date(2024, 1, 10),
        summary="",
        organisation=setup.org["assen"],
        user=setup.users["toegang_assen"],
    )
    _bw_in_assen(
        setup, client, old, responsible=old.responsible_municipality, start=date(2024, 3, 1)
    )
    new = toegang_services.melding_register(
        client=client,
        product_kind="BW",
        applied_to=setup.assen,
        received_on=timezone.localdate() - timedelta(days=3),
        summary="",
        organisation=setup.org["assen"],
        user=setup.users["toegang_assen"],
    )
    return client, old, new


def test_chain_from_before_the_start_date_stays_with_the_centrumgemeente(region_setup):
    _, old, new = _bw_before_start(region_setup)
    assert _current(old).rule == "V"
    decision = _current(new)
    assert (decision.rule, decision.category, decision.responsible_id) == (
        "T",
        "overgangsclient",
        "GM0106",
    )


def test_recompute_dry_run_reports_and_writes_nothing(region_setup):
    _client, melding = _tynaarlo_resident_applies_in_assen(region_setup, on=date(2026, 3, 2))
    before = ResponsibilityDecision.objects.count()
    report = services.responsibility_recompute(
        region=region_setup.region, version="uitstel-2027", dry_run=True
    )
    changed = {o.melding.pk: o for o in report.changes}
    assert changed[melding.pk].decision.responsible == "GM0106"  # V under the later start date
    assert changed[melding.pk].decision.rule == "V"
    assert ResponsibilityDecision.objects.count() == before
    melding.refresh_from_db()
    assert melding.responsible_municipality_id == "GM1730"


def test_recompute_writes_all_and_is_stable(region_setup):
    _client, melding = _tynaarlo_resident_applies_in_assen(region_setup, on=date(2026, 3, 2))
    report = services.responsibility_recompute(region=region_setup.region, version="uitstel-2027")
    assert report.written and report.changes
    melding.refresh_from_db()
    assert melding.responsible_municipality_id == "GM0106"
    assert _current(melding).rule_set.version == "uitstel-2027"
    again = services.responsibility_recompute(
        region=region_setup.region, version="uitstel-2027", dry_run=True
    )
    assert again.changes == []


def test_recompute_is_all_or_nothing(region_setup, monkeypatch):
    _client, _ = _tynaarlo_resident_applies_in_assen(region_setup, on=date(2026, 3, 2))
    before = list(ResponsibilityDecision.objects.values_list("pk", "is_current"))
    original = care_services.Indication.objects.filter

    def failing_filter(*args, **kwargs):  # fail after the decisions were written
        raise RuntimeError("process killed")

    monkeypatch.setattr(care_services.Indication.objects, "filter", failing_filter)
    with pytest.raises(RuntimeError):
        services.responsibility_recompute(region=region_setup.region, version="uitstel-2027")
    monkeypatch.setattr(care_services.Indication.objects, "filter", original)
    assert list(ResponsibilityDecision.objects.values_list("pk", "is_current")) == before


def test_recompute_command(region_setup, capsys):
    _client, _ = _tynaarlo_resident_applies_in_assen(region_setup, on=date(2026, 3, 2))
    call_command(
        "woonplaats", "recompute", "--region", "GM0106", "--rules", "uitstel-2027", "--dry-run"
    )
    out = capsys.readouterr().out
    assert "Tynaarlo → Assen" in out and "regel V" in out
    assert "would change for 1" in out and "nothing written" in out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown region"):
        call_command("woonplaats", "recompute", "--region", "GM9999")
    with pytest.raises(CommandError, match="available versions"):
        call_command("woonplaats", "recompute", "--rules", "bestaat-niet")


def test_rule_sets_are_data_per_region(region_setup):
    versions = set(
        RuleSetVersion.objects.filter(region=region_setup.region).values_list("version", flat=True)
    )
    assert {"wetsvoorstel-2026", "uitstel-2027"} <= versions
    in_force = services.rule_set_in_force(region=region_setup.region, on=date(2026, 6, 1))
    assert in_force.version == "wetsvoorstel-2026"
    assert Municipality.objects.get(code="GM0106").name == "Assen"


def test_binding_advice_on_an_mo_case_keeps_category_mo(region_setup):
    # The advice settles who is responsible; MO cost stays out of the BW budget streams.
    from tests.factories import mo_client

    client = mo_client(region_setup)
    melding = client.meldingen.get()
    assert melding.product_kind == "MO"
    assert (_current(melding).rule, _current(melding).category) == ("MO", "mo")
    dispute = services.dispute_record(
        melding=melding,
        claimant=region_setup.assen,
        respondent=region_setup.tynaarlo,
        opened_on=timezone.localdate() - timedelta(days=1),
    )
    services.dispute_update(
        dispute=dispute,
        status=Dispute.Status.BINDEND_ADVIES,
        advice_responsible=region_setup.tynaarlo,
        advice_date=timezone.localdate(),
    )
    decision = _current(melding)
    assert (decision.rule, decision.responsible_id, decision.category) == ("G", "GM1730", "mo")


def test_overgangsclient_later_placed_by_another_municipality_goes_to_that_one(region_setup):
    # In BW since 2024 under Assen (the overgangsrecht); after the start date a binding
    # advice made Tynaarlo responsible and Tynaarlo provided BW until 2026-06-30. A new
    # application within twelve months of that goes to Tynaarlo, which last provided BW
    # (art. 1.2.1a lid 1 sub a), as a nieuwe cliënt, not back to Assen.
    setup = region_setup
    client, old, _new = _bw_before_start(setup)
    Stay.objects.filter(client=client).update(end=date(2026, 2, 28))
    second = toegang_services.melding_register(
        client=client,
        product_kind="BW",
        applied_to=setup.assen,
        received_on=date(2026, 2, 20),
        summary="",
        organisation=setup.org["assen"],
        user=setup.users["toegang_assen"],
    )
    dispute = services.dispute_record(
        melding=second,
        claimant=setup.assen,
        respondent=setup.tynaarlo,
        opened_on=date(2026, 2, 21),
    )
    services.dispute_update(
        dispute=dispute,
        status=Dispute.Status.BINDEND_ADVIES,
        advice_responsible=setup.tynaarlo,
        advice_date=date(2026, 2, 25),
    )
    _bw_in_assen(
        setup,
        client,
        second,
        responsible=setup.tynaarlo,
        start=date(2026, 3, 1),
        end=date(2026, 6, 30),
    )
    third = toegang_services.melding_register(
        client=client,
        product_kind="BW",
        applied_to=setup.assen,
        received_on=date(2026, 11, 2),
        summary="",
        organisation=setup.org["assen"],
        user=setup.users["toegang_assen"],
    )
    decision = _current(third)
    assert (decision.rule, decision.category, decision.responsible_id) == (
        "A",
        "nieuwe_client",
        "GM1730",
    )
    assert "Tynaarlo verstrekte laatstelijk beschermd wonen (t/m 2026-06-30)" in decision.trace[-1]
    assert decision.trace[-1].endswith(
        "→ Wmo 2015 art. 1.2.1a lid 1 sub a "
        + ("(laatstelijk verstrekt, minder dan twaalf maanden geleden)")
    )
    assert _current(old).rule == "V"


def test_the_brp_and_stays_are_read_only_for_clients_with_a_case_that_needs_them(region_setup):
    """MO, a binding advice and a case before the start date are decided without the BRP
    history and the earlier stays: a recompute in which no case needs them reads neither,
    and decides the same as when it does."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _client, old, new = _bw_before_start(region_setup)

    def facts_read(queries) -> bool:
        return any(
            "clients_brpregistration" in q["sql"] or '"care_stay"' in q["sql"] for q in queries
        )

    with CaptureQueriesContext(connection) as queries:
        later = services.responsibility_recompute(
            region=region_setup.region, version="uitstel-2027", dry_run=True
        )
    rules = {o.melding.pk: o.decision.rule for o in later.outcomes}
    assert (rules[old.pk], rules[new.pk]) == ("V", "V")  # both before 2027
    assert not facts_read(queries.captured_queries)

    with CaptureQueriesContext(connection) as queries:
        now = services.responsibility_recompute(region=region_setup.region, dry_run=True)
    rules = {o.melding.pk: o.decision.rule for o in now.outcomes}
    assert (rules[old.pk], rules[new.pk]) == ("V", "T")  # the new case reads the BW stay
    assert facts_read(queries.captured_queries)
    assert now.changes == []  # as decided case by case when the meldingen were registered
