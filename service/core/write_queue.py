"""Group commit for SQLite: one thread runs queued write jobs, as many as are waiting
(up to `max_batch`) in one transaction, each in its own SAVEPOINT.

Why: SQLite has one writer at a time. Sixteen request threads taking turns on a lock
pay a transaction, a commit and several thread hand-overs each, and the queue in front
of the lock is what made p99 explode (docs/pitfalls.md). One writer thread that drains the
queue pays one BEGIN/COMMIT per batch, and a job that fails (a 409, a 422) rolls back
only its own savepoint. A job's result is handed out only after the commit succeeded;
if the commit fails, every job of the batch gets that error and nothing of it is kept.
After-commit callbacks (service/core/commit_hooks.py) that the jobs register run once,
after the batch committed (the write transaction runs them); those of a failed job are
dropped with its savepoint.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from sqlmodel import Session

from service.core import commit_hooks

T = TypeVar("T")
# a write transaction that commits on success and then runs the after-commit callbacks
# (Database.write): the queue needs only that, so it knows nothing of the Database
WriteTransaction = Callable[[], AbstractContextManager[Session]]
Job = Callable[[Session], Any]
log = logging.getLogger("fokus.db")

_STOP = object()


class WriteQueue:
    def __init__(self, write: WriteTransaction, max_batch: int = 64) -> None:
        self.write = write
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, job: Callable[[Session], T]) -> Future[T]:
        self._ensure_thread()
        future: Future[T] = Future()
        self._queue.put((job, future))
        return future

    async def run(self, job: Callable[[Session], T]) -> T:
        return await asyncio.wrap_future(self.submit(job))

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout=10)
        self._thread = None

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                thread = threading.Thread(target=self._loop, name="fokus-writer", daemon=True)
                thread.start()
                self._thread = thread

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self._run_batch(batch)
            if stop:
                return

    def _run_batch(self, batch: list[tuple[Job, Future[Any]]]) -> None:
        outcomes: list[tuple[Future[Any], Any, BaseException | None]] = []
        try:
            with self.write() as session:
                for job, future in batch:
                    if not future.set_running_or_notify_cancel():
                        continue
                    hooks = commit_hooks.mark(session)
                    savepoint = session.begin_nested()
                    try:
                        result = job(session)
                        savepoint.commit()
                        outcomes.append((future, result, None))
                    except Exception as exc:  # the job's own failure: only it is undone
                        savepoint.rollback()
                        commit_hooks.forget_since(session, hooks)  # and what it registered
                        outcomes.append((future, None, exc))
        except BaseException as exc:  # the commit (or the database) failed: all fail
            log.warning("write batch of %d failed: %s", len(batch), exc)
            for _job, future in batch:
                if not future.done() and (
                    future.running() or future.set_running_or_notify_cancel()
                ):
                    future.set_exception(exc)
            return
        for future, result, error in outcomes:
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)
