"""The declarations (WMO323) of a folder are checked against state read once per batch and
written together: a later file of the batch sees an earlier one exactly as if it had been
read in on its own, and a file bwmo fails on is rolled back alone."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bwmo.care.models import Indication
from bwmo.messaging import exchange
from bwmo.messaging.models import Declaration, DeclarationLine, Direction, Message, MessageStatus
from tests.factories import RegionSetup, granted_client

from .conftest import month_bounds
from .test_exchange import TARIEF, declaratie_323

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted():
    setup = RegionSetup.create()
    client = granted_client(setup)
    return client, Indication.objects.get(client=client)


def _folder(tmp_path: Path, client, indication) -> tuple[Path, object]:
    """Declarations that depend on each other: the same identification, declaration number,
    care and reference again, and the same file twice."""
    begin = indication.valid_from
    _first, last = month_bounds(begin)
    volume = (last - begin).days + 1
    n, period = indication.pk, (begin, last)
    files = {
        "a.xml": declaratie_323(client, n, period, volume=volume, ident="D1", ref="R1", nr="N1"),
        "b.xml": declaratie_323(client, n, period, volume=volume, ident="D1", ref="R2", nr="N2"),
        "c.xml": declaratie_323(client, n, period, volume=volume, ident="D3", ref="R3", nr="N1"),
        "d.xml": declaratie_323(client, n, period, volume=volume, ident="D4", ref="R4", nr="N4"),
        "e.xml": declaratie_323(
            client, n, period, volume=volume, ident="D5", ref="R1", nr="N5", tarief=TARIEF + 1
        ),
    }
    folder = tmp_path / "in"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    (folder / "f.xml").write_bytes(files["a.xml"])
    return folder, last + timedelta(days=1)


def _summary(results) -> list[tuple]:
    return [
        (r.file.name, r.outcome, r.status, sorted(e["code"] for e in r.errors)) for r in results
    ]


def _state() -> list[tuple]:
    return sorted(
        DeclarationLine.objects.values_list(
            "declaration__message__filename", "reference", "approved", "codes"
        )
    )


def _one_by_one(folder: Path, today) -> tuple[list[tuple], list[tuple]]:
    """Each file on its own (``import_file``), in order; rolled back afterwards."""
    with transaction.atomic():
        results = [
            exchange.import_file(p, today=today) for p in sorted(folder.iterdir()) if p.is_file()
        ]
        state = _state()
        transaction.set_rollback(True)
    return _summary(results), state


def test_a_batch_decides_every_declaration_as_one_by_one_would(granted, tmp_path, caplog):
    client, indication = granted
    folder, today = _folder(tmp_path, client, indication)
    alone = tmp_path / "alone"
    shutil.copytree(folder, alone)
    expected, expected_state = _one_by_one(alone, today)

    results = exchange.import_directory(folder, today=today)

    assert "file by file" not in caplog.text  # decided as a batch, not redone
    assert _summary(results) == expected
    assert _state() == expected_state
    by_name = {r.file.name: r for r in results}
    assert by_name["a.xml"].status == MessageStatus.ACCEPTED
    # each later file meets a.xml: identification, number, care or reference used already
    for name in ("b.xml", "c.xml", "d.xml", "e.xml"):
        assert by_name[name].status != MessageStatus.ACCEPTED, name
        assert by_name[name].errors, name
    assert by_name["f.xml"].outcome == exchange.Outcome.DUPLICATE
    # every answer recorded and written, and named after its own file
    answers = Message.objects.filter(direction=Direction.OUT, message_type="WMO325")
    assert answers.count() == 5 and not answers.filter(written_at__isnull=True).exists()
    for r in results[:5]:
        assert r.reply is not None and r.reply.exists()
        answer = answers.get(reply_to__filename=r.file.name)
        assert r.reply.read_bytes() == answer.content.encode()
        assert answer.identification == f"{answer.reply_to_id:012d}"


def test_a_declaration_bwmo_fails_on_is_rolled_back_alone(granted, tmp_path, monkeypatch, caplog):
    client, indication = granted
    folder, today = _folder(tmp_path, client, indication)
    real = exchange.importer.build_wmo325

    def broken_for_d3(declaratie, **kwargs):
        if declaratie.header.identificatie == "D3":
            raise RuntimeError("the answer cannot be built")
        return real(declaratie, **kwargs)

    monkeypatch.setattr(exchange.importer, "build_wmo325", broken_for_d3)
    results = exchange.import_directory(folder, today=today)

    assert "again file by file (RuntimeError)" in caplog.text
    by_name = {r.file.name: r for r in results}
    assert (by_name["c.xml"].status, [e["code"] for e in by_name["c.xml"].errors]) == (
        MessageStatus.INVALID,
        ["INTERN"],
    )
    assert by_name["a.xml"].status == MessageStatus.ACCEPTED
    assert by_name["f.xml"].outcome == exchange.Outcome.DUPLICATE
    assert not Declaration.objects.filter(message__filename="c.xml").exists()
    assert not Message.objects.filter(direction=Direction.OUT, reply_to__filename="c.xml").exists()
    assert set(Declaration.objects.values_list("message__filename", flat=True)) == {
        "a.xml",
        "b.xml",
        "d.xml",
        "e.xml",
    }


def test_a_batch_of_declarations_reads_its_state_once(granted, tmp_path):
    """The number of queries does not grow with the number of declarations in a batch."""
    client, indication = granted
    begin = indication.valid_from
    _first, last = month_bounds(begin)
    volume = (last - begin).days + 1
    for k in range(12):
        (tmp_path / f"{k:02d}.xml").write_bytes(
            declaratie_323(
                client,
                indication.pk,
                (begin, last),
                volume=volume,
                ident=f"D{k}",
                ref=f"R{k}",
                nr=f"N{k}",
            )
        )
    with CaptureQueriesContext(connection) as queries:
        results = exchange.import_directory(tmp_path, today=last + timedelta(days=1))
    assert [r.outcome for r in results] == [exchange.Outcome.PROCESSED] * 12
    assert Declaration.objects.count() == 12
    # file by file this was some ten queries a file
    assert len(queries) <= 25, [q["sql"][:80] for q in queries]


def _fails_on_d3(contents, xsd_dir, *, today, max_bytes):
    """The worker's parse, failing on the file with identification D3 (module level: the
    worker process finds it by name)."""
    from bwmo.iwmo.validate import validate_declarations

    if any(b">D3<" in c for c in contents):
        raise RuntimeError("the worker cannot parse this")
    return validate_declarations(contents, xsd_dir, today=today, max_bytes=max_bytes)


def _spy_on_submit(monkeypatch) -> list[bool]:
    used: list[bool] = []
    real = exchange.importer._ParseAhead.submit

    def submit(self, reads):
        parsed = real(self, reads)
        used.append(parsed is not None)
        return parsed

    monkeypatch.setattr(exchange.importer._ParseAhead, "submit", submit)
    return used


def test_the_next_batch_parsed_by_a_worker_decides_as_one_by_one_would(
    granted, tmp_path, monkeypatch, caplog
):
    """A folder of several batches: a worker process parses and validates the next batch
    while this one is decided; every file still sees the ones before it, across batches."""
    client, indication = granted
    folder, today = _folder(tmp_path, client, indication)
    alone = tmp_path / "alone"
    shutil.copytree(folder, alone)
    expected, expected_state = _one_by_one(alone, today)
    monkeypatch.setattr(exchange.importer, "BATCH_FILES", 2)  # six files: three batches
    used = _spy_on_submit(monkeypatch)

    results = exchange.import_directory(folder, today=today)

    assert used == [True, True, True]  # every batch parsed by the worker
    assert "file by file" not in caplog.text
    assert _summary(results) == expected
    assert _state() == expected_state


def test_a_worker_failing_on_a_file_leaves_its_batch_to_be_done_file_by_file(
    granted, tmp_path, monkeypatch, caplog
):
    client, indication = granted
    folder, today = _folder(tmp_path, client, indication)
    alone = tmp_path / "alone"
    shutil.copytree(folder, alone)
    expected, expected_state = _one_by_one(alone, today)
    monkeypatch.setattr(exchange.importer, "BATCH_FILES", 2)
    monkeypatch.setattr(exchange.importer, "validate_declarations", _fails_on_d3)
    used = _spy_on_submit(monkeypatch)

    results = exchange.import_directory(folder, today=today)

    assert used == [True, True, True]
    assert "again file by file (RuntimeError)" in caplog.text
    # only the worker failed: the batch done again in this process decides the same
    assert _summary(results) == expected
    assert _state() == expected_state
