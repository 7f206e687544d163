"""Every table, imported in one place so Alembic and `create_all` see them all."""

from service.accounts.models import PasswordToken, User
from service.auth.models import ApiKey, DashboardSession
from service.calendar_feeds.models import CalendarFeed
from service.consulting.models import ConsultingDay
from service.engagements.counts import EngagementCount
from service.engagements.models import Engagement, HistoryEntry
from service.grants.models import Grant
from service.health import ReadinessProbe
from service.mail.models import OutboxMessage
from service.measures.models import Measure
from service.milestones.models import EngagementMilestone
from service.participants.models import Participant
from service.portal.models import PortalLink
from service.records.models import Record, RecordFile
from service.workshops.models import Invitation, Workshop

__all__ = [
    "ApiKey",
    "CalendarFeed",
    "ConsultingDay",
    "DashboardSession",
    "Engagement",
    "EngagementCount",
    "EngagementMilestone",
    "Grant",
    "HistoryEntry",
    "Invitation",
    "Measure",
    "OutboxMessage",
    "Participant",
    "PasswordToken",
    "PortalLink",
    "ReadinessProbe",
    "Record",
    "RecordFile",
    "User",
    "Workshop",
]
