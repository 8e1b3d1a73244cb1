"""Writing, anchoring and verifying the access log (see ``chain.py`` for the why)."""

import hmac
import os
import syslog
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from .chain import (
    GENESIS_HASH,
    Anchor,
    AnchorFileError,
    anchor_sign,
    anchors_read,
    audit_key,
    check_anchor_signature,
    entry_digest,
    head_mac,
    key_id,
)
from .models import (
    AccessLogEntry,
    ChainAnchor,
    ChainHead,
    ChainVerification,
    ChainVersion,
    VerificationTrigger,
)

INVALID_HEAD_MAC = "invalid"  # never a valid HMAC: a head once found wrong is never re-signed


class AccessLogError(Exception):
    pass


def _head_is_trustworthy(head: ChainHead, *, key: bytes) -> bool:
    """A signed head with a valid signature, or the unsigned head from before the key."""
    if head.mac == "":
        # Legitimate only while no keyed entry exists (the head of a pre-key log).
        return not AccessLogEntry.objects.filter(version=ChainVersion.HMAC_SHA256).exists()
    expected = head_mac(
        key=key, entries=head.entries, last_entry_id=head.last_entry_id, last_hash=head.last_hash
    )
    return hmac.compare_digest(head.mac, expected)


def access_log_record(*, user, clients, what: str, why: str) -> list[AccessLogEntry]:
    """Append one entry per client read by ``user`` (a view, search hit or export)."""
    return _append(user=user, targets=[(c, str(c.pseudonym)) for c in clients], what=what, why=why)


def access_log_account_event(*, user, what: str, why: str) -> AccessLogEntry:
    """Append one entry about ``user``'s account that concerns no client (a single sign-on
    login): in the same keyed chain, with an empty client pseudonym."""
    return _append(user=user, targets=[(None, "")], what=what, why=why)[0]


def _append(*, user, targets, what: str, why: str) -> list[AccessLogEntry]:
    targets = list(targets)
    if not targets:
        return []
    key = audit_key()
    organisation = ", ".join(o.name for o in user.organisations.all())[:150]
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            if AccessLogEntry.objects.exists():
                # Starting a new chain here would hide what came before: refuse.
                raise AccessLogError(
                    "The access log's chain head is missing; run 'bwmo audit verify'."
                )
            head = ChainHead.objects.create(pk=1, last_hash=GENESIS_HASH)
        trustworthy = _head_is_trustworthy(head, key=key)
        previous = head.last_hash
        at = timezone.now()
        entries = []
        for client, pseudonym in targets:
            digest = entry_digest(
                version=ChainVersion.HMAC_SHA256,
                key=key,
                previous_hash=previous,
                at=at,
                username=user.get_username(),
                organisation=organisation,
                client_pseudonym=pseudonym,
                what=what,
                why=why,
            )
            entries.append(
                AccessLogEntry(
                    at=at,
                    user=user,
                    username=user.get_username(),
                    organisation=organisation,
                    client=client,
                    client_pseudonym=pseudonym,
                    what=what,
                    why=why,
                    version=ChainVersion.HMAC_SHA256,
                    previous_hash=previous,
                    entry_hash=digest,
                )
            )
            previous = digest
        AccessLogEntry.objects.bulk_create(entries)
        head.last_hash = previous
        head.entries += len(entries)
        head.last_entry_id = entries[-1].pk
        # A head that was changed without the key stays unsigned, so verification keeps
        # reporting it; signing it now would make the change disappear.
        head.mac = (
            head_mac(
                key=key,
                entries=head.entries,
                last_entry_id=head.last_entry_id,
                last_hash=head.last_hash,
            )
            if trustworthy
            else INVALID_HEAD_MAC
        )
        head.save(update_fields=["last_hash", "entries", "last_entry_id", "mac"])
    return entries


# -- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    entries_checked: int
    first_broken_id: int | None
    problem: str = ""
    notice: str = ""
    anchors_checked: int = 0
    last_anchor: Anchor | None = None
    legacy_entries: int = 0

    @property
    def ok(self) -> bool:
        return not self.problem


