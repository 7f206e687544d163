"""Turning an outbox row into an email, and handing it to SMTP (aiosmtplib) or a Maildir.

`build_message` is pure: the row's stable Message-ID, a From with the configured name,
the To parsed back into name and address (refused if it carries a line break, so no
header injection is possible), a plain-text and an HTML alternative and, for workshop
mail, the .ics both as a `text/calendar; method=…` alternative (what Outlook looks for)
and as an attachment. The .ics is attached as bytes (base64), never as str: a str part
would have its CRLF line endings turned into LF (PITFALLS.md).

A transport is opened once per batch and sends messages one by one; every failure is
classified as temporary (4xx, connection refused, timeouts: retry later) or permanent
(5xx, an unusable address: give up and show it).
"""

from __future__ import annotations

import asyncio
import mailbox
import re
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from service.settings import Settings

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class SendError(Exception):
    """A failed send; `permanent` says whether retrying can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class ConnectError(SendError):
    """The server could not be reached at all: every message of the batch waits."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=False)


class Sendable(Protocol):
    """The fields of an outbox row that make up the email."""

    @property
    def to_addr(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def body_text(self) -> str: ...
    @property
    def body_html(self) -> str: ...
    @property
    def ics(self) -> bytes | None: ...
    @property
    def ics_method(self) -> str | None: ...
    @property
    def message_id(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


def _checked(value: str, what: str) -> str:
    if _UNSAFE.search(value):
        raise SendError(f"{what} contains a control character; not sent", permanent=True)
    return value


def recipient(to_addr: str) -> Address:
    """The To of a row as a header Address; a line break or a second address is refused."""
    _checked(to_addr, "recipient")
    parsed = getaddresses([to_addr])
    if len(parsed) != 1 or "@" not in parsed[0][1]:
        raise SendError(f"not exactly one recipient address: {to_addr[:100]!r}", permanent=True)
    name, addr = parsed[0]
    local, _, domain = addr.rpartition("@")
    try:
        return Address(display_name=_checked(name, "recipient name"), username=local, domain=domain)
    except (ValueError, IndexError) as exc:
        raise SendError(f"unusable recipient address: {exc}", permanent=True) from None


def sender(settings: Settings) -> Address:
    local, _, domain = settings.mail_from.rpartition("@")
    return Address(
        display_name=_checked(settings.mail_from_name, "FOKUS_MAIL_FROM_NAME"),
        username=local or settings.mail_from,
        domain=domain,
    )


def build_message(row: Sendable, settings: Settings) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    try:
        message["From"] = sender(settings)
        message["To"] = recipient(row.to_addr)
        message["Subject"] = _checked(row.subject, "subject")
        message["Message-ID"] = _checked(row.message_id, "Message-ID")
    except ValueError as exc:  # the email package refuses what it cannot encode
        raise SendError(f"unusable header: {exc}", permanent=True) from None
    message["Date"] = format_datetime(row.created_at)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(row.body_html, subtype="html", charset="utf-8", cte="quoted-printable")
    if row.ics is not None:
        method = (row.ics_method or "REQUEST").upper()
        message.add_alternative(
            row.ics,
            maintype="text",
            subtype="calendar",
            params={"method": method, "charset": "utf-8"},
        )
        message.add_attachment(
            row.ics,
            maintype="application",
            subtype="ics",
            filename="absage.ics" if method == "CANCEL" else "einladung.ics",
        )
    return message


@dataclass(frozen=True)
class SmtpConfig:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        options = {k: v[-1].lower() == "true" for k, v in parse_qs(parts.query).items()}
        use_tls = parts.scheme == "smtps" or options.get("tls", False)
        return cls(
            hostname=parts.hostname or "localhost",
            port=parts.port or (465 if use_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls,
            # explicit: aiosmtplib's default upgrades whenever offered (PITFALLS.md)
            start_tls=options.get("starttls", False) and not use_tls,
        )


class Transport(Protocol):
    async def open(self) -> None: ...
    async def send(self, message: EmailMessage) -> None: ...
    async def close(self) -> None: ...


def _classify(exc: BaseException) -> SendError:
    if isinstance(exc, SendError):
        return exc
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        text = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        return SendError(f"recipient refused: {text}", permanent=all(c >= 500 for c in codes))
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return SendError(f"{exc.code} {exc.message}", permanent=exc.code >= 500)
    if isinstance(exc, (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError)):
        name = type(exc).__name__
        return SendError(f"{name}: {exc}"[:500], permanent=False)
    return SendError(f"{type(exc).__name__}: {exc}"[:500], permanent=False)


class SmtpTransport:
    """One aiosmtplib connection, reused for every message of a batch; reconnects once
    after a dropped connection."""

    def __init__(self, config: SmtpConfig, timeout: float = 30.0) -> None:
        self.config = config
        self.timeout = timeout
        self.client: aiosmtplib.SMTP | None = None

    async def open(self) -> None:
        config = self.config
        tls_context = ssl.create_default_context() if config.use_tls or config.start_tls else None
        client = aiosmtplib.SMTP(
            hostname=config.hostname,
            port=config.port,
            use_tls=config.use_tls,
            start_tls=config.start_tls,
            username=config.username,
            password=config.password,
            timeout=self.timeout,
            tls_context=tls_context,
        )
        try:
            await client.connect()
        except Exception as exc:
            raise ConnectError(
                f"connecting to {config.hostname}:{config.port}: {_classify(exc)}"
            ) from None
        self.client = client

    async def send(self, message: EmailMessage) -> None:
        if self.client is None or not self.client.is_connected:
            await self.open()
        assert self.client is not None
        try:
            await self.client.send_message(message)
        except aiosmtplib.SMTPServerDisconnected as exc:
            self.client = None
            raise _classify(exc) from None
        except Exception as exc:
            error = _classify(exc)
            if not error.permanent and not isinstance(exc, aiosmtplib.SMTPResponseException):
                self.client = None  # the connection is in an unknown state: start afresh
            raise error from None

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except Exception:  # the server went away: nothing left to close politely
                client.close()


class MaildirTransport:
    """Mail into `{var_dir}/mail` (stdlib mailbox), so the service runs with no SMTP server."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.box: mailbox.Maildir | None = None

    async def open(self) -> None:
        # Maildir(create=True) makes tmp/new/cur only if the folder itself is new
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(str(self.path), create=True)

    async def send(self, message: EmailMessage) -> None:
        if self.box is None:
            await self.open()
        assert self.box is not None
        try:
            self.box.add(message.as_bytes())
        except OSError as exc:
            raise ConnectError(f"Maildir {self.path}: {exc}") from None

    async def close(self) -> None:
        self.box = None


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(SmtpConfig.from_url(settings.smtp_url))
    return MaildirTransport(settings.var_dir / "mail")
