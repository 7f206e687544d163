"""Where the templates live: beside the package in a checkout, inside it in a wheel."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def templates_dir() -> Path:
    for candidate in (_HERE.parent / "templates", _HERE / "_templates"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError("templates/ not found beside the service package")
