"""Files in: the import loop, the file bookkeeping, and the recording of files that cannot
be used.

Import is all-or-nothing per file: a file is validated (XSD, then the standard's in-message
rules, then the rules that need bwmo's state), its effects are applied and its answer (a
retour message or a WMO325) is recorded in one database transaction (a savepoint of its own
when a folder's files are committed in batches). A file is recognised by
its SHA-256: the same file twice is reported and not processed again.

The import runs as a system process, not for a user: it matches a message's BSN to a client
to link the message, and shows nothing, so it writes no access-log entries. Who later looks
at a message or request in the screens is logged there.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bwmo.clients.models import Client
from bwmo.core.workers import forked_helpers
from bwmo.iwmo import build_retour, build_wmo325, validate_root
from bwmo.iwmo import model as m
from bwmo.iwmo._xml import (
    MAX_BYTES,
    XmlSyntaxError,
    declaratie_client_path,
    item_path,
    message_type_of,
    parse_xml,
    prestatie_path,
)
from bwmo.iwmo.validate import ValidationResult, validate_declarations, xml_error
from bwmo.organisations.models import Municipality, Provider

from ..models import Allocation, Declaration, DeclarationLine, Direction, Message, MessageStatus
from . import rows
from .checks import CrossChecks
from .effects import Effects
from .export import _answer_filename, _deliver_all, write_recorded
from .lookups import BatchLookups, DatabaseLookups
from .records import _bsn_of, _errors_json, _identificatie, xsd_dir

logger = logging.getLogger(__name__)

INBOUND = frozenset({"WMO305", "WMO307", "WMO315", "WMO317", "WMO323"})
# What a municipality itself sends: lying next to inbound files, these are skipped.
OUTBOUND = frozenset(m.BERICHTCODES) - INBOUND


class Outcome:
    PROCESSED = "verwerkt"
    DUPLICATE = "al verwerkt"
    SKIPPED = "overgeslagen"
    UNREADABLE = "onleesbaar"


@dataclass
class FileResult:
    file: Path
    outcome: str
    message_type: str | None = None
    status: str | None = None
    reply: Path | None = None
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "file": str(self.file),
            "message": self.message_type,
            "outcome": self.outcome,
            "status": self.status,
            "reply": str(self.reply) if self.reply else None,
            "errors": [{k: e[k] for k in ("code", "path", "message")} for e in self.errors],
        }


# Files per database commit in a directory import. Each file is still all or nothing (its
# own savepoint); a commit, which waits for the disk, is shared by the files of a batch.
BATCH_FILES = 100


def import_directory(
    directory: Path, *, today: date, now: datetime | None = None
) -> list[FileResult]:
    """Every ``.xml`` file in the folder, one by one: a file that cannot be used is recorded
    as *ongeldig* with its finding, and the run goes on with the next. Answers an earlier run
    recorded but did not write (killed after its commit) are written first.

    The files are committed in batches (``BATCH_FILES``) and the answers of a batch are
    written after its commit. A run killed halfway loses at most its last, uncommitted
    batch, which the next run reads in again: nothing of a file is ever half applied.

    The declarations (WMO323) of a batch are checked against state read once for the batch
    and written together (``_import_batch``). Should bwmo fail on any file of the batch, the
    batch is rolled back whole and done again file by file, each file in a savepoint of its
    own (``_import_files``): that file alone is then recorded as *ongeldig* (INTERN), the
    others land as they would have."""
    write_recorded()
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() == ".xml")
    batches = [files[first : first + BATCH_FILES] for first in range(0, len(files), BATCH_FILES)]
    with _parse_ahead(len(batches), today=today) as ahead:
        return _import_batches(batches, ahead, today=today, now=now)


def _import_batches(
    batches: list[list[Path]], ahead: _ParseAhead, *, today: date, now: datetime | None
) -> list[FileResult]:
    cache: dict = {}  # reference data that does not change during one run
    results: list[FileResult] = []
    following = _read_batch(batches[0]) if batches else {}
    parsing = ahead.submit(following)
    for number, batch in enumerate(batches):
        reads, parsed = following, parsing
        if number + 1 < len(batches):
            # The next batch is read and parsed (by a worker) while this one is imported.
            following = _read_batch(batches[number + 1])
            parsing = ahead.submit(following)
        answers: list[Message] = []
        try:
            with transaction.atomic():
                done = _import_batch(
                    batch,
                    reads,
                    today=today,
                    now=now,
                    cache=cache,
                    answers=answers,
                    parsed=parsed,
                )
        except Exception as error:
            logger.warning(
                "iWmo import: batch from %s again file by file (%s)",
                batch[0].name,
                type(error).__name__,
            )
            answers = []
            with transaction.atomic():
                done = _import_files(
                    batch, reads, today=today, now=now, cache=cache, answers=answers
                )
        results += done
        _deliver_all(answers)  # committed: now the answers' files
    return results


def _read_batch(batch: list[Path]) -> dict[Path, tuple[bytes, str, bool]]:
    reads: dict[Path, tuple[bytes, str, bool]] = {}
    for path in batch:
        with contextlib.suppress(OSError):  # unreadable: reported by the file's import
            reads[path] = _read(path)
    return reads


# Parsed declarations of a batch, once the worker has them: path → result (None: not a
# readable, XSD-valid WMO323).
_Parsed = Callable[[], dict[Path, ValidationResult | None]]


class _ParseAhead:
    """Parsing and validating the declarations of the next batch in a worker process while
    the importer checks and writes the current one (``BWMO_IWMO_PARSE_WORKERS``, default 1;
    0: everything in this process). Only for a folder of more than one batch: a worker is
    not worth starting for a few files. The worker only reads bytes and returns what
    ``validate_root`` returns (plain Python): every decision and every write stays here,
    in the order of the files. Should the worker fail on a file, so does the batch, which is
    then done again file by file in this process."""

    def __init__(self, pool: ProcessPoolExecutor | None, today: date) -> None:
        self.pool, self.today = pool, today

    def submit(self, reads: dict[Path, tuple[bytes, str, bool]]) -> _Parsed | None:
        if self.pool is None:
            return None
        paths = [path for path, (_c, _s, too_big) in reads.items() if not too_big]
        future = self.pool.submit(
            validate_declarations,
            [reads[path][0] for path in paths],
            str(xsd_dir()),
            today=self.today,
            max_bytes=max_file_bytes(),
        )
        return lambda: dict(zip(paths, future.result(), strict=True))


@contextlib.contextmanager
def _parse_ahead(batches: int, *, today: date) -> Iterator[_ParseAhead]:
    workers = int(getattr(settings, "BWMO_IWMO_PARSE_WORKERS", 1))
    # Forked (``bwmo.core.workers``): the helper has the compiled schemas already.
    with forked_helpers(workers if batches >= 2 else 0) as pool:
        yield _ParseAhead(pool, today)


def _recorded(reads: dict[Path, tuple[bytes, str, bool]]) -> set[str]:
    """Which of the batch's files were read in before: one query for the batch."""
    return set(
        Message.objects.filter(
            direction=Direction.IN, sha256__in=[sha for _c, sha, _b in reads.values()]
        ).values_list("sha256", flat=True)
    )


