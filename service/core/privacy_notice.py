"""The Art. 13 GDPR notice: who is responsible for the data (the controller), whom to ask
about it (the data-protection officer), where the privacy policy and the imprint are, and
how long participants' data is kept. Every email's footer (templates/mail/<lang>/
_privacy.*) and every public page (templates/web/_privacy_notice.html) show it, from the
same settings; here in the core so the mail and the page renderer can both read it."""

from __future__ import annotations

from typing import Any

from service.core.settings import Settings


def notice(settings: Settings) -> dict[str, Any]:
    """What the notice names. Without FOKUS_CONTROLLER the controller is the sender of
    the mail (FOKUS_MAIL_FROM_NAME and FOKUS_MAIL_FROM): someone is always named."""
    controller = settings.controller or f"{settings.mail_from_name}, {settings.mail_from}"
    return {
        "controller": controller,
        "dpo_email": settings.dpo_email,
        # where a person asks for access or erasure: the DPO, else the sender
        "contact_email": settings.dpo_email or settings.mail_from,
        "privacy_url": settings.privacy_url,
        "imprint_url": settings.imprint_url,
        "retention_months": settings.retention_months,
    }
