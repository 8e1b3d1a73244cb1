"""Files in and out: export the queued WMO301/319, import what providers send.

Import is all-or-nothing per file: a file is validated (XSD, then the standard's in-message
rules, then the rules that need bwmo's state), its effects are applied and its answer (a
retour message or a WMO325) is recorded in one database transaction. A file is recognised by
its SHA-256: the same file twice is reported and not processed again.

Every file bwmo sends goes through an outbox: its content, folder and name are recorded with
the Message in the transaction that made it, and the file is written only after that commit
(a temporary file, fsync, a rename), then marked written. Each run first writes what an
earlier run recorded but could not write (killed, disk full), so no file exists without its
Message and no recorded file is lost or written twice. File names do not depend on database
ids that a rolled-back transaction could hand out again.

The import runs as a system process, not for a user: it matches a message's BSN to a client
to link the message, and shows nothing, so it writes no access-log entries. Who later looks
at a message or request in the screens is logged there.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from bwmo.care.models import Indication, Outflow, OutflowReason, Stay, Tariff
from bwmo.care.models import Product as CatalogueProduct
from bwmo.clients.models import Client
from bwmo.iwmo import (
    EerderePrestatie,
    Gemeente,
    IwmoBuildError,
    Tarief,
    Toewijzing,
    build_retour,
    build_wmo301,
    build_wmo319,
    build_wmo325,
    check_berichtidentificatie,
    check_declaration_against_allocations,
    check_gemeentecode,
    check_productcode,
    check_start_stop_sequence,
    check_verzoek_om_wijziging,
    check_verzoek_referentie,
    validate_root,
)
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
from bwmo.iwmo.validate import xml_error
from bwmo.organisations.models import Municipality, ProductKind, Provider

from .models import (
    Allocation,
    AllocationRequest,
    Declaration,
    DeclarationLine,
    DeliveryEvent,
    Direction,
    Message,
    MessageStatus,
)
from .services import (
    REDEN_CORRECTIE,
    REDEN_VERKORTING,
    allocation_queue,
    tariff_cents_per_etmaal,
)

logger = logging.getLogger(__name__)

INBOUND = frozenset({"WMO305", "WMO307", "WMO315", "WMO317", "WMO323"})
# What a municipality itself sends: lying next to inbound files, these are skipped.
OUTBOUND = frozenset(m.BERICHTCODES) - INBOUND

# WMO588 (reden beëindiging) → bwmo's outflow reason; 20 (tijdelijk) ends no stay.
OUTFLOW_FOR_REDEN = {
    "02": OutflowReason.OVERLEDEN,
    "19": OutflowReason.ZELFSTANDIG,
    "31": OutflowReason.VERHUISD,
    "39": OutflowReason.WLZ,
}


def xsd_dir() -> Path:
    return Path(settings.BWMO_IWMO_XSD_DIR)


def _identificatie(message: Message) -> str:
    return f"{message.pk:012d}"


def _filename(message_type: str, sender: str, receiver: str, ident: str) -> str:
    return f"{message_type}_{sender}_{receiver}_{ident}.xml"


def _answer_filename(reply_type: str, sender: str, receiver: str, inbound_sha: str) -> str:
    """An answer is named after the file it answers (one answer per received file), never
    after a database id."""
    return _filename(reply_type, sender, receiver, inbound_sha[:16])


def _write(path: Path, content: bytes) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, flushed to disk,
    then a rename (and the folder flushed, so the rename survives a power cut)."""
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
    try:
        folder = os.open(path.parent, os.O_RDONLY)
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
    target = Path(message.folder) / message.filename
    content = message.content.encode()
    try:
        existing = target.read_bytes()
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        _write(target, content)
    else:
        if existing != content:
            raise OutboxConflict(
                f"{target} already exists with other content; message {message.pk} "
                f"({message.message_type}) is not written over it"
            )
    Message.objects.filter(pk=message.pk, written_at__isnull=True).update(written_at=timezone.now())
    return target


def unwritten_messages():
    """Outbound files recorded for a folder but not written yet (a run was cut off)."""
    return Message.objects.filter(direction=Direction.OUT, written_at__isnull=True).exclude(
        folder=""
    )