def _import_files(
    batch: list[Path],
    reads: dict[Path, tuple[bytes, str, bool]],
    *,
    today: date,
    now: datetime | None,
    cache: dict,
    answers: list[Message],
) -> list[FileResult]:
    """The batch file by file, each in a savepoint of its own (in the caller's transaction)."""
    recorded = _recorded(reads)
    results = []
    for path in batch:
        read = reads.get(path)
        result = _import_one(
            path,
            today=today,
            now=now,
            cache=cache,
            answers=answers,
            read=read,
            recorded=recorded if read else None,
        )
        if read and result.outcome == Outcome.PROCESSED:
            recorded.add(read[1])  # the same content later in the batch: a duplicate
        results.append(result)
    return results


def _declaration_import(
    path: Path,
    read: tuple[bytes, str, bool] | None,
    *,
    today: date,
    now: datetime | None,
    cache: dict,
    lookups: BatchLookups,
    parsed: dict[Path, ValidationResult | None] | None = None,
) -> _Import | None:
    """The import of a file that is an XSD-valid declaration (WMO323) from a known provider
    to a known municipality, ready to be checked against the batch's state; None for any
    other file (which takes the path of a single file). ``parsed``: the batch's files
    parsed and validated already (by the worker)."""
    if read is None or read[2]:
        return None
    content, sha, _too_big = read
    if parsed is not None and path in parsed:
        result = parsed[path]
    else:
        [result] = validate_declarations(
            [content], xsd_dir(), today=today, max_bytes=max_file_bytes()
        )
    if result is None or result.bericht is None:
        return None
    run = _Import(
        path,
        content,
        sha,
        result.bericht,
        list(result.errors),
        today,
        now or timezone.now(),
        cache,
        lookups,
    )
    if run.provider is None or run.municipality is None:
        return None
    return run


