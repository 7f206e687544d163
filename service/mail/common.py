"""What every email shows: sender, the data-protection notice, the base URL."""

from __future__ import annotations

from typing import Any

from service.core.context import Context


def common_context(ctx: Context, language: str) -> dict[str, Any]:
    return {
        "language": language,
        "sender_name": ctx.settings.mail_from_name,
        "sender_email": ctx.settings.mail_from,
        "base_url": ctx.settings.base_url,
    }
