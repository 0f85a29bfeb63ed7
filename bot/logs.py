"""Logging: text or JSON lines. Message texts are never logged (privacy); user ids only as a keyed hash.

While an update is handled, every log line carries its `update_id` and the sender's `user_hash` (set by the
update middleware via `bind`), also lines from services and libraries that know nothing about updates.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

_EXTRA_KEYS = (
    "update_id",
    "user_hash",
    "update_type",
    "kind",
    "outbox_id",
    "status",
    "job",
    "broadcast_id",
    "recipients",
)

# (update_id, user_hash, texts to keep out of the logs) of the update being handled in this task
_Context = tuple[int | None, str | None, tuple[str, ...]]
_CONTEXT: ContextVar[_Context | None] = ContextVar("log_context", default=None)
REDACTED = "[redacted]"
_HASH_KEY = [b"helfernetz-bot"]


def set_hash_key(secret: str | bytes) -> None:
    """Key the user hash with a secret of this installation (the bot token by default, see bot.app), so a
    hash in a log cannot be turned back into a Telegram id by trying all ids."""
    key = secret.encode() if isinstance(secret, str) else secret
    _HASH_KEY[0] = hashlib.blake2s(key, digest_size=32).digest()


def user_hash(user_id: int) -> str:
    """A short, non-reversible tag for logs, so a person's id does not land in log files."""
    return hashlib.blake2s(str(user_id).encode(), key=_HASH_KEY[0], digest_size=6).hexdigest()


def bind(
    update_id: int | None, user_id: int | None, private: tuple[str | None, ...] = ()
) -> Token[_Context | None]:
    """Log lines of the current task (and tasks it starts) carry this update id and user hash.

    `private`: what the person wrote (text, caption, phone number). Should it ever reach a log line (an
    exception message that quotes it, a careless log call), it is replaced by "[redacted]"."""
    texts = tuple(t for t in private if t and len(t) >= 4)
    return _CONTEXT.set((update_id, user_hash(user_id) if user_id is not None else None, texts))


def current_user_hash() -> str | None:
    """The hash of the sender of the update being handled in this task, if any."""
    context = _CONTEXT.get()
    return context[1] if context is not None else None


def current_update_id() -> int | None:
    """The id of the update being handled in this task, if any."""
    context = _CONTEXT.get()
    return context[0] if context is not None else None


def unbind(token: Token[_Context | None]) -> None:
    _CONTEXT.reset(token)


def _redact(line: str, texts: tuple[str, ...]) -> str:
    for text in texts:
        if text in line:
            line = line.replace(text, REDACTED)
    return line


class ContextFilter(logging.Filter):
    """Adds `update_id` and `user_hash` of the update being handled to every record (unless set)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _CONTEXT.get()
        if context is not None:
            update_id, hashed, texts = context
            if update_id is not None and not hasattr(record, "update_id"):
                record.update_id = update_id
            if hashed is not None and not hasattr(record, "user_hash"):
                record.user_hash = hashed
            if texts:
                record.private_texts = texts
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in _EXTRA_KEYS:
            if hasattr(record, key):
                entry[key] = _plain(getattr(record, key))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        texts = getattr(record, "private_texts", ())
        if texts:
            entry = {k: _redact(v, texts) if isinstance(v, str) else v for k, v in entry.items()}
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The classic line, with `[update=… user=…]` while an update is handled."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = _redact(super().format(record), getattr(record, "private_texts", ()))
        tags = []
        if hasattr(record, "update_id"):
            tags.append(f"update={record.update_id}")
        if hasattr(record, "user_hash"):
            tags.append(f"user={record.user_hash}")
        if not tags:
            return line
        head, sep, rest = line.partition("\n")
        return f"{head} [{' '.join(tags)}]{sep}{rest}"


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiogram logs each update at INFO without texts; keep its event log quieter.
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # one line per webhook request (with the client's address) is noise; errors still show
    logging.getLogger("aiohttp.access").setLevel(max(logging.WARNING, root.level))
