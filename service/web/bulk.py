"""Bulk changes from the overview's checkboxes (`POST /bulk`): extend or move the
deadlines of the ticked engagements with one reason, give them an owner, or (admins)
move them to a newer version of their process, with the dry run shown first.

The same use cases as `/api/v1/bulk/*` (service/bulk/service.py): each engagement in its
own transaction with its own history entry, and a page that says what changed, what was
already so and what was refused and why, in the page's language. The versions the
overview showed go along, so an engagement someone changed meanwhile is refused rather
than overwritten.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlmodel import col
from starlette.concurrency import run_in_threadpool

from service.auth import tenancy
from service.auth.keys import Role
from service.bulk import service as bulk
from service.bulk.schemas import (
    MAX_IDS,
    BulkDeadlines,
    BulkMigrate,
    BulkMigrateResult,
    BulkOwner,
    BulkResult,
)
from service.core.context import Context
from service.core.errors import DomainError, Forbidden, Invalid
from service.engagements.models import Engagement
from service.web import i18n
from service.web.common import PageRoute, check_post, ctx_of, render
from service.web.inputs import validate

router = APIRouter(include_in_schema=False, route_class=PageRoute)

ACTIONS = ("extend", "move", "owner", "migrate")


def migration_targets(ctx: Context, lang: str) -> list[dict[str, Any]]:
    """The processes with more than one version: their latest is where a bulk migration
    goes (offered to admins only)."""
    return [
        {
            "value": f"{p.name}:{p.version}",
            "label": f"{p.title(lang)} {i18n.STRINGS[lang]['bulk_version'].format(n=p.version)}",
        }
        for p in ctx.registry.all_latest()
        if len(ctx.registry.versions(p.name)) > 1
    ]


async def _read(request: Request) -> tuple[dict[str, str], list[int], dict[int, int]]:
    """The form: single fields (first value wins), the ticked ids in page order and the
    version each had on the page. Ids that are not ids are refused, never guessed."""
    try:
        form = await request.form(max_files=0, max_fields=2 * MAX_IDS + 20)
    except Exception as exc:  # multipart errors come in several types
        raise DomainError("form_malformed") from exc
    fields: dict[str, str] = {}
    ids: list[int] = []
    versions: dict[int, int] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            continue
        if key == "ids":
            if not (value.isascii() and value.isdigit() and len(value) <= 10):
                raise Invalid("bulk_bad_selection")
            if int(value) not in ids:
                ids.append(int(value))
        elif key.startswith("v_") and value.isascii() and value.isdigit() and len(value) <= 10:
            name = key[2:]
            if name.isascii() and name.isdigit() and len(name) <= 10:
                versions[int(name)] = int(value)
        elif key not in fields:
            fields[key] = value
    if not ids:
        raise Invalid("bulk_nothing_selected")
    return fields, ids, versions


def _number(raw: str) -> int | str:
    """A number typed into the form; anything else goes to the schema as it is, which
    then says what is wrong with it."""
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else raw


def _seen(ids: list[int], versions: dict[int, int]) -> list[dict[str, int]]:
    return [{"id": i, "version": versions[i]} for i in ids if versions.get(i, 0) > 0]


def _names(ctx: Context, ids: list[int], tenant: str | None) -> dict[int, str]:
    """The result page's names of the ticked engagements (another firm's: none shown)."""
    query = select(
        col(Engagement.id), col(Engagement.municipality), col(Engagement.file_number)
    ).where(col(Engagement.id).in_(ids))
    if tenant is not None:
        query = query.where(col(Engagement.firm) == tenant)
    with ctx.db.read() as session:
        found = session.execute(query).all()
    return {eid: f"{name} ({number})" if number else name for eid, name, number in found}


@router.post("/bulk")
async def bulk_change(request: Request) -> Response:
    fields, ids, versions = await _read(request)
    sess = check_post(request, fields)
    assert sess.principal is not None
    actor = sess.principal.name
    tenant = tenancy.scope(sess.principal)  # another firm's ids: refused as not found
    ctx = ctx_of(request)
    lang = i18n.language(request)
    action = fields.get("action", "")
    back = fields.get("back", "/")
    back = back if back.startswith("/") and not back.startswith("//") else "/"
    seen = _seen(ids, versions)
    result: BulkResult | BulkMigrateResult
    if action == "extend":
        data: Any = validate(
            BulkDeadlines,
            {
                "engagement_ids": ids,
                "extend_working_days": _number(fields.get("extend_working_days", "")),
                "reason": fields.get("reason", ""),
                "expected_versions": seen,
            },
        )
        result = await run_in_threadpool(bulk.deadlines, ctx, data, actor, tenant)
    elif action == "move":
        raw = fields.get("due_date", "").strip()
        try:
            due: Any = datetime.combine(date.fromisoformat(raw), time(12, 0))
        except ValueError:
            due = raw  # the schema says what is wrong with it, in the page's language
        data = validate(
            BulkDeadlines,
            {
                "engagement_ids": ids,
                "due_at": due,
                "reason": fields.get("reason", ""),
                "expected_versions": seen,
            },
        )
        result = await run_in_threadpool(bulk.deadlines, ctx, data, actor, tenant)
    elif action == "owner":
        data = validate(
            BulkOwner,
            {"engagement_ids": ids, "owner": fields.get("owner", ""), "expected_versions": seen},
        )
        result = await run_in_threadpool(bulk.owner, ctx, data, actor, tenant)
    elif action == "migrate":
        if sess.principal.role != Role.admin:
            raise Forbidden("role_not_admin", role=sess.principal.role.value)
        process, _, version = fields.get("target", "").partition(":")
        data = validate(
            BulkMigrate,
            {
                "engagement_ids": ids,
                "process": process,
                "to_version": _number(version),
                "dry_run": fields.get("confirm") != "1",
            },
        )
        result = await run_in_threadpool(bulk.migrate, ctx, data, actor, tenant)
    else:
        raise Invalid("bulk_unknown_action")
    names = await run_in_threadpool(_names, ctx, ids, tenant)
    target = fields.get("target", "").partition(":")[0]

    def stage_label(version: int, state: str) -> str:
        process = ctx.registry.get(target, version)
        return process.stage(state).label(lang) if process.has_stage(state) else state

    return render(
        request,
        "bulk_result.html",
        {
            "action": action,
            "result": result,
            "names": names,
            "ids": ids,
            "fields": fields,
            "back": back,
            "stage_label": stage_label,
            "refusal_text": (lambda r: r.reason_de) if lang == "de" else (lambda r: r.reason),
        },
    )
