"""Schemathesis hooks for tests/api/test_openapi_fuzz.py (SCHEMATHESIS_HOOKS=<this file>).

JSON Schema cannot compare two fields, so the document states these rules in words and a
schema-valid body may still break them: a workshop's ends_at before its starts_at, a
measure's planned_end before its planned_start (both 422), a grant notice's period, notice
date and amount (and its minimum grant and `reason`, which depend on what is stored).
Before each request, this puts such a pair in order (and the grant notice in line), so
that "valid per the schema" also means valid per those rules and Schemathesis'
positive_data_acceptance check stays meaningful for every other field. A pair that is not
two well-formed times is left alone (that case is about something else).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import schemathesis

# naive times are local time of the server under test (FOKUS_TIMEZONE, its default)
LOCAL = ZoneInfo("Europe/Berlin")
ORDERED_PAIRS = {
    ("POST", "/api/v1/engagements/{engagement_id}/workshops"): ("starts_at", "ends_at"),
    ("PATCH", "/api/v1/workshops/{workshop_id}"): ("starts_at", "ends_at"),
    ("POST", "/api/v1/engagements/{engagement_id}/measures"): ("planned_start", "planned_end"),
}


def _moment(value: Any, dates: bool) -> datetime | date | None:
    """The value as a date (planned_*), or as an aware time (a date alone is its local
    midnight, a time without offset local time); None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        if dates:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)


GRANT = ("PUT", "/api/v1/engagements/{engagement_id}/grant")
MIN_GRANT_EUR = 10_000  # the highest minimum grant of any KRL version (workflows/programme.py)


def _euro(value: Any) -> float | None:
    """A well-formed amount in euro, else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1e9:
        return float(value)
    return None


def _consistent_grant(body: dict[str, Any]) -> None:
    """The grant notice's rules between fields and against the stored engagement (its
    KRL version's minimum grant; a reason once a notice is recorded): met, where the
    fields themselves are well-formed."""
    start, end = _moment(body.get("period_start"), True), _moment(body.get("period_end"), True)
    if start is not None and end is not None and end < start:
        body["period_start"], body["period_end"] = body["period_end"], body["period_start"]
        start = end
    notice = _moment(body.get("notice_date"), True)
    if start is not None and notice is not None and notice > start:
        body["notice_date"] = body["period_start"]
    amount, costs = _euro(body.get("grant_amount")), _euro(body.get("eligible_costs"))
    if amount is not None and costs is not None:
        body["grant_amount"] = amount = max(amount, MIN_GRANT_EUR)
        body["eligible_costs"] = max(costs, amount)
    if body.get("reason") is None:
        body["reason"] = "Änderungsbescheid"


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if (case.method.upper(), case.operation.path) == GRANT and isinstance(case.body, dict):
        _consistent_grant(case.body)
        return
    pair = ORDERED_PAIRS.get((case.method.upper(), case.operation.path))
    body = case.body
    if pair is None or not isinstance(body, dict):
        return
    first, second = pair
    dates = first == "planned_start"
    start, end = _moment(body.get(first), dates), _moment(body.get(second), dates)
    if start is None or end is None:
        return
    if end < start:
        body[first], body[second] = body[second], body[first]
