"""One running dashboard for a whole browser suite: a migrated SQLite database, the app
served by uvicorn in a thread, and engagements parked in every stage of every process
version (final stages included), seeded through the HTTP API as a client would.

A module fixture, so each suite starts one server and one Chromium (issue 12: the set of
suites stays well under three minutes). Everything seeded that a person typed (names,
addresses, titles, notes) is listed in `Site.typed`, so the language check can mask it:
"Markt Grünau" on an English page is the municipality's name, not German leaking.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from service.app import create_app
from service.auth.keys import Role, create_key
from service.core.clock import MovableClock
from service.core.context import Context
from service.core.migrate import upgrade
from service.core.settings import Settings
from service.mail.models import OutboxMessage
from tests.conftest import START
from tests.support import Api, LiveServer, mail_text
from workflows.registry import default_registry

CHROMIUM = os.environ.get("FOKUS_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

PEOPLE = {  # role → the key's name, shown in the header
    "staff": "Lena Vogel",
    "supervisor": "Sabine Aufsicht",
    "admin": "Adam Admin",
}
FIRM = "Planungsbuero Nord"  # a consultancy (tenant); no umlaut, as the towns
# municipalities without umlauts or English words, so that masking them hides nothing else
TOWNS = tuple(
    [
        "Adorf",
        "Bergen",
        "Calden",
        "Dassel",
        "Elze",
        "Flein",
        "Gohrde",
        "Haren",
        "Issum",
        "Jork",
        "Kalkar",
        "Lohne",
        "Malente",
        "Nidda",
        "Olpe",
        "Panker",
        "Rhede",
        "Selm",
        "Tann",
        "Uslar",
        "Velen",
        "Werne",
        "Zeven",
        "Aurich",
        "Borken",
        "Coppenbrugge",
        "Diemelsee",
        "Emmerich",
        "Freren",
        "Goch",
        "Hude",
        "Ilsede",
        "Jever",
        "Kevelaer",
        "Lingen",
        "Marsberg",
        "Nordhorn",
        "Ochtrup",
        "Petershagen",
        "Rahden",
        "Sassenberg",
        "Tecklenburg",
        "Unna",
        "Vreden",
        "Wesel",
    ]
)
GRANT = {
    "funding_reference": "67K12345",
    "notice_date": "2026-03-02",
    "period_start": "2026-03-02",
    "period_end": "2027-08-31",
    "eligible_costs": 30000,
    "grant_amount": 19500,
    "funding_rate_percent": 65,
}
KSM_GRANT = {
    **GRANT,
    "funding_reference": "67K23456",
    "notice_date": "2026-03-09",
    "period_start": "2026-04-01",
    "period_end": "2028-03-31",
    "eligible_costs": 160000,
    "grant_amount": 112000,
    "funding_rate_percent": 70,
}
MEASURES = [
    ("LED-Straßenbeleuchtung", "street_lighting"),
    ("Energiemanagement", "municipal_buildings"),
    ("Radverkehrskonzept", "mobility"),
    ("PV auf Schulen", "energy_supply"),
    ("Hitzeaktionsplan", "adaptation"),
]
SKIP_NOTE = "Der Gemeinderat tagt erst im Herbst."
WITHDRAW_NOTE = "Die Gemeinde zieht den Antrag zurueck."
REJECT_NOTE = "Antragsteller nicht antragsberechtigt."


@dataclass
class Site:
    """The server and what was seeded into it."""

    url: str
    ctx: Context
    clock: MovableClock
    keys: dict[str, str]
    # "fokusberatung.2.workshops" → the id of an engagement parked in that stage
    engagements: dict[str, int] = field(default_factory=dict)
    # "de" / "en" → the path of an RSVP link (an invitation of an engagement in that language)
    rsvp: dict[str, str] = field(default_factory=dict)
    past_workshop: int = 0  # a workshop that is over (of `target`)
    measure: int = 0  # a measure of `target`
    participant_email: str = ""  # a participant of `target`
    participant: int = 0  # its id
    key_ids: dict[str, int] = field(default_factory=dict)  # role → the id of its API key
    public_page: str = ""  # the path of the target's public progress page
    portal_page: str = ""  # the path of a portal link of the target (the municipality's view)
    # "valid" / "used" → the path of a one-time link to set a password (tests/accounts)
    password_links: dict[str, str] = field(default_factory=dict)
    account_ids: dict[str, int] = field(default_factory=dict)  # ACCOUNTS' key → the user id
    typed: set[str] = field(default_factory=set)  # everything seeded that a person typed

    @property
    def target(self) -> int:
        """The engagement the refused forms are sent to: a Fokusberatung (version 2) in
        implementation with a participant, a workshop that is over and measures, but no
        consulting days (so finishing the consulting is refused)."""
        return self.engagements["fokusberatung.2.implementation"]


@dataclass
class Step:
    """One step of a process's main path: what each engagement passing it needs first,
    how far the clock moves once all are prepared, and the trigger."""

    trigger: str
    to: str
    prepare: Callable[[Seeder, int], None] | None = None
    advance: timedelta | None = None
    note: str | None = None


class Seeder:
    """Creates engagements through the API and walks them, in lockstep per process,
    each to its own stage."""

    def __init__(self, site: Site, http: httpx.Client) -> None:
        self.site = site
        self.api = Api(http, site.keys["staff"])
        self.towns = iter(TOWNS)

    def typed(self, *values: object) -> None:
        self.site.typed.update(str(v) for v in values if isinstance(v, str) and len(v) >= 4)

    def post(self, url: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        """POSTs `body`; what a person typed in it goes to `typed` by the caller (not
        the keys a form chooses from: a raw `street_lighting` on a page is a leak)."""
        answer = self.api.ok(self.api.post(url, json=body), status)
        return dict(answer) if isinstance(answer, dict) else {}

    def engagement(self, process: str, version: int, **extra: Any) -> int:
        town = next(self.towns)
        body = {
            "municipality": f"Gemeinde {town}",
            "applicant_type": "municipality",
            "federal_state": "NW",
            "contact_name": "Anna Schmidt",
            "contact_email": f"anna.schmidt@{town.lower()}.example",
            "process": process,
            "process_version": version,
            **extra,
        }
        self.typed(town, body["contact_name"], body["contact_email"])
        return int(self.post("/api/v1/engagements", body)["id"])

    def fire(self, eid: int, trigger: str, to: str, note: str | None = None) -> None:
        body: dict[str, Any] = {"trigger": trigger}
        if note:
            body["note"] = note
            self.typed(note)
        state = self.post(f"/api/v1/engagements/{eid}/transitions", body, 200)["state"]
        assert state == to, (eid, trigger, state)

    def walk(self, process: str, version: int, path: list[Step], **extra: Any) -> None:
        """An engagement for the first stage and one after each step; each walks the
        path up to its own stage. Then one rejected and one withdrawn."""
        first = path[0]
        stages = ["application", *[s.to for s in path]]
        ids = {stage: self.engagement(process, version, **extra) for stage in stages}
        for index, step in enumerate(path):
            movers = [ids[stage] for stage in stages[index + 1 :]]
            for eid in movers:
                if step.prepare is not None:
                    step.prepare(self, eid)
            if step.advance is not None:
                self.site.clock.advance(step.advance)
            for eid in movers:
                self.fire(eid, step.trigger, step.to, step.note)
        for stage, eid in ids.items():
            self.site.engagements[f"{process}.{version}.{stage}"] = eid
        rejected = self.engagement(process, version, **extra)
        self.fire(rejected, "reject", "rejected", REJECT_NOTE)
        withdrawn = self.engagement(process, version, **extra)
        if first.prepare is not None:
            first.prepare(self, withdrawn)
        self.fire(withdrawn, first.trigger, first.to, first.note)
        self.fire(withdrawn, "withdraw", "withdrawn", WITHDRAW_NOTE)
        self.site.engagements[f"{process}.{version}.rejected"] = rejected
        self.site.engagements[f"{process}.{version}.withdrawn"] = withdrawn

    # what the steps need
    def grant(self, eid: int, body: dict[str, Any] = GRANT) -> None:
        self.typed(body["funding_reference"])
        self.api.ok(self.api.put(f"/api/v1/engagements/{eid}/grant", json=body))

    def record(self, eid: int, kind: str, day: str) -> None:
        self.post(f"/api/v1/engagements/{eid}/records", {"kind": kind, "date": day})

    def participant(self, eid: int) -> None:
        body = {"name": "Petra Klein", "email": f"petra.klein.{eid}@example.org"}
        self.typed(*body.values())
        self.post(f"/api/v1/engagements/{eid}/participants", body)

    def workshop(self, eid: int, day: str) -> int:
        body = {
            "title": "Auftaktworkshop",
            "starts_at": f"{day}T17:00:00",
            "ends_at": f"{day}T20:00:00",
            "location": "Rathaus, Sitzungssaal",
        }
        self.typed(body["title"], body["location"])
        return int(self.post(f"/api/v1/engagements/{eid}/workshops", body)["id"])

    def measures(self, eid: int) -> None:
        for title, area in MEASURES:
            self.typed(title)
            self.post(f"/api/v1/engagements/{eid}/measures", {"title": title, "action_area": area})

    def start_first_measure(self, eid: int) -> None:
        first = self.api.ok(self.api.get(f"/api/v1/engagements/{eid}/measures"))[0]
        self.api.ok(
            self.api.patch(f"/api/v1/measures/{first['id']}", json={"status": "in_progress"})
        )

    def consulting_days(self, eid: int) -> None:
        for day, days, mode in [
            ("2026-03-04", 4, "on_site"),
            ("2026-03-05", 4, "desk"),
            ("2026-03-09", 1, "digital"),
        ]:
            body = {
                "date": day,
                "days": days,
                "mode": mode,
                "consultant": "Jan Berater",
                "activity": "Bestandsaufnahme",
            }
            self.typed(body["consultant"], body["activity"])
            self.post(f"/api/v1/engagements/{eid}/consulting-days", body)

    def invite(self, workshop: int) -> None:
        self.post(f"/api/v1/workshops/{workshop}/invitations", {}, 202)


def _v1_workshop(s: Seeder, eid: int) -> None:
    s.workshop(eid, "2026-03-02")


def _v2_onboarding(s: Seeder, eid: int) -> None:
    s.record(eid, "stocktaking", "2026-03-04")
    s.participant(eid)


def _v2_workshop(s: Seeder, eid: int) -> None:
    s.workshop(eid, "2026-03-05")


def _v2_implementation(s: Seeder, eid: int) -> None:
    s.start_first_measure(eid)
    s.consulting_days(eid)


def _ksm_implementation(s: Seeder, eid: int) -> None:
    s.measures(eid)
    s.start_first_measure(eid)


def _record(kind: str, day: str) -> Callable[[Seeder, int], None]:
    def prepare(s: Seeder, eid: int) -> None:
        s.record(eid, kind, day)

    return prepare


FOKUS_1 = [
    Step("approve", "onboarding"),
    Step("start_workshops", "workshops", Seeder.participant),
    Step("draft_vision", "guiding_vision", _v1_workshop, advance=timedelta(days=1)),
    Step("adopt_vision", "implementation", Seeder.measures),
    Step("complete", "completed", Seeder.start_first_measure),
]
FOKUS_2 = [
    Step("approve", "contracting", Seeder.grant),
    Step("start_onboarding", "onboarding", _record("consultant_contract", "2026-03-03")),
    Step("start_workshops", "workshops", _v2_onboarding),
    Step("draft_vision", "guiding_vision", _v2_workshop, advance=timedelta(days=7)),
    Step("adopt_vision", "resolution", Seeder.measures),
    Step("skip_resolution", "implementation", note=SKIP_NOTE),
    Step("finish_consulting", "reporting", _v2_implementation),
    Step("submit_proof", "completed", _record("proof_of_use", "2026-03-10")),
]
KSM_1 = [
    Step("approve", "recruiting", lambda s, e: s.grant(e, KSM_GRANT), advance=timedelta(days=40)),
    Step("hire_manager", "concept_draft", _record("manager_hired", "2026-04-02")),
    Step("submit_draft", "concept_final", _record("concept_draft", "2026-04-02")),
    Step("submit_concept", "council_adoption", _record("concept_final", "2026-04-02")),
    Step("adopt_concept", "implementation", _record("resolution", "2026-04-02")),
    Step("finish", "reporting", _ksm_implementation),
    Step("submit_proof", "completed", _record("proof_of_use", "2026-04-20")),
]


def _rsvp_path(ctx: Context, email: str) -> str:
    """The personal link in the invitation mailed to `email`."""
    with ctx.db.read() as session:
        row = session.execute(
            select(OutboxMessage).where(
                col(OutboxMessage.kind) == "invitation", col(OutboxMessage.to_addr).contains(email)
            )
        ).scalar_one()
        body = mail_text(row, ctx.settings.tz)
    match = re.search(r"/rsvp/[A-Za-z0-9_.\-]+", body)
    assert match, body
    return match.group(0)


def seed(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=30) as http:
        seeder = Seeder(site, http)
        seeder.walk("fokusberatung", 1, FOKUS_1)
        seeder.walk("fokusberatung", 2, FOKUS_2)
        seeder.walk("klimaschutzmanagement", 1, KSM_1, has_integrated_concept=False)
        # one firm's engagement: the overview gets its firm column and filter
        seeder.typed(FIRM)
        site.engagements["spare"] = seeder.engagement("fokusberatung", 2, firm=FIRM)
        target = site.target
        people = seeder.api.ok(seeder.api.get(f"/api/v1/engagements/{target}/participants"))
        site.participant_email = people[0]["email"]
        site.participant = people[0]["id"]
        shops = seeder.api.ok(seeder.api.get(f"/api/v1/engagements/{target}/workshops"))
        site.past_workshop = shops[0]["id"]
        site.measure = seeder.api.ok(seeder.api.get(f"/api/v1/engagements/{target}/measures"))[0][
            "id"
        ]
        # invitations to a workshop still to come, one in German and one in English
        for lang, key in (("de", "fokusberatung.2.workshops"), ("en", None)):
            if key is None:
                eid = seeder.engagement("fokusberatung", 1, language="en")
                seeder.fire(eid, "approve", "onboarding")
                seeder.participant(eid)
            else:
                eid = site.engagements[key]
            seeder.invite(seeder.workshop(eid, "2026-09-15"))
            site.rsvp[lang] = _rsvp_path(site.ctx, f"petra.klein.{eid}@example.org")
            if lang == "en":
                site.engagements["english"] = eid
        vision = "Bis 2040 klimaneutral: Wärme aus erneuerbaren Quellen für alle Gebäude."
        opened = seeder.api.ok(
            seeder.api.patch(
                f"/api/v1/engagements/{target}", json={"public": True, "vision_summary": vision}
            )
        )
        seeder.typed(vision)
        site.public_page = "/public/" + opened["public_url"].rsplit("/", 1)[1]
        portal = seeder.post(f"/api/v1/engagements/{target}/portal-link", {})
        site.portal_page = "/portal/" + portal["url"].rsplit("/", 1)[1]
    site.typed.update(PEOPLE.values())
    _lock(site)


# accounts: one whose key is the "account" role's (it has a password to change), one that
# has not set its password yet, one locked after too many failed logins
ACCOUNTS = {
    "account": ("Jana Konto", "jana.konto@agentur.example"),
    "new": ("Nina Neu", "nina.neu@agentur.example"),
    "locked": ("Gerd Gesperrt", "gerd.gesperrt@agentur.example"),
}
ACCOUNT_PASSWORD = "Klimaschutz ist Teamarbeit"


def _accounts(ctx: Context, keys: dict[str, str]) -> tuple[dict[str, str], dict[str, int]]:
    """The accounts of ACCOUNTS, the "account" role's key, the paths of a valid and a
    used link to set a password, and the accounts' ids."""
    from service.accounts import signin, users
    from service.accounts.schemas import UserCreate

    links, ids = {}, {}
    for role, (name, email) in ACCOUNTS.items():
        with ctx.db.write() as session:
            user, token = users.create(
                session, ctx.clock, UserCreate(email=email, name=name, role=Role.staff)
            )
            user_id = ids[role] = int(user.id or 0)
            if role == "account":
                _row, keys[role] = create_key(
                    session, ctx.clock, name=name, role=Role.staff, user_id=user_id
                )
        if role == "new":
            links["valid"] = f"/password/{token}"
        else:
            signin.set_with_token(ctx, token, ACCOUNT_PASSWORD, ACCOUNT_PASSWORD)
            links.setdefault("used", f"/password/{token}")
    return links, ids


