"""Turning an outbox row into an email, and handing it to SMTP (aiosmtplib) or a Maildir.

`build_message` is pure: the row's stable Message-ID, a From with the configured name,
the To and the Reply-To parsed back into name and address (refused if they carry a
line break, so no header injection is possible), a plain-text and an HTML alternative
and, for workshop mail, the .ics both as a `text/calendar; method=…` alternative (what
Outlook looks for) and as an attachment, typed the same (`text/calendar; method=…;
charset=UTF-8`, RFC 6047; `application/ics` is no registered type). The .ics is
attached as bytes (base64), never as str: a str part would have its CRLF line endings
turned into LF (docs/pitfalls.md).

Internationalised addresses (input validation accepts them): a domain goes out in its
IDNA 2008 (xn--) form, in the envelope and the headers, so any server takes it. A local
part with non-ASCII characters (`jörg@…`) can only travel with SMTPUTF8 (RFC 6531/6532):
the message then carries that address as UTF-8 in From/To and is sent with the SMTPUTF8
option where the server offers it; a server that does not fails that one message,
permanently, with a `last_error` that says why. A Maildir takes such a message as it is.

A transport is opened once per batch and sends messages one by one; every failure is
classified as temporary (4xx, connection refused, timeouts: retry later) or permanent
(5xx, an unusable address: give up and show it).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import mailbox
import secrets
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from service.core.settings import Settings
from service.mail.addresses import checked, recipient, reply_to, sender
from service.mail.send_errors import ConnectError, SendError

# the send errors are raised here too, so callers import them from here
__all__ = ["ConnectError", "SendError", "build_message", "transport_for"]


class Sendable(Protocol):
    """The fields of an outbox row that make up the email."""

    @property
    def to_addr(self) -> str: ...
    @property
    def reply_to(self) -> str | None: ...
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


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipient: str
    data: bytes  # the whole message, CRLF line endings
    # an address has a non-ASCII local part: send with SMTPUTF8, or not at all
    smtputf8: bool = False

    def smtputf8_refusal(self) -> SendError:
        """The error of a message that needs SMTPUTF8 on a server without it."""
        whose = "recipient" if not self.recipient.isascii() else "sender (FOKUS_MAIL_FROM)"
        return SendError(
            f"the {whose} address has non-ASCII characters before the @, which only "
            "SMTPUTF8 (RFC 6531) can carry, and the mail server does not offer SMTPUTF8; "
            "not sent",
            permanent=True,
        )


def _qp(text: str) -> bytes:
    normal = text.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(normal.encode("utf-8"), istext=True)


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


def _header_text(value: str) -> str:
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=76, header_name="Subject").encode(linesep="\r\n")


@lru_cache(maxsize=256)
def _reply_to_header(value: str) -> str:
    """The Reply-To header of `value`, parsed once: the same few addresses for thousands
    of mails (an unusable one raises every time: exceptions are not cached)."""
    return reply_to(value).header()


def build_message(row: Sendable, settings: Settings) -> Envelope:
    """The email of one row, assembled directly (the `email` package's header parsing
    and generator cost ~10 ms per message; this is well under 1 ms). Names and the
    subject are RFC 2047 encoded; bodies are quoted-printable, the .ics base64; the
    boundaries contain "=_", which neither encoding can produce."""
    to = recipient(row.to_addr)
    sender_address = sender(settings)
    subject = checked(row.subject, "subject")
    message_id = checked(row.message_id, "Message-ID")
    tag = secrets.token_hex(10)
    mixed, alternative = f"=_fokus_{tag}_m", f"=_fokus_{tag}_a"
    head = [
        f"From: {sender_address.header()}",
        f"To: {to.header()}",
        *([f"Reply-To: {_reply_to_header(row.reply_to)}"] if row.reply_to else []),
        f"Subject: {_header_text(subject)}",
        f"Message-ID: {message_id}",
        f"Date: {format_datetime(row.created_at)}",
        "Auto-Submitted: auto-generated",
        "MIME-Version: 1.0",
    ]
    body: list[bytes] = []
    alt = [
        f'--{alternative}\nContent-Type: text/plain; charset="utf-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n\n".encode()
        + _qp(row.body_text),
        f'--{alternative}\nContent-Type: text/html; charset="utf-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n\n".encode()
        + _qp(row.body_html),
    ]
    if row.ics is not None:
        method = (row.ics_method or "REQUEST").upper()
        if method not in ("REQUEST", "CANCEL"):
            raise SendError(f"unknown calendar method {method!r}", permanent=True)
        filename = "absage.ics" if method == "CANCEL" else "einladung.ics"
        ics = _b64(row.ics)
        alt.append(
            f"--{alternative}\nContent-Type: text/calendar; method={method}; charset=UTF-8\n"
            "Content-Transfer-Encoding: base64\n\n".encode()
            + ics
        )
        head.append(f'Content-Type: multipart/mixed; boundary="{mixed}"')
        body.append(f"--{mixed}\n".encode())
        body.append(f'Content-Type: multipart/alternative; boundary="{alternative}"\n\n'.encode())
        body.append(b"\n".join(alt) + f"\n--{alternative}--\n".encode())
        body.append(
            f"--{mixed}\nContent-Type: text/calendar; method={method}; charset=UTF-8; "
            f'name="{filename}"\n'
            f'Content-Disposition: attachment; filename="{filename}"\n'
            "Content-Transfer-Encoding: base64\n\n".encode()
            + ics
        )
        body.append(f"--{mixed}--\n".encode())
    else:
        head.append(f'Content-Type: multipart/alternative; boundary="{alternative}"')
        body.append(b"\n".join(alt) + f"\n--{alternative}--\n".encode())
    smtputf8 = sender_address.needs_smtputf8 or to.needs_smtputf8
    # every header is ASCII except an address whose local part is not (RFC 6532)
    raw = ("\n".join(head) + "\n\n").encode("utf-8" if smtputf8 else "ascii") + b"".join(body)
    data = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return Envelope(
        sender=sender_address.addr_spec, recipient=to.addr_spec, data=data, smtputf8=smtputf8
    )


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
            # explicit: aiosmtplib's default upgrades whenever offered (docs/pitfalls.md)
            start_tls=options.get("starttls", False) and not use_tls,
        )


class Transport(Protocol):
    async def open(self) -> None: ...
    async def send(self, message: Envelope) -> None: ...
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

    async def send(self, message: Envelope) -> None:
        if self.client is None or not self.client.is_connected:
            await self.open()
        assert self.client is not None
        options = ["SMTPUTF8"] if message.smtputf8 else []
        try:
            # one deadline for the whole transaction instead of aiosmtplib's wait_for()
            # around each of its four commands (a task and a timer each: issue 16)
            async with asyncio.timeout(self.timeout):
                await self.client.sendmail(
                    message.sender,
                    [message.recipient],
                    message.data,
                    mail_options=options,
                    timeout=None,
                )
        except aiosmtplib.SMTPNotSupported as exc:
            if message.smtputf8:  # refused before MAIL FROM: the connection is fine
                raise message.smtputf8_refusal() from None
            self.client = None
            raise _classify(exc) from None
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

    async def send(self, message: Envelope) -> None:
        if self.box is None:
            await self.open()
        assert self.box is not None
        # a message with a UTF-8 address (RFC 6532) is stored as it is: there is no
        # server to negotiate SMTPUTF8 with, and mail readers read UTF-8 headers
        try:
            self.box.add(message.data)
        except OSError as exc:
            raise ConnectError(f"Maildir {self.path}: {exc}") from None

    async def close(self) -> None:
        self.box = None


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(SmtpConfig.from_url(settings.smtp_url))
    return MaildirTransport(settings.var_dir / "mail")
