"""Kill drill: ``bwmo iwmo import`` killed with SIGKILL at random moments, then run again.

Whatever moment the process dies, the folder and the database must agree afterwards: every
answer file on disk has its Message, every answer Message has exactly one file with the same
content, no received file is recorded twice and every file's effects count exactly once.
"""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from bwmo.care.models import Indication
from bwmo.iwmo import aanbieder
from bwmo.iwmo import model as m
from tests.factories import RegionSetup, granted_client, test_bsn
from tests.killdrill import Drill

from .conftest import XSD_DIR
from .test_exchange import AGB, ASSEN, start_305

pytestmark = [pytest.mark.drill, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

KILLS = 10
SEED = 20261201
STARTS = 6  # 305s for granted clients
REQUESTS = 60  # 315s for people not yet in bwmo, at first
BATCH = 40  # more 315s whenever the folder is done, so every kill meets work
ANSWER_PREFIXES = ("WMO306_", "WMO316_")
INBOUND = "SELECT COUNT(*) FROM messaging_message WHERE direction = 'in'"


def _request_315(n: int) -> bytes:
    day = timezone.localdate()
    return aanbieder.build_wmo315(
        afzender=AGB,
        ontvanger=ASSEN,
        identificatie=f"VD{n:05d}",
        dagtekening=day,
        client=m.ClientBasis(
            bsn=test_bsn(),
            geboortedatum=m.Geboortedatum(day.replace(year=day.year - 40)),
            geslacht="2",
            naam=m.Naam(m.Achternaam("Drilpersoon"), voornamen="Els"),
        ),
        aangevraagde_producten=[
            m.AangevraagdProduct(
                referentie_aanbieder=f"DRIL{n:05d}",
                toewijzing_ingangsdatum=day + timedelta(days=7),
                toewijzing_einddatum=day + timedelta(days=300),
                verwijzer=m.Verwijzer("01", naam="Huisarts"),
                product=m.Product("15", "BW001"),
                omvang=m.Omvang(7, "14", "2"),
            )
        ],
        xsd_dir=XSD_DIR,
    )


def _inbox(tmp_path: Path) -> Path:
    setup = RegionSetup.create()
    inbox = tmp_path / "in"
    inbox.mkdir()
    for i in range(STARTS):
        client = granted_client(setup)
        indication = Indication.objects.get(client=client)
        content = start_305(client, indication.pk, indication.valid_from, ident=f"SD{i:05d}")
        (inbox / f"start_{i:03d}.xml").write_bytes(content)
    _add_requests(inbox, REQUESTS)
    return inbox


def _add_requests(inbox: Path, count: int) -> None:
    first = len(list(inbox.glob("verzoek_*.xml")))
    for n in range(first, first + count):
        (inbox / f"verzoek_{n:04d}.xml").write_bytes(_request_315(n))


def _check(drill: Drill, inbox: Path, files: dict[str, bytes]) -> dict[str, int]:
    """The folder and the database agree; returns the figures."""
    folder = str(inbox.resolve())
    on_disk = {
        p.name: p.read_bytes()
        for p in inbox.iterdir()
        if p.is_file() and p.name.startswith(ANSWER_PREFIXES)
    }
    answers = drill.rows(
        "SELECT a.filename, a.content, a.folder, a.written_at, i.sha256 "
        "FROM messaging_message a JOIN messaging_message i ON a.reply_to_id = i.id "
        "WHERE a.direction = 'uit'"
    )
    by_name = {}
    for name, content, answer_folder, written_at, inbound_sha in answers:
        assert name not in by_name, f"two answers share the name {name}"
        assert answer_folder == folder
        assert written_at is not None, f"{name} recorded, never written"
        assert name.endswith(f"_{inbound_sha[:16]}.xml")  # named after what it answers
        by_name[name] = content.encode()
    orphans = sorted(set(on_disk) - set(by_name))
    assert not orphans, f"answer files without a Message: {orphans}"
    missing = sorted(set(by_name) - set(on_disk))
    assert not missing, f"answers recorded but not in the folder: {missing}"
    differing = sorted(n for n in by_name if by_name[n] != on_disk[n])
    assert not differing, f"answer files that differ from their Message: {differing}"

    inbound = drill.rows("SELECT sha256, id FROM messaging_message WHERE direction = 'in'")
    shas = [sha for sha, _ in inbound]
    assert len(shas) == len(set(shas)), "a received file recorded twice"
    assert sorted(shas) == sorted(hashlib.sha256(c).hexdigest() for c in files.values())
    assert len(by_name) == len(files)  # one answer per received file

    requests = drill.rows("SELECT message_id, COUNT(*) FROM messaging_allocationrequest GROUP BY 1")
    assert len(requests) == len(files) - STARTS and all(n == 1 for _, n in requests)
    starts = drill.rows(
        "SELECT message_id, COUNT(*) FROM messaging_deliveryevent WHERE kind = 'start' GROUP BY 1"
    )
    assert len(starts) == STARTS and all(n == 1 for _, n in starts)
    started = drill.value("SELECT COUNT(*) FROM care_indication WHERE started_on IS NOT NULL")
    assert started == STARTS
    temporary = len(list(inbox.glob(".bwmo-*.tmp")))
    return {"answers": len(by_name), "orphans": len(orphans), "temporary_files_left": temporary}


def test_import_killed_at_random_moments_leaves_folder_and_database_in_agreement(tmp_path):
    inbox = _inbox(tmp_path)
    drill = Drill.on_test_database(tmp_path)
    rng = random.Random(SEED)
    per_file = 0.015  # seconds; corrected from what each killed run got done
    progress, moments, tries = [], [], 0
    while drill.kills < KILLS and tries < 2 * KILLS:
        tries += 1
        files = len(list(inbox.glob("[sv]*.xml")))
        done = drill.value(INBOUND)
        if done == files:
            _add_requests(inbox, BATCH)
            files += BATCH
        # once the run has committed its first file: a moment up to the end of (a part of)
        # what is left
        moment = rng.uniform(0, min(files - done, BATCH) * per_file)
        moments.append(round(moment, 3))
        killed = (
            drill.run(
                "iwmo",
                "import",
                str(inbox),
                kill_after=moment,
                started=lambda done=done: drill.value(INBOUND) > done,
            )
            is None
        )
        after = drill.value(INBOUND)
        if killed:
            progress.append(after - done)
            if after - done > 1:
                per_file = max(moment / (after - done - 1), 0.002)
        recorded = {n for (n,) in drill.rows("SELECT filename FROM messaging_message")}
        orphans = {p.name for p in inbox.iterdir() if p.name.startswith(ANSWER_PREFIXES)}
        orphans -= recorded
        assert not orphans, f"after a kill: answer files without a Message {orphans}"
    # then run until done (a run that is not killed finishes the folder)
    assert drill.run("iwmo", "import", str(inbox)) in (0, 1)
    files = {p.name: p.read_bytes() for p in inbox.glob("[sv]*.xml")}
    figures = _check(drill, inbox, files)
    mid_run = sum(1 for n in progress if n)
    print(
        f"\nkill drill iwmo import on {drill.vendor}: {len(files)} files, {tries} tries, "
        f"{drill.kills} kills ({mid_run} with files processed in that run: {progress}), "
        f"{drill.runs} runs, {drill.seconds:.1f} s; killed {moments} s after the run's first "
        f"commit; {figures}"
    )
    assert drill.kills == KILLS
    assert mid_run >= KILLS // 2  # the kills did land while it worked
