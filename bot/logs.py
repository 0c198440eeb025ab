"""Logging: standard `logging`, ids only. httpx at WARNING (its lines carry the token) and a
filter that masks anything that looks like a bot token or a signed-link token."""

from __future__ import annotations

import logging
import re
import sys

_TOKEN = re.compile(r"\b\d{5,12}:[A-Za-z0-9_-]{20,}\b")
_LINK = re.compile(r"(/(?:r|d|x|s)/)[A-Za-z0-9_.=-]{16,}")


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        text = _TOKEN.sub("[token]", text)
        return _LINK.sub(r"\1[link]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            # Keep the traceback, but never the exception's message text verbatim.
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def setup_logging(level: int = logging.INFO, *, secrets: tuple[str, ...] = ()) -> None:
    root = logging.getLogger()
    redactor = RedactingFilter(secrets)
    if not any(isinstance(h, logging.StreamHandler) and getattr(h, "_so_bot", False)
               for h in root.handlers):
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s"))
        stream._so_bot = True  # type: ignore[attr-defined]
        root.addHandler(stream)
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    root.setLevel(level)
    harden_loggers()


# Libraries that log whole payloads (updates, requests, SQL parameters) below INFO, or the
# token in URLs at INFO: they never log below WARNING here, whatever the root level.
_PAYLOAD_LOGGERS = ("httpx", "httpcore", "telegram.ext.ExtBot", "telegram.Bot",
                    "telegram.ext.Updater", "telegram.request", "aiosqlite", "sqlalchemy.engine",
                    "asyncpg", "apscheduler", "aiohttp.access", "alembic")


def harden_loggers() -> None:
    # PTB's Application logs every whole Update at DEBUG.
    logging.getLogger("telegram").setLevel(logging.INFO)
    for name in _PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
