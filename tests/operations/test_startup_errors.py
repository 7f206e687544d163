"""Start-up problems a newcomer can read (contract, "Hardening"): a bad setting, an
unreachable database, an unknown driver, a SQLite file in a folder that does not exist
print one line on stderr naming the problem (and the variable) and exit with status 2,
without a traceback; and no command creates an empty database by accident. Every case
runs the real `fokus` command in a subprocess, from a directory of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from service.core.context import Context
from tests.support import free_port

FOKUS = str(Path(sys.executable).parent / "fokus")


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`fokus ARGS` in `cwd` with only these FOKUS_* variables (nothing inherited)."""
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FOKUS_LOG_FORMAT": "json"}
    return subprocess.run(
        [FOKUS, *args],
        cwd=cwd,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a refused start, after checking status 2 and that
    nothing else was printed."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert lines[0].startswith("fokus: "), lines[0]
    return lines[0]


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_postgresql_on_a_closed_port_is_one_line_with_the_password_masked(
    tmp_path: Path,
) -> None:
    url = f"postgresql+psycopg://fokus:geheim-pw-42@127.0.0.1:{free_port()}/fokus"
    for command in (["db", "upgrade"], ["serve", "--port", str(free_port())]):
        line = one_line_error(run(tmp_path, *command, FOKUS_DATABASE_URL=url))
        assert "FOKUS_DATABASE_URL" in line
        assert "cannot open the database" in line and "refused" in line.lower()
        assert "fokus:***@127.0.0.1" in line
        assert "geheim-pw-42" not in line
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://fokus:pw@127.0.0.1/fokus", "unsupported database 'mysql'"),
        ("postgresql+psycopg2://fokus:pw@127.0.0.1/fokus", "driver 'postgresql+psycopg2'"),
        ("oracle://fokus:pw@127.0.0.1/fokus", "unsupported database 'oracle'"),
        ("not a url", "expected an SQLAlchemy URL"),
        ("sqlite://", "in-memory"),
    ],
)
def test_an_unknown_driver_or_database_is_one_line(tmp_path: Path, url: str, expected: str) -> None:
    line = one_line_error(run(tmp_path, "db", "upgrade", FOKUS_DATABASE_URL=url))
    assert line.startswith("fokus: configuration error: FOKUS_DATABASE_URL: "), line
    assert expected in line
    assert ":pw@" not in line  # the URL is not repeated
    assert files_under(tmp_path) == []


def test_invalid_json_in_the_deadlines_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    line = one_line_error(
        run(tmp_path, "serve", FOKUS_STAGE_DEADLINE_WORKING_DAYS='{"workshops": 80')
    )
    assert line.startswith("fokus: configuration error: FOKUS_STAGE_DEADLINE_WORKING_DAYS: ")
    assert "not valid JSON" in line
    wrong = one_line_error(run(tmp_path, "serve", FOKUS_STAGE_DEADLINE_WORKING_DAYS='{"x": 1}'))
    assert "FOKUS_STAGE_DEADLINE_WORKING_DAYS: 'x' is not an active stage" in wrong
    assert files_under(tmp_path) == []


def test_each_bad_setting_gets_its_own_line(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", FOKUS_TIMEZONE="Mars/Olympus", FOKUS_LANGUAGE="fr")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert any("FOKUS_TIMEZONE: unknown time zone" in line for line in lines)
    assert any("FOKUS_LANGUAGE" in line for line in lines)


def test_a_configured_sqlite_path_in_a_missing_folder_is_refused_not_created(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'typo' / 'fokus.db'}"
    for command in (["db", "upgrade"], ["serve", "--port", str(free_port())]):
        line = one_line_error(run(tmp_path, *command, FOKUS_DATABASE_URL=url))
        assert f"the folder {tmp_path / 'typo'} does not exist" in line
        assert "FOKUS_DATABASE_URL" in line
    assert not (tmp_path / "typo").exists()
    relative = one_line_error(
        run(tmp_path, "db", "upgrade", FOKUS_DATABASE_URL="sqlite:///data/fokus.db")
    )
    assert f"{tmp_path / 'data'} does not exist" in relative
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    "command",
    [
        ["apikey", "create", "--name", "Lena Vogel", "--role", "admin"],
        ["demo"],
        ["scheduler"],
    ],
)
def test_commands_that_only_use_a_database_never_create_one(
    tmp_path: Path, command: list[str]
) -> None:
    """In a directory where `db upgrade`/`serve` never ran (the default URL) and for a
    configured file that does not exist: say where to run what, create nothing."""
    line = one_line_error(run(tmp_path, *command))
    assert f"no database at {tmp_path / 'var' / 'fokus.db'}" in line
    assert "fokus db upgrade" in line and "fokus serve" in line
    configured = tmp_path / "elsewhere"
    configured.mkdir()
    url = f"sqlite:///{configured / 'fokus.db'}"
    line = one_line_error(run(tmp_path, *command, FOKUS_DATABASE_URL=url))
    assert f"no database at {configured / 'fokus.db'}" in line
    assert files_under(tmp_path) == ["elsewhere"]


def test_an_empty_database_file_is_not_taken_for_a_database(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    line = one_line_error(
        run(tmp_path, "apikey", "create", "--name", "x", "--role", "admin", FOKUS_DATABASE_URL=url)
    )
    assert "has no fokus tables" in line and "fokus db upgrade" in line


def test_a_fresh_checkout_creates_var_and_then_keys_say_where_they_went(tmp_path: Path) -> None:
    """The default URL on a fresh machine: `fokus db upgrade` (like `fokus serve`, `make
    run`) creates var/fokus.db; `fokus apikey create` then writes there and says so on
    stderr, the key alone on the last line of stdout."""
    upgraded = run(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    database = tmp_path / "var" / "fokus.db"
    assert database.is_file()
    assert upgraded.stdout.strip() == f"database at head: sqlite:///{database}"

    created = run(tmp_path, "apikey", "create", "--name", "Lena Vogel", "--role", "staff")
    assert created.returncode == 0, created.stderr
    key = created.stdout.splitlines()[-1]
    assert key.startswith("fok_") and len(key) > 40
    assert f"created staff key #1 for Lena Vogel in sqlite:///{database}" in created.stderr


def test_serve_logs_its_database_with_the_password_masked_and_its_mail_transport(
    ctx: Context, tmp_path: Path
) -> None:
    url = make_url(ctx.settings.database_url)
    if url.get_backend_name() == "postgresql":
        url = url.set(password="geheim-pw-42")  # the test server trusts any password
    env = {
        "FOKUS_DATABASE_URL": url.render_as_string(hide_password=False),
        "FOKUS_SMTP_URL": "smtp://mailer:smtp-pw-17@127.0.0.1:2525?starttls=true",
        "FOKUS_SECRET_KEY": "startup-test",
    }
    log = tmp_path / "serve.log"
    port = free_port()
    with log.open("w") as handle:
        proc = subprocess.Popen(
            [FOKUS, "serve", "--port", str(port), "--no-scheduler"],
            cwd=tmp_path,
            env={"PATH": os.environ.get("PATH", ""), "FOKUS_LOG_FORMAT": "text", **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).is_success:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    text = log.read_text()
    assert f"database: {url.render_as_string(hide_password=True)}" in text
    assert "mail: SMTP smtp://mailer:***@127.0.0.1:2525?starttls=true" in text
    assert "geheim-pw-42" not in text and "smtp-pw-17" not in text
