"""Writing and verifying the access log."""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import AccessLogEntry, ChainHead

GENESIS_HASH = "0" * 64


def _entry_digest(
    *,
    previous_hash: str,
    at,
    username: str,
    organisation: str,
    client_pseudonym: str,
    what: str,
    why: str,
) -> str:
    payload = json.dumps(
        [previous_hash, at.isoformat(), username, organisation, client_pseudonym, what, why],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def access_log_record(*, user, clients, what: str, why: str) -> list[AccessLogEntry]:
    """Append one entry per client read by ``user`` (a view, search hit or export)."""
    clients = list(clients)
    if not clients:
        return []
    organisation = ", ".join(o.name for o in user.organisations.all())[:150]
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:  # a database restored without its head row
            head = ChainHead.objects.create(pk=1, last_hash=GENESIS_HASH)
        previous = head.last_hash
        at = timezone.now()
        entries = []
        for client in clients:
            digest = _entry_digest(
                previous_hash=previous,
                at=at,
                username=user.get_username(),
                organisation=organisation,
                client_pseudonym=str(client.pseudonym),
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
                    client_pseudonym=str(client.pseudonym),
                    what=what,
                    why=why,
                    previous_hash=previous,
                    entry_hash=digest,
                )
            )
            previous = digest
        AccessLogEntry.objects.bulk_create(entries)
        head.last_hash = previous
        head.save(update_fields=["last_hash"])
    return entries


@dataclass(frozen=True)
class ChainReport:
    entries_checked: int
    first_broken_id: int | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def access_log_verify(*, batch_size: int = 5000) -> ChainReport:
    """Recompute the chain from the start; report the first entry that does not fit."""
    previous = GENESIS_HASH
    checked = 0
    for entry in AccessLogEntry.objects.order_by("pk").iterator(chunk_size=batch_size):
        if entry.previous_hash != previous:
            return ChainReport(checked, entry.pk, "previous_hash does not match the entry before")
        expected = _entry_digest(
            previous_hash=entry.previous_hash,
            at=entry.at,
            username=entry.username,
            organisation=entry.organisation,
            client_pseudonym=entry.client_pseudonym,
            what=entry.what,
            why=entry.why,
        )
        if expected != entry.entry_hash:
            return ChainReport(checked, entry.pk, "content does not match its hash")
        previous = entry.entry_hash
        checked += 1
    head = ChainHead.objects.filter(pk=1).first()
    if head and head.last_hash != previous:
        # Entries at the end were removed: the chain itself is intact but shorter.
        last = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        return ChainReport(checked, (last or 0) + 1, "entries after the last one are missing")
    return ChainReport(checked, None)
