"""`/engagements/new`: the application form, for those who may write (staff, admins).

Two steps, both without JavaScript: a GET form chooses the process (and its version) and
the Kommunalrichtlinie version, because those decide which fields apply (variants and the
field of action only for the Fokusberatung from version 2, the applicant types of the
chosen KRL); the second form shows exactly those fields and posts them. A little inline
script only hides the fields the chosen applicant type or variant does not need; the
server drops such fields too, so a value left in a hidden field never blocks an
application.

The POST reads the fields into the API's own input schema (`EngagementCreate`) and calls
the same service function as `POST /api/v1/engagements` in the same write unit of work,
so eligibility, history and mail are the API's. A refusal is shown in German (or
English) next to the field it concerns, with every typed value kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from service.auth import tenancy
from service.auth.keys import Principal, Role
from service.core.context import Context
from service.core.errors import DomainError
from service.engagements import eligibility
from service.engagements import service as engagements
from service.engagements.schemas import EngagementCreate
from service.web import i18n, queries
from service.web.common import PageRoute, check_post, ctx_of, error_page, render, signed_in
from service.web.inputs import clean, read_form
from workflows import programme
from workflows.calendar import FEDERAL_STATES
from workflows.definition import Process

router = APIRouter(include_in_schema=False, route_class=PageRoute)

# the notice on the new engagement's page (`?msg=`, listed in service/web/common.py)
CREATED = "new_created"
# what the HTML email field insists on: a dot in the domain, as the service does
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"
# the fields that apply only to some applicant types or one variant
SHARE_TYPES = ("municipal_company",)
CORPORATION_TYPES = ("religious_community",)


def _choice(ctx: Context, params: dict[str, str]) -> tuple[Process, str, bool]:
    """The process version and KRL version the form is for: as chosen, else (as in the
    API) the default process at its latest version and the KRL in force today. The flag
    is False when a value was given that names none of them (a link may carry anything;
    a posted form that does is refused)."""
    process = engagements.chosen_process(ctx, None, None)
    wanted = clean(params.get("process"), 60)
    name, _, number = wanted.partition(":")
    known = True
    if wanted:
        if number.isascii() and number.isdigit() and ctx.registry.knows(name, int(number[:6])):
            process = ctx.registry.get(name, int(number[:6]))
        elif not number and ctx.registry.knows(name):
            process = ctx.registry.latest(name)
        else:
            known = False
    krl = clean(params.get("krl_version"), 10)
    if krl not in programme.KRL_VERSIONS:
        known = known and not krl
        krl = programme.krl_version_on(ctx.clock.now().astimezone(ctx.settings.tz).date())
    return process, krl, known


def _options(ctx: Context, lang: str) -> list[dict[str, str]]:
    """Every process version one may apply for; the latest of each first."""
    t = i18n.STRINGS[lang]
    options = []
    for name in ctx.registry.names():
        versions = ctx.registry.versions(name)
        latest = versions[-1].version
        for process in reversed(versions):
            edition = t["nw_latest"] if process.version == latest else t["nw_edition"]
            options.append(
                {
                    "value": f"{process.name}:{process.version}",
                    "label": f"{process.title(lang)} ({edition.format(v=process.version)})",
                }
            )
    return options


def _form_context(request: Request, process: Process, krl: str, **extra: Any) -> dict[str, Any]:
    ctx = ctx_of(request)
    lang = i18n.language(request)
    t = i18n.STRINGS[lang]
    sess = signed_in(request)
    principal = sess.principal if sess else None
    offer_firm = _offers_firm(principal)
    with ctx.db.read() as session:
        owners = queries.owners(session, tenancy.scope(principal))
        firms = queries.firms(session) if offer_firm else []
    rules = programme.RULES[krl]
    return {
        "chosen": f"{process.name}:{process.version}",
        "process": process,
        "process_title": process.title(lang),
        "krl": krl,
        "krl_versions": [
            {
                "value": v,
                "label": t["nw_krl_label"].format(
                    v=v, day=programme.RULES[v].in_force_from.strftime("%d.%m.%Y")
                ),
            }
            for v in programme.KRL_VERSIONS
        ],
        "options": _options(ctx, lang),
        "applicant_types": [
            (kind, i18n.APPLICANTS[lang].get(kind, kind)) for kind in rules.applicant_types
        ],
        "operator_types": programme.NEEDS_OPERATOR_KIND,
        "share_types": SHARE_TYPES,
        "corporation_types": CORPORATION_TYPES,
        "operator_kinds": programme.OPERATOR_KINDS,
        "states": sorted(FEDERAL_STATES.items(), key=lambda item: item[1]),
        "areas": sorted(i18n.AREAS[lang].items(), key=lambda item: item[1]),
        "with_variants": eligibility.has_variants(process.name, process.version),
        "owners": owners,
        "offer_firm": offer_firm,
        "firms": firms,
        "email_pattern": EMAIL_PATTERN,
        "min_share": f"{programme.MIN_MUNICIPAL_SHARE_PERCENT:g}",
        "values": {"owner": sess.principal.name if sess and sess.principal else ""},
        "errors": {},
        "general": [],
        **extra,
    }


def _offers_firm(principal: Principal | None) -> bool:
    """The firm field is an admin's (of the programme office): staff of a firm always
    file for their own, so they are not asked."""
    return principal is not None and principal.role == Role.admin and principal.firm is None


def _may_apply(request: Request) -> Response | None:
    """A redirect to the login, or the 403 page for a role that only reads."""
    sess = signed_in(request)
    if sess is None:
        return RedirectResponse("/login", status_code=303)
    if not sess.may_write:
        return error_page(request, 403, i18n.STRINGS[i18n.language(request)]["forbidden"])
    return None


@router.get("/engagements/new")
def new_form(request: Request) -> Response:
    refused = _may_apply(request)
    if refused is not None:
        return refused
    params = {k: v for k, v in request.query_params.items()}
    process, krl, _known = _choice(ctx_of(request), params)
    return render(request, "new_engagement.html", _form_context(request, process, krl))


@router.post("/engagements/new")
async def create(request: Request) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_create, request, form)


def _data(process: Process, krl: str, form: dict[str, str]) -> dict[str, Any]:
    """The form's fields as the API's create body: blank optional fields are absent, and
    a field the chosen applicant type or variant does not take is dropped (the script
    only hides it; a value left in it is no part of the application)."""

    def text(name: str) -> str:
        return form.get(name, "").strip()

    kind = text("applicant_type")
    data: dict[str, Any] = {
        "municipality": text("municipality"),
        "applicant_type": kind,
        "federal_state": text("federal_state"),
        "contact_name": text("contact_name"),
        "contact_email": text("contact_email"),
        "owner": text("owner") or None,
        "language": text("language") or "de",
        "process": process.name,
        "process_version": process.version,
        "krl_version": krl,
        "has_integrated_concept": form.get("has_integrated_concept") == "1",
    }
    if kind in SHARE_TYPES:
        data["municipal_share_percent"] = _number(text("municipal_share_percent"))
    if kind in programme.NEEDS_OPERATOR_KIND:
        data["operator_kind"] = text("operator_kind") or None
    if kind in CORPORATION_TYPES:
        data["public_corporation_status"] = form.get("public_corporation_status") == "1"
    if eligibility.has_variants(process.name, process.version):
        data["variant"] = text("variant") or "einstieg"
        if data["variant"] == "fokus":
            data["focus_field"] = text("focus_field") or None
    return data


def _number(raw: str) -> float | str | None:
    """A number as typed in German ("25,5") or English ("25.5"); anything else is passed
    on as typed, for the schema to refuse."""
    if not raw:
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return raw


# the refusals of the schema and the service the form says in its own words, next to
# the field they concern: by the error catalogue's code (templates/i18n/errors.json)
_CODES = {
    "municipal_share_required": ("municipal_share_percent", "nw_err_required"),
    "municipal_share_too_low": ("municipal_share_percent", "nw_err_share_low"),
    "operator_kind_required": ("operator_kind", "nw_err_operator"),
    "corporation_status_required": ("public_corporation_status", "nw_err_corporation"),
    "focus_field_required": ("focus_field", "nw_err_focus"),
    "focus_field_only_fokus": ("focus_field", "nw_err_focus"),
    "not_eligible_concept_ksm": ("has_integrated_concept", "nw_err_concept_ksm"),
    "not_eligible_concept_einstieg": ("has_integrated_concept", "nw_err_concept_einstieg"),
    "applicant_type_krl": ("applicant_type", "nw_err_applicant_krl"),
}
# the same rules recognised by their English message (a refusal raised without a code)
_MARKERS = (
    ("municipal_share_percent is required", "municipal_share_required"),
    ("municipal company needs", "municipal_share_too_low"),
    ("operator_kind", "operator_kind_required"),
    ("public_corporation_status", "corporation_status_required"),
    ("focus_field", "focus_field_required"),
    ("klimaschutzmanagement", "not_eligible_concept_ksm"),
    ("has_integrated_concept", "not_eligible_concept_einstieg"),
    ("applicant_type", "applicant_type_krl"),
)
# a field's own error, by field: the words that say what it needs
_FIELD_WORDS = {
    "contact_email": "nw_err_email",
    "municipality": "nw_err_name",
    "contact_name": "nw_err_name",
    "owner": "nw_err_name",
    "municipal_share_percent": "nw_err_share",
    "process": "nw_err_process",
    "process_version": "nw_err_process",
    "krl_version": "nw_err_process",
}
_HIDDEN = ("process", "process_version", "krl_version")  # chosen in step 1, not typed


def _rule(code: str, message: str) -> tuple[str, str] | None:
    """(field, words) of a known rule, by code or else by the English message."""
    if code not in _CODES:
        lowered = message.lower()
        code = next((c for marker, c in _MARKERS if marker.lower() in lowered), "")
    return _CODES.get(code)


def _refusals(
    exc: ValidationError | DomainError, lang: str, krl: str
) -> tuple[dict[str, str], list[str]]:
    """The refusal as words per field, plus what belongs to no field, in the page's
    language."""
    t = i18n.STRINGS[lang]
    share = f"{programme.MIN_MUNICIPAL_SHARE_PERCENT:g}"
    errors: dict[str, str] = {}
    general: list[str] = []
    problems: list[tuple[str, str, str]] = []  # (field, code, message)
    if isinstance(exc, DomainError):
        problems.append(("", str(getattr(exc, "code", "")), exc.detail))
    else:
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ())]
            problems.append((loc[0] if loc else "", str(error.get("type", "")), error["msg"]))
    for field, code, message in problems:
        found = _rule(code, message) if not field or code in _CODES else None
        if found is not None:
            field, key = found
        elif code == "missing":
            key = "nw_err_required"
        elif field in _FIELD_WORDS:
            key = _FIELD_WORDS[field]
        elif field and ("enum" in code or "literal" in code):
            key = "nw_err_choose"
        elif isinstance(exc, DomainError) and hasattr(exc, "text"):
            general.append(exc.text(lang))  # the catalogue's words
            continue
        else:
            key = "nw_err_invalid"
        text = t[key].format(krl=krl, share=share)
        if field in _HIDDEN or not field:
            general.append(text)
        else:
            errors.setdefault(field, text)
    return errors, general


def _create(request: Request, form: dict[str, str]) -> Response:
    sess = check_post(request, form)  # CSRF, login, a role that writes: else 403/401
    assert sess.principal is not None
    ctx = ctx_of(request)
    process, krl, known = _choice(ctx, form)
    t = i18n.STRINGS[i18n.language(request)]
    if not known:  # only a forged form names a process or KRL version step 1 does not offer
        context = _form_context(request, process, krl, general=[t["nw_err_process"]])
        context["values"] = form
        return render(request, "new_engagement.html", context, 422)
    try:
        values = _data(process, krl, form)
        if _offers_firm(sess.principal):
            values["firm"] = form.get("firm", "").strip() or None
        data = EngagementCreate.model_validate(values)
        data = data.model_copy(update={"firm": tenancy.firm_for_new(sess.principal, data.firm)})
        with ctx.db.write() as session:  # the API's unit of work: history and mail with it
            eid = engagements.create(session, ctx, data).id
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status_code in (401, 403):
            raise
        errors, general = _refusals(exc, i18n.language(request), krl)
        context = _form_context(request, process, krl, errors=errors, general=general)
        context["values"] = form
        return render(request, "new_engagement.html", context, 422)
    return RedirectResponse(f"/engagements/{eid}?msg={CREATED}", status_code=303)
