"""Input types shared by every schema: bounded, free of control characters, and declared in
the OpenAPI document exactly as they are checked.

Each string type is checked on the value as sent (length, characters, shape) and only then
stripped, so its JSON Schema (`maxLength`, `pattern`) says precisely what is accepted: a
client, or a fuzzer, can tell from the document alone whether a value will be refused.
Numbers in a JSON body must be JSON numbers (not "5", not true), and times must be written
the one way the pattern shows, for the same reason."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from service.core.input_errors import problem

# line breaks and other control characters: never in a name, an address or a header
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_CONTROL_NO_NEWLINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _ranges(chars: list[str]) -> str:
    """A regex character class body (without brackets) for these characters, as \\uXXXX
    ranges: readable in the document, and the same in Python, ECMA-262 and Rust regexes."""
    codes = sorted({ord(c) for c in chars})
    parts: list[str] = []
    start = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code == previous + 1:
            previous = code
            continue
        parts.append(
            f"\\u{start:04x}" if start == previous else f"\\u{start:04x}-\\u{previous:04x}"
        )
        start = previous = code
    return "".join(parts)


# what str.strip() removes (all of it lies in the BMP), and the characters of the two
# patterns above
WHITESPACE = [chr(c) for c in range(0x10000) if chr(c).isspace()]
_CONTROL = [chr(c) for c in [*range(0x20), 0x7F, 0x2028, 0x2029]]
_CONTROL_IN_TEXT = [chr(c) for c in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]]
_LINE = f"[^{_ranges(_CONTROL)}]"
_VISIBLE = f"[^{_ranges(_CONTROL + WHITESPACE)}]"
_TEXT = f"[^{_ranges(_CONTROL_IN_TEXT)}]"
_VISIBLE_TEXT = f"[^{_ranges(_CONTROL_IN_TEXT + WHITESPACE)}]"

# a single line with at least one visible character (surrounding blanks are stripped)
NAME_PATTERN = f"^{_LINE}*{_VISIBLE}{_LINE}*$"
LINE_PATTERN = f"^{_LINE}*$"
TEXT_PATTERN = f"^{_TEXT}*$"
REASON_PATTERN = f"^{_TEXT}*{_VISIBLE_TEXT}{_TEXT}*$"

# An address: dot-separated atoms, "@", dot-separated labels of letters, digits and inner
# hyphens, and a top-level label that starts with a letter. Letters include the Latin ones
# beyond ASCII (jörg@bücher.de, łódź.pl). Whether the mail server takes the address is the
# dispatcher's business: one it refuses ends `failed` and never stops other mail.
_NON_ASCII = "\\u00c0-\\u024f"
_ATOM = f"[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~{_NON_ASCII}-]+"
_ALNUM = f"[A-Za-z0-9{_NON_ASCII}]"
_LABEL = f"{_ALNUM}+(?:-+{_ALNUM}+)*"
_TOP = f"[A-Za-z{_NON_ASCII}]{_ALNUM}+(?:-+{_ALNUM}+)*"
EMAIL_PATTERN = f"^ *{_ATOM}(?:\\.{_ATOM})*@{_LABEL}(?:\\.{_LABEL})*\\.{_TOP} *$"
EMAIL_MAX_LENGTH = 254

# Dates from 1970 to 2199 that exist (no 30 February, 29 February only in leap years), and
# times: hours and minutes, optional seconds and fraction; an offset, or none for local time;
# a date alone is its midnight, local time.
FIRST_YEAR, LAST_YEAR = 1970, 2199
_LEAP_YEARS = "|".join(
    str(y)
    for y in range(FIRST_YEAR, LAST_YEAR + 1)
    if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
)
_DATE = (
    "(?:(?:19[7-9][0-9]|2[01][0-9][0-9])-"
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    f"|(?:{_LEAP_YEARS})-02-29)"
)
DATE_PATTERN = f"^{_DATE}$"
DATETIME_PATTERN = (
    f"^{_DATE}(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{{1,6}})?)?"
    "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)?$"
)
_EMAIL = re.compile(EMAIL_PATTERN)
_DATE_RE = re.compile(DATE_PATTERN)
_DATETIME_RE = re.compile(DATETIME_PATTERN)

# Any time the pattern allows, with any offset, lies in between (a day of margin each side).
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC) - timedelta(days=1)
LATEST = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)


# Each refusal is `problem(code)`: its code and German text are in the error catalogue
# (templates/i18n/errors.json, section `input`), its English text is the message the API
# has always given.


def _single_line(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise problem("control_characters")
    return value.strip()


def _name(value: str) -> str:
    value = _single_line(value)
    if not value:
        raise problem("blank")
    return value


def _multi_line(value: str) -> str:
    if _CONTROL_NO_NEWLINE.search(value):
        raise problem("control_characters_text")
    return value.strip()


def _reason(value: str) -> str:
    value = _multi_line(value)
    if not value:
        raise problem("blank")
    return value


def _email(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise problem("control_characters")
    if not _EMAIL.fullmatch(value):
        shown = value.strip()[:80]
        _local, at, domain = shown.rpartition("@")
        if not at:
            raise problem("email_no_at", input=shown)
        if "." not in domain:  # max@gemeinde: the browser takes it, mail cannot reach it
            raise problem("email_no_domain_dot", input=shown)
        raise problem("email_invalid", input=shown)
    local, _, domain = value.strip().rpartition("@")
    normal = (
        unicodedata.normalize("NFC", local) + "@" + unicodedata.normalize("NFC", domain).lower()
    )
    # a stored address is checked again when a form sends it back: normalising must not
    # make it one the pattern refuses ("İ".lower() is "i" and a combining dot)
    return normal if _EMAIL.fullmatch(normal) else value.strip()


def _date_text(value: Any) -> Any:
    """JSON brings dates as text, which must match DATE_PATTERN; a date object (from Python
    callers such as the dashboard) is taken as it is."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise problem("date_text", first=FIRST_YEAR, last=LAST_YEAR)
    return value


