"""The municipality's view (issue 14): a link mailed to the engagement's contact person
that opens a read-only page of its engagement for 30 days (links.py: create, list,
revoke and the letter; view.py: what the page shows; api.py: the routes)."""
