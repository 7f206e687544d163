"""The people routes (admin only): export (GDPR Art. 15) and erasure (Art. 17) of one
email address. A thin layer over service/privacy/export.py and erasure.py.

An admin bound to a firm may not use them: a person's data spans every firm, and the
answer would show other firms' engagements (403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.auth.deps import Admin, Ctx
from service.auth.keys import Principal
from service.core.errors import Forbidden
from service.core.validation import Email
from service.http.deps import ReadSession, WriteSession
from service.http.openapi import errors
from service.privacy.erasure import erase_person
from service.privacy.export import export
from service.privacy.schemas import ErasureResult, PersonExport

router = APIRouter(prefix="/api/v1", tags=["people (GDPR)"])

Address = Annotated[Email, Query(description="the person's email address (any case)")]


def _unbound(principal: Principal) -> None:
    if principal.firm:
        raise Forbidden("person_firm_admin", firm=principal.firm)


@router.get(
    "/people/export",
    response_model=PersonExport,
    responses=errors(403, 404, 422, e404="Nothing is stored about this address."),
)
def export_person(email: Address, principal: Admin, session: ReadSession) -> PersonExport:
    """Everything stored about the address (GDPR Art. 15): participant records with their
    engagement, municipality and firm; engagements it is the contact person of;
    invitations and answers; mail to it (subject, status, dates); portal links; accounts;
    history entries about it."""
    _unbound(principal)
    return export(session, email)


@router.delete(
    "/people",
    response_model=ErasureResult,
    responses=errors(403, 422),
)
def erase_person_route(
    email: Address, principal: Admin, ctx: Ctx, session: WriteSession
) -> ErasureResult:
    """Erases the address and the names stored with it everywhere, in one transaction
    (GDPR Art. 17), and stops all mail to it: `{"erased": N}`, the records deleted or
    overwritten (0 when nothing was stored)."""
    _unbound(principal)
    return ErasureResult(erased=erase_person(session, ctx, email, principal.name))
