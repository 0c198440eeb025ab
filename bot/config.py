"""Configuration: exactly the variables of DESIGN §3, read once from the environment and `.env`.

`bot/__main__.py` is the only caller of :func:`load_settings` with the real environment; tests
pass their own mapping. A bad value raises :class:`ConfigError` with one line naming the variable.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

log = logging.getLogger(__name__)

SUPPORTED_LANGUAGES = ("en", "vi")
_DB_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")


class ConfigError(Exception):
    """A configuration value that stops start-up; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    BOT_TOKEN: str | None = None
    BOT_API_URL: str = "https://api.telegram.org/bot"
    BOT_API_FILE_URL: str = "https://api.telegram.org/file/bot"
    DATA_DIR: Path = Path("./data")
    DATABASE_URL: str | None = None
    COORDINATOR_CHAT_ID: int | None = None
    COORDINATOR_IDS: Annotated[tuple[int, ...], NoDecode] = ()
    WEB_HOST: str = "127.0.0.1"
    WEB_PORT: int = Field(default=8080, ge=0, le=65535)
    PUBLIC_BASE_URL: str | None = None
    WEBHOOK_URL: str | None = None
    WEBHOOK_SECRET: str | None = None
    ENCRYPTION_KEYS: Annotated[tuple[str, ...], NoDecode] = ()
    LINK_SECRET: str | None = None
    EMERGENCY_NUMBER: str = "115"
    SUPPORT_EMAIL: str = "support@example.org"
    TURNAROUND_DAYS: int = Field(default=7, ge=1, le=90)
    DEFAULT_LANGUAGE: str = "en"
    DEFAULT_TIMEZONE: str = "Asia/Ho_Chi_Minh"

    @field_validator("COORDINATOR_IDS", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return tuple(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be comma-separated integer Telegram user ids") from None
        return value

    @field_validator("ENCRYPTION_KEYS", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(p.strip() for p in value.split(",") if p.strip())
        for key in value or ():
            try:
                raw = base64.b64decode(key, validate=True)
            except ValueError:
                raise ValueError("each key must be base64") from None
            if len(raw) != 32:
                raise ValueError("each key must decode to 32 bytes (AES-256)")
        return value

    @field_validator("BOT_TOKEN", "WEBHOOK_URL", "WEBHOOK_SECRET", "LINK_SECRET",
                     "DATABASE_URL", "PUBLIC_BASE_URL", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("COORDINATOR_CHAT_ID", mode="before")
    @classmethod
    def _empty_chat(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _db_scheme(cls, value: str | None) -> str | None:
        if value is not None and value.split("://", 1)[0] not in _DB_SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(_DB_SCHEMES)}")
        return value

    @field_validator("DEFAULT_LANGUAGE")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @field_validator("DEFAULT_TIMEZONE")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Asia/Ho_Chi_Minh") from None
        return value

    @field_validator("WEBHOOK_URL", "PUBLIC_BASE_URL", "BOT_API_URL", "BOT_API_FILE_URL")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("must be an http(s) URL")
        return value

    @field_validator("WEBHOOK_SECRET")
    @classmethod
    def _secret_token(cls, value: str | None) -> str | None:
        # Telegram: 1-256 characters, only A-Z, a-z, 0-9, _ and -.
        if value is not None and (
            len(value) > 256 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in value)
        ):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_pair(self) -> Settings:
        if (self.WEBHOOK_URL is None) != (self.WEBHOOK_SECRET is None):
            missing = "WEBHOOK_SECRET" if self.WEBHOOK_SECRET is None else "WEBHOOK_URL"
            raise ValueError(f"{missing}: set both WEBHOOK_URL and WEBHOOK_SECRET, or neither")
        return self

    # -- derived values -------------------------------------------------------------------

    @property
    def sandbox(self) -> bool:
        return self.BOT_TOKEN is None

    @property
    def database_url(self) -> str:
        if self.DATABASE_URL:
            return self.DATABASE_URL
        return f"sqlite+aiosqlite:///{(self.DATA_DIR / 'bot.sqlite3').resolve()}"

    @property
    def public_base_url(self) -> str:
        if self.PUBLIC_BASE_URL:
            return self.PUBLIC_BASE_URL.rstrip("/")
        return f"http://{self.WEB_HOST}:{self.WEB_PORT}"

    @property
    def webhook_path(self) -> str | None:
        if self.WEBHOOK_URL is None:
            return None
        return urlsplit(self.WEBHOOK_URL).path or "/"

    @property
    def coordinator_ids(self) -> frozenset[int]:
        return frozenset(self.COORDINATOR_IDS)


def _first_error_line(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ())) or "configuration"
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if ":" in msg and msg.split(":", 1)[0].isupper():
        return msg  # the message names its own variable (model-level checks)
    return f"{loc}: {msg}"


def load_settings(environ: Mapping[str, str] | None = None, *, env_file: str | None = ".env"
                  ) -> Settings:
    """Read the settings. ``environ`` replaces ``os.environ`` (tests pass their own)."""
    env = dict(os.environ if environ is None else environ)
    known = set(Settings.model_fields)
    values = {k: v for k, v in env.items() if k in known}
    try:
        if environ is None:
            settings = Settings(_env_file=env_file)
        else:
            settings = Settings(_env_file=None, **values)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_first_error_line(exc)) from None
    _check_data_dir(settings.DATA_DIR)
    return settings


def _check_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-probe-{secrets.token_hex(4)}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"DATA_DIR: {path} is not writable ({exc.strerror})") from None


def secret_from_data_dir(settings: Settings, name: str, generate: str) -> str:
    """Read a generated secret from DATA_DIR, creating it (with a warning) the first time."""
    path = settings.DATA_DIR / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    log.warning("%s is not set: generated one into DATA_DIR/%s; set it for production", name,
                name)
    path.write_text(generate + "\n", encoding="utf-8")
    path.chmod(0o600)
    return generate


def encryption_keys(settings: Settings) -> list[bytes]:
    """The master keys, newest first (ENCRYPTION_KEYS, or one generated into DATA_DIR)."""
    keys = settings.ENCRYPTION_KEYS or (
        secret_from_data_dir(settings, "ENCRYPTION_KEYS",
                             base64.b64encode(secrets.token_bytes(32)).decode()),
    )
    return [base64.b64decode(k) for k in keys]


def link_secret(settings: Settings) -> bytes:
    value = settings.LINK_SECRET or secret_from_data_dir(
        settings, "LINK_SECRET", secrets.token_urlsafe(32))
    return value.encode()
