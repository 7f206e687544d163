"""Every page a person can reach in the dashboard, in one list every browser suite visits:
the overview with its filters, an engagement in each stage of each process version (as
staff and as a supervisor), each refused form with the page that explains the refusal,
the error pages, login, RSVP, the application form and the key management.

A `Visit` opens its page in a `Tab` (a Chromium tab logged in with the role it needs, in
the suite's language) and says whether the page must show an error (`role=alert`): a
refused form that shows no error has not been provoked, and the check would pass for
the wrong reason. Add a page here once; every suite then visits it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.web.pages.site import Site

# sends a form as the browser would, also one the page's own checks (required, type=email,
# max) would stop: the server must refuse it in words, whatever a browser lets through
SUBMIT = """([action, fields]) => {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = action;
  if (fields._enctype) { form.enctype = fields._enctype; delete fields._enctype; }
  const token = document.querySelector('input[name=csrf_token]');
  const version = document.querySelector('input[name=expected_version]');
  const values = Object.assign({}, token ? {csrf_token: token.value} : {},
                               version ? {expected_version: version.value} : {}, fields);
  for (const [name, value] of Object.entries(values)) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}"""


@dataclass
class Tab:
    """Chromium tabs of one suite in one language: one per role, logged in through the
    login form, created on first use; `viewport` for the narrow-screen suite."""

    browser: Any
    site: Site
    lang: str
    viewport: dict[str, int] = field(default_factory=lambda: {"width": 1280, "height": 900})
    _pages: dict[str, Any] = field(default_factory=dict)
    last: Any = None  # the page the last visit opened

    def page(self, role: str = "staff") -> Any:
        if role not in self._pages:
            context = self.browser.new_context(
                viewport=self.viewport, locale="de-DE" if self.lang == "de" else "en-GB"
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{self.site.url}/login?lang={self.lang}")  # the choice is remembered
            if role != "anonymous":
                page.fill("#api_key", self.site.keys[role])
                with page.expect_navigation():
                    page.locator("#key-login button[type=submit]").click()
            self._pages[role] = page
        self.last = self._pages[role]
        return self.last

    def open(self, path: str, role: str = "staff") -> int:
        """Opens `path`; the HTTP status of the answer."""
        response = self.page(role).goto(self.site.url + path)
        return int(response.status) if response is not None else 0

    def send(self, path: str, fields: dict[str, str], on: str, role: str = "staff") -> int:
        """Opens `on`, then posts `fields` to `path` from it, with that page's CSRF token
        and version unless `fields` gives its own; the status of the answer."""
        page = self.page(role)
        if not self._shows(page, on):
            self.open(on, role)
        with page.expect_navigation() as navigation:
            page.evaluate(SUBMIT, [path, fields])
        return int(navigation.value.status) if navigation.value is not None else 0

    @staticmethod
    def _shows(page: Any, path: str) -> bool:
        """Whether `page` already is `path` (or a refused form re-rendered it, at the form's
        address below it) with the forms to send from: then it is not opened again."""
        current = page.url.split("?")[0].split("#")[0]
        if not current.endswith(path) and f"{path}/" not in current:
            return False
        needs = "input[name=expected_version]" if "/engagements/" in path else "form"
        return bool(page.locator("input[name=csrf_token]").count() and page.locator(needs).count())

    def close(self) -> None:
        for page in self._pages.values():
            page.context.close()
        self._pages.clear()


@dataclass(frozen=True)
class Visit:
    """One page of the catalogue: its name (the test's id), how to get there in a `Tab`
    (returning the HTTP status of the answer) and whether it must show a refusal."""

    name: str
    go: Callable[[Tab], int]
    error: bool = False  # the page must show an error: the refusal was provoked


def _engagement(key: str, role: str = "staff") -> Callable[[Tab], int]:
    return lambda tab: tab.open(f"/engagements/{tab.site.engagements[key]}", role)


def _form(path: str, fields: dict[str, str], key: str = "") -> Callable[[Tab], int]:
    """A form of the target engagement (Site.target, or the one seeded as `key`) posted
    with `fields` from that engagement's page."""

    def go(tab: Tab) -> int:
        eid = tab.site.engagements[key] if key else tab.site.target
        values = {k: v.format(site=tab.site) for k, v in fields.items()}
        return tab.send(f"/engagements/{eid}{path}", values, f"/engagements/{eid}")

    return go


STAGES = {
    ("fokusberatung", 1): [
        "application",
        "onboarding",
        "workshops",
        "guiding_vision",
        "implementation",
        "completed",
        "rejected",
        "withdrawn",
    ],
    ("fokusberatung", 2): [
        "application",
        "contracting",
        "onboarding",
        "workshops",
        "guiding_vision",
        "resolution",
        "implementation",
        "reporting",
        "completed",
        "rejected",
        "withdrawn",
    ],
    ("klimaschutzmanagement", 1): [
        "application",
        "recruiting",
        "concept_draft",
        "concept_final",
        "council_adoption",
        "implementation",
        "reporting",
        "completed",
        "rejected",
        "withdrawn",
    ],
}

PAGES: list[Visit] = [
    Visit("login", lambda tab: tab.open("/login", "anonymous")),
    Visit(
        "login refused",
        lambda tab: tab.send("/login", {"api_key": "falscher-schluessel"}, "/login", "anonymous"),
        error=True,
    ),
    *(  # accounts (service/web/login.py, service/web/password_pages.py)
        Visit(
            "login with a wrong password",
            lambda tab: tab.send(
                "/login",
                {"email": "niemand@agentur.example", "password": "falsches Passwort"},
                "/login",
                "anonymous",
            ),
            error=True,
        ),
        Visit(
            "login of a locked account",
            lambda tab: tab.send(
                "/login",
                {"email": "gerd.gesperrt@agentur.example", "password": "falsches Passwort"},
                "/login",
                "anonymous",
            ),
            error=True,
        ),
        Visit("password set", lambda tab: tab.open("/login?msg=acc_pw_set", "anonymous")),
        Visit(
            "set a password",
            lambda tab: tab.open(tab.site.password_links["valid"], "anonymous"),
        ),
        Visit(
            "set a password, too short",
            lambda tab: tab.send(
                tab.site.password_links["valid"],
                {"password": "zu kurz", "confirm": "zu kurz"},
                tab.site.password_links["valid"],
                "anonymous",
            ),
            error=True,
        ),
        Visit(
            "password link used",
            lambda tab: tab.open(tab.site.password_links["used"], "anonymous"),
            error=True,
        ),
        Visit(
            "password link unknown",
            lambda tab: tab.open("/password/unbekannt", "anonymous"),
            error=True,
        ),
        Visit("change password", lambda tab: tab.open("/account/password", "account")),
        Visit(
            "change password refused",
            lambda tab: tab.send(
                "/account/password",
                {
                    "current": "nicht das Passwort",
                    "password": "Ein neues langes Passwort",
                    "confirm": "Ein neues langes Passwort",
                },
                "/account/password",
                "account",
            ),
            error=True,
        ),
        Visit(
            "password changed",
            lambda tab: tab.open("/account/password?msg=acc_pw_changed", "account"),
        ),
        Visit(
            "change password without an account",
            lambda tab: tab.open("/account/password"),
            error=True,
        ),
    ),
    Visit("overview", lambda tab: tab.open("/")),
    Visit("overview overdue", lambda tab: tab.open("/?overdue=1")),
    Visit("overview stage", lambda tab: tab.open("/?process=fokusberatung&stage=workshops")),
    Visit("overview search without hits", lambda tab: tab.open("/?q=zzzz")),
    Visit("overview page beyond the last", lambda tab: tab.open("/?page=99")),
    Visit("overview as supervisor", lambda tab: tab.open("/", "supervisor")),
    Visit("overview of one firm", lambda tab: tab.open("/?firm=Planungsbuero+Nord")),
    *[
        Visit(
            f"engagement {process} {version} {stage}", _engagement(f"{process}.{version}.{stage}")
        )
        for (process, version), stages in STAGES.items()
        for stage in stages
    ],
    Visit("engagement in English", _engagement("english")),
    Visit(
        "engagement as supervisor",
        _engagement("fokusberatung.2.implementation", "supervisor"),
    ),
    Visit("application form", lambda tab: tab.open("/engagements/new")),
    Visit(
        "application form refused",
        lambda tab: tab.send(
            "/engagements/new",
            {"municipality": "", "contact_email": "max@gemeinde", "federal_state": "XX"},
            "/engagements/new",
        ),
        error=True,
    ),
    Visit("API keys", lambda tab: tab.open("/admin/keys", "admin")),
    # the portfolio: statistics, bulk changes from the overview, the public progress page
    Visit("statistics", lambda tab: tab.open("/stats")),
    Visit("statistics as supervisor", lambda tab: tab.open("/stats", "supervisor")),
    Visit(
        "bulk change with a refusal",
        # a completed engagement has no deadline: refused, nothing changes
        lambda tab: tab.send(
            "/bulk",
            {
                "ids": str(tab.site.engagements["fokusberatung.2.completed"]),
                "action": "extend",
                "extend_working_days": "5",
                "reason": "Landesweite Verlängerung",
            },
            "/",
        ),
    ),
    Visit(
        "bulk change with nothing ticked",
        lambda tab: tab.send("/bulk", {"action": "extend", "reason": "Urlaub"}, "/"),
        error=True,
    ),
    Visit("public progress page", lambda tab: tab.open(tab.site.public_page, "anonymous")),
    # the municipality's view behind the mailed link, and a link that leads nowhere
    Visit("portal page", lambda tab: tab.open(tab.site.portal_page, "anonymous")),
    Visit(
        "portal link unknown",
        lambda tab: tab.open("/portal/prt_unbekannt", "anonymous"),
        error=True,
    ),
    Visit(
        "API key refused",
        lambda tab: tab.send("/admin/keys", {"name": "", "role": "kaiser"}, "/admin/keys", "admin"),
        error=True,
    ),
    Visit("API keys as staff", lambda tab: tab.open("/admin/keys"), error=True),
    Visit("accounts", lambda tab: tab.open("/admin/users", "admin")),
    Visit(
        "new account refused",
        lambda tab: tab.send(
            "/admin/users",
            {"email": "jan@klima", "name": "", "role": "kaiser", "firm": ""},
            "/admin/users",
            "admin",
        ),
        error=True,
    ),
    Visit(
        "disabling an account, confirmation",
        lambda tab: tab.open(f"/admin/users/{tab.site.account_ids['new']}/disable", "admin"),
    ),
    Visit("accounts as staff", lambda tab: tab.open("/admin/users"), error=True),
    # refused forms on an engagement in implementation
    Visit(
        "step refused by its guards",
        _form("/transition", {"trigger": "finish_consulting"}),
        error=True,
    ),
    Visit("step of another stage", _form("/transition", {"trigger": "approve"}), error=True),
    Visit("step nobody knows", _form("/transition", {"trigger": "fliegen"}), error=True),
    Visit(
        "withdraw without a reason",
        # not the target: should the refusal be missing, only this one is withdrawn
        _form("/transition", {"trigger": "withdraw", "note": ""}, "spare"),
        error=True,
    ),
    Visit(
        "page out of date",
        _form("/owner", {"owner": "Jonas Becker", "expected_version": "1"}),
        error=True,
    ),
    Visit(
        "deadline without a reason",
        _form("/deadline", {"due_date": "2026-12-01", "reason": ""}),
        error=True,
    ),
    Visit(
        "deadline not a date",
        _form("/deadline", {"due_date": "morgen", "reason": "Urlaub"}),
        error=True,
    ),
    Visit(
        "participant with an address without a dot",
        _form("/participants", {"name": "Max Muster", "email": "max@gemeinde"}),
        error=True,
    ),
    Visit(
        "participant twice",
        _form("/participants", {"name": "Petra Klein", "email": "{site.participant_email}"}),
        error=True,
    ),
    Visit(
        "participant without a name",
        _form("/participants", {"name": "", "email": "max@muster.example"}),
        error=True,
    ),
    Visit(
        "participant not of this engagement",
        _form("/participants/remove", {"participant_id": "999999"}),
        error=True,
    ),
    Visit(
        "workshop ending before it starts",
        _form(
            "/workshops",
            {
                "title": "Abschluss",
                "starts_at": "2026-10-01T18:00",
                "ends_at": "2026-10-01T17:00",
                "location": "Rathaus",
            },
        ),
        error=True,
    ),
    Visit(
        "workshop without times",
        _form("/workshops", {"title": "Abschluss", "starts_at": "", "ends_at": "", "location": ""}),
        error=True,
    ),
    Visit(
        "invitations to a workshop that is over",
        _form("/invitations", {"workshop_id": "{site.past_workshop}"}),
        error=True,
    ),
    Visit(
        "measure without a title",
        _form("/measures", {"title": "", "action_area": "mobility"}),
        error=True,
    ),
    Visit(
        "measure progress over 100",
        _form("/measures/update", {"measure_id": "{site.measure}", "progress_percent": "150"}),
        error=True,
    ),
    Visit(
        "measure progress in words",
        _form("/measures/update", {"measure_id": "{site.measure}", "progress_percent": "viel"}),
        error=True,
    ),
    Visit(
        "form without its CSRF token",
        _form("/owner", {"owner": "Jonas Becker", "csrf_token": "abgelaufen"}),
        error=True,
    ),
    Visit(
        "supervisor may not change",
        lambda tab: tab.send(
            f"/engagements/{tab.site.target}/owner",
            {"owner": "Jonas Becker"},
            f"/engagements/{tab.site.target}",
            "supervisor",
        ),
        error=True,
    ),
    Visit(
        "grant below the minimum",
        _form(
            "/grant",
            {
                "form": "grant",
                "funding_reference": "67K12345",
                "notice_date": "2026-03-02",
                "period_start": "2026-03-02",
                "period_end": "2027-08-31",
                "eligible_costs": "3.000",
                "grant_amount": "1.950",
                "funding_rate_percent": "65",
                "grant_reason": "Korrektur",
            },
        ),
        error=True,
    ),
    Visit(
        "grant in words",
        _form(
            "/grant",
            {
                "form": "grant",
                "funding_reference": "67K12345",
                "notice_date": "gestern",
                "period_start": "2026-03-02",
                "period_end": "2026-01-01",
                "eligible_costs": "viel",
                "grant_amount": "",
                "funding_rate_percent": "120",
                "grant_reason": "",
            },
        ),
        error=True,
    ),
    Visit(
        "record without a date",
        _form(
            "/records",
            {"_enctype": "multipart/form-data", "form": "record", "record_kind": "proof_of_use"},
        ),
        error=True,
    ),
    Visit(
        "contract before the notice",
        _form(
            "/records",
            {
                "_enctype": "multipart/form-data",
                "form": "record",
                "record_kind": "consultant_contract",
                "record_date": "2026-03-01",
            },
        ),
        error=True,
    ),
    Visit(
        "consulting days over the budget",
        _form(
            "/consulting",
            {
                "form": "consulting",
                "day_date": "2026-03-10",
                "days": "25",
                "mode": "on_site",
                "consultant": "Jan Berater",
                "activity": "Vor Ort",
            },
        ),
        error=True,
    ),
    Visit(
        "consulting day outside the period",
        _form(
            "/consulting",
            {
                "form": "consulting",
                "day_date": "2025-01-10",
                "days": "1,5",
                "mode": "",
                "consultant": "",
                "activity": "",
            },
        ),
        error=True,
    ),
    Visit(
        "participant corrected to an address without a dot",
        _form(
            "/participants/update",
            {"participant_id": "{site.participant}", "name": "Petra Klein", "email": "p@k"},
        ),
        error=True,
    ),
    Visit(
        "workshop moved to end before it starts",
        _form(
            "/workshops/update",
            {
                "workshop_id": "{site.past_workshop}",
                "title": "Auftaktworkshop",
                "starts_at": "2026-10-01T18:00",
                "ends_at": "2026-10-01T17:00",
                "location": "Rathaus",
            },
        ),
        error=True,
    ),
    Visit(
        "reminder for a workshop that is over",
        _form("/workshops/remind", {"workshop_id": "{site.past_workshop}"}),
        error=True,
    ),
    Visit(
        "measure ending before it starts",
        _form(
            "/measures/details",
            {
                "measure_id": "{site.measure}",
                "details": "1",
                "title": "LED-Straßenbeleuchtung",
                "action_area": "street_lighting",
                "planned_start": "2026-09-01",
                "planned_end": "2026-03-01",
            },
        ),
        error=True,
    ),
    Visit(
        "change to a completed engagement",
        _form("/owner", {"owner": "Jonas Becker"}, "fokusberatung.2.completed"),
        error=True,
    ),
    Visit("logged out", lambda tab: tab.open("/login?msg=logged_out", "anonymous")),
    Visit(
        "revoking a key, confirmation",
        lambda tab: tab.open(f"/admin/keys/{tab.site.key_ids['supervisor']}/revoke", "admin"),
    ),
    Visit(
        "revoking a key that does not exist",
        lambda tab: tab.open("/admin/keys/999999/revoke", "admin"),
        error=True,
    ),
    # error pages
    Visit(
        "engagement that does not exist", lambda tab: tab.open("/engagements/999999"), error=True
    ),
    Visit("engagement id in words", lambda tab: tab.open("/engagements/abc"), error=True),
    Visit("address that does not exist", lambda tab: tab.open("/gibt-es-nicht"), error=True),
    # the invitee's page: no login, in the language of the engagement
    Visit("RSVP", lambda tab: tab.open(tab.site.rsvp[tab.lang], "anonymous")),
    Visit(
        "RSVP answered",
        lambda tab: tab.send(
            tab.site.rsvp[tab.lang], {"response": "accepted"}, tab.site.rsvp[tab.lang], "anonymous"
        ),
    ),
    Visit(
        "RSVP without an answer",
        lambda tab: tab.send(
            tab.site.rsvp[tab.lang],
            {"response": "vielleicht"},
            tab.site.rsvp[tab.lang],
            "anonymous",
        ),
        error=True,
    ),
    Visit(
        "RSVP link unknown",
        lambda tab: tab.open("/rsvp/unbekannt", "anonymous"),
        error=True,
    ),
]

BY_NAME = {visit.name: visit for visit in PAGES}
NAMES = list(BY_NAME)