def _collect_anchors(*, key: bytes, anchor_file: Path | None) -> tuple[list[Anchor], str]:
    """Anchors from the outside file plus the database's copies; each signature checked."""
    path = Path(anchor_file or settings.BWMO_AUDIT_ANCHOR_FILE)
    notice = ""
    from_file = anchors_read(path, key=key)  # AnchorFileError propagates
    current = key_id(key)
    from_db = []
    for row in ChainAnchor.objects.order_by("pk"):
        anchor = Anchor(
            row.entries,
            row.last_entry_id,
            row.last_hash,
            row.at.isoformat(),
            row.key_id,
            row.mac,
            source=f"database anchor {row.pk}",
        )
        check_anchor_signature(anchor, key=key, current_key_id=current)
        from_db.append(anchor)
    if not from_file and from_db:
        notice = (
            f"No anchors in {path}; checked against the {len(from_db)} anchors recorded in "
            "the database. Keep the anchor file (or the syslog copies) where the auditor can "
            "reach them."
        )
    unique: dict[tuple[int, int | None, str, str], Anchor] = {}
    for anchor in [*from_file, *from_db]:
        unique.setdefault(
            (anchor.entries, anchor.last_entry_id, anchor.last_hash, anchor.at), anchor
        )
    anchors = sorted(unique.values(), key=lambda a: (a.entries, a.at))
    return anchors, notice


def access_log_verify(*, anchor_file: Path | None = None, batch_size: int = 5000) -> ChainReport:
    """Recompute the chain from the start against every anchor; report the first problem."""
    key = audit_key()
    try:
        anchors, notice = _collect_anchors(key=key, anchor_file=anchor_file)
    except AnchorFileError as error:
        return ChainReport(0, None, f"anchor not trustworthy: {error}")
    if not anchors:
        notice = (
            "No anchor yet: truncation of the log cannot be detected before the first "
            "'bwmo audit anchor'."
        )
    pending = list(anchors)
    checked = 0
    last_pk = None
    previous = GENESIS_HASH
    keyed_seen = False
    legacy = 0

    def broken(pk, problem):
        return ChainReport(
            checked,
            pk,
            problem,
            notice,
            len(anchors) - len(pending),
            _last(anchors, pending),
            legacy,
        )

    def check_anchors_at_this_point(next_pk):
        while pending and pending[0].entries == checked:
            anchor = pending.pop(0)
            if anchor.last_entry_id != last_pk or anchor.last_hash != previous:
                return (
                    f"rewritten: the anchor of {anchor.at} records {anchor.entries} entries "
                    f"ending at entry {anchor.last_entry_id} with hash {anchor.last_hash[:12]}…; "
                    f"the first {checked} entries now end at entry {last_pk} with hash "
                    f"{previous[:12]}…"
                )
        return ""

    for entry in AccessLogEntry.objects.order_by("pk").iterator(chunk_size=batch_size):
        problem = check_anchors_at_this_point(entry.pk)
        if problem:
            return broken(entry.pk, problem)
        if entry.previous_hash != previous:
            return broken(entry.pk, "previous_hash does not match the entry before")
        if entry.version == ChainVersion.SHA256:
            if keyed_seen:
                return broken(
                    entry.pk,
                    "an entry without the key (version 0) after keyed entries: "
                    "the chain was recomputed without the key",
                )
            legacy += 1
        elif entry.version == ChainVersion.HMAC_SHA256:
            keyed_seen = True
        else:
            return broken(entry.pk, f"unknown chain version {entry.version}")
        expected = entry_digest(
            version=entry.version,
            key=key,
            previous_hash=entry.previous_hash,
            at=entry.at,
            username=entry.username,
            organisation=entry.organisation,
            client_pseudonym=entry.client_pseudonym,
            what=entry.what,
            why=entry.why,
        )
        if not hmac.compare_digest(expected, entry.entry_hash):
            what = "keyed hash" if entry.version else "hash"
            return broken(entry.pk, f"content does not match its {what}")
        previous = entry.entry_hash
        last_pk = entry.pk
        checked += 1
    problem = check_anchors_at_this_point(None)
    if problem:
        return broken((last_pk or 0) + 1, problem)
    if pending:
        anchor = pending[-1]
        return broken(
            (last_pk or 0) + 1,
            f"truncated: the anchor of {anchor.at} records {anchor.entries} entries (up to "
            f"entry {anchor.last_entry_id}); the log now holds {checked}",
        )
    head = ChainHead.objects.filter(pk=1).first()
    if head is None:
        if checked:
            return broken((last_pk or 0) + 1, "the chain head is missing")
    elif head.mac == "" and not keyed_seen:
        # The head of a log from before the key: only its last hash can be compared.
        if head.last_hash != previous:
            return broken((last_pk or 0) + 1, "entries after the last one are missing")
    else:
        expected = head_mac(
            key=key,
            entries=head.entries,
            last_entry_id=head.last_entry_id,
            last_hash=head.last_hash,
        )
        if not hmac.compare_digest(head.mac, expected):
            return broken(
                (last_pk or 0) + 1,
                "the chain head's signature does not match: it was changed without the key",
            )
        if head.entries != checked or head.last_hash != previous:
            return broken(
                (last_pk or 0) + 1,
                f"entries after the last one are missing: the signed head records "
                f"{head.entries} entries (up to entry {head.last_entry_id}), the log holds "
                f"{checked}",
            )
    if legacy:
        notice = " ".join(
            filter(None, [notice, f"{legacy} entries from before the key (plain SHA-256)."])
        )
    return ChainReport(checked, None, "", notice, len(anchors), _last(anchors, []), legacy)


