"""GDPR Art. 17: erase one email address, and the names stored with it, everywhere, in
ONE transaction (the caller's): either nothing changed or all of it.

- Participant records are deleted, as `DELETE /participants/{id}` does: their
  invitations and answers go (a place they held goes to the first on the waiting list),
  history entries about them keep what happened but lose the name. The engagement's
  process does not look at its participants once a step is taken, so it stays where it is.
- An engagement whose contact person it is keeps its case file with the contact fields
  overwritten ("gelöscht", an address at `erased.invalid` that no mail is queued to); its
  version goes up, so a form still showing the old contact cannot write it back.
- An account is disabled and anonymised: name and login overwritten, password, one-time
  links and dashboard sessions gone, its API keys revoked.
- Portal links mailed to the address are deleted (the page no longer opens).
- Mail to the address: unsent mail is cancelled (never sent), sent mail keeps its
  delivery record without address, subject and text (service/privacy/scrub.py).
- Every other text that mentions the address or a name is overwritten
  (`scrub.everywhere`), the search columns are rebuilt, and each engagement touched gets
  an anonymous history entry "personal data erased".

Returns how many records were deleted or overwritten: 0 when nothing was stored.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from service.accounts.models import PasswordToken, User
from service.auth.models import ApiKey, DashboardSession
from service.core.context import Context
from service.engagements import history, search
from service.engagements.models import Engagement
from service.portal.models import PortalLink
from service.privacy import scrub
from service.privacy.export import contact_of, participants_of
from service.privacy.people import PLACEHOLDER_NAME, Person, erased_address, find
from service.workshops import service as workshops


def _participants(
    session: Session, ctx: Context, person: Person, actor: str
) -> tuple[dict[int, int], int]:
    """Deletes the person's participant records and cancels or empties the mail to them
    (as participant or by address); ({engagement id: records deleted}, mail rows)."""
    found = participants_of(session, person)
    pids = [p.id for p, _e in found if p.id is not None]
    mail = scrub.mail(session, person, pids)
    counts: dict[int, int] = {}
    for participant, engagement in found:
        assert participant.id is not None and engagement.id is not None
        workshops.forget_participant(session, participant.id, ctx=ctx, actor=actor)
        history.forget_participant(session, engagement.id, participant.id)
        session.delete(participant)
        counts[engagement.id] = counts.get(engagement.id, 0) + 1
    session.flush()
    return counts, mail


def _contact(session: Session, ctx: Context, person: Person) -> set[int]:
    now, touched = ctx.clock.now(), set()
    for engagement in contact_of(session, person):
        assert engagement.id is not None
        engagement.contact_name = PLACEHOLDER_NAME
        engagement.contact_email = erased_address("contact", engagement.id)
        engagement.version += 1
        engagement.updated_at = now
        session.add(engagement)
        touched.add(engagement.id)
    return touched


def _accounts(session: Session, ctx: Context, person: Person) -> int:
    now, count = ctx.clock.now(), 0
    users = session.execute(select(User).where(func.lower(col(User.email)) == person.email))
    for user in users.scalars().all():
        user.disabled_at = user.disabled_at or now
        user.name = PLACEHOLDER_NAME
        user.email = erased_address("user", user.id)
        user.password_hash = None
        user.failed_logins, user.locked_until = 0, None
        session.add(user)
        session.execute(delete(PasswordToken).where(col(PasswordToken.user_id) == user.id))
        session.execute(delete(DashboardSession).where(col(DashboardSession.user_id) == user.id))
        keys = session.execute(select(ApiKey).where(col(ApiKey.user_id) == user.id)).scalars()
        for key in keys.all():  # through the ORM: the key cache forgets them on commit
            key.revoked_at = key.revoked_at or now
            session.add(key)
        count += 1
    return count


def _portal_links(session: Session, person: Person) -> int:
    result = session.execute(
        delete(PortalLink).where(func.lower(col(PortalLink.email)) == person.email)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _rebuild_search(session: Session, engagement_ids: set[int]) -> None:
    for eid in sorted(engagement_ids):
        engagement = session.get(Engagement, eid)
        if engagement is None:
            continue
        derived = search.derived(
            engagement.municipality,
            engagement.contact_name,
            engagement.owner,
            engagement.file_number,
        )
        for column, value in derived.items():
            setattr(engagement, column, value)
        session.add(engagement)


def erase_person(session: Session, ctx: Context, email: str, actor: str) -> int:
    """Erases `email` everywhere (module docstring); returns the records changed."""
    person = find(session, email)
    if person.mentioned_in(actor):  # an admin erasing themselves: the entry names nobody
        actor = history.ERASED
    deleted, mail = _participants(session, ctx, person, actor)
    contact = _contact(session, ctx, person)
    count = sum(deleted.values()) + len(contact) + mail
    count += _accounts(session, ctx, person) + _portal_links(session, person)
    rest = scrub.everywhere(session, person)
    count += rest.rows
    touched = set(deleted) | contact | rest.engagements
    _rebuild_search(session, touched)
    now = ctx.clock.now()
    for eid in sorted(touched):
        if session.get(Engagement, eid) is not None:
            history.record_change(
                session, eid, "engagement", "erased", actor, {"count": count}, at=now
            )
    session.flush()
    return count