def _import_batch(
    batch: list[Path],
    reads: dict[Path, tuple[bytes, str, bool]],
    *,
    today: date,
    now: datetime | None,
    cache: dict,
    answers: list[Message],
    parsed: _Parsed | None = None,
) -> list[FileResult]:
    """``_import_files`` with the declarations checked against state read once for the
    batch (kept current file by file) and written together; any other file is imported as
    a single file, after what came before it is written, so the order of the files holds."""
    recorded = _recorded(reads)
    lookups = BatchLookups()
    done = parsed() if parsed is not None else None
    runs = {
        path: run
        for path in batch
        if (
            run := _declaration_import(
                path,
                reads.get(path),
                today=today,
                now=now,
                cache=cache,
                lookups=lookups,
                parsed=done,
            )
        )
        is not None
    }
    stale = True  # the batch's state is to be read (again) before the next declaration
    pending: list[_Pending] = []
    results: list[FileResult] = []
    for index, path in enumerate(batch):
        read, run = reads.get(path), runs.get(path)
        if read is not None and read[1] in recorded:
            results.append(FileResult(path, Outcome.DUPLICATE))
            continue
        if run is None:
            _write_pending(pending, answers)
            result = _import_one(
                path,
                today=today,
                now=now,
                cache=cache,
                answers=answers,
                read=read,
                recorded=recorded if read else None,
            )
            if read and result.outcome == Outcome.PROCESSED:
                recorded.add(read[1])
                stale = True  # it wrote something a later declaration may depend on
            results.append(result)
            continue
        if stale:
            _prefetch(lookups, [r for p in batch[index:] if (r := runs.get(p)) is not None])
            stale = False
        done = run.prepare()
        pending.append(done)
        recorded.add(run.sha)
        results.append(done.result)
    _write_pending(pending, answers)
    return results


def _prefetch(lookups: BatchLookups, runs: list[_Import]) -> None:
    """Read what the declarations of ``runs`` can ask, once."""
    numbers: set[int] = set()
    references: set[str] = set()
    bsns: set[str] = set()
    identifications: set[tuple[str, str]] = set()
    declarations: set[tuple[int, str, str]] = set()
    for run in runs:
        header, declaratie = run.bericht.header, run.bericht.declaratie
        assert run.provider is not None and run.municipality is not None  # see above
        identifications.add((header.afzender, header.identificatie))
        declarations.add((run.provider.pk, run.municipality.pk, declaratie.declaratie_nummer))
        for client in declaratie.clienten:
            bsns.add(client.bsn)
            for p in client.prestaties:
                if p.toewijzing_nummer is not None:
                    numbers.add(p.toewijzing_nummer)
                references.add(p.referentie_nummer)
                if p.vorig_referentie_nummer:
                    references.add(p.vorig_referentie_nummer)
    lookups.prefetch(
        message_type="WMO323",
        identifications=identifications,
        numbers=numbers,
        references=references,
        declarations=declarations,
        bsns=bsns,
    )


@dataclass
class _Pending:
    """A declaration checked and decided, to be written with the others of its batch."""

    run: _Import
    declaration: Declaration
    lines: list[DeclarationLine]
    returned: list[m.IwmoError]  # the findings its WMO325 returns
    result: FileResult


