from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class PublicStage(BaseModel):
    name: str
    label: str
    status: Literal["done", "current", "upcoming"]


class PublicMeasure(BaseModel):
    title: str
    action_area: str
    action_area_label: str
    status: str
    status_label: str
    progress_percent: int


class PublicProgress(BaseModel):
    """What the municipality shows its citizens. Deliberately no person: no contact,
    owner, participant or person responsible, and free texts are scrubbed of them."""

    municipality: str
    federal_state: str
    process: str
    process_title: str
    stage: str
    stage_label: str
    final: bool
    stages: list[PublicStage]
    vision_summary: str | None
    measures: list[PublicMeasure]
    updated_at: datetime
    language: str
