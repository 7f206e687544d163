"""ARCHITECTURE.md: workflows/ is pure process; it imports neither service/ nor FastAPI,
SQLModel, SQLAlchemy or any mail code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FORBIDDEN = ("service", "fastapi", "sqlmodel", "sqlalchemy", "smtplib", "aiosmtplib", "email")
WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.py")), ids=lambda p: p.name)
def test_workflows_import_no_service_code(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
