"""After-commit hooks: work that must happen only once a write transaction has committed.

Why: some effects of a change belong after its commit, never before and never after a
rollback. The one today is waking the mail dispatcher when a change queued mail
(`mail.outbox.enqueue` registers `ctx.mail_queued`): woken before the commit it would find
nothing, and after a rollback there is nothing to send. Code that queues the work
registers a callback on the session it writes with; the unit of work that owns the
transaction runs the callbacks once, after its commit, outside any database lock:

- `Database.write()` (service/core/db.py): after `session.commit()` succeeded; a rollback
  drops them with the session.
- the group-commit writer (service/core/write_queue.py): a job that fails rolls back its
  savepoint and `forget_since` drops what that job registered; the rest run through
  `Database.write()`, so only if the batch committed, and once per batch.

A callback registered twice in one transaction (equal by `==`, as the same bound method
of the same object is) runs once. Callbacks must be quick and must not touch the
database: they run on the thread that committed (a request's worker, the writer thread,
a sweep). One that raises is logged and does not undo or fail the committed change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlmodel import Session

Callback = Callable[[], object]
_KEY = "fokus.after_commit"
log = logging.getLogger("fokus.db")


def after_commit(session: Session, callback: Callback) -> None:
    """Runs `callback()` once after the transaction `session` writes in commits."""
    callbacks: list[Callback] = session.info.setdefault(_KEY, [])
    if callback not in callbacks:
        callbacks.append(callback)


def mark(session: Session) -> int:
    """Where the registered callbacks stand now (for `forget_since`)."""
    return len(session.info.get(_KEY, ()))


def forget_since(session: Session, position: int) -> None:
    """Drops what was registered after `mark()` returned `position`: the work that
    registered it was rolled back (a savepoint), so its effects must not follow."""
    callbacks = session.info.get(_KEY)
    if callbacks:
        del callbacks[position:]


def take(session: Session) -> list[Callback]:
    """The registered callbacks, removed from the session (the committer runs them)."""
    callbacks: list[Callback] = session.info.pop(_KEY, [])
    return callbacks


def run(callbacks: Sequence[Callback]) -> None:
    """Runs each callback; a failing one is logged: the change it follows is committed."""
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("after-commit callback %r failed", callback)
