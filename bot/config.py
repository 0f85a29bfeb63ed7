"""Typed configuration from the environment and `.env` (pydantic-settings).

Every setting is documented in `.env.example`. A bad value stops startup with one line that names the
variable (see `load_settings`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_LANGUAGES = ("de", "ar", "fa", "uk", "en", "ru")
TELEGRAM_API_DEFAULT = "https://api.telegram.org"


class ConfigError(Exception):
    """A configuration problem, already phrased as one line for the operator."""


def _int_list(value: object) -> object:
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
        return [int(p) for p in parts]
    if isinstance(value, int):
        return [value]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: str = Field(default="", description="Token from @BotFather")
    telegram_api_url: str = TELEGRAM_API_DEFAULT
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'data' / 'bot.sqlite3'}"
    redis_url: str | None = None
    organizer_ids: Annotated[list[int], NoDecode] = []
    helpers_chat_id: int | None = None
    # a conversation with a person nobody wrote in for this many days is closed (both sides are told)
    ticket_quiet_days: int = Field(default=7, ge=1, le=365)
    timezone: str = "Europe/Berlin"
    default_language: str = "de"

    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str = "/telegram/webhook"
    # The organizers' web console (console/): the address its login links start with, as browsers reach this
    # bot's web server (webhook port, or METRICS_PORT when polling), e.g. https://bot.example.org. Unset: off.
    console_url: str | None = None

    translator: Literal["none", "google", "deepl", "libretranslate", "mymemory"] = "none"
    translator_api_key: str | None = None
    translator_url: str | None = None
    translator_timeout: float = Field(default=10.0, gt=0)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    throttle_rate: float = Field(default=1.0, gt=0, description="messages per second a user may send")
    throttle_burst: int = Field(default=8, ge=1)
    # a dialog left unfinished (a booking note, an assignment draft) is forgotten after this many hours
    dialog_ttl_hours: int = Field(default=24, ge=1, le=24 * 14)
    invite_ttl_hours: int = Field(default=72, ge=1)
    local_facts_file: Path = ROOT / "sample_data" / "local_facts.yaml"
    letters_ocr: bool = True  # read photos of letters with Tesseract (off, with one line, when it is missing)

    # delivery engine (Telegram's limits)
    send_rate_total: float = Field(default=30.0, gt=0)
    send_rate_per_chat: float = Field(default=1.0, gt=0)
    send_rate_per_group_minute: int = Field(default=20, ge=1)
    outbox_retention_days: int = Field(default=30, ge=1)  # finished outbox rows are deleted after this
    delivery_enabled: bool = True  # run the delivery worker in this process
    delivery_batch_size: int = Field(default=50, ge=1, le=1000)
    delivery_concurrency: int = Field(default=8, ge=1, le=100)
    delivery_max_attempts: int = Field(default=6, ge=1)
    delivery_backoff_seconds: float = Field(default=5.0, gt=0)
    delivery_backoff_max_seconds: float = Field(default=600.0, gt=0)
    delivery_claim_timeout_seconds: float = Field(default=60.0, ge=5)
    delivery_idle_seconds: float = Field(default=0.5, gt=0)
    delivery_request_timeout_seconds: float = Field(default=15.0, gt=0)
    broadcast_overdue_minutes: int = Field(default=60, ge=1)
    # events: the reminder to people who said "I'll come" goes out this many hours before the start
    event_reminder_hours: float = Field(default=24.0, gt=0)

    # helpers' assignments
    areas_file: Path = ROOT / "sample_data" / "areas.yaml"
    escalate_after_minutes: int = Field(default=60, ge=1, description="unclaimed: alert all helpers")
    assignment_reminder_hours: int = Field(default=24, ge=1, description="remind before the date")
    assignment_followup_hours: int = Field(default=3, ge=0, description="ask 'done?' after the date")
    assignment_flexible_followup_days: int = Field(default=7, ge=1, description="... after the claim")

    # consultation booking
    booking_max_upcoming: int = Field(default=2, ge=1, description="upcoming bookings one person may hold")
    reminder_offsets_hours: Annotated[list[int], NoDecode] = [24, 2]
    waitlist_hold_hours: float = Field(default=2.0, gt=0, description="how long a freed slot is held")
    slot_weeks_ahead: int = Field(default=4, ge=1, le=26, description="weeks of slots that can be booked")

    # operation at scale: health and metrics, scheduling across processes, Redis, retries, backups
    # (docs/operations.md)
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=1, le=65535, description="serve /healthz, /metrics")
    scheduler_enabled: bool = True  # run periodic jobs here (only the leader process among several does)
    job_interval_max_seconds: float | None = Field(default=None, gt=0)  # tests, demos: run jobs this often
    database_pool_size: int = Field(default=10, ge=1, le=200)
    redis_timeout_seconds: float = Field(default=2.0, gt=0)
    redis_retry_seconds: float = Field(default=5.0, gt=0)
    telegram_request_timeout_seconds: float = Field(default=60.0, gt=0)
    telegram_retries: int = Field(default=3, ge=0, le=10)
    backup_dir: Path = ROOT / "data" / "backups"
    # built FAQ indexes, for a quicker start (bot/faq/index_store.py); empty: off
    faq_index_cache: Path | None = ROOT / "data" / "cache" / "faq-index"

    @field_validator(
        "metrics_port", "job_interval_max_seconds", "helpers_chat_id", "faq_index_cache", mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("organizer_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        try:
            return _int_list(value)
        except ValueError as exc:
            raise ValueError("must be a comma-separated list of numeric Telegram ids") from exc

    @field_validator("reminder_offsets_hours", mode="before")
    @classmethod
    def _parse_offsets(cls, value: object) -> object:
        try:
            hours = _int_list(value)
        except ValueError as exc:
            raise ValueError("must be a comma-separated list of hours, e.g. 24,2") from exc
        if isinstance(hours, list) and any(h <= 0 or h > 24 * 14 for h in hours):
            raise ValueError("every reminder offset must be between 1 and 336 hours")
        return sorted(set(hours), reverse=True) if isinstance(hours, list) else hours

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (example: Europe/Berlin)") from exc
        return value

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @field_validator("telegram_api_url", "webhook_url", "translator_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("console_url")
    @classmethod
    def _check_console_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("must be the console's base address, e.g. https://bot.example.org (no ?query)")
        # the routes live under /console: a base given with it still works
        return value.strip().rstrip("/").removesuffix("/console")

    @field_validator("database_url")
    @classmethod
    def _check_db(cls, value: str) -> str:
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        if value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")
        return value

    @model_validator(mode="after")
    def _check_combinations(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET: required when WEBHOOK_URL is set")
        if self.translator == "deepl" and not self.translator_api_key:
            raise ValueError("TRANSLATOR_API_KEY: required for TRANSLATOR=deepl")
        if self.translator == "libretranslate" and not self.translator_url:
            raise ValueError("TRANSLATOR_URL: required for TRANSLATOR=libretranslate")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def require_token(self) -> str:
        token = self.bot_token.strip()
        if not token or ":" not in token:
            raise ConfigError(
                "configuration error: BOT_TOKEN: missing or malformed (expected 123456:ABC... from @BotFather)"
            )
        return token

    def require_console_server(self) -> None:
        """`python -m bot run` serves the console on the webhook's port, or on METRICS_PORT when polling."""
        if self.console_url and not self.webhook_url and not self.metrics_port:
            raise ConfigError(
                "configuration error: CONSOLE_URL: when polling, the console is served on METRICS_PORT: "
                "set METRICS_PORT (and METRICS_HOST) too"
            )


def _one_line(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = "_".join(str(p) for p in err.get("loc", ()) if p != "__root__").upper()
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if not loc and ":" in msg:  # model-level errors already name their variable
        return f"configuration error: {msg}"
    return f"configuration error: {loc or 'settings'}: {msg}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise ConfigError with one readable line on any bad value."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