def write_recorded() -> list[Path]:
    """Write every outbound file that was recorded but is not on disk yet; each run starts
    with this, so a crash between a commit and its file loses nothing."""
    pending = unwritten_messages().only("pk", "message_type", "folder", "filename", "content")
    return [_deliver(message) for message in pending.order_by("pk")]


_CODE = re.compile(r"[A-Z]{2,8}[0-9]{0,4}")
_PATH = re.compile(r"/|(/[A-Za-z][A-Za-z0-9]*(\[[0-9]+\])?)+")


def _errors_json(errors: Iterable[m.IwmoError]) -> list[dict]:
    """Findings as they are stored and shown: a whitelist of the rule code, the element path
    and the expected form (the finding's ``message``, which never holds a value from the
    message). What was found (``detail``: a birth date, a BSN, a name) is dropped."""
    return [
        {
            "code": e.code if _CODE.fullmatch(e.code) else "ONBEKEND",
            "path": e.path if _PATH.fullmatch(e.path) else "/",
            "message": e.message,
            "retourcode": e.retourcode,
        }
        for e in errors
    ]


# --- bwmo's records as the library's dataclasses ------------------------------------------


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(microsecond=0)


def toegewezen_product(a: Allocation) -> m.ToegewezenProduct:
    changed = _local(a.changed_at)
    return m.ToegewezenProduct(
        toewijzing_nummer=a.number,
        toewijzingsdatum=changed.date(),
        toewijzingstijd=changed.time(),
        ingangsdatum=a.start,
        product=m.Product(a.category, a.product_code),
        einddatum=a.end,
        reden_wijziging=a.reason_change or None,
        omvang=m.Omvang(a.volume, a.unit, a.frequency),
        referentie_aanbieder=a.reference_provider or None,
    )


def toewijzing(a: Allocation) -> Toewijzing:
    return Toewijzing(
        bsn=a.client.bsn, aanbieder=a.provider.agb_code, toegewezen_product=toegewezen_product(a)
    )


class MissingContactError(ValueError):
    pass


def iwmo_client(c: Client) -> m.Client:
    """The client as the WMO301 describes him or her: BRP address, else a telephone number."""
    if not c.bsn:
        raise MissingContactError(
            "BSN ontbreekt: deze cliënt is geregistreerd met een voorlopige identiteit. De "
            "toewijzing (WMO301) gaat pas uit als het BSN is vastgelegd of samengevoegd."
        )
    telefoon = ()
    if c.phone:
        telefoon = (m.Telefoon(c.phone.replace("+", "00", 1)),)
    if c.postcode and c.house_number:
        # iWmo's Straatnaam is the BRP's 24-character form (NEN), stored apart from the
        # full street name; it is never cut from the long one here.
        street_short = c.street_short or (c.street if len(c.street) <= 24 else "")
        if c.street and not street_short:
            raise MissingContactError(
                "Van deze cliënt ontbreekt de korte straatnaam (NEN, hoogstens 24 tekens) die "
                "de toewijzing (WMO301) vraagt. Vul die aan in het dossier."
            )
        contact = m.Contact(
            soort="01",
            adres=m.Adres(
                m.Huis(
                    c.house_number,
                    huisletter=c.house_letter or None,
                    huisnummer_toevoeging=c.house_number_addition or None,
                ),
                c.postcode,
                street_short or None,
                c.place or None,
                "NL",
            ),
            telefoon=telefoon,
        )
    elif telefoon:
        contact = m.Contact(soort="02", telefoon=telefoon)
    else:
        raise MissingContactError(
            "Van deze cliënt is geen adres (huisnummer en postcode) en geen telefoonnummer "
            "bekend; de toewijzing (WMO301) vereist een van beide. Vul het aan in het dossier."
        )
    return m.Client(
        bsn=c.bsn,
        geboortedatum=m.Geboortedatum(c.birth_date),
        geslacht=c.gender or "0",
        naam=m.Naam(
            m.Achternaam(c.surname, c.surname_prefix or None),
            voornamen=c.given_names or None,
            naamgebruik="1",
        ),
        contactgegevens=(contact,),
    )


# --- export -------------------------------------------------------------------------------------


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Message, list[dict]]] = field(default_factory=list)


