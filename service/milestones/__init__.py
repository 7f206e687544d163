"""Milestones of an engagement, dated from its grant (concept draft at 12 months,
follow-on application before the end, proof of use after it, …), with reminders and
escalations like stage deadlines."""
