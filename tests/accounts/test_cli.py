"""`fokus user create` and `fokus apikey create --user` as an operator runs them: the
one-time link alone on the last line, one clear line and status 2 for a bad address, an
unknown role, a taken address or an unknown account; a key made for an account acts as
it (its role and firm)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.core.context import Context
from service.core.settings import Settings
from tests.support import Api

FOKUS = str(Path(sys.executable).parent / "fokus")
BASE = "https://fokus.agentur.example"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "FOKUS_LOG_FORMAT": "json",
        "FOKUS_BASE_URL": BASE,
        "FOKUS_SECRET_KEY": "cli-test",
    }
    return subprocess.run([FOKUS, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip


def refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("fokus: ")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    return lines[0]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    return tmp_path


def test_user_create_prints_the_link_and_refuses_in_one_line(folder: Path) -> None:
    made = run(folder, "user", "create", "--email", "Lena.Vogel@Agentur.example",
               "--name", "Lena Vogel", "--role", "staff", "--firm", "Klima GmbH")  # fmt: skip
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip().splitlines()[-1]
    assert link.startswith(BASE + "/password/") and len(link) > len(BASE) + 40
    assert "lena.vogel@agentur.example" in made.stderr
    assert "taken" not in made.stderr
    taken = refused(run(folder, "user", "create", "--email", "LENA.vogel@agentur.example",
                        "--name", "L", "--role", "staff"))  # fmt: skip
    assert "exists already" in taken
    assert "role" in refused(run(folder, "user", "create", "--email", "a@b.example",
                                 "--name", "A", "--role", "chef"))  # fmt: skip
    assert "--email" in refused(run(folder, "user", "create", "--email", "jan@gemeinde",
                                    "--name", "Jan", "--role", "staff"))  # fmt: skip
    again = run(folder, "user", "reset-password", "--email", "lena.vogel@agentur.example")
    assert again.returncode == 0 and again.stdout.strip().startswith(BASE + "/password/")
    assert "no active account" in refused(
        run(folder, "user", "reset-password", "--email", "x@agentur.example")
    )


def test_apikey_create_for_an_account_acts_as_it(folder: Path) -> None:
    assert run(folder, "user", "create", "--email", "aufsicht@agentur.example",
               "--name", "Sabine Aufsicht", "--role", "supervisor").returncode == 0  # fmt: skip
    made = run(folder, "apikey", "create", "--name", "Berichte", "--user",
               "Aufsicht@agentur.example")  # fmt: skip
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("fok_")
    assert "unknown" not in made.stderr and "acting as aufsicht@agentur.example" in made.stderr
    assert "no active account" in refused(
        run(folder, "apikey", "create", "--name", "x", "--user", "wer@agentur.example")
    )
    assert "--role" in refused(run(folder, "apikey", "create", "--name", "x"))
    assert "--role" in refused(run(folder, "apikey", "create", "--name", "x", "--role",
                                   "admin", "--user", "aufsicht@agentur.example"))  # fmt: skip
    machine = run(folder, "apikey", "create", "--name", "Import", "--role", "staff", "--firm",
                  "Klima GmbH")  # fmt: skip
    assert machine.returncode == 0 and machine.stdout.strip().startswith("fok_")
    # the key acts as the account: a supervisor may read, not write
    settings = Settings(database_url=f"sqlite:///{folder / 'var' / 'fokus.db'}",
                        var_dir=folder / "var", secret_key="t")  # fmt: skip
    ctx = Context.from_settings(settings)
    try:
        with TestClient(create_app(ctx)) as client:
            api = Api(client, key)
            assert api.get("/api/v1/engagements").status_code == 200
            refusal = api.post("/api/v1/engagements", json={})
            assert refusal.status_code == 403 and "supervisor" in refusal.text
    finally:
        ctx.db.dispose()
