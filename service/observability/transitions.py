"""Counts fokus_transitions_total{process, trigger} once per transition that was
committed: the write path records each transition on its session; they are counted when
the transaction commits and forgotten when it rolls back (a 409 or a crash counts none)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from service.core.metrics import TRANSITIONS

_KEY = "fokus_pending_transitions"
_installed = False


def record_transition(session: Session, process: str, trigger: str) -> None:
    """Counted if and when this session commits."""
    session.info.setdefault(_KEY, []).append((process, trigger))


def _after_commit(session: Session) -> None:
    for process, trigger in session.info.pop(_KEY, []):
        TRANSITIONS.labels(process=process, trigger=trigger).inc()


def _after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)


def install_transition_counter() -> None:
    """Idempotent: listens on every ORM session of the process."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)
    _installed = True
