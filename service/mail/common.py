"""What every email shows: sender, the data-protection notice, the base URL."""

from __future__ import annotations

from typing import Any

from service.core import translations
from service.core.context import Context
from service.core.privacy_notice import notice


def letter_date(ctx: Context, language: str) -> str:
    """Today in the letter's language, as a letter is dated: '1. Dezember 2026'."""
    today = ctx.clock.now().astimezone(ctx.settings.tz).date()
    month = translations.language(language).months[today.month - 1]
    if language == "en":
        return f"{today.day} {month} {today.year}"
    return f"{today.day}. {month} {today.year}"


def common_context(ctx: Context, language: str) -> dict[str, Any]:
    return {
        "language": language,
        "letter_date": letter_date(ctx, language),
        "sender_name": ctx.settings.mail_from_name,
        "sender_email": ctx.settings.mail_from,
        "base_url": ctx.settings.base_url,
        # the Art. 13 GDPR footer of every letter (templates/mail/<lang>/_privacy.*)
        "privacy": notice(ctx.settings),
    }