def _lock(site: Site) -> None:
    """Locks the "locked" account for the next hour of the site's clock (as five failed
    logins would)."""
    from sqlalchemy import update

    from service.accounts.models import User

    with site.ctx.db.write() as session:
        session.execute(
            update(User)
            .where(col(User.email) == ACCOUNTS["locked"][1])
            .values(failed_logins=5, locked_until=site.clock.now() + timedelta(hours=1))
        )


@contextmanager
def serve(folder: Path) -> Iterator[Site]:
    """The dashboard on a fresh, migrated SQLite database in `folder`, with one API key
    per role and the clock at tests.conftest.START; nothing else in it."""
    settings = Settings(
        database_url=f"sqlite:///{folder / 'fokus.db'}",
        var_dir=folder / "var",
        secret_key="test-secret",
        base_url="http://fokus.example",
        mail_from="fokusberatung@agentur.example",
    )
    clock = MovableClock(START)
    ctx = Context.from_settings(settings, clock=clock, registry=default_registry())
    upgrade(ctx.db)
    keys, ids = {}, {}
    with ctx.db.write() as session:
        for role, name in PEOPLE.items():
            row, keys[role] = create_key(session, clock, name=name, role=Role(role))
            session.flush()
            ids[role] = int(row.id or 0)
    links, account_ids = _accounts(ctx, keys)
    server = LiveServer(create_app(ctx)).start()
    try:
        site = Site(url=server.url, ctx=ctx, clock=clock, keys=keys, key_ids=ids)
        site.password_links, site.account_ids = links, account_ids
        site.typed.update(value for person in ACCOUNTS.values() for value in person)
        yield site
    finally:
        server.stop()
        ctx.db.dispose()


_SHARED: list[Site] = []


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Site:
    """The dashboard with engagements in every stage of every process (see `seed`): one
    for the whole run, started by the first suite that needs it and stopped at the end
    (the suites only read it, or change what no other suite looks at)."""
    if not _SHARED:
        stack = ExitStack()
        request.config.add_cleanup(stack.close)
        built = stack.enter_context(serve(tmp_path_factory.mktemp("site")))
        seed(built)
        _SHARED.append(built)
    return _SHARED[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, headless; skipped with the reason where it
    is missing or will not start."""
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (make test installs it with apt-get where it may)"
        print(f"\nbrowser tests skipped: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    except Exception as exc:
        playwright.stop()
        reason = f"Chromium at {CHROMIUM} did not start: {str(exc).splitlines()[0]}"
        print(f"\nbrowser tests skipped: {reason}")
        pytest.skip(reason)
    yield chromium
    chromium.close()
    playwright.stop()
