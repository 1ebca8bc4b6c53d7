"""Masking of 身份证件号 inside free text — model-free, so logging can use it before Django's
apps are loaded. ``backend.audit`` uses the same functions for every audit row."""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from core.identity import mask_id_number

# An 18-character resident ID inside any text: 17 digits and a digit or X, not part of a longer
# run of digits (so longer numbers such as bank cards are left alone). Letters around it do not
# protect it: "id320706…" is masked too. Digits and X typed full-width (a 备注 typed in a Chinese
# input method) are an ID all the same.
ID_PATTERN = re.compile(r"(?<!\d)\d{17}[\dXxＸｘ](?!\d)")


def mask_text(text: object) -> str:
    """Any 18-character ID inside ``text`` → ``320702********1234``."""
    if text is None:
        return ""
    text = str(text)
    if len(text) == 18 and text.isascii() and text[:17].isdigit() and (text[17].isdigit() or text[17] in "Xx"):
        return mask_id_number(text)  # the text is one ID (a history row's object): no search
    return ID_PATTERN.sub(lambda m: mask_id_number(m.group(0)), text)


def mask_value(value):
    """Mask IDs inside a JSON-like value (dicts, lists, strings), recursively."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {mask_text(k): mask_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(v) for v in value]
    return value


class MaskIdentityFilter(logging.Filter):
    """Logging filter (settings.LOGGING, on every handler): masks every 18-character ID in a log
    record — the message, its arguments and the traceback text (database errors quote the
    offending key, e.g. a duplicate 身份证件号)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to the handler to report
            return True
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if getattr(record, "stack_info", None):
            record.stack_info = mask_text(record.stack_info)
        return True
