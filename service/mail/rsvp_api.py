"""The public RSVP page behind the signed link in each invitation (issue 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
