"""Files in and out: export the queued WMO301/319, import what providers send.

* ``records``: bwmo's records as the iWmo library's dataclasses, findings as stored;
* ``export``: the pending WMO301/319 out, the outbox (writing and recovery);
* ``importer``: the import loop, file bookkeeping, the recording of unusable files;
* ``checks``: the cross-checks of a message against bwmo's state;
* ``effects``: what an accepted message does (stays and indications change through
  ``bwmo.care.services``).

The names other modules use are imported from here. A test that replaces a name replaces
it in the module that looks it up (``exchange.export._write``, say).
"""

from __future__ import annotations

from collections.abc import Sequence

from .export import (
    ExportResult,
    OutboxConflict,
    export_pending,
    municipality_codes_of_region,
    pending_messages,
    unwritten_messages,
    write_recorded,
)
from .importer import INBOUND, OUTBOUND, FileResult, Outcome, import_directory, import_file
from .records import MissingContactError, _errors_json, iwmo_client, toegewezen_product, toewijzing

__all__: Sequence[str] = (
    "INBOUND",
    "OUTBOUND",
    "ExportResult",
    "FileResult",
    "MissingContactError",
    "OutboxConflict",
    "Outcome",
    "_errors_json",
    "export_pending",
    "import_directory",
    "import_file",
    "iwmo_client",
    "municipality_codes_of_region",
    "pending_messages",
    "toegewezen_product",
    "toewijzing",
    "unwritten_messages",
    "write_recorded",
)