def _build_301(message: Message, today: date) -> bytes:
    allocations = list(
        Allocation.objects.select_related("client", "provider").filter(
            client_id=message.client_id,
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
        client=iwmo_client(message.client),
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


def pending_messages(municipality_codes: Iterable[str]):
    return Message.objects.filter(
        direction=Direction.OUT,
        status=MessageStatus.PENDING,
        municipality_id__in=list(municipality_codes),
    ).order_by("pk")


def export_pending(
    *, municipality_codes: Iterable[str], out_dir: Path, today: date, now: datetime | None = None
) -> ExportResult:
    """Write every pending WMO301/319 of these municipalities into ``out_dir``.

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
    for pk in list(pending_messages(municipality_codes).values_list("pk", flat=True)):
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
                Allocation.objects.filter(
                    client_id=message.client_id,
                    provider_id=message.provider_id,
                    municipality_id=message.municipality_id,
                    needs_sending=True,
                ).update(needs_sending=False, last_message=message)
        result.written.append(_deliver(message))
    return result


# --- import -------------------------------------------------------------------------------------


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


def import_directory(
    directory: Path, *, today: date, now: datetime | None = None
) -> list[FileResult]:
    """Every ``.xml`` file in the folder, one by one: a file that cannot be used is recorded
    as *ongeldig* with its finding, and the run goes on with the next. Answers an earlier run
    recorded but did not write (killed after its commit) are written first."""
    write_recorded()
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() == ".xml")
    cache: dict = {}  # reference data that does not change during one run
    return [import_file(path, today=today, now=now, cache=cache) for path in files]


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
    now = now or timezone.now()
    try:
        return _import_file(path, today=today, now=now, cache=cache, uploaded_by=uploaded_by)
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


def _import_file(path: Path, *, today: date, now: datetime, cache, uploaded_by) -> FileResult:
    try:
        content, sha, too_big = _read(path)
    except OSError as error:
        # Not readable (permissions, removed meanwhile): nothing to record it by.
        finding = f"Het bestand kan niet worden gelezen ({error.strerror or 'onbekend'})."
        return FileResult(
            path, Outcome.UNREADABLE, errors=[{"code": "BESTAND", "path": "/", "message": finding}]
        )
    if Message.objects.filter(direction=Direction.IN, sha256=sha).exists():
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
    if run.answer is not None:  # committed: now the answer's file
        _deliver(run.answer)
    return outcome


class _Import:
    """One valid-by-XSD message: cross-checks, effects, answer; inside one transaction."""

    def __init__(self, path, content, sha, bericht, errors, today, now, cache=None):
        self.path, self.content, self.sha = path, content, sha
        self.bericht, self.errors, self.today, self.now = bericht, errors, today, now
        self.cache = {} if cache is None else cache
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

    def _cached(self, key, compute):
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    # -- state for the cross-checks

    def _allocations(self, **filters) -> list[Allocation]:
        """This provider's allocations for this municipality (the provider is known)."""
        found = Allocation.objects.select_related("client").filter(**filters).order_by()
        if "number__in" not in filters:  # by number the unique index is enough
            found = found.filter(provider=self.provider, municipality=self.municipality)
        mine = [
            a
            for a in found
            if a.provider_id == self.provider.pk and a.municipality_id == self.municipality.pk
        ]
        for a in mine:
            a.provider = self.provider
        return mine

    def _crosscheck(self) -> list[m.IwmoError]:
        b, header = self.bericht, self.bericht.header
        earlier = Message.objects.filter(
            direction=Direction.IN, message_type=self.message_type, sender=header.afzender
        ).exclude(status=MessageStatus.INVALID)
        errors = check_berichtidentificatie(
            header,
            set(
                earlier.filter(identification=header.identificatie).values_list(
                    "identification", flat=True
                )
            ),
        )
        # The CBS list holds no history of mergers: every code in it counts as valid from
        # 1900 (only the sender's or receiver's code matters to TR378).
        known = self._cached(
            "gemeentecodes", lambda: set(Municipality.objects.values_list("code", flat=True))
        )
        gemeenten = [
            Gemeente(code, date(1900, 1, 1))
            for code in (header.afzender, header.ontvanger)
            if f"GM{code}" in known
        ]
        errors += check_gemeentecode(b, gemeenten)
        codes = self._cached(
            "productcodes",
            lambda: {
                m.Product(category, code)
                for category, code in CatalogueProduct.objects.values_list("iwmo_category", "code")
            },
        )
        errors += check_productcode(b, codes)
        if errors or self.municipality is None:
            return errors
        match b:
            case m.Startbericht() | m.Stopbericht():
                allocations = self._allocations(client__bsn=b.client.bsn)
                events = DeliveryEvent.objects.filter(
                    allocation__in=allocations, withdrawn=False
                ).select_related("allocation")
                starts = [
                    m.StartProduct(
                        e.begin,
                        e.status_aanlevering,
                        e.allocation.number,
                        _event_product(e),
                        e.allocation_start,
                    )
                    for e in events
                    if e.kind == DeliveryEvent.Kind.START
                ]
                stops = [
                    m.StopProduct(
                        e.begin,
                        e.reason,
                        e.end,
                        e.status_aanlevering,
                        e.allocation.number,
                        _event_product(e),
                        e.allocation_start,
                    )
                    for e in events
                    if e.kind == DeliveryEvent.Kind.STOP
                ]
                errors += check_start_stop_sequence(
                    b, [toewijzing(a) for a in allocations], starts=starts, stops=stops
                )
            case m.VerzoekOmToewijzingbericht() | m.VerzoekOmWijzigingbericht():
                bsn = b.client.bsn if isinstance(b, m.VerzoekOmToewijzingbericht) else b.bsn
                if isinstance(b, m.VerzoekOmWijzigingbericht):
                    allocations = self._allocations(client__bsn=bsn)
                    errors += check_verzoek_om_wijziging(b, [toewijzing(a) for a in allocations])
                requests = AllocationRequest.objects.filter(
                    provider=self.provider, municipality=self.municipality
                )
                errors += check_verzoek_referentie(
                    b,
                    bekende_referenties=set(requests.values_list("reference", flat=True)),
                    onderhanden_verzoek=requests.filter(
                        bsn=bsn,
                        status__in=[
                            AllocationRequest.Status.OPEN,
                            AllocationRequest.Status.IN_ONDERZOEK,
                        ],
                    ).exists(),
                )
            case m.Declaratiebericht():
                errors += self._check_declaration(b)
        return errors

    def _check_declaration(self, b: m.Declaratiebericht) -> list[m.IwmoError]:
        # Only the state this declaration can touch, so an import does not slow down as the
        # traffic grows: its allocations, and the earlier Prestaties of those allocations or
        # with its references (TR314, credits).
        prestaties = [p for c in b.declaratie.clienten for p in c.prestaties]
        numbers = {p.toewijzing_nummer for p in prestaties}
        references = {p.referentie_nummer for p in prestaties} | {
            p.vorig_referentie_nummer for p in prestaties if p.vorig_referentie_nummer
        }
        self._allocation_cache = {a.number: a for a in self._allocations(number__in=numbers)}
        allocations = [toewijzing(a) for a in self._allocation_cache.values()]
        tariffs = self._cached(
            ("tarieven", self.provider.pk),
            lambda: [
                Tarief(
                    m.Product(t.product.iwmo_category, t.product.code),
                    "14",
                    tariff_cents_per_etmaal(t),
                    t.valid_from,
                    t.valid_to,
                )
                for t in Tariff.objects.select_related("product").filter(
                    contract__provider=self.provider
                )
            ],
        )
        # Looked up by the indexed line columns; this provider's and municipality's lines are
        # picked out here (a filter on the declaration would make the database scan those).
        rows = {
            row[0]: row
            for row in DeclarationLine.objects.filter(
                Q(allocation_number__in=numbers) | Q(reference__in=references)
            )
            .order_by()
            .values_list(
                "pk", "declaration__provider_id", "declaration__municipality_id", *_PRESTATIE_FIELDS
            )
            if row[1] == self.provider.pk and row[2] == self.municipality.pk
        }
        eerder = [EerderePrestatie(_prestatie_from(row[3:-1]), row[-1]) for row in rows.values()]
        used = (
            Declaration.objects.filter(
                provider=self.provider,
                municipality=self.municipality,
                number=b.declaratie.declaratie_nummer,
            )
            .order_by()
            .values_list("number", flat=True)
        )
        return check_declaration_against_allocations(
            b,
            allocations,
            tariffs,
            eerdere_prestaties=eerder,
            eerdere_declaratienummers=set(used),
        )

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
        header = self.bericht.header
        # An in-message rule with retourcode 0001 (controleniveau 2) rejects the whole message
        # (IV028): nothing of it is applied. The others (TR135, TR319, TR346 carry their own
        # retourcode) leave the cross-checks to run, so no other item is approved unchecked.
        self._technical = any(e.retourcode == m.RETOURCODE_TECHNISCH for e in self.errors)
        if not self._technical:
            self.errors += self._crosscheck()
        client_bsn = _bsn_of(self.bericht)
        client = Client.objects.filter(bsn=client_bsn).first() if client_bsn else None
        self.message = Message.objects.create(
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
        self.retour_codes = []
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

    def _reply(self) -> Path | None:
        """The retour message or WMO325, recorded to be written next to the inbound file once
        the transaction commits."""
        reply_type = "WMO325" if self.message_type == "WMO323" else m.RETOUR_VOOR[self.message_type]
        # Findings without a retourcode (bwmo's own, such as an unknown receiver) are not
        # the standard's; they stay on the message and in the screens.
        errors = [e for e in self.errors if e.retourcode]
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
        self.retour_codes = sorted({e.retourcode for e in errors}) or [m.RETOURCODE_GOED]
        self.answer = Message.objects.create(
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
        return self.path.parent / name

    def _apply(self, client: Client | None) -> int:
        b = self.bericht
        applied = 0
        match b:
            case m.Startbericht():
                for path, p in zip(self._items, b.start_producten, strict=True):
                    if not self._blocked(path):
                        self._start(p)
                        applied += 1
            case m.Stopbericht():
                for path, p in zip(self._items, b.stop_producten, strict=True):
                    if not self._blocked(path):
                        self._stop(p)
                        applied += 1
            case m.VerzoekOmToewijzingbericht():
                for path, p in zip(self._items, b.aangevraagde_producten, strict=True):
                    if not self._blocked(path):
                        self._request(client, p.referentie_aanbieder, "", [_aangevraagd(p)])
                        applied += 1
            case m.VerzoekOmWijzigingbericht():
                if not self.errors:
                    v = b.verzoek
                    self._request(client, v.referentie_aanbieder, v.reden_verzoek, _verzoek(v))
                    applied += 1
            case m.Declaratiebericht():
                applied = self._declaration(b)
        return applied

    def _allocation(self, nummer: int | None) -> Allocation:
        return Allocation.objects.select_related("indication__product").get(
            number=nummer, provider=self.provider
        )

    def _start(self, p: m.StartProduct) -> None:
        allocation = self._allocation(p.toewijzing_nummer)
        indication = allocation.indication
        if p.status_aanlevering == m.STATUS_VERWIJDEREN:
            DeliveryEvent.objects.filter(
                allocation=allocation, kind=DeliveryEvent.Kind.START, begin=p.begindatum
            ).update(withdrawn=True)
            remaining = DeliveryEvent.objects.filter(
                allocation=allocation, kind=DeliveryEvent.Kind.START, withdrawn=False
            ).order_by("begin")
            first = remaining.first()
            if first is None and not indication.stays.exists():
                Indication.objects.filter(pk=indication.pk).update(started_on=None)
            elif first is not None:
                Indication.objects.filter(pk=indication.pk).update(started_on=first.begin)
        else:
            DeliveryEvent.objects.filter(
                allocation=allocation, kind=DeliveryEvent.Kind.START, begin=p.begindatum
            ).update(withdrawn=True)
            DeliveryEvent.objects.create(
                message=self.message,
                allocation=allocation,
                kind=DeliveryEvent.Kind.START,
                begin=p.begindatum,
                status_aanlevering=p.status_aanlevering,
                **_product_fields(p),
            )
            # Verzilverd: the first day care was delivered on this indication.
            Indication.objects.filter(pk=indication.pk).filter(
                Q(started_on__isnull=True) | Q(started_on__gt=p.begindatum)
            ).update(started_on=p.begindatum)

    def _stop(self, p: m.StopProduct) -> None:
        allocation = self._allocation(p.toewijzing_nummer)
        if p.status_aanlevering == m.STATUS_VERWIJDEREN:
            DeliveryEvent.objects.filter(
                allocation=allocation,
                kind=DeliveryEvent.Kind.STOP,
                begin=p.begindatum,
                end=p.einddatum,
            ).update(withdrawn=True)
            self._undo_stop(allocation, p.einddatum)
            return
        DeliveryEvent.objects.create(
            message=self.message,
            allocation=allocation,
            kind=DeliveryEvent.Kind.STOP,
            begin=p.begindatum,
            end=p.einddatum,
            reason=p.reden_beeindiging,
            status_aanlevering=p.status_aanlevering,
            **_product_fields(p),
        )
        if p.reden_beeindiging == m.REDEN_BEEINDIGING_TIJDELIJK:
            return  # a temporary stop (hospital, say): the stay goes on
        indication = allocation.indication
        stay = (
            Stay.objects.filter(indication=indication, end__isnull=True, start__lte=p.einddatum)
            .order_by("-start")
            .first()
        )
        if stay is None:
            return
        Stay.objects.filter(pk=stay.pk).update(end=p.einddatum, version=F("version") + 1)
        Outflow.objects.create(
            stay=stay,
            date=p.einddatum,
            reason=OUTFLOW_FOR_REDEN.get(p.reden_beeindiging, OutflowReason.ONBEKEND),
        )
        if indication.product.kind == ProductKind.MO and Indication.objects.filter(
            pk=indication.pk, valid_to__isnull=True
        ).update(valid_to=p.einddatum):
            # Opvang ends with the stay: the allocation gets its end date (a new 301).
            indication.valid_to = p.einddatum
            allocation_queue(indication=indication, reason_change=REDEN_VERKORTING, now=self.now)

    def _undo_stop(self, allocation: Allocation, end: date) -> None:
        """A withdrawn stop (status 3) was a mistake: the stay it ended goes on again."""
        indication = allocation.indication
        stay = Stay.objects.filter(indication=indication, end=end).order_by("-start").first()
        if stay is None:
            return
        Outflow.objects.filter(stay=stay, date=end).delete()
        Stay.objects.filter(pk=stay.pk).update(end=None, version=F("version") + 1)
        if indication.product.kind == ProductKind.MO and indication.valid_to == end:
            Indication.objects.filter(pk=indication.pk).update(valid_to=None)
            indication.valid_to = None
            allocation_queue(indication=indication, reason_change=REDEN_CORRECTIE, now=self.now)

    def _request(self, client, reference: str, reason: str, products: list[dict]) -> None:
        kind = "315" if self.message_type == "WMO315" else "317"
        AllocationRequest.objects.create(
            message=self.message,
            kind=kind,
            bsn=_bsn_of(self.bericht),
            client=client,
            municipality=self.municipality,
            provider=self.provider,
            reference=reference,
            reason=reason,
            products=products,
            received_on=self.today,
        )

    def _declaration(self, b: m.Declaratiebericht) -> int:
        d = b.declaratie
        declaration = Declaration(
            message=self.message,
            municipality=self.municipality,
            provider=self.provider,
            number=d.declaratie_nummer,
            period_start=d.declaratie_periode.begindatum,
            period_end=d.declaratie_periode.einddatum,
            submitted_cents=d.totaal_ingediend_bedrag.waarde,
            approved_cents=0,
        )
        allocations = self._allocation_cache  # fetched by the cross-check
        clients = {a.client.bsn: a.client for a in allocations.values()}
        unknown = {c.bsn for c in d.clienten} - set(clients)
        if unknown:
            clients.update({c.bsn: c for c in Client.objects.filter(bsn__in=unknown)})
        lines, approved_total = [], 0
        index = 0
        for ci, dc in enumerate(d.clienten):
            group = self._groups[ci]
            for p in dc.prestaties:
                path = self._items[index]
                index += 1
                findings = [
                    e for e in self.errors if e.path == path or e.path.startswith(path + "/")
                ]
                approved = not self._blocked(path, group)
                if approved:
                    approved_total += p.ingediend_bedrag.waarde
                a = allocations.get(p.toewijzing_nummer)
                lines.append(
                    DeclarationLine(
                        declaration=declaration,
                        client=clients.get(dc.bsn),
                        allocation=a
                        if a and a.client_id == getattr(clients.get(dc.bsn), "pk", None)
                        else None,
                        allocation_number=p.toewijzing_nummer,
                        reference=p.referentie_nummer,
                        previous_reference=p.vorig_referentie_nummer or "",
                        category=p.product_categorie,
                        product_code=p.product_code,
                        period_start=p.product_periode.begindatum,
                        period_end=p.product_periode.einddatum,
                        volume=p.geleverd_volume,
                        unit=p.eenheid,
                        tariff_cents=p.product_tarief,
                        amount_cents=p.ingediend_bedrag.waarde,
                        approved=approved,
                        codes=sorted({e.retourcode for e in findings if e.retourcode}),
                        findings=_errors_json(findings),
                    )
                )
        declaration.approved_cents = approved_total
        declaration.save(force_insert=True)
        for line in lines:
            line.declaration = declaration
        DeclarationLine.objects.bulk_create(lines)
        return sum(1 for line in lines if line.approved)


def _product_fields(p: m.StartProduct | m.StopProduct) -> dict:
    return {
        "category": p.product.categorie if p.product else "",
        "product_code": (p.product.code or "") if p.product else "",
        "allocation_start": p.toewijzing_ingangsdatum,
    }


def _event_product(e: DeliveryEvent) -> m.Product | None:
    if not e.category:
        return None
    return m.Product(e.category, e.product_code or None)


def _bsn_of(b) -> str | None:
    match b:
        case m.Startbericht() | m.Stopbericht() | m.VerzoekOmToewijzingbericht():
            return b.client.bsn
        case m.VerzoekOmWijzigingbericht():
            return b.bsn
        case m.Declaratiebericht() if len(b.declaratie.clienten) == 1:
            return b.declaratie.clienten[0].bsn
    return None


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


def _aangevraagd(p: m.AangevraagdProduct) -> dict:
    return {
        "soort": "aangevraagd",
        "categorie": p.product.categorie if p.product else "",
        "code": (p.product.code or "") if p.product else "",
        "ingangsdatum": p.toewijzing_ingangsdatum.isoformat(),
        "einddatum": p.toewijzing_einddatum.isoformat() if p.toewijzing_einddatum else None,
        "volume": p.omvang.volume if p.omvang else None,
        "eenheid": p.omvang.eenheid if p.omvang else None,
        "frequentie": p.omvang.frequentie if p.omvang else None,
        "verwijzer": p.verwijzer.naam or "",
        "commentaar": p.commentaar or "",
    }


def _verzoek(v: m.Verzoek) -> list[dict]:
    products: list[dict] = [
        {"soort": "ongewijzigd", "toewijzing": n} for n in v.ongewijzigde_producten
    ]
    for p in v.te_wijzigen_producten:
        products.append(
            {
                "soort": "wijzigen",
                "toewijzing": p.toewijzing_nummer,
                "ingangsdatum": p.gewenste_ingangsdatum.isoformat(),
                "einddatum": p.einddatum.isoformat() if p.einddatum else None,
                "volume": p.omvang.volume if p.omvang else None,
            }
        )
    for p in v.nieuwe_producten:
        products.append(
            {
                "soort": "nieuw",
                "categorie": p.product.categorie if p.product else "",
                "code": (p.product.code or "") if p.product else "",
                "ingangsdatum": p.gewenste_ingangsdatum.isoformat(),
                "einddatum": p.einddatum.isoformat() if p.einddatum else None,
                "volume": p.omvang.volume if p.omvang else None,
            }
        )
    return products


_PRESTATIE_FIELDS = (
    "reference",
    "allocation_number",
    "category",
    "product_code",
    "period_start",
    "period_end",
    "volume",
    "unit",
    "amount_cents",
    "tariff_cents",
    "previous_reference",
    "approved",
)


def _prestatie_from(values: tuple) -> m.Prestatie:
    """A stored line (the values of _PRESTATIE_FIELDS but ``approved``) as a Prestatie."""
    ref, nummer, cat, code, begin, end, volume, unit, cents, tarief, vorig = values
    return m.Prestatie(
        referentie_nummer=ref,
        toewijzing_nummer=nummer,
        product_categorie=cat,
        product_code=code,
        product_periode=m.GeslotenPeriode(begin, end),
        geleverd_volume=volume,
        eenheid=unit,
        ingediend_bedrag=m.Bedrag.van_waarde(cents),
        product_tarief=tarief,
        vorig_referentie_nummer=vorig or None,
    )


def municipality_codes_of_region(region, day: date) -> list[str]:
    return list(region.memberships.valid_on(day).values_list("municipality_id", flat=True))


__all__: Sequence[str] = (
    "ExportResult",
    "FileResult",
    "export_pending",
    "import_directory",
    "import_file",
    "write_recorded",
)
