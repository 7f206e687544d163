"""Mail templates: Jinja2 with autoescape for HTML and StrictUndefined everywhere, so a
missing variable fails in tests instead of mailing an empty greeting.

Every mail is a letter (templates/mail/<lang>/_layout.*): the salutation is made here
from `recipient_name` and `recipient_salutation` (service/mail/letters.py) unless the
caller gives `greeting`; `signer` (the engagement's owner) signs above the sender's
name where known; the subject is also the letter's heading."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.core import translations
from service.core.paths import templates_dir
from service.mail.letters import greeting, municipality_accusative

LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir() / "mail")),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # templates change with a release, not while it runs: no stat() of every
        # template file (and its layout and includes) on every render
        auto_reload=False,
    )
    # "für {{ municipality|accusative }}": "für die Gemeinde Beispielstadt"
    env.filters["accusative"] = municipality_accusative
    return env


def letter_context(language: str, context: dict[str, Any]) -> dict[str, Any]:
    """`context` with what every letter needs and most callers need not say: the
    greeting, and the engagement's owner (`owner`) as the signer of mail to the
    municipality. The team's own mail (escalations, warnings for staff) addresses the
    team and is signed by the service alone."""
    words = translations.language(language)
    name = str(context.get("recipient_name") or "")
    team = name == words.staff_name or bool(context.get("for_staff"))
    if team:
        opening = "Liebes Team der Fokusberatung," if language == "de" else f"Dear {name},"
    else:
        opening = greeting(language, name, context.get("recipient_salutation"))
    signer = None if team else context.get("owner")
    return {"greeting": opening, "signer": signer, **context}


def _subject(env: Environment, lang: str, kind: str, context: dict[str, Any]) -> str:
    # one line, whatever the template or data did
    return " ".join(env.get_template(f"{lang}/{kind}.subject.txt").render(context).split())


def render_subject(kind: str, language: str, context: dict[str, Any]) -> str:
    """The subject alone, from what a change says, without the recipient: mail rendered
    at send time (service/mail/deferred.py) stores it once per language. A subject
    template that reads the recipient or the greeting fails here (StrictUndefined)."""
    lang = language if language in LANGUAGES else "de"
    return _subject(environment(), lang, kind, context)


def render(kind: str, language: str, context: dict[str, Any]) -> Rendered:
    lang = language if language in LANGUAGES else "de"
    env = environment()
    context = letter_context(lang, context)
    subject = _subject(env, lang, kind, context)
    context = {**context, "subject": subject}
    return Rendered(
        subject=subject,
        text=env.get_template(f"{lang}/{kind}.txt").render(context),
        html=env.get_template(f"{lang}/{kind}.html").render(context),
    )