def _last(anchors: list[Anchor], pending: list[Anchor]) -> Anchor | None:
    done = [a for a in anchors if a not in pending]
    return done[-1] if done else None


def access_log_verify_and_record(
    *, by: str, trigger: str, anchor_file: Path | None = None
) -> tuple[ChainReport, ChainVerification]:
    """Verify the chain and keep the result (append-only) for the auditor's screen."""
    report = access_log_verify(anchor_file=anchor_file)
    anchor = report.last_anchor
    record = ChainVerification.objects.create(
        at=timezone.now(),
        by=by[:150],
        trigger=trigger,
        ok=report.ok,
        entries_checked=report.entries_checked,
        first_broken_id=report.first_broken_id,
        problem=report.problem,
        notice=report.notice,
        anchors_checked=report.anchors_checked,
        anchor_at=_parse_at(anchor.at) if anchor else None,
        anchor_entries=anchor.entries if anchor else None,
        anchor_last_entry_id=anchor.last_entry_id if anchor else None,
    )
    return report, record


def _parse_at(value: str) -> datetime:
    return datetime.fromisoformat(value)


# -- anchoring ----------------------------------------------------------------------------


def access_log_anchor(
    *, anchor_file: Path | None = None, to_syslog: bool | None = None, by: str = "bwmo audit anchor"
) -> Anchor:
    """Verify the chain, then write its signed head outside the database.

    Refused when the chain does not verify: an anchor of a tampered log would bless it.
    """
    key = audit_key()
    path = Path(anchor_file or settings.BWMO_AUDIT_ANCHOR_FILE)
    to_syslog = settings.BWMO_AUDIT_ANCHOR_SYSLOG if to_syslog is None else to_syslog
    report, _ = access_log_verify_and_record(
        by=by, trigger=VerificationTrigger.ANCHOR, anchor_file=path
    )
    if not report.ok:
        raise AccessLogError(
            f"Not anchored: the access log does not verify (entry {report.first_broken_id}: "
            f"{report.problem})."
        )
    with transaction.atomic():
        # The head as it is now (locked, so no entry is appended in between).
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        last = AccessLogEntry.objects.order_by("-pk").values_list("pk", "entry_hash").first()
        entries = AccessLogEntry.objects.count()
        anchor = anchor_sign(
            key=key,
            entries=entries,
            last_entry_id=last[0] if last else None,
            last_hash=last[1] if last else GENESIS_HASH,
            at=timezone.now(),
        )
        if head is not None and head.entries != entries:  # pragma: no cover - just verified
            raise AccessLogError("The access log changed while it was being anchored.")
        written = []
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(anchor.as_line() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            written.append(str(path))
        if to_syslog:
            syslog.openlog("bwmo-audit", 0, syslog.LOG_AUTH)
            syslog.syslog(syslog.LOG_NOTICE, anchor.as_line())
            written.append("syslog")
        ChainAnchor.objects.create(
            at=_parse_at(anchor.at),
            entries=anchor.entries,
            last_entry_id=anchor.last_entry_id,
            last_hash=anchor.last_hash,
            key_id=anchor.key_id,
            mac=anchor.mac,
            written_to=", ".join(written)[:500],
        )
    return anchor


def access_log_read(request, clients, *, what: str, why) -> list[AccessLogEntry]:
    """The access-log entry of a screen that shows these clients to ``request.user``.

    The log is a legal record: always in the installation's language, whatever the user's.
    """
    with translation.override(settings.LANGUAGE_CODE):
        why_text = str(why)
    return access_log_record(user=request.user, clients=clients, what=what, why=why_text)
