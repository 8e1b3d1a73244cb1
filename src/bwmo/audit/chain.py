"""The access log's key, its hashes and its anchors: what makes the chain hard to rewrite.

A hash chain kept only in the database can be recomputed by whoever can write the database.
So the chain is keyed and anchored outside the database:

* every entry since the key exists is an **HMAC-SHA256** with a key that never enters the
  database (``BWMO_AUDIT_KEY`` or the file named by ``BWMO_AUDIT_KEY_FILE``); without the key
  nobody can compute an entry, the chain head or an anchor that verifies;
* entries made before the key existed keep their plain SHA-256 and version 0; they may only
  come before the keyed entries, and the first keyed entry chains on their last hash;
* the chain **head** (count, last id, last hash) is signed with the key, so removing entries
  at the end and rewinding the head is noticed;
* an **anchor** (count, last id, last hash, time, signed) is written regularly to a file
  and/or syslog that the auditor keeps; verification demands that the anchored prefix is
  still there, unchanged, and so detects truncation and recomputation.
"""

import hashlib
import hmac
import json
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENESIS_HASH = "0" * 64
MIN_KEY_LENGTH = 32
ANCHOR_KIND = "bwmo-audit-anchor"


class AuditKeyMissing(ImproperlyConfigured):
    pass


def _canonical(items: list) -> bytes:
    return json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode()


# -- the key ------------------------------------------------------------------------------


def _demo_key_file() -> Path:
    """The demo's key: generated once into the data folder, announced where it lies."""
    key_file = Path(settings.DATA_DIR) / "audit_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32) + "\n")
        key_file.chmod(0o600)
        sys.stderr.write(
            f"bwmo: new access-log key generated in {key_file} (demo and tests only). "
            "In production set BWMO_AUDIT_KEY or BWMO_AUDIT_KEY_FILE to a key kept outside "
            "the database and its backups.\n"
        )
    return key_file


def audit_key() -> bytes:
    """The access log's key, from the environment, a key file or (demo) a generated file."""
    value = getattr(settings, "BWMO_AUDIT_KEY", "") or ""
    source = "BWMO_AUDIT_KEY"
    if not value:
        key_file = getattr(settings, "BWMO_AUDIT_KEY_FILE", None)
        if not key_file:
            if not getattr(settings, "BWMO_AUDIT_KEY_GENERATE", False):
                raise AuditKeyMissing(
                    "The access log has no key: set BWMO_AUDIT_KEY or BWMO_AUDIT_KEY_FILE "
                    "(a secret of at least 32 characters kept outside the database)."
                )
            key_file = _demo_key_file()
        source = f"BWMO_AUDIT_KEY_FILE ({key_file})"
        try:
            value = Path(key_file).read_text().strip()
        except OSError as error:
            raise AuditKeyMissing(
                f"The access-log key file {key_file} cannot be read: {error.strerror}."
            ) from error
    if len(value) < MIN_KEY_LENGTH:
        raise AuditKeyMissing(
            f"The access-log key in {source} is {len(value)} characters; at least "
            f"{MIN_KEY_LENGTH} are needed (e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`)."
        )
    return value.encode()


def key_id(key: bytes) -> str:
    """A short fingerprint that names the key without revealing it."""
    return hmac.new(key, b"bwmo-audit-key-id", hashlib.sha256).hexdigest()[:16]


# -- entries and head ---------------------------------------------------------------------


def entry_digest(
    *,
    version: int,
    key: bytes | None,
    previous_hash: str,
    at: datetime,
    username: str,
    organisation: str,
    client_pseudonym: str,
    what: str,
    why: str,
) -> str:
    fields = [previous_hash, at.isoformat(), username, organisation, client_pseudonym, what, why]
    if version == 0:
        return hashlib.sha256(_canonical(fields)).hexdigest()
    if version == 1:
        if key is None:
            raise AuditKeyMissing("A keyed access-log entry needs the key.")
        return hmac.new(key, _canonical([1, *fields]), hashlib.sha256).hexdigest()
    raise ValueError(f"unknown chain version {version}")


def head_mac(*, key: bytes, entries: int, last_entry_id: int | None, last_hash: str) -> str:
    return hmac.new(
        key, _canonical(["head", entries, last_entry_id, last_hash]), hashlib.sha256
    ).hexdigest()


# -- anchors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    entries: int
    last_entry_id: int | None
    last_hash: str
    at: str  # ISO 8601, as written
    key_id: str
    mac: str
    source: str = ""  # where it was read: "file:line" or "database"

    def signed_fields(self) -> list:
        return [
            ANCHOR_KIND,
            1,
            self.entries,
            self.last_entry_id,
            self.last_hash,
            self.at,
            self.key_id,
        ]

    def expected_mac(self, key: bytes) -> str:
        return hmac.new(key, _canonical(self.signed_fields()), hashlib.sha256).hexdigest()

    def as_line(self) -> str:
        return json.dumps(
            {
                "kind": ANCHOR_KIND,
                "version": 1,
                "entries": self.entries,
                "last_entry_id": self.last_entry_id,
                "last_hash": self.last_hash,
                "at": self.at,
                "key_id": self.key_id,
                "mac": self.mac,
            },
            separators=(",", ":"),
        )


def anchor_sign(
    *, key: bytes, entries: int, last_entry_id: int | None, last_hash: str, at: datetime
) -> Anchor:
    unsigned = Anchor(entries, last_entry_id, last_hash, at.isoformat(), key_id(key), "")
    return Anchor(
        entries,
        last_entry_id,
        last_hash,
        unsigned.at,
        unsigned.key_id,
        unsigned.expected_mac(key),
    )


class AnchorFileError(ValueError):
    """An anchor file that cannot be trusted (unreadable, malformed or wrongly signed)."""


def anchors_read(path: Path, *, key: bytes) -> list[Anchor]:
    """Every anchor in ``path`` (one JSON object a line), each checked against the key."""
    if not path.exists():
        return []
    anchors = []
    current = key_id(key)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                data = json.loads(line)
                if data.get("kind") != ANCHOR_KIND or data.get("version") != 1:
                    raise AnchorFileError(f"{where}: not a bwmo access-log anchor (version 1).")
                anchor = Anchor(
                    entries=int(data["entries"]),
                    last_entry_id=(
                        None if data["last_entry_id"] is None else int(data["last_entry_id"])
                    ),
                    last_hash=str(data["last_hash"]),
                    at=str(data["at"]),
                    key_id=str(data["key_id"]),
                    mac=str(data["mac"]),
                    source=where,
                )
            except (ValueError, KeyError, TypeError) as error:
                if isinstance(error, AnchorFileError):
                    raise
                raise AnchorFileError(
                    f"{where}: not a readable anchor ({error.__class__.__name__}: {error})."
                ) from error
            check_anchor_signature(anchor, key=key, current_key_id=current)
            anchors.append(anchor)
    return anchors


def check_anchor_signature(anchor: Anchor, *, key: bytes, current_key_id: str) -> None:
    if anchor.key_id != current_key_id:
        raise AnchorFileError(
            f"{anchor.source}: the anchor of {anchor.at} was signed with another key "
            f"(key id {anchor.key_id}, the current key is {current_key_id})."
        )
    if not hmac.compare_digest(anchor.mac, anchor.expected_mac(key)):
        raise AnchorFileError(
            f"{anchor.source}: the signature of the anchor of {anchor.at} does not match "
            "its contents (changed after it was written)."
        )