def _write_pending(pending: list[_Pending], answers: list[Message]) -> None:
    """Write the checked declarations: their messages, declarations and lines, then their
    answers (which carry the message's number), each kind with one statement (`rows.insert`:
    COPY on PostgreSQL)."""
    if not pending:
        return
    rows.insert([p.run.message for p in pending])
    if any(p.run.message.pk is None for p in pending):
        raise RuntimeError("the database did not return the new messages' keys")
    for p in pending:
        p.declaration.message = p.run.message
    rows.insert([p.declaration for p in pending])
    lines = []
    for p in pending:
        for line in p.lines:
            line.declaration = p.declaration
        lines += p.lines
    rows.insert(lines)
    replies = []
    for p in pending:
        p.run.answer = p.run._answer(p.returned)
        replies.append(p.run.answer)
    rows.insert(replies)
    answers += replies
    pending.clear()


def max_file_bytes() -> int:
    return int(getattr(settings, "BWMO_IWMO_MAX_FILE_BYTES", MAX_BYTES))


def _read(path: Path) -> tuple[bytes, str, bool]:
    """The file's content (empty when it is over the size limit), its SHA-256, and whether
    it is over the limit: a file that big is hashed in pieces and never held in memory."""
    limit = max_file_bytes()
    if path.stat().st_size <= limit:
        content = path.read_bytes()
        if len(content) <= limit:
            return content, hashlib.sha256(content).hexdigest(), False
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return b"", digest.hexdigest(), True


def _header_codes(content: bytes) -> tuple[str, str]:
    """Afzender and Ontvanger of a message the XSD rejects, when its Header has them: so the
    municipality and provider concerned see it in their list."""
    try:
        root = parse_xml(content, max_bytes=max_file_bytes())
    except XmlSyntaxError:
        return "", ""
    found = {}
    for name in ("Afzender", "Ontvanger"):
        el = root.find(f"{{*}}Header/{{*}}{name}")
        found[name] = (el.text or "").strip()[:8] if el is not None else ""
    return found["Afzender"], found["Ontvanger"]


def _record_invalid(path, content, sha, message_type, errors, now, uploaded_by) -> FileResult:
    errors = _errors_json(errors)
    sender, receiver = _header_codes(content)
    Message.objects.create(
        direction=Direction.IN,
        message_type=message_type or "onbekend",
        status=MessageStatus.INVALID,
        municipality=Municipality.objects.filter(code=f"GM{receiver}").first()
        if receiver
        else None,
        provider=Provider.objects.filter(agb_code=sender).first() if sender else None,
        sender=sender,
        receiver=receiver,
        filename=path.name,
        sha256=sha,
        # As far as it is text: PostgreSQL stores no NUL character.
        content=content.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
        errors=errors,
        processed_at=now,
        created_at=now,
        uploaded_by=uploaded_by,
    )
    return FileResult(path, Outcome.PROCESSED, message_type, MessageStatus.INVALID, None, errors)


def import_file(
    path: Path,
    *,
    today: date,
    now: datetime | None = None,
    cache: dict | None = None,
    uploaded_by=None,
) -> FileResult:
    """Process one inbound file. ``uploaded_by``: the user who read it in through the screens
    (who then sees it even when it names no municipality).

    Whatever is wrong with the file, it is recorded (as *ongeldig* with a finding when it
    cannot be used), so that the next import goes on past it. Should bwmo itself fail on a
    file, its transaction is rolled back (nothing of it applied) and the file is recorded
    as *ongeldig* with the finding INTERN; the log names the file and the kind of error
    only, never its content.
    """
    answers: list[Message] = []
    with transaction.atomic():
        result = _import_one(
            path, today=today, now=now, cache=cache, uploaded_by=uploaded_by, answers=answers
        )
    _deliver_all(answers)  # committed: now the answer's file
    return result


