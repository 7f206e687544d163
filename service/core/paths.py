"""Where the templates live: beside the package in a checkout, inside it in a wheel."""

from __future__ import annotations

from pathlib import Path

SERVICE = Path(__file__).resolve().parents[1]  # the service package


def templates_dir() -> Path:
    for candidate in (SERVICE.parent / "templates", SERVICE / "_templates"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError("templates/ not found beside the service package")
