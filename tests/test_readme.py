"""The README is part of the contract: its process diagram is the one the definition
generates, and the images it shows exist. The repository is complete in itself: no file
points outside it, every setting is documented in docs/configuration.md, and the links
between the documents resolve."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pydantic.fields import FieldInfo

from service.core.settings import Settings
from workflows.diagram import mermaid
from workflows.registry import default_registry

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_diagram_is_generated_from_the_definition() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- diagram:start -->\n```mermaid\n(.*?)```\n<!-- diagram:end -->", text, re.S
    )
    assert block is not None, "README.md lost its diagram markers"
    assert block.group(1) == mermaid(default_registry().latest("fokusberatung")), (
        "README.md diagram is out of date: paste the output of `python -m workflows.diagram`"
    )


def test_the_first_screen_has_the_two_commands() -> None:
    first_screen = README.read_text(encoding="utf-8").splitlines()[:12]
    assert any(line.startswith("make install") for line in first_screen)
    assert any(line.startswith("make run") for line in first_screen)


def test_every_linked_file_exists() -> None:
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(((?:docs|workflows)/[^)#]+|CONTRIBUTING\.md)\)", text):
        assert (README.parent / target).exists(), target


ROOT = README.parent
# spelled in two pieces so that this file does not match itself
OUTSIDE = ("../" + "shared", "shared" + "/docs")


def tracked_files() -> list[Path]:
    """The files of the repository: git's list in a checkout, else every file outside
    the tool folders (an unpacked source archive)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout.decode()
        return [ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.parts)]


def test_no_file_points_outside_the_repository() -> None:
    """A fresh clone is complete: no file refers to documents beside the repository."""
    offenders = []
    for path in tracked_files():
        if not path.is_file():
            continue  # listed by git but deleted in the working tree
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images
        for number, line in enumerate(text.splitlines(), 1):
            if any(marker in line for marker in OUTSIDE):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def configuration_rows() -> dict[str, str]:
    """`FOKUS_X` → its default cell, from the settings table of docs/configuration.md."""
    rows = {}
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        found = re.match(r"\| `(FOKUS_[A-Z_]+)` \| ([^|]*) \|", line)
        if found:
            rows[found.group(1)] = found.group(2).strip()
    return rows


def documented_default(field: FieldInfo) -> set[str]:
    """How the table may spell the field's default."""
    if field.default_factory is not None:
        return {"empty"}
    if field.default is None:
        return {"unset"}
    value = field.default
    spelled = {f"`{value}`"}
    if isinstance(value, float) and value.is_integer():
        spelled.add(f"`{int(value)}`")
    return spelled


def test_every_setting_is_in_docs_configuration_with_its_default() -> None:
    rows = configuration_rows()
    settings = {"FOKUS_" + name.upper(): field for name, field in Settings.model_fields.items()}
    missing = sorted(set(settings) - set(rows))
    assert not missing, f"docs/configuration.md lacks {missing}"
    unknown = sorted(set(rows) - set(settings))
    assert not unknown, f"docs/configuration.md lists settings that do not exist: {unknown}"
    for name, field in settings.items():
        assert rows[name] in documented_default(field), (name, rows[name], field.default)


def test_links_between_the_documents_resolve() -> None:
    for document in [README, ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = document.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", text):
            assert (document.parent / target).exists(), f"{document.name}: {target}"
