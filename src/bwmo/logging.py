"""A log filter that keeps BSNs and other 9-digit numbers out of every log line."""

import logging
import re

_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")
# A dossier's pseudonym (a UUID, in every client URL by design) is no personal data, and one
# in a few hundred has nine digits in a row in its last group: it is kept whole, so that the
# line still names the page; any other run of nine digits is masked.
_PSEUDONYM_OR_NINE_DIGITS = re.compile(
    r"(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(?<!\d)\d{9}(?!\d)",
    re.IGNORECASE,
)


def _masked(match: re.Match) -> str:
    return match.group("uuid") or "*********"


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _NINE_DIGITS.search(message):
            record.msg = _PSEUDONYM_OR_NINE_DIGITS.sub(_masked, message)
            record.args = ()
        return True


class ClientErrorOneLine(logging.Filter):
    """A refused request (4xx) is one line — method, path, status, user id — not a traceback.

    Django logs a 403 (PermissionDenied), a 400 (BadRequest, SuspiciousOperation) and a 404
    with the exception attached; thousands of refusals then bury the real errors. The
    message of the exception is left out too: the line holds no personal data.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            request = getattr(record, "request", None)
            record.msg = "%s %s %s user=%s"
            record.args = (
                getattr(request, "method", None) or "-",
                _escaped(getattr(request, "path", "") or "-"),
                status,
                _user_id(request),
            )
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


def _escaped(path: str) -> str:
    return path.encode("unicode_escape").decode("ascii")


def _user_id(request) -> str:
    try:
        user = request.user
    except Exception:  # no user yet (e.g. a refused Host header)
        return "-"
    return str(user.pk) if getattr(user, "is_authenticated", False) else "-"


def client_error_loggers() -> list[str]:
    """The loggers Django reports refused requests to: ``django.request`` and one
    ``django.security.<exception class>`` per suspicious operation (filters of a logger do
    not apply to its children, so each is named)."""
    from django.contrib.sessions.exceptions import SuspiciousSession  # noqa: F401
    from django.core.exceptions import SuspiciousOperation

    names, todo = set(), [SuspiciousOperation]
    while todo:
        cls = todo.pop()
        names.add(f"django.security.{cls.__name__}")
        todo.extend(cls.__subclasses__())
    return ["django.request", "django.security.csrf", *sorted(names)]