def _import_one(
    path: Path,
    *,
    today: date,
    now: datetime | None,
    cache: dict | None,
    answers: list[Message],
    uploaded_by=None,
    read: tuple[bytes, str, bool] | None = None,
    recorded: set[str] | None = None,
) -> FileResult:
    """``import_file`` inside the caller's transaction; the answer to write after its
    commit is added to ``answers``. ``read``: the file as ``_read`` gave it, when the caller
    read it already; ``recorded``: the hashes of the files already read in, when the caller
    looked them up (otherwise the database is asked)."""
    now = now or timezone.now()
    try:
        return _import_file(
            path,
            today=today,
            now=now,
            cache=cache,
            uploaded_by=uploaded_by,
            answers=answers,
            read=read,
            recorded=recorded,
        )
    except OSError:
        raise
    except Exception as error:
        logger.error("iWmo import failed on %s: %s", path.name, type(error).__name__)
        content, sha, too_big = _read(path)
        if Message.objects.filter(direction=Direction.IN, sha256=sha).exists():
            raise
        finding = m.IwmoError(
            "INTERN",
            "/",
            "bwmo kon dit bestand niet verwerken door een fout in bwmo zelf; er is niets van "
            "toegepast. Meld het aan de beheerder.",
        )
        with transaction.atomic():
            return _record_invalid(
                path, b"" if too_big else content, sha, None, [finding], now, uploaded_by
            )


def _import_file(
    path: Path,
    *,
    today: date,
    now: datetime,
    cache,
    uploaded_by,
    answers: list[Message],
    read: tuple[bytes, str, bool] | None = None,
    recorded: set[str] | None = None,
) -> FileResult:
    try:
        content, sha, too_big = read if read is not None else _read(path)
    except OSError as error:
        # Not readable (permissions, removed meanwhile): nothing to record it by.
        finding = f"Het bestand kan niet worden gelezen ({error.strerror or 'onbekend'})."
        return FileResult(
            path, Outcome.UNREADABLE, errors=[{"code": "BESTAND", "path": "/", "message": finding}]
        )
    if (
        sha in recorded
        if recorded is not None
        else Message.objects.filter(direction=Direction.IN, sha256=sha).exists()
    ):
        return FileResult(path, Outcome.DUPLICATE)
    try:
        if too_big:
            raise XmlSyntaxError(
                f"Het bestand is groter dan {max_file_bytes():,} bytes, de grens voor één "
                "iWmo-bestand.".replace(",", "."),
                code="SIZE",
            )
        root = parse_xml(content, max_bytes=max_file_bytes())
        message_type = message_type_of(root)
    except XmlSyntaxError as error:
        try:
            with transaction.atomic():
                return _record_invalid(
                    path, content, sha, None, [xml_error(error)], now, uploaded_by
                )
        except IntegrityError:
            if Message.objects.filter(direction=Direction.IN, sha256=sha).exists():
                return FileResult(path, Outcome.DUPLICATE)
            raise
    if message_type in OUTBOUND:
        return FileResult(path, Outcome.SKIPPED, message_type)
    if message_type not in INBOUND:
        with transaction.atomic():
            return _record_invalid(
                path,
                content,
                sha,
                None,
                [
                    m.IwmoError(
                        "BERICHT", "/Bericht", "Geen iWmo 3.2-bericht dat een gemeente ontvangt."
                    )
                ],
                now,
                uploaded_by,
            )
    result = validate_root(root, xsd_dir(), today=today)
    try:
        with transaction.atomic():
            if result.bericht is None:
                return _record_invalid(
                    path, content, sha, message_type, result.errors, now, uploaded_by
                )
            run = _Import(
                path, content, sha, result.bericht, list(result.errors), today, now, cache
            )
            outcome = run.run(uploaded_by=uploaded_by)
    except IntegrityError:
        # The same file, read in at the same moment by another process, got there first.
        if Message.objects.filter(direction=Direction.IN, sha256=sha).exists():
            return FileResult(path, Outcome.DUPLICATE)
        raise
    if run.answer is not None:  # written once the transaction commits
        answers.append(run.answer)
    return outcome


