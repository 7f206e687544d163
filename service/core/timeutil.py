"""Reading times from clients and writing them back."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from service.core.errors import Invalid
from service.core.input_errors import label
from service.core.validation import EARLIEST, LATEST


def from_client(value: datetime, tz: ZoneInfo, field: str) -> datetime:
    """A client's time as aware UTC; one without offset is local time in `tz`."""
    aware = value.replace(tzinfo=tz) if value.tzinfo is None else value
    try:
        result = aware.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Invalid("time_out_of_range", field_en=field, field_de=label(field, "de")) from None
    if not EARLIEST <= result <= LATEST:
        raise Invalid("time_outside_years", field_en=field, field_de=label(field, "de"))
    return result


def to_client(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return None if value is None else value.astimezone(tz)
