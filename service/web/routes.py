"""The dashboard (issue 5): one router per page, gathered here for the app.

A thin HTTP layer over the service functions the API calls, in the same units of work,
so history, optimistic versions and outbox mail behave identically. Query strings and
form fields are read by hand, never trusted (service/web/inputs.py): anything odd
becomes a default or a message in the page with a 4xx status, never a 500. Every POST
checks the session's CSRF token first; successful POSTs redirect (303) so a reload does
not repeat them.

- login.py: the login page, login (email and password, or an API key) and logout
- password_pages.py: setting a password through a one-time link, changing it
- overview.py: the list of engagements
- engagement.py: the engagement page and how its forms run
- engagement_forms.py, participants_forms.py, workshops_forms.py, measures_forms.py:
  the forms on it
- stats.py: the statistics page, with server-rendered SVG charts
- bulk.py: changes to the engagements ticked in the overview
- new_engagement.py: the application form (`/engagements/new`)
- portal_form.py: "Zugang für die Kommune senden" and revoking such a link
- follow_up_form.py: "Klimaschutzmanagement anschließen" on a completed Fokusberatung
- admin_keys.py: API keys for admins (`/admin/keys`)
- admin_users.py: personal accounts for admins (`/admin/users`)
- common.py: rendering, the error page for domain errors, the POST checks
"""

from __future__ import annotations

from fastapi import APIRouter

from service.web import (
    admin_keys,
    admin_users,
    bulk,
    engagement,
    engagement_forms,
    follow_up_form,
    login,
    measures_forms,
    new_engagement,
    overview,
    participants_forms,
    password_pages,
    portal_form,
    programme_forms,
    stats,
    workshops_forms,
)

router = APIRouter(include_in_schema=False)
for page in (
    login,
    overview,
    new_engagement,  # before engagement: /engagements/new is not an engagement's id
    engagement,
    engagement_forms,
    participants_forms,
    workshops_forms,
    measures_forms,
    stats,
    programme_forms,
    admin_keys,
    admin_users,
    bulk,
    portal_form,
    follow_up_form,  # the one form a final (completed) engagement takes
    password_pages,  # /password/{token} and /account/password
):
    router.include_router(page.router)