class _Import(CrossChecks, Effects):
    """One valid-by-XSD message: cross-checks, effects, answer; inside one transaction."""

    def __init__(
        self, path, content, sha, bericht, errors, today, now, cache=None, lookups=None
    ) -> None:
        self.path, self.content, self.sha = path, content, sha
        self.bericht, self.errors, self.today, self.now = bericht, errors, today, now
        self.cache = {} if cache is None else cache
        self.lookups = DatabaseLookups() if lookups is None else lookups
        header = bericht.header
        self.message_type = header.message_type
        self.municipality = self._cached(
            ("gemeente", header.ontvanger),
            lambda: Municipality.objects.filter(code=f"GM{header.ontvanger}").first(),
        )
        self.provider = self._cached(
            ("aanbieder", header.afzender),
            lambda: Provider.objects.filter(agb_code=header.afzender).first(),
        )
        self._allocation_cache: dict[int, Allocation] = {}
        self.answer: Message | None = None  # recorded here, written after the commit

    # -- which parts a finding blocks

    def _blocked(self, item: str, group: str | None = None) -> bool:
        """Does a finding block this item (a product or Prestatie path)? Findings inside the
        item, in its group (the declaration's client) outside any item, or outside every
        group block it; so does an in-message rule broken (0001)."""
        if self._technical:
            return True
        for e in self.errors:
            p = e.path
            if p == item or p.startswith(item + "/"):
                return True
            inside_item = any(p == i or p.startswith(i + "/") for i in self._items)
            if inside_item:
                continue
            if group is None or p == group or p.startswith(group + "/"):
                return True
            if not any(p == g or p.startswith(g + "/") for g in self._groups):
                return True
        return False

    # -- the run

    def run(self, *, uploaded_by=None) -> FileResult:
        # An in-message rule with retourcode 0001 (controleniveau 2) rejects the whole message
        # (IV028): nothing of it is applied. The others (TR135, TR319, TR346 carry their own
        # retourcode) leave the cross-checks to run, so no other item is approved unchecked.
        self._technical = any(e.retourcode == m.RETOURCODE_TECHNISCH for e in self.errors)
        if not self._technical:
            self.errors += self._crosscheck()
        client = self._client()
        self.message = self._inbound(client, uploaded_by)
        self.message.save(force_insert=True)
        self._items, self._groups = _item_paths(self.bericht)
        applied = 0
        if self.provider is not None and self.municipality is not None:
            applied = self._apply(client)
        else:
            who = "afzender (AGB-code)" if self.provider is None else "ontvanger (gemeentecode)"
            self.errors.append(
                m.IwmoError(
                    "ONBEKEND",
                    "/Bericht/Header",
                    f"De {who} is in bwmo niet bekend; het bericht is niet verwerkt.",
                )
            )
        if not self.errors:
            status = MessageStatus.ACCEPTED
        elif applied:
            status = MessageStatus.PARTIAL
        else:
            status = MessageStatus.REJECTED
        reply_path = None
        self.retour_codes: list[str] = []
        if self.provider is not None:
            reply_path = self._reply()
        Message.objects.filter(pk=self.message.pk).update(
            status=status, errors=_errors_json(self.errors), retour_codes=self.retour_codes
        )
        return FileResult(
            self.path,
            Outcome.PROCESSED,
            self.message_type,
            status,
            reply_path,
            _errors_json(self.errors),
        )

    def prepare(self) -> _Pending:
        """``run`` for a declaration from a known provider to a known municipality, without
        writing anything: the batch writes it (``_write_pending``) with the others."""
        header = self.bericht.header
        assert self.provider is not None and self.municipality is not None  # see the batch
        self._technical = any(e.retourcode == m.RETOURCODE_TECHNISCH for e in self.errors)
        if not self._technical:
            self.errors += self._crosscheck()
        self.message = self._inbound(self._client(), None)
        self._items, self._groups = _item_paths(self.bericht)
        declaration, lines = self._declaration_rows(self.bericht, self.message)
        applied = sum(1 for line in lines if line.approved)
        if not self.errors:
            status = MessageStatus.ACCEPTED
        elif applied:
            status = MessageStatus.PARTIAL
        else:
            status = MessageStatus.REJECTED
        returned = self._returned()
        errors = _errors_json(self.errors)
        self.message.status, self.message.errors = status, errors
        self.message.retour_codes = self.retour_codes
        assert isinstance(self.lookups, BatchLookups)  # a batch's state, kept current here
        self.lookups.record(
            message_type=self.message_type,
            sender=header.afzender,
            identification=header.identificatie,
            declaration=declaration,
            lines=lines,
        )
        name = _answer_filename("WMO325", header.ontvanger, header.afzender, self.sha)
        result = FileResult(
            self.path, Outcome.PROCESSED, self.message_type, status, self.path.parent / name, errors
        )
        return _Pending(self, declaration, lines, returned, result)

    def _client(self) -> Client | None:
        bsn = _bsn_of(self.bericht)
        return self.lookups.clients_by_bsn([bsn]).get(bsn) if bsn else None

    def _inbound(self, client: Client | None, uploaded_by) -> Message:
        """The received message as it is recorded (not written yet); rejected until its
        outcome is known."""
        header = self.bericht.header
        return Message(
            direction=Direction.IN,
            message_type=self.message_type,
            status=MessageStatus.REJECTED,
            municipality=self.municipality,
            provider=self.provider,
            client=client,
            sender=header.afzender,
            receiver=header.ontvanger,
            identification=header.identificatie,
            dated=header.dagtekening,
            filename=self.path.name,
            sha256=self.sha,
            content=self.content.decode(),
            processed_at=self.now,
            created_at=self.now,
            uploaded_by=uploaded_by,
        )

    def _returned(self) -> list[m.IwmoError]:
        """The findings the answer returns, and ``retour_codes`` set from them. Findings
        without a retourcode (bwmo's own, such as an unknown receiver) are not the
        standard's; they stay on the message and in the screens."""
        errors = [e for e in self.errors if e.retourcode]
        self.retour_codes = sorted({e.retourcode for e in errors if e.retourcode}) or [
            m.RETOURCODE_GOED
        ]
        return errors

    def _reply(self) -> Path | None:
        """The retour message or WMO325, recorded to be written next to the inbound file once
        the transaction commits."""
        self.answer = self._answer(self._returned())
        self.answer.save(force_insert=True)
        return self.path.parent / self.answer.filename

    def _answer(self, errors: list[m.IwmoError]) -> Message:
        """The answer to the recorded inbound message (not written yet)."""
        reply_type = "WMO325" if self.message_type == "WMO323" else m.RETOUR_VOOR[self.message_type]
        # One answer per received message: its identification is the received message's
        # number, so the answer is written with a single insert.
        ident = _identificatie(self.message)
        if reply_type == "WMO325":
            content = build_wmo325(
                self.bericht,
                identificatie=ident,
                dagtekening=self.today,
                errors=errors,
                xsd_dir=xsd_dir(),
            )
        else:
            content = build_retour(
                self.content,
                identificatie=ident,
                dagtekening=self.today,
                errors=errors,
                xsd_dir=xsd_dir(),
            )
        sender, receiver = self.bericht.header.ontvanger, self.bericht.header.afzender
        name = _answer_filename(reply_type, sender, receiver, self.sha)
        return Message(
            direction=Direction.OUT,
            message_type=reply_type,
            status=MessageStatus.SENT,
            municipality=self.municipality,
            provider=self.provider,
            client=self.message.client,
            sender=sender,
            receiver=receiver,
            reply_to=self.message,
            identification=ident,
            dated=self.today,
            filename=name,
            folder=str(self.path.parent.resolve()),
            content=content.decode(),
            sha256=hashlib.sha256(content).hexdigest(),
            retour_codes=self.retour_codes,
            processed_at=self.now,
            created_at=self.now,
        )


def _item_paths(b) -> tuple[list[str], list[str]]:
    """The paths of the items a finding can reject one by one, and of their groups."""
    match b:
        case m.Startbericht():
            n = len(b.start_producten)
            return [item_path("StartProducten", "StartProduct", i, n) for i in range(n)], []
        case m.Stopbericht():
            n = len(b.stop_producten)
            return [item_path("StopProducten", "StopProduct", i, n) for i in range(n)], []
        case m.VerzoekOmToewijzingbericht():
            n = len(b.aangevraagde_producten)
            return [
                item_path("AangevraagdeProducten", "AangevraagdProduct", i, n) for i in range(n)
            ], []
        case m.Declaratiebericht():
            clienten = b.declaratie.clienten
            nc = len(clienten)
            items = [
                prestatie_path(ci, nc, pi, len(c.prestaties))
                for ci, c in enumerate(clienten)
                for pi in range(len(c.prestaties))
            ]
            return items, [declaratie_client_path(ci, nc) for ci in range(nc)]
    return [], []
