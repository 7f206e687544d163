"""The addresses of an outbox row as they go out: To, Reply-To and From parsed back into
name and address, a line break or a second address refused (no header injection), the
domain in its IDNA 2008 (xn--) form, and whether the local part needs SMTPUTF8."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.charset import Charset
from email.headerregistry import Address
from email.utils import getaddresses
from functools import lru_cache

import idna

from service.core.settings import Settings
from service.core.validation import CONTROL_CHARACTERS
from service.mail.send_errors import SendError


def checked(value: str, what: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise SendError(f"{what} contains a control character; not sent", permanent=True)
    return value


@dataclass(frozen=True)
class Mailbox:
    """A name and an address as they go out: the domain in IDNA (xn--) form."""

    display_name: str
    addr_spec: str
    # the local part has non-ASCII characters: only SMTPUTF8 can carry it
    needs_smtputf8: bool

    def header(self) -> str:
        """`Name <addr>` for From/To: the name RFC 2047 encoded where it is not ASCII
        (what `email.utils.formataddr` writes, which refuses a non-ASCII address)."""
        name, addr = self.display_name, self.addr_spec
        if not name:
            return addr
        if not name.isascii():
            return f"{Charset('utf-8').header_encode(name)} <{addr}>"
        quotes = '"' if _SPECIALS.search(name) else ""
        escaped = _ESCAPES.sub(r"\\\g<0>", name)
        return f"{quotes}{escaped}{quotes} <{addr}>"


_SPECIALS = re.compile(r'[][\\()<>@,:;".]')
_ESCAPES = re.compile(r'[\\"]')


def ascii_domain(domain: str, what: str) -> str:
    """The IDNA 2008 (UTS 46) form of `domain`, as email-validator checked it on input
    (Python's built-in "idna" codec is IDNA 2003 and would turn straße.de into the
    different domain strasse.de)."""
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except UnicodeError as exc:  # idna.IDNAError and its kinds
        raise SendError(
            f"the {what} domain cannot be written in IDNA (xn--) form: {exc}"[:500],
            permanent=True,
        ) from None


def _mailbox(name: str, local: str, domain: str, what: str) -> Mailbox:
    try:
        address = Address(display_name=name, username=local, domain=ascii_domain(domain, what))
        addr_spec = address.addr_spec
    except (ValueError, IndexError) as exc:
        raise SendError(f"unusable {what} address: {exc}", permanent=True) from None
    return Mailbox(name, addr_spec, needs_smtputf8=not local.isascii())


def recipient(to_addr: str) -> Mailbox:
    """The To of a row; a line break or a second address is refused."""
    checked(to_addr, "recipient")
    parsed = getaddresses([to_addr])
    if len(parsed) != 1 or "@" not in parsed[0][1]:
        raise SendError(f"not exactly one recipient address: {to_addr[:100]!r}", permanent=True)
    name, addr = parsed[0]
    local, _, domain = addr.rpartition("@")
    if not local or not domain:
        raise SendError(f"not exactly one recipient address: {to_addr[:100]!r}", permanent=True)
    return _mailbox(checked(name, "recipient name"), local, domain, "recipient")


def reply_to(value: str) -> Mailbox:
    """The Reply-To of a row: one address, with or without a name, checked like the To
    (a line break or a second address is refused, so it cannot add a header)."""
    checked(value, "Reply-To")
    parsed = getaddresses([value])
    local, _, domain = parsed[0][1].rpartition("@") if len(parsed) == 1 else ("", "", "")
    if not local or not domain:
        raise SendError(f"not exactly one Reply-To address: {value[:100]!r}", permanent=True)
    return _mailbox(checked(parsed[0][0], "Reply-To name"), local, domain, "Reply-To")


def sender(settings: Settings) -> Mailbox:
    """The From of every message: parsed once per process (an unusable one raises each
    time, exceptions are not cached)."""
    return _sender(settings.mail_from, settings.mail_from_name)


@lru_cache(maxsize=16)
def _sender(mail_from: str, mail_from_name: str) -> Mailbox:
    local, _, domain = mail_from.rpartition("@")
    name = checked(mail_from_name, "FOKUS_MAIL_FROM_NAME")
    if not local:  # no "@": taken as it is, as before
        return _mailbox(name, mail_from, "", "sender (FOKUS_MAIL_FROM)")
    return _mailbox(name, local, domain, "sender (FOKUS_MAIL_FROM)")
