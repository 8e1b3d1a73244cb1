"""Files out: the pending WMO301/319 built and written, through the outbox.

Every file bwmo sends goes through an outbox: its content, folder and name are recorded with
the Message in the transaction that made it, and the file is written only after that commit
(a temporary file, fsync, a rename), then marked written. Each run first writes what an
earlier run recorded but could not write (killed, disk full), so no file exists without its
Message and no recorded file is lost or written twice. File names do not depend on database
ids that a rolled-back transaction could hand out again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from bwmo.iwmo import IwmoBuildError, build_wmo301, build_wmo319
from bwmo.iwmo import model as m

from ..models import Allocation, Direction, Message, MessageStatus
from .records import (
    MissingContactError,
    _errors_json,
    _identificatie,
    iwmo_client,
    toegewezen_product,
    xsd_dir,
)


def _filename(message_type: str, sender: str, receiver: str, ident: str) -> str:
    return f"{message_type}_{sender}_{receiver}_{ident}.xml"


def _answer_filename(reply_type: str, sender: str, receiver: str, inbound_sha: str) -> str:
    """An answer is named after the file it answers (one answer per received file), never
    after a database id."""
    return _filename(reply_type, sender, receiver, inbound_sha[:16])


def _write(path: Path, content: bytes) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, flushed to disk,
    then a rename. The caller flushes the folder (``_sync_folder``), once after the last of
    its files, so the renames survive a power cut."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bwmo-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sync_folder(path: Path) -> None:
    try:
        folder = os.open(path, os.O_RDONLY)
    except OSError:  # a platform without directory handles
        return
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


class OutboxConflict(FileExistsError):
    """A different file already has the name of a recorded outbound file."""


def _deliver(message: Message) -> Path:
    """Write a recorded outbound file (after the commit that recorded it) and mark it written.

    Idempotent: the same name with the same content is already done; only the mark is left."""
    return _deliver_all([message])[0]


# Files written at the same time: each waits for the disk (fsync) on its own, and the file
# system flushes files that wait together in one go.
_WRITERS = 8


def _put(target: Path, content: bytes, message: Message) -> Path | None:
    """Write one recorded file unless it is there already; the folder written, or None."""
    try:
        existing = target.read_bytes()
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        _write(target, content)
        return target.parent
    if existing != content:
        raise OutboxConflict(
            f"{target} already exists with other content; message {message.pk} "
            f"({message.message_type}) is not written over it"
        )
    return None


def _attempt(item: tuple[Path, bytes, Message]) -> tuple[Path | None, Exception | None]:
    try:
        return _put(*item), None
    except Exception as error:  # raised by the caller, after the marks
        return None, error


def _deliver_all(messages: Iterable[Message]) -> list[Path]:
    """``_deliver`` for many files at once: the files written and flushed side by side,
    each folder flushed once, then one update marks them all written. Should one of them
    fail, the files that were written are still marked (or the next run's
    ``write_recorded`` does) and the first failure is raised."""
    todo = [(Path(m.folder) / m.filename, m.content.encode(), m) for m in messages]
    written: list[Path] = []
    pks: list[int] = []
    folders: set[Path] = set()
    failure: Exception | None = None
    try:
        if len(todo) > 1:
            with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
                outcomes = list(pool.map(_attempt, todo))
        else:
            outcomes = [_attempt(item) for item in todo]
        for (target, _content, message), (folder, error) in zip(todo, outcomes, strict=True):
            if error is not None:
                failure = failure or error
                continue
            if folder is not None:
                folders.add(folder)
            written.append(target)
            pks.append(message.pk)
    finally:
        for folder in folders:
            _sync_folder(folder)
        if pks:
            Message.objects.filter(pk__in=pks, written_at__isnull=True).update(
                written_at=timezone.now()
            )
    if failure is not None:
        raise failure
    return written


def unwritten_messages():
    """Outbound files recorded for a folder but not written yet (a run was cut off)."""
    return Message.objects.filter(direction=Direction.OUT, written_at__isnull=True).exclude(
        folder=""
    )


def write_recorded() -> list[Path]:
    """Write every outbound file that was recorded but is not on disk yet; each run starts
    with this, so a crash between a commit and its file loses nothing."""
    pending = unwritten_messages().only("pk", "message_type", "folder", "filename", "content")
    return _deliver_all(pending.order_by("pk"))


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Message, list[dict]]] = field(default_factory=list)


def _build_301(message: Message, today: date) -> bytes:
    client = message.client
    if client is None or message.provider_id is None:
        raise ValueError(f"WMO301 message {message.pk} names no client or no provider")
    allocations = list(
        Allocation.objects.select_related("client", "provider").filter(
            client_id=client.pk,
            provider_id=message.provider_id,
            municipality_id=message.municipality_id,
        )
    )
    selected = [
        a
        for a in allocations
        if a.needs_sending
        or ((a.end is None or a.end >= today) and not toegewezen_product(a).verwijderd)
    ]
    return build_wmo301(
        afzender=message.sender,
        ontvanger=message.receiver,
        identificatie=_identificatie(message),
        dagtekening=today,
        client=iwmo_client(client),
        toegewezen_producten=[toegewezen_product(a) for a in selected],
        xsd_dir=xsd_dir(),
    )


def _build_319(message: Message, today: date) -> bytes:
    p = message.payload
    return build_wmo319(
        afzender=message.sender,
        ontvanger=message.receiver,
        identificatie=_identificatie(message),
        dagtekening=today,
        antwoord=m.Antwoord(p["referentie"], p["antwoord"], p.get("reden") or None),
        xsd_dir=xsd_dir(),
    )


def pending_messages(municipality_codes: Iterable[str], *, within=None):
    """The pending outbound messages of these municipalities; with ``within`` (a queryset of
    messages, say those a user may send) only those among them."""
    pending = Message.objects.filter(
        direction=Direction.OUT,
        status=MessageStatus.PENDING,
        municipality_id__in=list(municipality_codes),
    )
    if within is not None:
        pending = pending.filter(pk__in=within.values("pk"))
    return pending.order_by("pk")


def export_pending(
    *,
    municipality_codes: Iterable[str],
    out_dir: Path,
    today: date,
    now: datetime | None = None,
    within=None,
) -> ExportResult:
    """Write every pending WMO301/319 of these municipalities into ``out_dir`` (with
    ``within``, only those among these messages: a user's export sends what they may see).

    Each message is its own transaction; a message that cannot be built (say, a client
    without address or telephone) stays pending with its findings, the others go out. The
    file is written after its transaction commits (the outbox); files an earlier run
    recorded but did not write are written first.
    """
    now = now or timezone.now()
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = str(out_dir.resolve())
    write_recorded()
    result = ExportResult()
    for pk in list(
        pending_messages(municipality_codes, within=within).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            # Lock the row first (PostgreSQL cannot lock the nullable side of the joins).
            locked = Message.objects.select_for_update().filter(pk=pk, status=MessageStatus.PENDING)
            if not locked.exists():
                continue
            message = Message.objects.select_related("client", "provider").get(pk=pk)
            try:
                if message.message_type == "WMO301":
                    content = _build_301(message, today)
                else:
                    content = _build_319(message, today)
            except IwmoBuildError as error:
                findings = _errors_json(error.errors)
            except MissingContactError as error:
                findings = [{"code": "ADRES", "path": "/Bericht/Client", "message": str(error)}]
            else:
                findings = None
            if findings is not None:
                Message.objects.filter(pk=pk).update(errors=findings)
                result.failed.append((message, findings))
                continue
            # The pending message was committed when it was queued: its id (and so its
            # identification and file name) cannot be one a rolled-back run handed out.
            ident = _identificatie(message)
            name = _filename(message.message_type, message.sender, message.receiver, ident)
            message.folder, message.filename, message.content = folder, name, content.decode()
            Message.objects.filter(pk=pk).update(
                status=MessageStatus.SENT,
                identification=ident,
                dated=today,
                filename=name,
                folder=folder,
                content=message.content,
                sha256=hashlib.sha256(content).hexdigest(),
                errors=[],
                processed_at=now,
            )
            if message.message_type == "WMO301":
                # _build_301 refused a WMO301 without client or provider.
                assert message.client_id is not None and message.provider_id is not None
                Allocation.objects.filter(
                    client_id=message.client_id,
                    provider_id=message.provider_id,
                    municipality_id=message.municipality_id,
                    needs_sending=True,
                ).update(needs_sending=False, last_message=message)
        result.written.append(_deliver(message))
    return result


def municipality_codes_of_region(region, day: date) -> list[str]:
    return list(region.memberships.valid_on(day).values_list("municipality_id", flat=True))