def _datetime_text(value: Any) -> Any:
    """As `_date_text`, for DATETIME_PATTERN; a datetime object is taken as it is."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATETIME_RE.fullmatch(value):
        raise problem("datetime_text", first=FIRST_YEAR, last=LAST_YEAR)
    return value


def number(value: Any) -> Any:
    """A JSON number: not a string that looks like one, and not true/false."""
    if isinstance(value, str | bool):
        raise problem("number_type")
    return value


def not_null(*fields: str) -> Any:
    """A `json_schema_extra` for fields that may be left out but not sent as null: their
    schema is the value's own, without FastAPI's `anyOf [..., null]`."""

    def fix(schema: dict[str, Any]) -> None:
        for field in fields:
            prop = schema["properties"][field]
            choices = [c for c in prop.pop("anyOf", []) if c.get("type") != "null"]
            prop.pop("default", None)
            if choices:
                prop.update(choices[0])

    return fix


def _flag(value: Any) -> Any:
    """A query flag is `true` or `false`, as its boolean schema says (not yes/1/on)."""
    if isinstance(value, str) and value not in ("true", "false"):
        raise problem("flag_text")
    return value


def _string(max_length: int, pattern: str, **extra: Any) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "maxLength": max_length, "pattern": pattern, **extra})


Name = Annotated[
    str,
    Field(max_length=200),
    AfterValidator(_name),
    _string(200, NAME_PATTERN),
]
OptionalName = Annotated[
    str,
    Field(max_length=200),
    AfterValidator(_single_line),
    _string(200, LINE_PATTERN, description="blank means none"),
]
Text = Annotated[
    str,
    Field(max_length=4000),
    AfterValidator(_multi_line),
    _string(4000, TEXT_PATTERN),
]
Reason = Annotated[
    str,
    Field(max_length=4000),
    AfterValidator(_reason),
    _string(4000, REASON_PATTERN),
]
Email = Annotated[
    str,
    Field(max_length=EMAIL_MAX_LENGTH),
    AfterValidator(_email),
    _string(EMAIL_MAX_LENGTH, EMAIL_PATTERN, description="an email address"),
]
LocalDateTime = Annotated[
    datetime,
    BeforeValidator(_datetime_text),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DATETIME_PATTERN,
            "description": "ISO 8601 date and time; without an offset it is local time "
            "(FOKUS_TIMEZONE); a date alone is its midnight",
            "examples": ["2026-03-10T17:00:00", "2026-03-10T17:00:00+01:00", "2026-03-10"],
        }
    ),
]
PlanDate = Annotated[
    date,
    BeforeValidator(_date_text),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
Flag = Annotated[bool, BeforeValidator(_flag)]
# ids and versions are INTEGER columns: larger numbers would be a database error on
# PostgreSQL, so they are refused (or not found) before any query
MAX_INT = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_INT)]  # in a path or a query
BodyId = Annotated[int, Field(ge=1, le=MAX_INT), BeforeValidator(number)]
Version = Annotated[int, Field(ge=1, le=MAX_INT), BeforeValidator(number)]
Percent = Annotated[int, Field(ge=0, le=100), BeforeValidator(number)]
Share = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False), BeforeValidator(number)]
