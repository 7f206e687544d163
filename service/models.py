"""Every table, imported in one place so Alembic and `create_all` see them all."""

from service.auth.models import ApiKey, DashboardSession
from service.engagements.models import Engagement, HistoryEntry
from service.health import ReadinessProbe
from service.mail.models import OutboxMessage
from service.measures.models import Measure
from service.participants.models import Participant
from service.workshops.models import Invitation, Workshop

__all__ = [
    "ApiKey",
    "DashboardSession",
    "Engagement",
    "HistoryEntry",
    "Invitation",
    "Measure",
    "OutboxMessage",
    "Participant",
    "ReadinessProbe",
    "Workshop",
]
