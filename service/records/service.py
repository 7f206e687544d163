"""Evidence records: what was done, when, and optionally the file that shows it. Use cases
run inside the caller's transaction and never commit."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from service.core.context import Context
from service.core.errors import Conflict, DomainError, Invalid, NotFound, date_de
from service.engagements import history
from service.engagements.models import Engagement
from service.engagements.service import definition, stage_de
from service.engagements.service import get as get_engagement
from service.grants.models import Grant
from service.milestones import service as milestones
from service.records.models import Record, RecordFile
from service.records.schemas import RecordCreate

# a stored media type: type/subtype and parameters, nothing a header could be split with
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")
DEFAULT_TYPE = "application/octet-stream"


class FileTooLarge(DomainError):
    status_code = 413


@dataclass(frozen=True)
class Upload:
    name: str
    content_type: str | None
    content: bytes


def clean_file_name(name: str) -> str:
    """The last path component, without control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if name in ("", ".", ".."):
        name = "datei"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:20] if dot else ""
        name = (stem if dot else name)[: 255 - len(ext) - 1] + ("." + ext if ext else "")
        name = name[:255]
    return name


def clean_type(content_type: str | None) -> str:
    value = (content_type or "").split(";", 1)[0].strip().lower()
    return value if len(value) <= 100 and _MEDIA_TYPE.fullmatch(value) else DEFAULT_TYPE


def _writable(ctx: Context, engagement: Engagement) -> None:
    if definition(ctx, engagement).is_final(engagement.state):
        raise Conflict(
            "record_final", state_en=engagement.state, stage_de=stage_de(ctx, engagement)
        )


def grant_of(session: Session, engagement_id: int) -> Grant | None:
    return session.execute(
        select(Grant).where(col(Grant.engagement_id) == engagement_id)
    ).scalar_one_or_none()


def add(
    session: Session,
    ctx: Context,
    engagement_id: int,
    data: RecordCreate,
    upload: Upload | None,
    actor: str,
) -> Record:
    engagement = get_engagement(session, engagement_id)
    _writable(ctx, engagement)
    kind = str(data.kind.value)
    if kind == "consultant_contract":
        grant = grant_of(session, engagement_id)
        if grant is not None and data.date < grant.notice_date:
            raise Invalid(
                "record_before_notice",
                date_en=data.date,
                notice_en=grant.notice_date,
                date_de=date_de(data.date),
                notice_de=date_de(grant.notice_date),
            )
    if upload is not None and len(upload.content) > ctx.settings.max_upload_bytes:
        raise FileTooLarge("file_too_large", limit=ctx.settings.max_upload_bytes)
    now = ctx.clock.now()
    record = Record(
        engagement_id=engagement_id,
        kind=kind,
        date=data.date,
        reference=data.reference or None,
        note=data.note or None,
        actor=actor,
        created_at=now,
    )
    if upload is not None:
        record.file_name = clean_file_name(upload.name)
        record.file_type = clean_type(upload.content_type)
        record.file_size = len(upload.content)
        record.file_sha256 = hashlib.sha256(upload.content).hexdigest()
    session.add(record)
    session.flush()
    if upload is not None:
        assert record.id is not None
        session.add(RecordFile(record_id=record.id, content=upload.content))
    details = {"kind": kind, "date": data.date, "reference": record.reference}
    details["file"] = record.file_name
    history.record_change(
        session, engagement_id, "record", "added", actor, details, at=now, subject_id=record.id
    )
    session.flush()
    milestones.refresh(session, ctx, engagement)  # a record may be what a milestone needs
    return record


def list_for(session: Session, engagement_id: int) -> list[Record]:
    get_engagement(session, engagement_id)
    return list(
        session.execute(
            select(Record)
            .where(col(Record.engagement_id) == engagement_id)
            .order_by(col(Record.date), col(Record.id))
        ).scalars()
    )


def file_of(session: Session, record_id: int) -> tuple[Record, bytes]:
    record = session.get(Record, record_id)
    if record is None:
        raise NotFound("record_not_found", record=record_id)
    stored = session.get(RecordFile, record_id)
    if stored is None:
        raise NotFound("record_no_file", record=record_id)
    return record, stored.content
