"""A log filter that keeps BSNs and other 9-digit numbers out of every log line."""

import logging
import re

_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _NINE_DIGITS.search(message):
            record.msg = _NINE_DIGITS.sub("*********", message)
            record.args = ()
        return True
