"""The README is part of the contract: its process diagram is the one the definition
generates, and the images it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

from workflows.diagram import mermaid
from workflows.fokusberatung import FOKUSBERATUNG

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_diagram_is_generated_from_the_definition() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- diagram:start -->\n```mermaid\n(.*?)```\n<!-- diagram:end -->", text, re.S
    )
    assert block is not None, "README.md lost its diagram markers"
    assert block.group(1) == mermaid(FOKUSBERATUNG), (
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
