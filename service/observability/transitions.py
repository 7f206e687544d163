"""Counts fokus_transitions_total{trigger} once per transition that was committed: a
transition is a history row of kind "transition"; rows seen at flush are counted when
the transaction commits and forgotten when it rolls back (a 409 or a crash counts none)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from service.core.metrics import TRANSITIONS
from service.engagements.models import HistoryEntry

_KEY = "fokus_pending_transitions"
_installed = False


def _after_flush(session: Session, _flush_context: Any) -> None:
    triggers = [
        obj.trigger
        for obj in session.new
        if isinstance(obj, HistoryEntry) and obj.kind == "transition" and obj.trigger
    ]
    if triggers:
        session.info.setdefault(_KEY, []).extend(triggers)


def record_transition(session: Session, trigger: str) -> None:
    """For transitions written with a Core insert (no ORM object to see at flush)."""
    session.info.setdefault(_KEY, []).append(trigger)


def _after_commit(session: Session) -> None:
    for trigger in session.info.pop(_KEY, []):
        TRANSITIONS.labels(trigger=trigger).inc()


def _after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)


def install_transition_counter() -> None:
    """Idempotent: listens on every ORM session of the process."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)
    _installed = True
