"""Opening and closing an engagement's public progress page: the address (slug) is made
once, from the municipality's name and the id, so it is readable ("markt-gruenau-42"),
unique, and the same again after the page was closed and reopened."""

from __future__ import annotations

import re
import unicodedata

from service.engagements.models import Engagement

PUBLIC_PATH = "/public"
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slug_for(engagement: Engagement) -> str:
    name = engagement.municipality.lower().translate(_FOLD)
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:60].strip("-")
    return f"{words or 'kommune'}-{engagement.id}"


def url_of(base_url: str, engagement: Engagement) -> str | None:
    """The page's address while the engagement is public, else None."""
    if not engagement.public or engagement.public_slug is None:
        return None
    return f"{base_url.rstrip('/')}{PUBLIC_PATH}/{engagement.public_slug}"
