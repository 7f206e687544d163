"""Processes on one SQLite file take turns for writing on a `flock` of
`<file>.write-lock` (service/core/file_lock.py), not in SQLite's polling busy handler: a
write waits while another process holds that lock and goes on as soon as it is let go
(issue 16: a second replica on one file made the p99 of transitions 8 x worse)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from service.auth.keys import Role, create_key
from service.auth.models import ApiKey
from service.core.context import Context
from service.core.db import sqlite_file


def _blocked_on(path: Path) -> bool:
    """Whether some process waits for a flock on `path` (Linux /proc/locks marks a
    waiting request with '->')."""
    inode = os.stat(path).st_ino
    with open("/proc/locks") as locks:
        return any(
            "->" in line and "FLOCK" in line and line.split()[-3].endswith(f":{inode}")
            for line in locks
        )


@pytest.mark.sqlite_only
@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="Linux /proc/locks")
def test_a_write_waits_for_the_other_process_lock_and_then_goes_on(ctx: Context) -> None:
    database = sqlite_file(ctx.settings.database_url)
    assert database is not None
    lock_path = Path(f"{database}.write-lock")
    # another process's hold, as a separate open file description (flock locks those)
    other = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)
    done = threading.Event()

    def write() -> None:
        with ctx.db.write() as session:
            create_key(session, ctx.clock, name="Wartende", role=Role.staff)
        done.set()

    writer = threading.Thread(target=write)
    try:
        writer.start()
        deadline = time.monotonic() + 10
        while not _blocked_on(lock_path):
            assert time.monotonic() < deadline, "the write never waited on the lock file"
            assert not done.is_set(), "the write did not wait for the other process"
            time.sleep(0.01)
        assert not done.is_set()
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    assert done.wait(10), "the write did not go on once the lock was let go"
    writer.join()
    with ctx.db.read() as session:
        names = session.execute(select(col(ApiKey.name))).scalars().all()
    assert "Wartende" in names
