"""The message traffic through services and the database: the round trip and its guarantees."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from bwmo.care.models import Indication
from bwmo.iwmo import aanbieder, parse_message, validate_message
from bwmo.iwmo import model as m
from bwmo.messaging import exchange
from bwmo.messaging.models import (
    Allocation,
    Declaration,
    DeclarationLine,
    Direction,
    Message,
    MessageStatus,
)
from tests.factories import RegionSetup, granted_client

from .conftest import XSD_DIR, client_basis, month_bounds

pytestmark = pytest.mark.django_db

AGB = "73000001"
ASSEN = "0106"
TARIEF = 12857  # € 900 per week = 12857 cent per etmaal


@pytest.fixture
def setup():
    return RegionSetup.create()


@pytest.fixture
def granted(setup):
    client = granted_client(setup)
    indication = Indication.objects.get(client=client)
    return client, indication


def export(setup, out, today=None):
    today = today or timezone.localdate()
    return exchange.export_pending(
        municipality_codes=["GM0106", "GM1730", "GM0114"], out_dir=out, today=today
    )


def start_305(client, nummer, begin, ident="S1", dag=None):
    return aanbieder.build_wmo305(
        afzender=AGB,
        ontvanger=ASSEN,
        identificatie=ident,
        dagtekening=dag or begin,
        client=client_basis(client),
        start_producten=[
            m.StartProduct(
                begindatum=begin,
                status_aanlevering="1",
                toewijzing_nummer=nummer,
                product=m.Product("15", "BW001"),
                toewijzing_ingangsdatum=None,
            )
        ],
        xsd_dir=XSD_DIR,
    )


def declaratie_323(
    client, nummer, periode, *, volume, tarief=TARIEF, ident="D1", ref="R1", nr="DEC1"
):
    first, last = periode
    prestatie = m.Prestatie(
        referentie_nummer=ref,
        toewijzing_nummer=nummer,
        product_categorie="15",
        product_code="BW001",
        product_periode=m.GeslotenPeriode(first, last),
        geleverd_volume=volume,
        eenheid="14",
        ingediend_bedrag=m.Bedrag(volume * tarief),
        product_tarief=tarief,
    )
    return aanbieder.build_wmo323(
        afzender=AGB,
        ontvanger=ASSEN,
        identificatie=ident,
        dagtekening=last + timedelta(days=1),
        declaratie=m.Declaratie(
            declaratie_nummer=nr,
            declaratie_periode=m.GeslotenPeriode(*month_bounds(first)),
            declaratie_dagtekening=last + timedelta(days=1),
            totaal_ingediend_bedrag=m.Bedrag(volume * tarief),
            clienten=(m.DeclaratieClient(client.bsn, (prestatie,)),),
        ),
        xsd_dir=XSD_DIR,
    )


def test_round_trip_grant_301_305_323_325(setup, granted, tmp_path):
    client, indication = granted
    # grant → a WMO301 queued
    pending = Message.objects.get(direction=Direction.OUT, status=MessageStatus.PENDING)
    assert pending.message_type == "WMO301" and pending.client == client

    # export → one XSD-valid file with the allocation
    result = export(setup, tmp_path / "uit")
    assert len(result.written) == 1 and not result.failed
    content = result.written[0].read_bytes()
    check = validate_message(content, XSD_DIR, today=timezone.localdate())
    assert check.valid, check.errors
    bericht = parse_message(content)
    (tp,) = bericht.toegewezen_producten
    assert tp.toewijzing_nummer == indication.pk
    assert tp.product == m.Product("15", "BW001")
    assert (tp.ingangsdatum, tp.einddatum) == (indication.valid_from, indication.valid_to)
    assert tp.omvang == m.Omvang(7, "14", "2")
    assert bericht.header.afzender == ASSEN and bericht.header.ontvanger == AGB
    assert not Allocation.objects.get().needs_sending
    # nothing pending any more: a second export writes nothing
    assert export(setup, tmp_path / "uit").written == []

    # 305 in → verzilverd, retour 306 without findings
    begin = indication.valid_from + timedelta(days=1)
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "start.xml").write_bytes(start_305(client, tp.toewijzing_nummer, begin))
    (r,) = exchange.import_directory(inbox, today=timezone.localdate())
    assert r.status == MessageStatus.ACCEPTED, r.errors
    assert r.reply.name.startswith("WMO306_") and r.reply.exists()
    indication.refresh_from_db()
    assert indication.started_on == begin
    retour = r.reply.read_bytes()
    assert b"RetourCode" not in retour  # fully approved: the header without RetourCodes

    # 323 in → reconciled → 325 out, fully approved (8001)
    # care is declared from the allocation's start (TR387), for the rest of that month
    _first, last = month_bounds(indication.valid_from)
    volume = (last - indication.valid_from).days + 1
    decl = declaratie_323(
        client, tp.toewijzing_nummer, (indication.valid_from, last), volume=volume
    )
    (inbox / "declaratie.xml").write_bytes(decl)
    today = last + timedelta(days=1)
    results = exchange.import_directory(inbox, today=today)
    by_name = {x.file.name: x for x in results}
    assert by_name["start.xml"].outcome == exchange.Outcome.DUPLICATE
    d = by_name["declaratie.xml"]
    assert d.status == MessageStatus.ACCEPTED, d.errors
    assert d.reply.name.startswith("WMO325_")
    assert b"<wmo325:RetourCode>8001</wmo325:RetourCode>" in d.reply.read_bytes()
    declaration = Declaration.objects.get()
    assert declaration.submitted_cents == declaration.approved_cents == volume * TARIEF
    assert DeclarationLine.objects.get().approved


def test_wrong_tariff_is_rejected_with_its_rule_and_the_325_lists_the_line(
    setup, granted, tmp_path
):
    client, indication = granted
    begin = indication.valid_from
    _first, last = month_bounds(begin)
    volume = (last - begin).days + 1
    (tmp_path / "d.xml").write_bytes(
        declaratie_323(client, indication.pk, (begin, last), volume=volume, tarief=TARIEF + 100)
    )
    (r,) = exchange.import_directory(tmp_path, today=last + timedelta(days=1))
    assert r.status == MessageStatus.REJECTED
    assert "TR346" in {e["code"] for e in r.errors}
    line = DeclarationLine.objects.get()
    assert not line.approved and line.codes
    answer = r.reply.read_bytes()
    assert b"<iwmo:ReferentieNummer>R1</iwmo:ReferentieNummer>" in answer
    assert Declaration.objects.get().approved_cents == 0


def test_import_twice_is_recognised_and_changes_nothing(setup, granted, tmp_path):
    client, indication = granted
    (tmp_path / "start.xml").write_bytes(start_305(client, indication.pk, indication.valid_from))
    first = exchange.import_directory(tmp_path, today=timezone.localdate())
    assert [r.outcome for r in first] == [exchange.Outcome.PROCESSED]
    counts = Message.objects.count(), len(list(tmp_path.iterdir()))
    second = exchange.import_directory(tmp_path, today=timezone.localdate())
    outcomes = sorted(r.outcome for r in second)
    assert outcomes == [exchange.Outcome.DUPLICATE, exchange.Outcome.SKIPPED]  # file + our retour
    assert (Message.objects.count(), len(list(tmp_path.iterdir()))) == counts


def test_import_is_all_or_nothing_per_file(setup, granted, tmp_path, monkeypatch):
    client, indication = granted
    (tmp_path / "start.xml").write_bytes(start_305(client, indication.pk, indication.valid_from))
    before = Message.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("the answer cannot be built")

    monkeypatch.setattr(exchange.importer, "build_retour", broken)
    [result] = exchange.import_directory(tmp_path, today=timezone.localdate())
    # Nothing of the file is applied: its transaction is rolled back. The file itself is
    # recorded as ongeldig (INTERN), so the next run goes on past it instead of stopping.
    indication.refresh_from_db()
    assert indication.started_on is None
    assert result.status == MessageStatus.INVALID
    assert [e["code"] for e in result.errors] == ["INTERN"]
    assert Message.objects.count() == before + 1
    assert not Message.objects.filter(direction=Direction.OUT, message_type="WMO306").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["start.xml"]


def test_files_committed_together_stay_all_or_nothing_each(setup, granted, tmp_path, monkeypatch):
    """A run commits its files in batches; inside a batch each file is still whole or not
    at all, and the same content twice in one batch is recognised."""
    client, indication = granted
    good = start_305(client, indication.pk, indication.valid_from, ident="S1")
    (tmp_path / "a.xml").write_bytes(good)
    (tmp_path / "b.xml").write_bytes(
        start_305(client, indication.pk, indication.valid_from, ident="S2")
    )
    (tmp_path / "c.xml").write_bytes(good)
    real = exchange.importer.build_retour

    def broken_for_b(content, **kwargs):
        if b"S2" in content:
            raise RuntimeError("the answer cannot be built")
        return real(content, **kwargs)

    monkeypatch.setattr(exchange.importer, "build_retour", broken_for_b)
    monkeypatch.setattr(exchange.importer, "BATCH_FILES", 3)
    a, b, c = exchange.import_directory(tmp_path, today=timezone.localdate())
    assert (a.outcome, a.status) == (exchange.Outcome.PROCESSED, MessageStatus.ACCEPTED)
    assert (b.status, [e["code"] for e in b.errors]) == (MessageStatus.INVALID, ["INTERN"])
    assert c.outcome == exchange.Outcome.DUPLICATE
    indication.refresh_from_db()
    assert indication.started_on == indication.valid_from  # a's effect, committed
    inbound = Message.objects.filter(direction=Direction.IN).order_by("filename")
    assert [(m.filename, m.status) for m in inbound] == [
        ("a.xml", MessageStatus.ACCEPTED),
        ("b.xml", MessageStatus.INVALID),
    ]
    [answer] = Message.objects.filter(direction=Direction.OUT, message_type="WMO306")
    assert not answer.awaiting_file
    assert (tmp_path / answer.filename).read_bytes() == answer.content.encode()


def test_a_crash_between_commit_and_answer_file_is_repaired_by_the_next_run(
    setup, granted, tmp_path, monkeypatch
):
    """The answer is recorded with the import's effects; its file follows the commit. When
    the writer fails there (disk full, or the process killed), the next run writes it."""
    client, indication = granted
    (tmp_path / "start.xml").write_bytes(start_305(client, indication.pk, indication.valid_from))
    real_write = exchange.export._write

    def broken_disk(path, content):
        raise OSError("schijf vol")

    monkeypatch.setattr(exchange.export, "_write", broken_disk)
    with pytest.raises(OSError):
        exchange.import_directory(tmp_path, today=timezone.localdate())
    # committed: the start counts, the answer is recorded, no file yet
    indication.refresh_from_db()
    assert indication.started_on == indication.valid_from
    answer = Message.objects.get(direction=Direction.OUT, message_type="WMO306")
    assert answer.awaiting_file and answer.content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["start.xml"]

    monkeypatch.setattr(exchange.export, "_write", real_write)
    results = exchange.import_directory(tmp_path, today=timezone.localdate())
    # the answer was written first, then lies in the folder as our own file
    assert sorted(r.outcome for r in results) == [
        exchange.Outcome.DUPLICATE,
        exchange.Outcome.SKIPPED,
    ]
    answer.refresh_from_db()
    assert not answer.awaiting_file
    written = tmp_path / answer.filename
    assert written.read_bytes() == answer.content.encode()
    assert Message.objects.filter(direction=Direction.OUT, message_type="WMO306").count() == 1
    # once more: nothing new, the file untouched
    exchange.import_directory(tmp_path, today=timezone.localdate())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["start.xml", answer.filename])


def test_recovery_writes_a_file_once_and_accepts_the_identical_file(setup, granted, tmp_path):
    """Killed after the rename but before the mark: the identical file is there already."""
    client, indication = granted
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "start.xml").write_bytes(start_305(client, indication.pk, indication.valid_from))
    (r,) = exchange.import_directory(inbox, today=timezone.localdate())
    answer = Message.objects.get(direction=Direction.OUT, message_type="WMO306")
    Message.objects.filter(pk=answer.pk).update(written_at=None)
    assert exchange.write_recorded() == [r.reply.resolve()]
    answer.refresh_from_db()
    assert answer.written_at is not None
    assert exchange.write_recorded() == []
    # a different file under that name is never written over
    Message.objects.filter(pk=answer.pk).update(written_at=None)
    r.reply.write_bytes(b"<iets anders/>")
    with pytest.raises(exchange.OutboxConflict):
        exchange.write_recorded()
    assert r.reply.read_bytes() == b"<iets anders/>"


def test_answer_file_name_follows_the_received_file_not_a_database_id(setup, granted, tmp_path):
    client, indication = granted
    content = start_305(client, indication.pk, indication.valid_from)
    (tmp_path / "start.xml").write_bytes(content)
    (r,) = exchange.import_directory(tmp_path, today=timezone.localdate())
    sha = hashlib.sha256(content).hexdigest()
    assert r.reply.name == f"WMO306_{ASSEN}_{AGB}_{sha[:16]}.xml"


def test_export_writes_after_the_commit_and_a_crash_there_is_repaired(
    setup, granted, tmp_path, monkeypatch
):
    """A 301 is marked sent and its content recorded in one commit; the file follows. A
    crash before the file leaves it to the next run, with the same name and content."""
    real_write = exchange.export._write

    def broken_disk(path, content):
        raise OSError("schijf vol")

    monkeypatch.setattr(exchange.export, "_write", broken_disk)
    with pytest.raises(OSError):
        export(setup, tmp_path / "uit")
    sent = Message.objects.get(direction=Direction.OUT, message_type="WMO301")
    assert sent.status == MessageStatus.SENT and sent.awaiting_file
    assert list((tmp_path / "uit").iterdir()) == []

    monkeypatch.setattr(exchange.export, "_write", real_write)
    assert export(setup, tmp_path / "uit").written == []  # nothing new to build
    sent.refresh_from_db()
    assert not sent.awaiting_file
    (written,) = (tmp_path / "uit").iterdir()
    assert written.name == sent.filename and written.read_bytes() == sent.content.encode()


def test_export_that_rolls_back_leaves_no_file(setup, granted, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    # The last step inside the transaction: the allocations marked as sent.
    monkeypatch.setattr(exchange.export.Allocation.objects, "filter", broken)
    with pytest.raises(RuntimeError):
        export(setup, tmp_path / "uit")
    assert Message.objects.get(direction=Direction.OUT).status == MessageStatus.PENDING
    assert list((tmp_path / "uit").iterdir()) == []
