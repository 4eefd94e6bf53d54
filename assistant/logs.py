"""Logging for `assistant run` / `bot` / `chat`: level and file from the settings, no personal data in a line.

The file (ASSISTANT_LOG_FILE, default <data dir>/assistant.log) gets every record at ASSISTANT_LOG_LEVEL;
with `console` the warnings also go to stderr. The formatter masks phone and ID-card numbers (needs/pii.py) and
bot tokens in every line, and the HTTP client's request lines (which carry the token) are kept at WARNING. Log calls in the code name
tickets, ids of rows and counts — never a person's name, phone or Telegram id.
"""
from __future__ import annotations

import logging
import re
import sys

from .config import Settings
from .needs import pii

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
QUIET = ("httpx", "httpcore", "apscheduler", "telegram.ext.Updater")
_HANDLER_NAME = "assistant-file"


def redact(text: str) -> str:
    """Phone and ID-card numbers and bot tokens masked."""
    return TOKEN.sub("<token>", pii.replace(text, lambda n: "<phone>" if n.is_phone else "<id>"))


class RedactingFormatter(logging.Formatter):
    """Formats the record (traceback included), then masks phone and ID-card numbers and bot tokens in all of it."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def console_logging() -> None:
    """Warnings to stderr (the one-shot commands: ask, ingest)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def configure_logging(settings: Settings, *, console: bool = False) -> logging.Handler:
    """Install the log file (and with `console`, warnings on stderr); returns the file handler. Idempotent."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
        handler.close()
    path = settings.log_path
    path.parent.mkdir(parents=True, exist_ok=True)
    level = logging.getLevelName(settings.log_level.upper())
    file_handler = logging.FileHandler(path, encoding="utf-8")
    file_handler.set_name(_HANDLER_NAME)
    file_handler.setLevel(level)
    file_handler.setFormatter(RedactingFormatter(FORMAT))
    root.addHandler(file_handler)
    if console and not any(isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
                           for h in root.handlers):
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(logging.WARNING)
        stream.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
    root.setLevel(min(level, root.level) if root.level else level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return file_handler
