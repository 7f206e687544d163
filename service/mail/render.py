"""Mail templates: Jinja2 with autoescape for HTML and StrictUndefined everywhere, so a
missing variable fails in tests instead of mailing an empty greeting."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.core.paths import templates_dir

LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(templates_dir() / "mail")),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(kind: str, language: str, context: dict[str, Any]) -> Rendered:
    lang = language if language in LANGUAGES else "de"
    env = environment()
    subject = env.get_template(f"{lang}/{kind}.subject.txt").render(context)
    return Rendered(
        subject=" ".join(subject.split()),  # one line, whatever the template or data did
        text=env.get_template(f"{lang}/{kind}.txt").render(context),
        html=env.get_template(f"{lang}/{kind}.html").render(context),
    )
