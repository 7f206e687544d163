"""Configuration from the environment (prefix FOKUS_), validated once at start-up."""

from __future__ import annotations

import os
import re
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from workflows.definition import Process
from workflows.registry import default_registry

DEFAULT_DATABASE_URL = "sqlite:///var/fokus.db"
DATABASE_URL_HINT = (
    "fokus runs on SQLite (sqlite:///path/to/fokus.db) "
    "or PostgreSQL (postgresql+psycopg://user:password@host:5432/fokus)"
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FOKUS_", extra="ignore", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    smtp_url: str | None = None
    mail_from: str = "fokusberatung@localhost"
    mail_from_name: str = "Fokusberatung Klimaschutz"
    # Reply-To of every mail where the engagement's owner has no address (issue 15)
    reply_to: str | None = None
    supervisor_emails: Annotated[list[str], NoDecode] = Field(default_factory=list)
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = None
    scheduler_interval_seconds: float = Field(30.0, gt=0, le=86400)
    timezone: str = "Europe/Berlin"
    funding_period_months: int = Field(18, ge=1, le=120)
    reminder_working_days: int = Field(5, ge=0, le=120)
    # working days before a workshop that invitees without an answer are reminded
    rsvp_reminder_working_days: int = Field(3, ge=0, le=60)
    # links on the RSVP page (issue 15); shown only when set
    privacy_url: str | None = None
    imprint_url: str | None = None
    # the Art. 13 GDPR notice of every email and public page (service/core/privacy_notice.py):
    # the controller's name and postal address, and the data-protection officer's address
    controller: str | None = None
    dpo_email: str | None = None
    # months after an engagement became final that its participants' data is erased
    retention_months: int = Field(24, ge=1, le=600)
    # months after the funding end that the proof of use is due (Milestone.months_setting)
    proof_of_use_months: int = Field(6, ge=1, le=36)
    # months before the funding end that a follow-on application is due, where the KRL
    # version does not fix it itself
    follow_on_lead_months: int = Field(5, ge=1, le=24)
    metrics_token: str | None = None
    # {"stage": days} for that stage in every process, {"process.stage": days} for one
    stage_deadline_working_days: dict[str, int] = Field(default_factory=dict)
    default_process: str = Field("fokusberatung", min_length=1, max_length=40)
    language: Literal["de", "en"] = "de"
    var_dir: Path = Path("var")
    max_body_bytes: int = Field(1_000_000, ge=1024)
    # a file attached to an evidence record (its route alone takes bodies this large)
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    log_format: Literal["auto", "json", "text"] = "auto"
    # how long one computed portfolio statistics snapshot is served (0: computed per request)
    stats_cache_seconds: float = Field(60.0, ge=0, le=3600)

    @field_validator("supervisor_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("supervisor_emails")
    @classmethod
    def _check_emails(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address or any(c in address for c in "\r\n<>, "):
                raise ValueError(f"not an email address: {address!r}")
        return value

    @field_validator("reply_to", "dpo_email")
    @classmethod
    def _check_reply_to(cls, value: str | None) -> str | None:
        """One plain address: a name, a second address or a line break would let a
        setting write headers of its own."""
        if not value:
            return None
        if value.count("@") != 1 or any(c in value for c in '\r\n<>,; \t"()'):
            raise ValueError(f"not an email address: {value!r}")
        return value

    @field_validator("privacy_url", "imprint_url")
    @classmethod
    def _check_page_url(cls, value: str | None) -> str | None:
        """An http(s) address: the RSVP page links to it, and a `javascript:` link there
        would run in the invitee's browser."""
        if not value:
            return None
        if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
            raise ValueError(f"not an http(s) address: {value!r}")
        return value

    @field_validator("controller")
    @classmethod
    def _check_controller(cls, value: str | None) -> str | None:
        """One line of at most 300 characters (every email's footer repeats it): name and
        postal address separated by commas."""
        if not value or not value.strip():
            return None
        if any(ord(c) < 32 or ord(c) == 127 or c in "<>" for c in value) or len(value) > 300:
            raise ValueError("expected one line of at most 300 characters: name, street, town")
        return " ".join(value.split())

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("expected smtp://[user:pass@]host:port[?starttls=true|tls=true]")
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError as exc:
            raise ValueError(f"bad port in {value!r}") from exc
        for key, values in parse_qs(parts.query).items():
            if key not in ("starttls", "tls") or values[-1].lower() not in ("true", "false"):
                raise ValueError(f"unknown SMTP option {key}={values[-1]}")
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected an absolute http(s) URL")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        """Only what fokus runs on, with a driver that is installed: otherwise the first
        connection fails deep inside SQLAlchemy with a long traceback. The messages
        never repeat the URL (it may carry a password)."""
        if "://" not in value:
            raise ValueError(f"expected an SQLAlchemy URL; {DATABASE_URL_HINT}")
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"not a database URL; {DATABASE_URL_HINT}") from None
        backend = url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {backend!r}; {DATABASE_URL_HINT}")
        try:
            url.get_dialect().import_dbapi()
        except (ImportError, NoSuchModuleError):
            raise ValueError(
                f"database driver {url.drivername!r} is not installed; {DATABASE_URL_HINT}"
            ) from None
        if backend == "sqlite" and url.database in (None, "", ":memory:"):
            raise ValueError("an in-memory SQLite database would be lost; give a file path")
        return value

    @field_validator("stage_deadline_working_days")
    @classmethod
    def _check_deadlines(cls, value: dict[str, int]) -> dict[str, int]:
        active = {
            name
            for process in default_registry().all()
            for stage in process.active_states
            for name in (stage, f"{process.name}.{stage}")
        }
        for stage, days in value.items():
            if stage not in active:
                raise ValueError(
                    f"{stage!r} is not an active stage of any process ({', '.join(sorted(active))})"
                )
            if not 1 <= days <= 1000:
                raise ValueError(f"{stage}: working days must be 1..1000")
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database_url_is_default(self) -> bool:
        """True when FOKUS_DATABASE_URL is not configured (or spells out the default):
        only then may a missing var/ folder be created (a fresh checkout's `make run`)."""
        return self.database_url == DEFAULT_DATABASE_URL

    def database_label(self) -> str:
        """The database for a log line: password masked, a SQLite path made absolute, so
        an operator sees at once which file a command in another directory used."""
        url = make_url(self.database_url)
        database = url.database
        if url.get_backend_name() == "sqlite" and database and not database.startswith("file:"):
            url = url.set(database=str(Path(database).resolve()))
        return url.render_as_string(hide_password=True)

    def mail_label(self) -> str:
        """The mail transport for a log line, with any SMTP password masked."""
        if not self.smtp_url:
            return f"Maildir {(self.var_dir / 'mail').resolve()} (FOKUS_SMTP_URL is not set)"
        parts = urlsplit(self.smtp_url)
        login = ""
        if parts.username:
            login = parts.username + (":***" if parts.password is not None else "") + "@"
        port = f":{parts.port}" if parts.port else ""
        query = f"?{parts.query}" if parts.query else ""
        return f"SMTP {parts.scheme}://{login}{parts.hostname}{port}{query}"

    def deadline_working_days(self, process: Process, stage: str) -> int | None:
        """The operator's override for this process's stage, else for the stage name in
        every process, else the process's own target."""
        overrides = self.stage_deadline_working_days
        for key in (f"{process.name}.{stage}", stage):
            if key in overrides and not process.is_final(stage):
                return overrides[key]
        return process.stage(stage).deadline_working_days

    def resolved_secret_key(self) -> str:
        """FOKUS_SECRET_KEY, or one generated once into var/ and kept there."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


class SettingsError(SystemExit):
    """Start-up stops with one line per bad variable."""


_SOURCE_FIELD = re.compile(r'field "([a-z_]+)"')


def load_settings() -> Settings:
    """The settings, or SettingsError with one line per bad variable, naming it. Values
    are never repeated: FOKUS_DATABASE_URL or FOKUS_SMTP_URL may carry a password."""
    try:
        return Settings()
    except SourceError as exc:
        # a JSON setting that is not JSON fails before validation, without a location
        found = _SOURCE_FIELD.search(str(exc))
        name = "FOKUS_" + found.group(1).upper() if found else "FOKUS_*"
        cause = exc.__cause__
        reason = f"not valid JSON ({cause})" if cause is not None else str(exc)
        if found and found.group(1) == "stage_deadline_working_days":
            reason += ', expected an object such as {"workshops": 80}'
        raise SettingsError(f"configuration error: {name}: {reason}") from None
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = "FOKUS_" + str(error["loc"][0]).upper() if error["loc"] else "FOKUS_*"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"configuration error: {name}: {message}")
        raise SettingsError("\n".join(lines)) from None
